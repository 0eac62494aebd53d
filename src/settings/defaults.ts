/**
 * The defaults table: every setting, declared once, with its type, default and one-line doc.
 * Types (`SettingValues`, `ConfigInput`), validation, `-s` parsing, the README's settings table and
 * the commented `crawl.config.ts` of new projects are all derived from it.
 *
 * Keys are camelCase, grouped by the component that owns them, with the unit in the name.
 */
import { checkPartition, checkProxyList, checkRegExp, type ProxyEntry } from './proxies.js';
import { checkResolveMap } from './resolve-map.js';
import { checkSlotRules, type SlotOverride } from './slots.js';
import { bool, int, intList, ms, num, oneOf, str, strList, strMap, structured, SpecMismatch, type SettingSpec } from './spec.js';

/**
 * The feed formats: files (`jsonl`, `json`, `csv`) and `redis-stream`, which XADDs each item as
 * one entry `{ item: <JSON> }` to the Redis stream named by the feed's path, on the Redis at
 * `cluster.redis`.
 */
export const FEED_FORMATS = ['jsonl', 'json', 'csv', 'redis-stream'] as const;
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

function checkCoverage(value: unknown): Record<string, number> | SpecMismatch {
  const type = 'Record<"*" | field | "type/field" | "type/*", number from 0 to 1>';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(type);
  for (const share of Object.values(value)) {
    if (typeof share !== 'number' || !(share >= 0 && share <= 1)) return new SpecMismatch(type);
  }
  return { ...(value as Record<string, number>) };
}

