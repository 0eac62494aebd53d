import { LRUCache } from 'lru-cache';
import { ArachneError, DropRequestError, RetryableError, errorCode } from '../../errors.js';
import { Request } from '../../http/request.js';
import { loadPackage } from '../../load-package.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, DownloadResult, Handler, MiddlewareContext } from '../middleware.js';

/** The part of robots-parser's `Robot` used here (its index.d.ts). */
interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}

// robots-parser is CommonJS (`module.exports = function`) and its index.d.ts opens with a bare
// `declare module`, which hides the call signature under NodeNext: restate it. Loaded with the
// first robots.txt, not at `import 'arachne'`.
type RobotsParser = (url: string, contents: string) => Robot;

/** What one origin's robots.txt allows: parsed rules, or a blanket answer. */
interface RobotsRules {
  /** Parsed rules; null with `allowAll` deciding. */
  robot: Robot | null;
  allowAll: boolean;
  /** `Crawl-delay` for our user agent, in ms. */
  crawlDelayMs: number | undefined;
  /** When a blanket disallow (5xx, unreachable) is fetched again, ms since the epoch. */
  expiresAt: number;
  /**
   * Why robots.txt could not be fetched at all (refused, reset, DNS, timeout): requests to the
   * origin fail with this error's code, not as disallowed, since the host is down, not forbidding.
   */
  unreachable?: ArachneError;
}

/** Origins whose robots.txt is kept; an LRU so a crawl of millions of hosts stays bounded. */
const MAX_ORIGINS = 10_000;
/** Redirect hops followed for robots.txt itself (Google follows at least five). */
const MAX_ROBOTS_HOPS = 5;
/**
 * A 5xx or unreachable robots.txt disallows everything, and is asked again after this long rather
 * than for the rest of the crawl: Google retries such robots.txt files too, and a one-off outage
 * at startup should not lose the whole site.
 */
const ERROR_TTL_MS = 60_000;

const ALLOW_ALL: Omit<RobotsRules, 'expiresAt'> = { robot: null, allowAll: true, crawlDelayMs: undefined };
const DISALLOW_ALL: Omit<RobotsRules, 'expiresAt'> = { robot: null, allowAll: false, crawlDelayMs: undefined };

const HTML_START = /^\s*<(?:!doctype\s+html|html|head|body)[\s>]/i;

/**
 * Obeys robots.txt (`robots.obey`). Each origin's robots.txt is fetched once, through the rest
 * of the chain to the transport (headers, user agent, cookies, stats, cache: it is a request of
 * the crawl, not a side channel), parsed with robots-parser, and kept per origin in an LRU.
 * Requests waiting for the same origin share one fetch.
 *
 * Answers follow Google's documented handling (developers.google.com/search/docs/crawling-indexing/
 * robots/robots_txt, "Handling of errors and HTTP status codes"): 2xx parsed; a body that is HTML
 * (a soft-404 page) allows all; 4xx allows all, except 429 which like 5xx disallows all. A
 * robots.txt that cannot be fetched at all (connection refused, DNS, timeout) fails the
 * origin's requests with that same coded error for a while, not as disallowed: the host is down,
 * and the user should read that. Redirects of robots.txt are followed up to five hops.
 *
 * A disallowed request fails with `ERR_ROBOTS_DISALLOWED` (counted by the engine under
 * `request/failed/ERR_ROBOTS_DISALLOWED` and here under `robots/forbidden`); its errback runs.
 * `meta.dontObeyRobots` skips the check. The parsed `Crawl-delay` is handed to the request's
 * slot as a minimum delay (`context.slots.setMinDelay`) and exposed per origin by
 * `robotsCrawlDelayMs(origin)`.
 */
