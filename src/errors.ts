/**
 * The one catalogue of Arachne's coded errors.
 *
 * Every error Arachne raises is an `ArachneError` with a stable `code` (`ERR_...`) and a `kind`
 * that says what the engine does with it:
 *
 * - `config`: bad settings, CLI arguments or project files; the crawl does not start.
 * - `retry`: a transient network failure; the retry middleware may try the request again.
 * - `drop`: the request (or response) is dropped, counted and logged; the crawl goes on.
 * - `callback`: spider code failed on one response; that response is counted as failed.
 * - `item`: an item was dropped by a pipeline or could not be written.
 * - `close`: the crawl must close (a spider raised `CloseSpider`, a feed cannot be opened).
 *
 * Codes survive the worker boundary (see `toErrorData` / `fromErrorData`): match on `code`, not on
 * the class.
 */

export type ErrorKind = 'config' | 'retry' | 'drop' | 'callback' | 'item' | 'close';

export interface ArachneErrorOptions {
  /** What to do about it, shown after the message. */
  hint?: string;
  cause?: unknown;
}

export class ArachneError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(code: string, kind: ErrorKind, message: string, options: ArachneErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
    this.hint = options.hint;
  }

  /** The message with its code and hint, as the CLI prints it. */
  describe(): string {
    return `${this.code}: ${this.message}${this.hint ? `\n  fix: ${this.hint}` : ''}`;
  }
}

/** Bad settings, arguments, spider or config files. */
export class ConfigError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'config', message, options);
  }
}

/** A transient failure worth retrying (timeouts, resets, refused connections). */
export class RetryableError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'retry', message, options);
  }
}

/** The request or response is dropped; the crawl goes on. */
export class DropRequestError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'drop', message, options);
  }
}

/** Spider code failed on one response. */
export class CallbackError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'callback', message, options);
  }
}

/** Thrown by a pipeline to drop an item (Scrapy's `DropItem`). */
export class DropItem extends ArachneError {
  constructor(reason: string) {
    super('ERR_ITEM_DROPPED', 'item', reason);
  }
}

/** Thrown by spider code to close the crawl (Scrapy's `CloseSpider`). */
export class CloseSpider extends ArachneError {
  readonly reason: string;
  constructor(reason = 'cancelled') {
    super('ERR_CLOSE_SPIDER', 'close', `spider asked to close: ${reason}`);
    this.reason = reason;
  }
}

/** An error flattened to data, so it can cross a worker boundary or be written to a trace. */
export interface ErrorData {
  name: string;
  code: string;
  kind: ErrorKind;
  message: string;
  hint?: string;
  stack?: string;
}

