/**
 * Settings as users write them, and how they become one validated `SettingValues`.
 *
 * Priorities, lowest first: defaults < crawl.config.ts < spider `customSettings` < CLI `-s`.
 * Users write nested groups (`{ concurrency: { perDomain: 4 } }`, with completion for every key);
 * dotted keys (`{ 'concurrency.perDomain': 4 }`) are accepted too, as `-s` uses them.
 */
import type { SettingDocs } from './config-docs.js';
import type { DottedSettingDocs } from './config-docs-dotted.js';
import { ConfigError } from '../errors.js';
import { DEFAULTS, SETTING_KEYS, defaultValues, type FeedConfig, type SettingKey, type SettingValues } from './defaults.js';
import { checkMiddlewares, checkPipelines } from './components.js';
import { SpecMismatch, mismatchMessage, type SettingSpec } from './spec.js';

type Head<K extends string> = K extends `${infer H}.${string}` ? H : never;
type TopLevel<K extends string> = K extends `${string}.${string}` ? never : K;
type Rest<K extends string, H extends string> = K extends `${H}.${infer R}` ? R : never;

/**
 * Components a config names by importing them: not settings, so not in the defaults table. Each
 * layer that defines a kind of component adds its key here by module augmentation (`pipelines` in
 * items/pipeline.ts, `spiderMiddlewares` in spidermw/, `extensions` in extensions/,
 * `downloaderMiddlewares` in downloader/), so settings/ imports none of the layers above it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
export interface ConfigComponents<I extends object = Record<string, unknown>> {}

const COMPONENT_KEYS = new Set(['pipelines', 'downloaderMiddlewares', 'spiderMiddlewares', 'extensions']);

/** A feed whose `fields` must be fields of item type `I`. */
export interface TypedFeedConfig<I extends object> extends Omit<FeedConfig, 'fields'> {
  fields?: (keyof I & string)[];
}

/**
 * Nested, all-optional form of the settings, derived from the defaults table, plus components.
 * `I` types the pipelines and the feeds' `fields` (`defineConfig<Product>({...})`).
 * `SettingDocs` and `DottedSettingDocs` (generated from the same table) add each setting's doc line to completion.
 */
export type ConfigInput<I extends object = Record<string, unknown>> = ConfigComponents<I> & SettingDocs & DottedSettingDocs & { feeds?: Record<string, TypedFeedConfig<I>> } & {
  [K in TopLevel<SettingKey>]?: SettingValues[K];
} & {
  [H in Head<SettingKey>]?: { [R in Rest<SettingKey, H>]?: SettingValues[`${H}.${R}` & SettingKey] };
} & Partial<SettingValues>;

/**
 * Identity function that gives `crawl.config.ts` completion and type checking. With an item type
 * (`defineConfig<Product>({...})`), pipelines must be `Pipeline<Product>` and feed `fields` must
 * be fields of `Product`.
 */
export function defineConfig<I extends object = Record<string, unknown>>(config: ConfigInput<I>): ConfigInput {
  return config as ConfigInput;
}

const GROUPS = new Set(SETTING_KEYS.filter((k) => k.includes('.')).map((k) => k.split('.')[0]!));

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = saved;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key`. */
export function closestKey(key: string): SettingKey {
  let best: SettingKey = SETTING_KEYS[0]!;
  let bestDistance = Infinity;
  for (const candidate of SETTING_KEYS) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function unknownKey(key: string, source: string): ConfigError {
  return new ConfigError('ERR_SETTING_UNKNOWN', `unknown setting "${key}" in ${source}`, {
    hint: `did you mean "${closestKey(key)}"? (\`crawl settings\` lists every key)`,
  });
}

