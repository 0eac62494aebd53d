/**
 * Feed paths as users write them: `-o path[:format]` / `-O path[:format]` on the command line and
 * the keys of the `feeds` setting, with `{name}`, `{time}` and `{process}` placeholders and `-` for
 * stdout. A `redis-stream` feed's path is the name of its Redis stream (`-o {name}:items:redis-stream`).
 */
import { extname } from 'node:path';
import { ConfigError } from '../../errors.js';
import { FEED_FORMATS, type FeedConfig, type FeedFormat } from '../../settings/defaults.js';

/** The path that means "write to stdout". */
export const STDOUT_PATH = '-';

const EXTENSIONS: Readonly<Record<string, FeedFormat>> = {
  '.jsonl': 'jsonl',
  '.jl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
};

const PLACEHOLDERS = ['name', 'time', 'process'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;

function isFormat(value: string): value is FeedFormat {
  return (FEED_FORMATS as readonly string[]).includes(value);
}

/** The format a path's extension stands for (case-insensitive), or undefined. */
export function inferFeedFormat(path: string): FeedFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Parse a `-o`/`-O` argument: `path[:format]`. Only a suffix after the last colon that is a known
 * format counts as one, so `C:\out\items.json` and `./a:b.csv` keep their colons. Without a format
 * suffix the extension decides; `-` (stdout) defaults to jsonl.
 *
 * @param overwrite true for `-O` (replace the file), false for `-o` (append).
 * @throws ConfigError `ERR_FEED_FORMAT` when no format can be told, `ERR_FEED_PLACEHOLDER` for an
 *   unknown `{placeholder}`, `ERR_FEED_PATH` for an empty path.
 */
export function parseFeedArg(arg: string, overwrite: boolean): [string, FeedConfig] {
  let path = arg;
  let format: FeedFormat | undefined;
  const colon = arg.lastIndexOf(':');
  if (colon >= 0) {
    const suffix = arg.slice(colon + 1).toLowerCase();
    if (isFormat(suffix)) {
      path = arg.slice(0, colon);
      format = suffix;
    } else if (/^[a-z][a-z0-9-]{0,15}$/.test(suffix) && colon > 0) {
      // `out.jsonl:xml`: a format that does not exist (not a colon inside a file name, which
      // would hold a dot or a slash after it).
      throw new ConfigError('ERR_FEED_FORMAT', `unknown feed format "${suffix}" in "${arg}"`, {
        hint: `formats: ${FEED_FORMATS.join(', ')}; e.g. -o ${arg.slice(0, colon)}${inferFeedFormat(arg.slice(0, colon)) ? '' : ':jsonl'}`,
      });
    }
  }
  checkFeedScheme(path);
  if (path === '') {
    throw new ConfigError('ERR_FEED_PATH', `feed argument "${arg}" has no path`, {
      hint: 'write -o items.jsonl, -o out/items:csv or -o - for stdout',
    });
  }
  checkPlaceholders(path);
  if (format === undefined) format = path === STDOUT_PATH ? 'jsonl' : inferFeedFormat(path);
  if (format === undefined) {
    throw new ConfigError('ERR_FEED_FORMAT', `cannot tell the feed format of "${path}" from its extension`, {
      hint: `use one of the extensions ${Object.keys(EXTENSIONS).join(', ')} or add the format: "${path}:jsonl" (formats: ${FEED_FORMATS.join(', ')})`,
    });
  }
  return [path, { format, overwrite }];
}

/** What a feed path may be, for the error below. */
const SUPPORTED = 'local files, - (stdout) and Redis streams (format redis-stream, on cluster.redis)';

/**
 * Throw `ERR_FEED_SCHEME` for a URL (`s3://bucket/items.jsonl`): it used to be written as the
 * local file `./s3:/bucket/items.jsonl`. `file://` URLs are refused too: write the path itself.
 */
export function checkFeedScheme(path: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(path)?.[1];
  if (scheme === undefined) return;
  throw new ConfigError('ERR_FEED_SCHEME', `feed "${path}": Arachne does not write to ${scheme}:// URLs; it writes ${SUPPORTED}`, {
    hint: scheme.toLowerCase() === 'file' ? `write the path itself: -o ${path.replace(/^file:\/\//i, '')}` : 'write a local file (-o items.jsonl) and upload it after the crawl, or stream items to Redis (-o {name}:items:redis-stream)',
  });
}

/** Throw `ERR_FEED_PLACEHOLDER` if the path holds a `{placeholder}` other than `{name}`/`{time}`/`{process}`. */
export function checkPlaceholders(path: string): void {
  for (const match of path.matchAll(PLACEHOLDER)) {
    const key = match[1] ?? '';
    if (!(PLACEHOLDERS as readonly string[]).includes(key)) {
      throw new ConfigError('ERR_FEED_PLACEHOLDER', `unknown placeholder {${key}} in feed path "${path}"`, {
        hint: `known placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      });
    }
  }
}

/**
 * The crawl start time as it appears in file names: UTC, seconds precision, no colons (which
 * Windows forbids in names): `2026-11-24T08-00-00`.
 */
export function feedTimestamp(time: Date): string {
  return time.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** Characters unsafe in file names (Windows' included), replaced by `_` in placeholder values. */
const UNSAFE = /[/\\:*?"<>|\0]/g;

export interface FeedPathValues {
  /** The spider name, for `{name}`. */
  name: string;
  /** The crawl start, for `{time}`. */
  time: Date;
  /**
   * The process id, for `{process}`: in cluster mode the cluster process id, so that each process
   * of a shared crawl writes its own file (`-o items-{process}.jsonl`). Default: the OS pid.
   */
  process?: string;
}

/**
 * Fill in `{name}` (the spider name), `{time}` (see `feedTimestamp`) and `{process}` (the process
 * id), with characters unsafe in file names replaced by `_`. `-` stays `-`.
 *
 * @throws ConfigError `ERR_FEED_PLACEHOLDER` for an unknown placeholder.
 */
export function resolveFeedPath(path: string, values: FeedPathValues): string {
  checkFeedScheme(path);
  checkPlaceholders(path);
  const filled: Record<(typeof PLACEHOLDERS)[number], string> = {
    name: values.name.replace(UNSAFE, '_'),
    time: feedTimestamp(values.time),
    process: (values.process ?? String(process.pid)).replace(UNSAFE, '_'),
  };
  return path.replace(PLACEHOLDER, (_match, key: string) => filled[key as keyof typeof filled]);
}