export const DEFAULTS = {
  'concurrency.global': int(16, 'Requests in flight across the whole crawl.', { min: 1 }),
  'concurrency.perDomain': int(8, 'Requests in flight per domain slot (host name, or `meta.slot`).', { min: 1 }),
  'concurrency.perIp': int(0, 'Requests in flight per target IP address, resolved by Arachne itself (0 = no IP slots).', { min: 0 }),
  'concurrency.rampUpMs': ms(0, 'Grow the global limit from 1 to `concurrency.global` over this long at start (0 = no ramp).', { min: 0 }),
  slots: structured<Record<string, SlotOverride>>(
    'Record<pattern, {concurrency?, delayMs?, randomizeDelay?, ratePerMinute?, burst?}>',
    {},
    'Per-slot overrides by host, `*.domain` or `meta.slot` key.',
    checkSlotRules,
  ),
  'rateLimit.perDomainPerMinute': int(0, 'Token-bucket rate per domain slot (0 = no rate limit).', { min: 0 }),
  'rateLimit.burst': int(1, 'Token-bucket capacity: requests a rested slot may send at once.', { min: 1 }),

  'throttle.enabled': bool(false, 'Adapt each slot\'s concurrency (AIMD) to 429/503, timeouts, resets and rising latency.'),
  'throttle.windowSize': int(20, 'Responses per throttle window; a healthy window adds 1 to the limit.', { min: 1 }),
  'throttle.decreaseFactor': num(0.5, 'The limit is multiplied by this on a 429/503, timeout, reset or latency spike.', { min: 0.05, max: 0.95 }),
  'throttle.latencyFactor': num(3, 'A window p95 latency above baseline x this is a decrease signal.', { min: 1.1 }),
  'throttle.latencyMinDeltaMs': ms(50, '... and only when it is also this much above the baseline.', { min: 0 }),
  'throttle.maxRetryAfterMs': ms(600_000, 'Cap on how long a Retry-After may pause a slot.', { min: 0 }),

  'download.delayMs': ms(0, 'Minimum gap between two requests leaving the same slot.', { min: 0 }),
  'download.randomizeDelay': bool(false, 'Randomise each slot delay between 0.5x and 1.5x `download.delayMs`.'),
  'download.timeoutMs': ms(60_000, 'Whole download, connect to last body byte; a body that drips forever is cut.', { min: 1 }),
  'download.connectTimeoutMs': ms(10_000, 'Time allowed to open a connection.', { min: 1 }),
  'download.maxResponseBytes': int(32 * 1024 * 1024, 'Cap on a body after decompression; larger downloads are aborted (0 = no cap).', { min: 0 }),
  'download.warnResponseBytes': int(8 * 1024 * 1024, 'Log a warning for bodies larger than this (0 = never).', { min: 0 }),
  'download.resolve': structured<Record<string, string>>(
    'Record<host | "*.domain" | "*", IP address>',
    {},
    "Connect to these addresses instead of resolving the names, as curl's --resolve (`*.domain`: its subdomains; `*`: every host).",
    checkResolveMap,
  ),
  'download.verifyTls': bool(true, 'Verify HTTPS certificates; false accepts any certificate (for testing only).'),

  'pool.connectionsPerOrigin': int(0, 'Cap on sockets per origin (0 = none: the slots bound them, one per request in flight; a cap below a slot\'s concurrency makes requests queue for a socket).', { min: 0 }),
  'pool.keepAliveTimeoutMs': ms(4_000, 'How long an idle kept-alive socket is kept when the server gives no hint.', { min: 1 }),
  'pool.maxRequestsPerSocket': int(0, 'Close a socket after it carried this many requests (0 = no limit).', { min: 0 }),
  'pool.maxIdleOrigins': int(4_096, 'Keep-alive pools (one per origin) kept open; past this many, opening one closes the least recently used idle pool and its sockets. Bounds sockets and memory on a broad crawl.', { min: 1 }),
  'pool.http2': bool(false, 'Offer HTTP/2 over TLS (ALPN); HTTP/1.1 stays the fallback.'),

  'robots.obey': bool(false, 'Fetch robots.txt per origin and drop the requests it disallows.'),

  'httpAuth.user': str('', 'HTTP Basic auth user name ("" = off).'),
  'httpAuth.password': str('', 'HTTP Basic auth password.'),
  'httpAuth.domain': str('', 'Host (and its subdomains) that gets the Basic auth header; required with `httpAuth.user`.'),

  'redirect.enabled': bool(true, 'Follow 301/302/303/307/308 redirects, each hop through the frontier.'),
  'redirect.maxTimes': int(20, 'Redirect hops allowed per request chain.', { min: 1 }),
  'redirect.metaRefresh': bool(true, 'Follow `<meta http-equiv="refresh">` in HTML responses.'),
  'redirect.metaRefreshMaxDelayMs': ms(100_000, 'Meta refreshes with a longer delay are not followed.', { min: 0 }),

  'cookies.enabled': bool(true, 'Keep cookies per `meta.cookieJar` jar and send them back.'),

  'httpCache.enabled': bool(false, 'Cache responses on disk and serve re-runs from it (for development).'),
  'httpCache.dir': str('.arachne/httpcache', 'Directory of the HTTP cache, relative to the working directory.'),
  'httpCache.expirationMs': int(0, 'Cached responses older than this are fetched again (0 = never expire).', { min: 0, max: Number.MAX_SAFE_INTEGER }),
  'httpCache.ignoreHttpCodes': intList([], 'Statuses that are never cached.'),

  'proxy.enabled': bool(false, 'Send requests through the proxy pool.'),
  'proxy.list': structured<ProxyEntry[]>('Array<url | {url, maxConcurrency?, tags?, domains?}>', [], 'The proxies: URLs (credentials allowed; never logged), or objects with per-proxy options.', checkProxyList),
  'proxy.file': str('', 'A file with one proxy URL per line, added to `proxy.list`.'),
  'proxy.strategy': oneOf(['lru-weighted', 'round-robin', 'random'], 'lru-weighted', 'How a proxy is picked among those with room.'),
  'proxy.successExponent': num(2, 'lru-weighted: the weight of the success rate (idle time x successRate^k).', { min: 0 }),
  'proxy.sticky': oneOf(['none', 'domain', 'session'], 'none', 'Keep one proxy per domain, or per `meta.proxySession` key.'),
  'proxy.stickyTtlMs': ms(300_000, 'A sticky binding unused this long is dropped.', { min: 1 }),
  'proxy.stickyMaxRequests': int(1_000, 'Requests one sticky binding carries before a fresh pick.', { min: 1 }),
  'proxy.maxConcurrencyPerProxy': int(8, 'Requests through one proxy at once (a gateway limit); entries may override it.', { min: 1 }),
  'proxy.partition': structured<Record<string, string[]>>('Record<pattern, tag[]>', {}, 'Dedicate proxies with these tags to the matching domains, and only to them.', checkPartition),
  'proxy.banStatuses': intList([403, 429], 'Statuses that count as a ban of the proxy (the request is retried through another).'),
  'proxy.banPattern': structured<string>('string (a regular expression)', '', 'A body matching this regular expression counts as a ban (empty = off).', checkRegExp),
  'proxy.failureThreshold': int(3, 'Proxy failures in a row that start a cool-down.', { min: 1 }),
  'proxy.cooldownMs': ms(30_000, 'First cool-down of a failing proxy; doubles each time, then one probe request.', { min: 1 }),
  'proxy.cooldownMaxMs': ms(600_000, 'Cap on a cool-down.', { min: 1 }),
  'proxy.windowSize': int(50, 'Outcomes kept per proxy for its success rate and latency.', { min: 1 }),

  'browser.mode': oneOf(['request', 'always', 'auto'], 'request', 'Which requests the browser renders: those with `meta.browser` (request), all (always), or HTTP first and the browser when a page needs it (auto).'),
  'browser.executablePath': str('', 'The Chromium to run ("" = found: `chromium` on the PATH, else Playwright\'s own).'),
  'browser.maxPages': int(4, 'Pages open at once in the browser; browser requests beyond it wait for a page.', { min: 1 }),
  'browser.pagesPerContext': int(100, 'Pages one browser context serves before it is closed and a fresh one made.', { min: 1 }),
  'browser.blockResources': strList(['image', 'font', 'media'], 'Resource types the browser aborts (Playwright resource types).'),
  'browser.waitUntil': oneOf(['commit', 'domcontentloaded', 'load', 'networkidle'], 'load', 'When a navigation counts as done.'),
  'browser.launchTimeoutMs': ms(30_000, 'Time allowed to start Chromium (and for it to give a page).', { min: 1 }),
  'browser.autoRecheckRate': num(0.05, 'browser.mode auto: share of a browser domain\'s pages still tried over HTTP first.', { min: 0, max: 1 }),

  userAgent: str('Arachne/0.1 (+crawler)', 'The User-Agent header of every request that does not set its own.'),
  defaultHeaders: strMap(
    { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'en' },
    'Headers added to every request that does not set them.',
  ),

  'retry.enabled': bool(true, 'Retry failed downloads (network errors and `retry.httpCodes`).'),
  'retry.times': int(2, 'Retries per request after the first attempt.', { min: 0 }),
  'retry.httpCodes': intList([500, 502, 503, 504, 522, 524, 408, 429], 'Statuses that are retried.'),
  'retry.backoffBaseMs': ms(500, 'First retry waits about this long; each further retry doubles it.', { min: 0 }),
  'retry.backoffMaxMs': ms(30_000, 'Upper bound of one retry wait.', { min: 0 }),

  'depth.limit': int(0, 'Maximum link depth from a start request (0 = no limit).', { min: 0 }),
  'depth.priority': int(0, 'Added to priority once per depth level: negative crawls breadth-first.'),
  'urlLength.limit': int(2083, 'Requests with longer URLs are dropped.', { min: 1 }),
  'offsite.enabled': bool(true, "Drop requests to hosts outside the spider's `allowedDomains`."),
  'httpErrors.allowedCodes': intList([], 'Non-2xx statuses passed to callbacks anyway (others are dropped and counted).'),
  'httpErrors.allowAll': bool(false, 'Pass every response to callbacks, whatever its status.'),

  'scheduler.startHighWaterMark': int(2_000, 'Start requests are pulled from `spider.start()` only while fewer are queued.', { min: 1 }),

  'job.dir': str('', 'Keep the frontier, seen set, start progress and `spider.state` in a SQLite store in this folder; re-running resumes (also `--job-dir`; empty = in memory).'),
  'job.memoryWindow': int(10_000, 'With `job.dir`: queued requests held in memory at most; the rest stay in the store.', { min: 1 }),
  'job.slotWindow': int(100, 'With `job.dir`: queued requests of one slot held in memory at most, so one slow slot cannot fill the window.', { min: 1 }),

  'cluster.redis': str('', 'Share this crawl with other `crawl` processes through Redis at this URL (`redis://host:port/db`; also `--redis`; empty = one process).'),
  'cluster.crawlId': str('', 'The shared crawl\'s id in Redis (also `--crawl-id`; empty = the spider name). Processes with the same id share one frontier.'),
  'cluster.force': bool(false, 'With `cluster.redis`: join a crawl id that holds another spider\'s crawl anyway (also `--force`).'),
  'cluster.leaseMs': ms(30_000, 'With `cluster.redis`: a process silent this long is dead; its leased requests return to the frontier and its slot units are freed.', { min: 100 }),
  'cluster.pollMs': ms(100, 'With `cluster.redis`: how often an idle process asks Redis for work (busy processes ask on every round trip).', { min: 1 }),
  'cluster.batchSize': int(256, 'With `cluster.redis`: most requests claimed, released, completed or added in one Redis round trip.', { min: 1 }),

  'memory.limitMb': int(0, 'Close the crawl (`memusage_exceeded`) when the process RSS reaches this many MB (0 = off).', { min: 0 }),
  'memory.warnMb': int(0, 'Log one warning when the process RSS reaches this many MB (0 = off).', { min: 0 }),
  'memory.checkIntervalMs': ms(1_000, 'How often `memory.limitMb` and `memory.warnMb` are checked.', { min: 1 }),

  'items.concurrency': int(100, 'Items processed by pipelines at once (Scrapy: CONCURRENT_ITEMS).', { min: 1 }),
  'items.invalid': oneOf(['drop', 'keep'], 'drop', 'An item its schema (`static itemType`) rejects is dropped, or kept as yielded; counted in `item/invalid/<field>` either way.'),
  'items.minCoverage': structured<Record<string, number>>(
    'Record<"*" | field | "type/field" | "type/*", number from 0 to 1>',
    {},
    'Least share of typed items with a field non-empty; below it at close the crawl fails (`crawl run` exits 3).',
    checkCoverage,
  ),
  feeds: structured<Record<string, FeedConfig>>(
    'Record<path, {format?, overwrite?, fields?}>',
    {},
    'Files items are written to (also `-o path[:format]`, `-O` to overwrite).',
    checkFeeds,
  ),

  'parse.workers': structured<number | 'auto'>(
    'integer >= 0 | "auto"',
    'auto',
    'Parse worker threads running callbacks (0 = in-process; "auto" = up to one per available core, started as callbacks wait for them; in-process on one core).',
    (value) => (value === 'auto' || (Number.isInteger(value) && (value as number) >= 0) ? (value as number | 'auto') : new SpecMismatch('integer >= 0 | "auto"')),
  ),
  'parse.maxQueue': int(32, 'Responses waiting for a parse thread before downloading pauses (in-process: callbacks running at once beyond the first).', { min: 0 }),
  'parse.timeoutMs': ms(60_000, 'A callback running longer on a worker is stopped and its response fails (0 = no limit).', { min: 0 }),
  'parse.maxOldGenerationSizeMb': int(0, "Heap limit of each parse worker; a worker over it is replaced (0 = V8's default).", { min: 0 }),

  'closeSpider.itemCount': int(0, 'Close the crawl after this many items (0 = off).', { min: 0 }),
  'closeSpider.pageCount': int(0, 'Close the crawl after this many responses (0 = off).', { min: 0 }),
  'closeSpider.errorCount': int(0, 'Close the crawl after this many callback errors (0 = off).', { min: 0 }),
  'closeSpider.timeoutMs': ms(0, 'Close the crawl after this long (0 = off).', { min: 0 }),

  'trace.file': str('', 'Write one JSON line per download attempt (times, slots, proxy id, connection, outcome) to this file (also `--trace`; empty = off).'),
  'trace.sampleRate': num(1, 'Share of requests traced, chosen by fingerprint so a re-run traces the same ones.', { min: 0.000001, max: 1 }),
  'report.file': str('', 'At close, write an HTML report (waterfall, concurrency, latency, per-domain and per-proxy tables) here (also `--report`; empty = off).'),
  'metrics.port': int(0, 'Serve live Prometheus metrics on http://127.0.0.1:PORT/metrics during the crawl (0 = off).', { min: 0, max: 65535 }),

  'log.level': oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info', 'Least severe log level shown.'),
  'log.statsIntervalMs': ms(60_000, 'Log pages/min and items/min this often (0 = off).', { min: 0 }),
  'log.file': str('', 'Also append every log line to this file (empty = off).'),
  'log.json': bool(false, 'Write log lines as JSON objects, one per line: time, level, logger, message (also `--json`).'),
  'progress.enabled': bool(true, 'On a terminal (stderr is a TTY), show a live status line instead of the periodic stats line.'),
} satisfies Record<string, SettingSpec<unknown>>;

export type SettingKey = keyof typeof DEFAULTS;
export type SettingValue<K extends SettingKey> = (typeof DEFAULTS)[K]['default'];
/** Every setting resolved to a value: what components read. */
export type SettingValues = { -readonly [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(DEFAULTS) as SettingKey[];

export function defaultValues(): SettingValues {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, structuredClone(DEFAULTS[k].default)])) as SettingValues;
}