function checkValue(key: SettingKey, value: unknown, source: string): unknown {
  const spec = DEFAULTS[key] as SettingSpec<unknown>;
  const checked = spec.check(value);
  if (checked instanceof SpecMismatch) {
    throw new ConfigError('ERR_SETTING_TYPE', `setting "${key}" in ${source}: ${mismatchMessage({ ...spec, type: checked.expected }, value)}`, {
      hint: `set "${key}" to a value of type ${checked.expected} (default: ${JSON.stringify(spec.default)})`,
    });
  }
  return checked;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Flattens and validates one layer of user settings (a config file, `customSettings`), returning
 * dotted keys with checked values. Throws `ERR_SETTING_UNKNOWN` / `ERR_SETTING_TYPE`.
 */
export function flattenConfig(config: unknown, source: string): Partial<SettingValues> {
  if (config === undefined || config === null) return {};
  if (!isPlainObject(config)) {
    throw new ConfigError('ERR_CONFIG_SHAPE', `${source} must export an object of settings, got ${typeof config}`, {
      hint: 'write `export default defineConfig({ ... })`',
    });
  }
  if (typeof (config as { then?: unknown }).then === 'function') {
    throw new ConfigError('ERR_CONFIG_SHAPE', `${source} exports a Promise, not an object of settings`, {
      hint: 'await it where it is exported: `export default await makeConfig()`, or export the object itself',
    });
  }
  checkPipelines(config.pipelines, source);
  checkMiddlewares(config.downloaderMiddlewares, source);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (COMPONENT_KEYS.has(key)) continue;
    if (Object.hasOwn(DEFAULTS, key)) {
      out[key] = checkValue(key as SettingKey, value, source);
    } else if (GROUPS.has(key) && !isPlainObject(value)) {
      // `concurrency: 4`: a group given a value; "unknown setting" would mislead.
      const members = SETTING_KEYS.filter((k) => k.startsWith(`${key}.`));
      throw new ConfigError('ERR_SETTING_TYPE', `"${key}" in ${source} is a group of settings, not a value: got ${JSON.stringify(value) ?? String(value)}`, {
        hint: `set one of its keys: { ${key}: { ${members[0]!.slice(key.length + 1)}: ... } } (keys: ${members.join(', ')})`,
      });
    } else if (GROUPS.has(key)) {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        const full = `${key}.${sub}`;
        if (!Object.hasOwn(DEFAULTS, full)) throw unknownKey(full, source);
        out[full] = checkValue(full as SettingKey, subValue, source);
      }
    } else {
      throw unknownKey(key, source);
    }
  }
  return out as Partial<SettingValues>;
}

/** Parses CLI `-s key=value` arguments into checked values. */
export function parseSettingArgs(args: readonly string[]): Partial<SettingValues> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError('ERR_CLI_SETTING', `-s ${JSON.stringify(arg)} is not of the form key=value`, {
        hint: 'write -s concurrency.perDomain=4',
      });
    }
    const key = arg.slice(0, eq).trim();
    const raw = arg.slice(eq + 1);
    if (GROUPS.has(key)) {
      const members = SETTING_KEYS.filter((k) => k.startsWith(`${key}.`));
      throw new ConfigError('ERR_SETTING_TYPE', `"${key}" in -s is a group of settings, not a value`, {
        hint: `set one of its keys: -s ${members[0]}=${raw} (keys: ${members.join(', ')})`,
      });
    }
    if (!Object.hasOwn(DEFAULTS, key)) throw unknownKey(key, '-s');
    const spec = DEFAULTS[key as SettingKey] as SettingSpec<unknown>;
    const parsed = spec.parse(raw);
    if (parsed instanceof SpecMismatch) {
      throw new ConfigError('ERR_SETTING_TYPE', `setting "${key}" in -s: expected ${parsed.expected}, got ${JSON.stringify(raw)}`, {
        hint: `pass -s ${key}=<${parsed.expected}>`,
      });
    }
    out[key] = parsed;
  }
  return out as Partial<SettingValues>;
}

/** Merges validated layers over the defaults, later layers winning. */
/** Where a crawl's settings come from, lowest priority first after the defaults. */
export interface SettingLayers {
  /** crawl.config.ts, as loaded, and its file name for error messages. */
  project?: { config: unknown; file: string };
  /** The spider class: its `customSettings`, named after it in error messages. */
  spider?: { name: string; customSettings?: unknown };
  /** `-s key=value` arguments, already parsed. */
  cli?: Partial<SettingValues>;
}

/**
 * The settings of a crawl or a command: defaults < crawl.config.ts < the spider's
 * `customSettings` < `-s`, each layer validated with its source named.
 */
export function layeredSettings({ project, spider, cli }: SettingLayers): SettingValues {
  return mergeSettings(
    flattenConfig(project?.config, project?.file ?? 'crawl.config.ts'),
    spider ? flattenConfig(spider.customSettings, `${spider.name}.customSettings`) : {},
    cli ?? {},
  );
}

export function mergeSettings(...layers: Partial<SettingValues>[]): SettingValues {
  const values = defaultValues();
  for (const layer of layers) Object.assign(values, layer);
  return values;
}