export function toErrorData(error: unknown): ErrorData {
  if (error instanceof ArachneError) {
    return {
      name: error.name,
      code: error.code,
      kind: error.kind,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
      kind: 'callback',
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', code: 'ERR_UNKNOWN', kind: 'callback', message: String(error) };
}

export function fromErrorData(data: ErrorData): ArachneError {
  const error = new ArachneError(data.code, data.kind, data.message, data.hint ? { hint: data.hint } : {});
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}

/** The `code` of any error: Arachne's, Node's (`ECONNRESET`), undici's (`UND_ERR_...`) or `ERR_UNKNOWN`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

/** One code of the catalogue: what the engine does with it, what it means, how to fix it. */
export interface CatalogueEntry {
  kind: ErrorKind;
  meaning: string;
  fix: string;
}

/**
 * Every code Arachne raises, with its meaning and fix. docs/errors.md is generated from it
 * (`node --import tsx scripts/errors-doc.ts`); a test keeps both in step with the codes in src/.
 */
export const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  // Settings and config files
  ERR_SETTING_UNKNOWN: { kind: 'config', meaning: 'A setting key that does not exist (a typo, or a group used as a key).', fix: 'Use the key the message suggests; `crawl settings` lists every key.' },
  ERR_SETTING_TYPE: { kind: 'config', meaning: 'A setting has a value of the wrong type or out of range (durations stop at 2147483647 ms, the longest Node timer), or a group was given a value.', fix: 'Give a value of the type named in the message, or set a key inside the group.' },
  ERR_SETTING_VALUE: { kind: 'config', meaning: 'A value passed to a component directly (not through settings) is invalid.', fix: 'Pass a value in the range the message names.' },
  ERR_CLI_SETTING: { kind: 'config', meaning: '`-s` was not of the form key=value.', fix: 'Write `-s concurrency.perDomain=4`.' },
  ERR_CONFIG_LOAD: { kind: 'config', meaning: 'crawl.config.ts failed to load (a syntax error, an import that fails, an exception at load).', fix: 'Fix the error at the file and line shown.' },
  ERR_CONFIG_SHAPE: { kind: 'config', meaning: 'crawl.config.ts exports no settings object: nothing at all, a Promise, or a value that is not an object.', fix: 'Write `export default defineConfig({ ... })` (await a promise where you export it).' },
  ERR_CONFIG_COMPONENT: { kind: 'config', meaning: '`pipelines` or `downloaderMiddlewares` is not of the expected shape (classes or objects with process(), classes with wrap()).', fix: 'List pipeline classes in `pipelines`, and middleware classes (or a function of the default table) in `downloaderMiddlewares`.' },
  ERR_OUTPUT_PATH: { kind: 'config', meaning: 'A path the crawl would write (feed, log, stats, trace, report, job dir, HTTP cache, new project) is a folder where a file is needed, a file where a folder is needed, or lies under a file.', fix: 'Pick a path whose parent folders exist or can be created; checked before the crawl starts.' },
  ERR_HTTP_AUTH_DOMAIN: { kind: 'config', meaning: 'httpAuth.user is set without httpAuth.domain: the credentials would go to every host.', fix: 'Set httpAuth.domain to the host that gets them.' },
  ERR_METRICS_PORT: { kind: 'config', meaning: 'The metrics port cannot be served (in use, or not allowed).', fix: 'Pick another metrics.port, or 0 to turn metrics off.' },
  // The command line
  ERR_CLI_USAGE: { kind: 'config', meaning: 'The command line does not parse: an unknown command or option, a missing argument, an invalid choice.', fix: 'Run `crawl <command> --help` for the usage.' },
  ERR_CLI_ARGUMENT: { kind: 'config', meaning: '`-a` was not of the form key=value.', fix: 'Write `-a category=books`.' },
  ERR_NO_PROJECT: { kind: 'config', meaning: 'The command needs a project and there is no crawl.config.ts here or above.', fix: 'Run it inside a project (`crawl startproject`), or use `crawl runspider file.ts`.' },
  ERR_INVALID_NAME: { kind: 'config', meaning: 'A project or spider name that cannot become a file and class name.', fix: 'Start with a letter; use letters, digits, "_" and "-".' },
  ERR_INVALID_DOMAIN: { kind: 'config', meaning: 'genspider got something that is not a host name or an http(s) URL.', fix: 'Pass a host name (books.example) or an http(s) URL.' },
  ERR_DIR_NOT_EMPTY: { kind: 'config', meaning: 'startproject would write into a folder that is not empty.', fix: 'Pick another folder or empty it.' },
  ERR_FILE_EXISTS: { kind: 'config', meaning: 'genspider would overwrite a spider file.', fix: 'Pick another name or pass --force.' },
  ERR_TEMPLATE_UNKNOWN: { kind: 'config', meaning: 'No spider template has that name.', fix: 'Pick one of the templates the message lists.' },
  ERR_TEMPLATE_PLACEHOLDER: { kind: 'config', meaning: 'A template uses a placeholder the command does not fill (a bug in a template).', fix: 'Report it; templates are part of Arachne.' },
  ERR_CONTRACT_FAILED: { kind: 'callback', meaning: '`crawl check` found spider contracts that failed.', fix: 'Read the failures listed above it and fix the callbacks (or the contracts).' },
  ERR_TOO_MANY_HOPS: { kind: 'drop', meaning: '`crawl fetch`/`parse`/`shell` followed more redirects and retries than allowed.', fix: 'Check the URL for a redirect loop.' },
  // Spiders and spider code
  ERR_SPIDER_LOAD: { kind: 'config', meaning: 'A spider file failed to load (syntax error, failing import). Other spider files still load; running a spider of this file fails.', fix: 'Fix the error at the file and line shown.' },
  ERR_SPIDER_NOT_FOUND: { kind: 'config', meaning: 'No spider has that name (or a file holds several and none was picked).', fix: 'Use a name from `crawl list`, or --spider <name> with runspider.' },
  ERR_SPIDER_DUPLICATE: { kind: 'config', meaning: 'Two spider classes have the same name.', fix: 'Give each a unique `static name`.' },
  ERR_SPIDER_NAME: { kind: 'config', meaning: 'A spider class has no name (empty, or an anonymous class, which the language calls "default").', fix: "Add `static override name = 'books';`." },
  ERR_SPIDER_INIT: { kind: 'config', meaning: "The spider's constructor threw (often a missing -a argument it checks).", fix: 'Fix the constructor at the line shown, or pass the arguments it needs with -a key=value.' },
  ERR_SPIDER_NO_PARSE: { kind: 'config', meaning: 'A class extends Spider but has no parse() method.', fix: 'Add `async *parse(response) { ... }`.' },
  ERR_SPIDER_START_URLS: { kind: 'config', meaning: '`startUrls` is not an array of URLs (a single string would be read letter by letter).', fix: "Write `static override startUrls = ['https://...'];`." },
  ERR_SPIDER_ALLOWED_DOMAINS: { kind: 'config', meaning: '`allowedDomains` is not an array of host names.', fix: "Write `static override allowedDomains = ['example.com'];`." },
  ERR_START_OUTPUT: { kind: 'config', meaning: 'start() returned or yielded something that is not a Request or a URL.', fix: 'Yield requests or URL strings from start(), or return an array of them.' },
  ERR_CALLBACK_NOT_FOUND: { kind: 'callback', meaning: 'A request or rule names a callback the spider does not have.', fix: 'Define the method, or fix the callback name.' },
  ERR_CALLBACK_ANONYMOUS: { kind: 'callback', meaning: 'A request was given a function that is not a method of the spider as its callback.', fix: 'Pass a method of the spider (`callback: this.parseItem`).' },
  ERR_CALLBACK_RESULT: { kind: 'callback', meaning: 'A callback returned a number, string or boolean instead of items and requests.', fix: 'Yield items and requests, or return an array, an item, a Request or nothing.' },
  ERR_CALLBACK_UNHANDLED: { kind: 'callback', meaning: 'Spider code left a promise unawaited that rejected, or a timer callback threw. Logged with your frames; the crawl and its items go on.', fix: 'Await every promise in the callback (or .catch() it); catch errors inside timers.' },
  ERR_CRAWL_RULE_NOT_FOUND: { kind: 'callback', meaning: 'A CrawlSpider response names a rule that does not exist.', fix: 'Do not edit meta.rule; keep the rules list stable during a crawl.' },
  ERR_SITEMAP_RULE: { kind: 'config', meaning: 'A sitemapRules entry is not a [pattern, callback] pair.', fix: "Write `[/\\/product\\//, 'parseProduct']`." },
  ERR_SITEMAP_INVALID: { kind: 'callback', meaning: 'A sitemap is not valid XML or gzip.', fix: 'Check the sitemap URL; the crawl goes on without it.' },
  ERR_SITEMAP_TOO_LARGE: { kind: 'callback', meaning: 'A sitemap is larger than the body cap once decompressed.', fix: 'Raise download.maxResponseBytes if the sitemap is genuine.' },
  ERR_BAD_PATTERN: { kind: 'config', meaning: 'A LinkExtractor allow/deny pattern is not a valid regular expression.', fix: 'Fix the pattern (escape special characters).' },
  ERR_FOLLOW_MANY: { kind: 'callback', meaning: 'response.follow() got a selection of several elements.', fix: 'Use response.followAll() for several links.' },
  ERR_RESPONSE_NOT_JSON: { kind: 'callback', meaning: 'response.json() on a body that is not JSON.', fix: 'Check the status and content type first; the error shows your file and line.' },
  ERR_HTML_TOO_DEEP: { kind: 'callback', meaning: 'A page nests its tags more than about 10,000 deep; parsing it would take seconds (the parser is quadratic in depth), so it is refused.', fix: 'A hostile or broken page: skip it, or read response.text with a regular expression.' },
  ERR_CLOSE_SPIDER: { kind: 'close', meaning: 'Spider code raised CloseSpider: the crawl closes gracefully.', fix: 'None needed: it is how a spider asks to stop.' },
  // Parse workers
  ERR_PARSE_TIMEOUT: { kind: 'callback', meaning: 'A callback ran longer than parse.timeoutMs on a worker; the worker was replaced.', fix: 'Make the callback faster, or raise parse.timeoutMs.' },
  ERR_PARSE_WORKER_CRASHED: { kind: 'callback', meaning: 'The parse worker running a callback died (process.exit, out of memory).', fix: 'Do not call process.exit in callbacks; raise parse.maxOldGenerationSizeMb for heavy pages.' },
  ERR_PARSE_CLOSED: { kind: 'callback', meaning: 'The parse pool closed before a callback finished (a forced stop).', fix: 'None needed after a second Ctrl-C.' },
  ERR_ITEM_NOT_CLONEABLE: { kind: 'callback', meaning: 'An item or request yielded on a worker holds something that cannot cross threads (a function, a class instance).', fix: 'Yield plain data, or set parse.workers=0.' },
  // Items and feeds
  ERR_ITEM_DROPPED: { kind: 'item', meaning: 'A pipeline dropped an item (DropItem); counted in item/dropped.', fix: 'None needed: it is how pipelines filter.' },
  ERR_ITEM_NOT_SERIALIZABLE: { kind: 'item', meaning: 'An item cannot be written as JSON (it refers to itself, or holds a BigInt); it is not counted as scraped.', fix: 'Yield plain data: no cycles, numbers or strings instead of BigInt.' },
  ERR_PIPELINE_OPEN: { kind: 'config', meaning: "A pipeline's constructor or open() threw: the crawl does not start.", fix: 'Fix the pipeline at the file and line shown.' },
  ERR_PIPELINE_RESULT: { kind: 'item', meaning: 'A pipeline returned something that is not an item.', fix: 'Return the item, or null to drop it.' },
  ERR_ITEMS_STATE: { kind: 'item', meaning: 'An item arrived before the item processor opened or after it closed (a bug in an extension using it).', fix: 'Process items only between open() and close().' },
  ERR_FEED_FORMAT: { kind: 'config', meaning: 'A feed format cannot be told from the extension, or the format after the colon does not exist.', fix: 'Use .jsonl, .json or .csv, or add :jsonl, :json, :csv or :redis-stream.' },
  ERR_FEED_SCHEME: { kind: 'config', meaning: 'A feed path is a URL (s3://, file://...): Arachne writes local files, stdout and Redis streams only.', fix: 'Write a local file and upload it after the crawl, or use a redis-stream feed.' },
  ERR_FEED_PATH: { kind: 'config', meaning: 'A feed argument has no path (or a redis-stream feed no stream name).', fix: 'Write -o items.jsonl, or -o {name}:items:redis-stream.' },
  ERR_FEED_PLACEHOLDER: { kind: 'config', meaning: 'A feed path uses a placeholder other than {name}, {time} and {process}.', fix: 'Use one of those placeholders.' },
  ERR_FEED_OPEN: { kind: 'config', meaning: 'A feed cannot be opened (two feeds on one file, a folder in the way, no permission).', fix: 'Give each feed its own writable path.' },
  ERR_FEED_APPEND_JSON: { kind: 'config', meaning: 'A .json feed to append to is not a JSON array Arachne can extend.', fix: 'Use -O to overwrite it, or a .jsonl feed for appending.' },
  ERR_FEED_APPEND_CSV: { kind: 'config', meaning: 'A .csv feed to append to has no header row.', fix: 'Use -O to overwrite it, or fix its header.' },
  ERR_FEED_REDIS: { kind: 'config', meaning: 'A redis-stream feed without a Redis URL.', fix: 'Set cluster.redis (or --redis).' },
  ERR_FEED_WRITE: { kind: 'item', meaning: 'A feed failed to write an item (Redis unreachable, disk full).', fix: 'Check the destination; the failures are counted in feed/errors.' },
  ERR_FEED_CLOSED: { kind: 'item', meaning: 'An item reached a feed after it closed.', fix: 'A bug in code writing to feeds directly: write before close().' },
  // Jobs
  ERR_JOB_DIR: { kind: 'config', meaning: 'The job dir cannot be used (a file, read-only, cannot be created).', fix: 'Pass a writable folder to --job-dir.' },
  ERR_JOB_LOCKED: { kind: 'config', meaning: 'Another crawl is using the job dir.', fix: 'Wait for it to finish, or use another --job-dir.' },
  ERR_JOB_CORRUPT: { kind: 'config', meaning: 'The job database is not a valid Arachne job (not SQLite, failed its integrity check).', fix: 'Move it away (it is left untouched) to start a fresh job.' },
  ERR_JOB_VERSION: { kind: 'config', meaning: 'The job dir was written by an Arachne with another job format.', fix: 'Resume it with that version, or start a fresh job.' },
  ERR_JOB_STORE: { kind: 'close', meaning: 'The job store failed mid-crawl (disk full, I/O error); the crawl stops, keeping what it wrote.', fix: 'Free disk space or fix the disk, then run the same command to resume.' },
  ERR_SQLITE_DRIVER: { kind: 'config', meaning: 'ARACHNE_SQLITE_DRIVER names an unknown SQLite driver, or node:sqlite on a Node that does not have it.', fix: 'Set it to node:sqlite (Node 22.13+), better-sqlite3 or auto, or unset it.' },
  ERR_SQLITE_NATIVE: { kind: 'config', meaning: "better-sqlite3's native module cannot be loaded (built for another Node version, or not built).", fix: 'Run `npm rebuild better-sqlite3` in the project; the job dir is untouched.' },
  // Cluster
  ERR_CLUSTER_URL: { kind: 'config', meaning: 'cluster.redis is not a Redis URL.', fix: 'Write redis://host:port/db.' },
  ERR_CLUSTER_REDIS: { kind: 'config', meaning: 'Redis cannot be reached to join the cluster.', fix: 'Check that Redis is up at cluster.redis.' },
  ERR_CLUSTER_REDIS_MISSING: { kind: 'config', meaning: 'A cluster command without a Redis URL.', fix: 'Pass --redis or set cluster.redis.' },
  ERR_CLUSTER_CRAWL_ID: { kind: 'config', meaning: 'A crawl id with characters Redis keys should not hold.', fix: 'Use letters, digits, "-", "_" and ".".' },
  ERR_CLUSTER_SPIDER: { kind: 'config', meaning: "The crawl id holds another spider's crawl.", fix: 'Pick another --crawl-id, or --force to join anyway.' },
  ERR_CLUSTER_FORMAT: { kind: 'config', meaning: 'The shared crawl was written in another cluster format.', fix: 'Use the Arachne version that started it, or a new crawl id.' },
  ERR_CLUSTER_JOB_DIR: { kind: 'config', meaning: 'cluster.redis and job.dir are both set.', fix: 'Use one: a cluster crawl keeps its state in Redis.' },
  ERR_CLUSTER_LIVE: { kind: 'config', meaning: 'A cluster command would change a crawl that has live processes.', fix: 'Stop them first, or pass --force.' },
  ERR_CLUSTER_UNKNOWN: { kind: 'config', meaning: 'No crawl with that id in Redis.', fix: 'Check the crawl id (`crawl cluster status`).' },
  // Proxies
  ERR_PROXY_URL: { kind: 'config', meaning: 'A proxy entry is not a valid URL.', fix: 'Write http://user:pass@host:port.' },
  ERR_PROXY_SCHEME: { kind: 'config', meaning: 'A proxy with a scheme Arachne does not speak.', fix: 'Use an http:// or https:// proxy.' },
  ERR_PROXY_FILE: { kind: 'config', meaning: 'proxy.file cannot be read.', fix: 'Check the path and its permissions.' },
  ERR_PROXY_EMPTY: { kind: 'config', meaning: 'proxy.enabled is true but no proxies are configured.', fix: 'Set proxy.list or proxy.file, or proxy.enabled=false.' },
  ERR_PROXY_REFUSED: { kind: 'drop', meaning: 'Every proxy is dedicated (proxy.partition) to other domains.', fix: 'Add proxies for this domain or change proxy.partition.' },
  ERR_PROXY_AUTH: { kind: 'retry', meaning: 'The proxy refused its credentials (407).', fix: 'Check the proxy user and password.' },
  ERR_PROXY_BANNED: { kind: 'retry', meaning: 'A response counted as a ban of the proxy (proxy.banStatuses, proxy.banPattern); retried through another.', fix: 'None needed; slow down or add proxies if it is frequent.' },
  // Downloads
  ERR_INVALID_URL: { kind: 'drop', meaning: 'A request URL is not an absolute URL.', fix: 'Use response.follow() or response.urljoin() for relative links.' },
  ERR_UNSUPPORTED_SCHEME: { kind: 'drop', meaning: 'A request URL is not http or https.', fix: 'Filter such links out (mailto:, javascript:...).' },
  ERR_INVALID_REQUEST: { kind: 'drop', meaning: 'The request cannot be sent (an invalid header, a bad method).', fix: 'Fix the request the message names.' },
  ERR_BAD_RESPONSE: { kind: 'drop', meaning: 'The server answered with something that is not valid HTTP.', fix: 'Nothing on your side; the request is dropped.' },
  ERR_DNS: { kind: 'retry', meaning: 'The host name does not resolve.', fix: 'Check the host name.' },
  ERR_CONNECTION_REFUSED: { kind: 'retry', meaning: 'Nothing listens on that host and port.', fix: 'Check the host is up and the port right.' },
  ERR_CONNECTION_RESET: { kind: 'retry', meaning: 'The connection was reset.', fix: 'Retried; slow down if a server resets often.' },
  ERR_CONNECT_TIMEOUT: { kind: 'retry', meaning: 'Opening the connection took longer than download.connectTimeoutMs.', fix: 'Retried; raise the timeout for slow hosts.' },
  ERR_DOWNLOAD_TIMEOUT: { kind: 'retry', meaning: 'The download took longer than download.timeoutMs.', fix: 'Retried; raise download.timeoutMs for slow pages.' },
  ERR_DOWNLOAD_FAILED: { kind: 'retry', meaning: 'The download failed for another network reason.', fix: 'Retried; the message names the cause.' },
  ERR_TLS_CERT: { kind: 'drop', meaning: 'The server certificate was refused.', fix: 'Fix the server, or download.verifyTls=false for testing only.' },
  ERR_RESPONSE_TOO_LARGE: { kind: 'drop', meaning: 'A body over download.maxResponseBytes (after decompression).', fix: 'Raise download.maxResponseBytes if the page is genuine.' },
  ERR_DECOMPRESSION: { kind: 'drop', meaning: 'A compressed body cannot be decompressed.', fix: 'Nothing on your side; the response is dropped.' },
  ERR_HTTP_STATUS: { kind: 'drop', meaning: 'A non-2xx response not passed to callbacks.', fix: 'List the status in httpErrors.allowedCodes (or meta) to handle it.' },
  ERR_ROBOTS_DISALLOWED: { kind: 'drop', meaning: "robots.txt disallows the URL (robots.obey).", fix: 'Respect it, or robots.obey=false where you may.' },
  ERR_REDIRECT_INVALID: { kind: 'drop', meaning: 'A redirect with a Location that is not a URL.', fix: 'Nothing on your side; the request is dropped.' },
  ERR_REDIRECT_SCHEME: { kind: 'drop', meaning: 'A redirect to a URL that is not http(s).', fix: 'Nothing on your side; the request is dropped.' },
  ERR_REDIRECT_LOOP: { kind: 'drop', meaning: 'A redirect back to a URL of the same chain.', fix: 'Nothing on your side (a cookie may be needed to break it).' },
  ERR_REDIRECT_MAX: { kind: 'drop', meaning: 'More redirects than redirect.maxTimes.', fix: 'Raise redirect.maxTimes if the chain is genuine.' },
  ERR_TRANSPORT_CLOSED: { kind: 'drop', meaning: 'A request after the transport closed (a forced stop).', fix: 'None needed.' },
  ERR_CURL: { kind: 'drop', meaning: 'A curl command that cannot become a request.', fix: 'Fix the curl command as the message says.' },
  ERR_CURL_UNKNOWN_OPTION: { kind: 'drop', meaning: 'A curl option Arachne does not map onto a request.', fix: 'Remove it, or pass ignoreUnknownOptions.' },
  ERR_CURL_UNSUPPORTED_OPTION: { kind: 'drop', meaning: 'A curl option no single request can express (-F forms, -T uploads, --digest, client certificates, @file data).', fix: 'Build the request in code (new Request({...})) instead of from curl.' },
  // Selectors
  ERR_SELECTOR_INVALID: { kind: 'callback', meaning: 'A css() selector or xpath() expression that does not parse.', fix: 'Fix the selector the message names (docs/selectors.md lists what is supported).' },
  // Browser rendering
  ERR_PLAYWRIGHT_MISSING: { kind: 'drop', meaning: 'A request asked for the browser and playwright-core is not installed.', fix: 'npm install playwright-core (no browser download needed with a system Chromium).' },
  ERR_BROWSER_NOT_FOUND: { kind: 'config', meaning: 'No Chromium was found: not at browser.executablePath, not on PATH, not in Playwright\'s cache.', fix: 'Install Chromium (apt-get install chromium) or set browser.executablePath.' },
  ERR_BROWSER_LAUNCH: { kind: 'retry', meaning: 'Chromium did not start within browser.launchTimeoutMs.', fix: 'Check the executable runs headless here; raise browser.launchTimeoutMs on a slow machine.' },
  ERR_BROWSER_CRASHED: { kind: 'retry', meaning: 'Chromium died while rendering the page; it is restarted and the page retried.', fix: 'Lower browser.maxPages if memory is short; see the log for the crash.' },
  ERR_BROWSER_FAILED: { kind: 'retry', meaning: 'The browser could not load the page (navigation error).', fix: 'Check the URL loads in a browser; the message carries Chromium\'s reason.' },
  ERR_BROWSER_ACTION: { kind: 'drop', meaning: 'A page action (click, fill, wait, evaluate) failed or is malformed.', fix: 'Fix the action the message names, or the selector it waits for.' },
  ERR_BROWSER_NO_RESPONSE: { kind: 'drop', meaning: 'The browser navigation produced no main-document response.', fix: 'The URL may be a download or about:blank; fetch it over HTTP instead.' },
  ERR_BROWSER_NAVIGATION_OFFSITE: { kind: 'drop', meaning: "A page's script navigated to a host outside the spider's allowedDomains: the navigation was cancelled before it left Chromium, the page kept what it had rendered.", fix: 'Add the host to allowedDomains if the crawl should follow it (set offsite.enabled false to admit every host).' },
  ERR_BROWSER_CLOSED: { kind: 'retry', meaning: 'The browser handler was closed while a page was still waiting.', fix: 'Nothing to do at crawl close; otherwise report it.' },
  // Packaging and exit checks
  ERR_MISSING_DEPENDENCY: { kind: 'config', meaning: 'An optional package a feature needs is not installed (better-sqlite3 for --job-dir on a Node without node:sqlite, ioredis for --redis).', fix: 'npm install the package the message names.' },
  ERR_CRAWL_CHECK_FAILED: { kind: 'close', meaning: 'The crawl finished, but with errors (--fail-on-errors) or fewer items than --min-items.', fix: 'Read the crawl\'s errors in its log and stats; the items scraped are in the feeds.' },
  // Traces and reports
  ERR_TRACE_FILE: { kind: 'config', meaning: 'The trace file cannot be written.', fix: 'Pick a writable path for --trace.' },
  ERR_TRACE_FORMAT: { kind: 'config', meaning: 'The file given to `crawl report` is not an Arachne trace.', fix: 'Pass a file written by --trace.' },
  ERR_TRACE_VERSION: { kind: 'config', meaning: 'A trace of another format version.', fix: 'Render it with the Arachne version that wrote it.' },
  ERR_REPORT_FILE: { kind: 'config', meaning: 'The report file cannot be written.', fix: 'Pick a writable path for --report.' },
  ERR_UNKNOWN: { kind: 'callback', meaning: 'An error without a code (thrown by spider code or a library).', fix: 'Read the message and the frames of your code shown with it.' },
};
