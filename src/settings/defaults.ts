/**
 * The defaults table: every setting, declared once, with its type, default and one-line doc.
 * Types (`SettingValues`, `ConfigInput`), validation, `-s` parsing, the README's settings table and
 * the commented `crawl.config.ts` of new projects are all derived from it.
 *
 * Keys are camelCase, grouped by the component that owns them, with the unit in the name.
 */
import { bool, int, intList, oneOf, str, strMap, structured, SpecMismatch, type SettingSpec } from './spec.js';

export const FEED_FORMATS = ['jsonl', 'json', 'csv'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** One feed: where items are written. The key of `feeds` is the path (placeholders `{name}`, `{time}`). */
export interface FeedConfig {
  /** Default: from the file extension, else `jsonl`. */
  format?: FeedFormat;
  /** Replace the file instead of appending to it. Default false. */
  overwrite?: boolean;
  /** Columns/keys to write, in order (csv: the header). Default: the keys of the first item. */
  fields?: string[];
}

function checkFeeds(value: unknown): Record<string, FeedConfig> | SpecMismatch {
  const type = 'Record<path, {format?, overwrite?, fields?}>';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(type);
  const out: Record<string, FeedConfig> = {};
  for (const [path, raw] of Object.entries(value)) {
    if (typeof raw !== 'object' || raw === null) return new SpecMismatch(type);
    const feed = raw as Record<string, unknown>;
    for (const key of Object.keys(feed)) {
      if (!['format', 'overwrite', 'fields'].includes(key)) return new SpecMismatch(`${type} (unknown feed option "${key}")`);
    }
    if (feed.format !== undefined && !(FEED_FORMATS as readonly unknown[]).includes(feed.format)) {
      return new SpecMismatch(`${type} with format ${FEED_FORMATS.map((f) => JSON.stringify(f)).join(' | ')}`);
    }
    if (feed.overwrite !== undefined && typeof feed.overwrite !== 'boolean') return new SpecMismatch(type);
    if (feed.fields !== undefined && !(Array.isArray(feed.fields) && feed.fields.every((f) => typeof f === 'string'))) {
      return new SpecMismatch(type);
    }
    out[path] = { ...(feed as FeedConfig) };
  }
  return out;
}

export const DEFAULTS = {
  'concurrency.global': int(16, 'Requests in flight across the whole crawl.', { min: 1 }),
  'concurrency.perDomain': int(8, 'Requests in flight per domain slot (host name, or `meta.slot`).', { min: 1 }),

  'download.delayMs': int(0, 'Minimum gap between two requests leaving the same slot.', { min: 0 }),
  'download.randomizeDelay': bool(false, 'Randomise each slot delay between 0.5x and 1.5x `download.delayMs`.'),
  'download.timeoutMs': int(60_000, 'Whole download, connect to last body byte; a body that drips forever is cut.', { min: 1 }),
  'download.connectTimeoutMs': int(10_000, 'Time allowed to open a connection.', { min: 1 }),
  'download.maxResponseBytes': int(32 * 1024 * 1024, 'Cap on a body after decompression; larger downloads are aborted (0 = no cap).', { min: 0 }),
  'download.warnResponseBytes': int(8 * 1024 * 1024, 'Log a warning for bodies larger than this (0 = never).', { min: 0 }),

  'pool.connectionsPerOrigin': int(0, 'Sockets kept per origin (0 = `concurrency.perDomain`).', { min: 0 }),
  'pool.keepAliveTimeoutMs': int(4_000, 'How long an idle kept-alive socket is kept when the server gives no hint.', { min: 1 }),

  userAgent: str('Arachne/0.1 (+crawler)', 'The User-Agent header of every request that does not set its own.'),
  defaultHeaders: strMap(
    { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'en' },
    'Headers added to every request that does not set them.',
  ),

  'retry.enabled': bool(true, 'Retry failed downloads (network errors and `retry.httpCodes`).'),
  'retry.times': int(2, 'Retries per request after the first attempt.', { min: 0 }),
  'retry.httpCodes': intList([500, 502, 503, 504, 522, 524, 408, 429], 'Statuses that are retried.'),
  'retry.backoffBaseMs': int(500, 'First retry waits about this long; each further retry doubles it.', { min: 0 }),
  'retry.backoffMaxMs': int(30_000, 'Upper bound of one retry wait.', { min: 0 }),

  'depth.limit': int(0, 'Maximum link depth from a start request (0 = no limit).', { min: 0 }),
  'depth.priority': int(0, 'Added to priority once per depth level: negative crawls breadth-first.'),
  'urlLength.limit': int(2083, 'Requests with longer URLs are dropped.', { min: 1 }),
  'offsite.enabled': bool(true, "Drop requests to hosts outside the spider's `allowedDomains`."),
  'httpErrors.allowedCodes': intList([], 'Non-2xx statuses passed to callbacks anyway (others are dropped and counted).'),
  'httpErrors.allowAll': bool(false, 'Pass every response to callbacks, whatever its status.'),

  'scheduler.startHighWaterMark': int(2_000, 'Start requests are pulled from `spider.start()` only while fewer are queued.', { min: 1 }),

  'items.concurrency': int(100, 'Items processed by pipelines at once (Scrapy: CONCURRENT_ITEMS).', { min: 1 }),
  feeds: structured<Record<string, FeedConfig>>(
    'Record<path, {format?, overwrite?, fields?}>',
    {},
    'Files items are written to (also `-o path[:format]`, `-O` to overwrite).',
    checkFeeds,
  ),

  'closeSpider.itemCount': int(0, 'Close the crawl after this many items (0 = off).', { min: 0 }),
  'closeSpider.pageCount': int(0, 'Close the crawl after this many responses (0 = off).', { min: 0 }),
  'closeSpider.errorCount': int(0, 'Close the crawl after this many callback errors (0 = off).', { min: 0 }),
  'closeSpider.timeoutMs': int(0, 'Close the crawl after this long (0 = off).', { min: 0 }),

  'log.level': oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info', 'Least severe log level shown.'),
  'log.statsIntervalMs': int(60_000, 'Log pages/min and items/min this often (0 = off).', { min: 0 }),
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingKey = keyof typeof DEFAULTS;
export type SettingValue<K extends SettingKey> = (typeof DEFAULTS)[K]['default'];
/** Every setting resolved to a value: what components read. */
export type SettingValues = { -readonly [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(DEFAULTS) as SettingKey[];

export function defaultValues(): SettingValues {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, structuredClone(DEFAULTS[k].default)])) as SettingValues;
}