export class RobotsMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['robots.obey'];
  }

  readonly #context: MiddlewareContext;
  readonly #userAgent: string;
  readonly #rules = new LRUCache<string, RobotsRules>({ max: MAX_ORIGINS });
  readonly #pending = new Map<string, Promise<RobotsRules>>();

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#userAgent = context.settings.userAgent || '*';
  }

  /**
   * The `Crawl-delay` of `origin`'s robots.txt for our user agent, in ms; undefined when it has
   * none or has not been fetched yet. `origin` as `new URL(url).origin` gives it.
   */
  robotsCrawlDelayMs(origin: string): number | undefined {
    return this.#rules.peek(origin)?.crawlDelayMs;
  }

  wrap(next: Handler): Handler {
    return async (request) => {
      if (request.meta.dontObeyRobots) return next(request);
      const url = new URL(request.url);
      // robots.txt itself is always allowed (Google's doc: it is how a crawler learns the rules).
      if (url.pathname === '/robots.txt') return next(request);
      const known = this.#rules.get(url.origin);
      const rules = known !== undefined && known.expiresAt > this.#context.now() ? known : await this.#rulesFor(url.origin, request, next);
      if (rules.unreachable) throw unreachableError(rules.unreachable, request.url);
      const allowed = rules.robot === null ? rules.allowAll : rules.robot.isAllowed(request.url, this.#userAgent) !== false;
      if (!allowed) {
        this.#context.stats.inc('robots/forbidden');
        throw new DropRequestError('ERR_ROBOTS_DISALLOWED', `${request} is disallowed by ${url.origin}/robots.txt`, {
          hint: 'robots.obey is on; set meta.dontObeyRobots on this request or -s robots.obey=false if you may crawl it',
        });
      }
      if (rules.crawlDelayMs !== undefined) {
        // Crawl-delay becomes a floor under the slot's delay (the frontier owns delays).
        this.#context.slots?.setMinDelay(request.meta.slot ?? request.host, rules.crawlDelayMs, this.#context.now());
        // Requests that left the slot before the rules were known go back to it, to be spaced out.
        if (rules !== known && this.#context.slots) {
          this.#context.stats.inc('robots/requeued_for_crawl_delay');
          return request.replace({ dontFilter: true });
        }
      }
      return next(request);
    };
  }

  #rulesFor(origin: string, request: Request, next: Handler): Promise<RobotsRules> | RobotsRules {
    const cached = this.#rules.get(origin);
    if (cached !== undefined && cached.expiresAt > this.#context.now()) return cached;
    let pending = this.#pending.get(origin);
    if (pending === undefined) {
      pending = this.#fetch(origin, request, next).then((rules) => {
        this.#rules.set(origin, rules);
        this.#pending.delete(origin);
        return rules;
      });
      this.#pending.set(origin, pending);
    }
    return pending;
  }

  async #fetch(origin: string, request: Request, next: Handler): Promise<RobotsRules> {
    const { stats, logger } = this.#context;
    const robotsUrl = `${origin}/robots.txt`;
    stats.inc('robots/request_count');
    let current = new Request({
      url: robotsUrl,
      dontFilter: true,
      priority: request.priority,
      meta: { dontRetry: true, dontObeyRobots: true, ...(request.meta.cookieJar === undefined ? {} : { cookieJar: request.meta.cookieJar }) },
    });
    const final = (rules: Omit<RobotsRules, 'expiresAt'>, ttlMs = Infinity): RobotsRules => ({ ...rules, expiresAt: this.#context.now() + ttlMs });
    try {
      let result: DownloadResult = await next(current);
      for (let hops = 0; Request.isRequest(result) && hops < MAX_ROBOTS_HOPS; hops++) {
        current = result;
        result = await next(current);
      }
      if (Request.isRequest(result)) {
        stats.inc('robots/response_status/redirect_max');
        return final(ALLOW_ALL);
      }
      stats.inc(`robots/response_status/${result.status}`);
      if (result.status === 429 || result.status >= 500) {
        logger.warn(`${robotsUrl} answered ${result.status}: every request to ${origin} is disallowed for now (Google's rule)`);
        return final(DISALLOW_ALL, ERROR_TTL_MS);
      }
      if (result.status >= 400) return final(ALLOW_ALL);
      if (result.status < 200 || result.status >= 300) return final(ALLOW_ALL);
      const text = Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength).toString('utf8');
      if ((result.header('content-type') ?? '').includes('html') || HTML_START.test(text)) {
        stats.inc('robots/html');
        return final(ALLOW_ALL);
      }
      const robot = loadPackage<RobotsParser>('robots-parser', 'robots.txt (robots.obey)')(robotsUrl, text);
      const delayS = robot.getCrawlDelay(this.#userAgent);
      return final({ robot, allowAll: true, crawlDelayMs: delayS === undefined ? undefined : Math.round(delayS * 1000) });
    } catch (error) {
      stats.inc('robots/unreachable');
      logger.warn(`${robotsUrl} is unreachable (${(error as Error).message}): requests to ${origin} fail with the same error for now`);
      const cause = error instanceof ArachneError ? error : new RetryableError(errorCode(error), String((error as Error).message ?? error));
      return { ...final(DISALLOW_ALL, ERROR_TTL_MS), unreachable: cause };
    }
  }
}

/**
 * The error a request fails with while its origin's robots.txt is unreachable: the same code and
 * kind as the robots.txt fetch's own failure (a refused connection is ERR_CONNECTION_REFUSED and
 * retryable), naming the request and saying robots.txt was the first to see it.
 */
function unreachableError(cause: ArachneError, url: string): ArachneError {
  const message = `${url} not fetched: its robots.txt could not be fetched: ${cause.message}`;
  return new ArachneError(cause.code, cause.kind, message, { hint: cause.hint ?? 'the host looks down; check the URL, or retry later', cause });
}
