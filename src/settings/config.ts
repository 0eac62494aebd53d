/**
 * Settings as users write them, and how they become one validated `SettingValues`.
 *
 * Priorities, lowest first: defaults < crawl.config.ts < spider `customSettings` < CLI `-s`.
 * Users write nested groups (`{ concurrency: { perDomain: 4 } }`, with completion for every key);
 * dotted keys (`{ 'concurrency.perDomain': 4 }`) are accepted too, as `-s` uses them.
 */
import type { SettingDocs } from './config-docs.js';
import { ConfigError } from '../errors.js';
import type { ItemPipeline } from '../items/pipeline.js';
import type { DownloaderMiddlewaresRef } from '../downloader/downloader.js';
import { DEFAULTS, SETTING_KEYS, defaultValues, type SettingKey, type SettingValues } from './defaults.js';
import { SpecMismatch, mismatchMessage, type SettingSpec } from './spec.js';

type Head<K extends string> = K extends `${infer H}.${string}` ? H : never;
type TopLevel<K extends string> = K extends `${string}.${string}` ? never : K;
type Rest<K extends string, H extends string> = K extends `${H}.${infer R}` ? R : never;

/** An item pipeline: its class (instantiated per crawl) or an instance. */
export type PipelineRef = ItemPipeline | (new () => ItemPipeline);

/** Components a config names by importing them: not settings, so not in the defaults table. */
export interface ConfigComponents {
  /** Item pipelines, run in this order (project ones before the spider's). */
  pipelines?: readonly PipelineRef[];
  /**
   * The downloader middleware table, outermost first: the classes in order, or a function of the
   * table below (`(defaults) => [...defaults, MyMiddleware]`). Default `DEFAULT_DOWNLOADER_MIDDLEWARES`.
   */
  downloaderMiddlewares?: DownloaderMiddlewaresRef;
}

const COMPONENT_KEYS = new Set(['pipelines', 'downloaderMiddlewares']);

/**
 * Nested, all-optional form of the settings, derived from the defaults table, plus components.
 * `SettingDocs` (generated from the same table) adds each setting's doc line to completion.
 */
export type ConfigInput = ConfigComponents & SettingDocs & {
  [K in TopLevel<SettingKey>]?: SettingValues[K];
} & {
  [H in Head<SettingKey>]?: { [R in Rest<SettingKey, H>]?: SettingValues[`${H}.${R}` & SettingKey] };
} & Partial<SettingValues>;

/** Identity function that gives `crawl.config.ts` completion and type checking. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
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
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (COMPONENT_KEYS.has(key)) continue;
    if (key in DEFAULTS) {
      out[key] = checkValue(key as SettingKey, value, source);
    } else if (GROUPS.has(key) && isPlainObject(value)) {
      for (const [sub, subValue] of Object.entries(value)) {
        const full = `${key}.${sub}`;
        if (!(full in DEFAULTS)) throw unknownKey(full, source);
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
    if (!(key in DEFAULTS)) throw unknownKey(key, '-s');
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
export function mergeSettings(...layers: Partial<SettingValues>[]): SettingValues {
  const values = defaultValues();
  for (const layer of layers) Object.assign(values, layer);
  return values;
}
