/**
 * The browser download handler (DESIGN.md §4 "The browser is a download handler"): it sits where
 * the downloader calls the transport, below every middleware, so a browser request has already
 * taken its slot units (domain, IP, proxy, global) in the frontier, passed robots, headers,
 * cookies, retry and the proxy's health accounting, exactly as an HTTP request does. Here it
 * takes a page from the pool (`browser.maxPages`) instead of a socket.
 */
import type { Stats } from '../stats.js';
import type { ArachneError } from '../errors.js';
import type { BrowserRequestOptions } from '../http/browser-options.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { OutputStream } from '../spider/callback.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import { checkActions } from './actions.js';
import { AdaptiveRendering, type NeedsBrowser } from './adaptive.js';
import type { Playwright } from './playwright.js';
import { BrowserPool, type PageLease } from './pool.js';
import { browserError, render } from './render.js';
import { wantedRendering } from '../http/rendering.js';
import { hostOf } from '../http/request.js';
import { allowedDomain, hostAllowed } from '../spider/allowed-domains.js';

export interface BrowserHandlerOptions {
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  /** The pool's proxies (ids and URLs with credentials): a request's `meta.proxyId` picks its context. */
  proxies?: readonly { id: string; url: string }[];
  /** The spider's own test for `auto` (its `needsBrowser(response)` method, on the main thread). */
  needsBrowser?: NeedsBrowser;
  random?: () => number;
  /** Loads playwright-core (tests replace it). */
  load?: () => Promise<Playwright>;
  /** The spider's `allowedDomains`: a page's script may navigate only there (with `offsite.enabled`). */
  allowedDomains?: readonly string[];
}

/** How the downloader reaches HTTP: the transport's fetch. */
export type HttpFetch = (request: Request) => Promise<Response>;

/**
 * What `auto` learns on: the host and the first path segment (`shop.example/products`). A site
 * often renders one section client-side and serves the rest as plain HTML; learning per host
 * alone would send the plain half to the browser too.
 */
export function sectionOf(url: string): string {
  const { host, pathname } = new URL(url);
  const end = pathname.indexOf('/', 1);
  return host + (end < 0 ? pathname : pathname.slice(0, end));
}

/** Logged for a script navigation cancelled because its host is outside `allowedDomains`. */
const NAVIGATION_OFFSITE = 'ERR_BROWSER_NAVIGATION_OFFSITE';

/** How long closing waits for a live page a callback was asked to close. */
const KEPT_CLOSE_MS = 2_000;

export class BrowserHandler {
  readonly #settings: Readonly<SettingValues>;
  readonly #stats: Stats;
  readonly #pool: BrowserPool;
  readonly #adaptive: AdaptiveRendering;
  readonly #mode: SettingValues['browser.mode'];
  readonly #block: ReadonlySet<string>;
  readonly #logger: Logger;
  /** Whether a page's script may navigate to a URL (the offsite rule, as for requests). */
  readonly #admits: (url: string) => boolean;
  /** Leases whose live page a callback holds (`keepPage`). */
  readonly #kept = new Set<PageLease>();

  constructor(options: BrowserHandlerOptions) {
    const { settings, stats } = options;
    this.#settings = settings;
    this.#stats = stats;
    this.#mode = settings['browser.mode'];
    this.#block = new Set(settings['browser.blockResources']);
    this.#logger = options.logger;
    const domains = options.allowedDomains ?? [];
    // The offsite middleware warns about malformed entries; here they are only normalised alike.
    const allowed = settings['offsite.enabled'] && domains.length > 0 ? domains.map((d) => allowedDomain(d, () => {})) : undefined;
    this.#admits = (url) => allowed === undefined || !/^https?:/i.test(url) || hostAllowed(hostOf(url), allowed);
    this.#pool = new BrowserPool({
      executablePath: settings['browser.executablePath'],
      launchTimeoutMs: settings['browser.launchTimeoutMs'],
      maxPages: settings['browser.maxPages'],
      pagesPerContext: settings['browser.pagesPerContext'],
      proxies: new Map((options.proxies ?? []).map((p) => [p.id, p.url])),
      logger: options.logger,
      stats,
      ...(options.load ? { load: options.load } : {}),
    });
    this.#adaptive = new AdaptiveRendering({
      ...(options.needsBrowser ? { needsBrowser: options.needsBrowser } : {}),
      recheckRate: settings['browser.autoRecheckRate'],
      random: options.random ?? Math.random,
      stats,
    });
  }

  /** Pages open now, contexts alive now: for tests and the memory check. */
  get openPages(): number {
    return this.#pool.openPages;
  }

  get contexts(): number {
    return this.#pool.contexts;
  }

  /** Downloads `request` through the browser or over `http`, as its `meta.browser` and `browser.mode` say. */
  async fetch(request: Request, http: HttpFetch): Promise<Response> {
    const wanted = wantedRendering(request, this.#mode);
    if (wanted === false) return http(request);
    if (wanted !== 'auto') return this.render(request, wanted === true ? {} : wanted);
    const section = sectionOf(request.url);
    if (this.#adaptive.direct(section)) return this.render(request, {});
    const response = await http(request);
    // Without the spider's own test, the callback judges (observeCallback, below).
    if (!this.#adaptive.spiderJudges || !(await this.#adaptive.needsBrowser(section, response))) return response;
    return this.render(request, {});
  }

  /**
   * The engine's `observeCallback` hook: in `auto`, watches what the callback of an HTTP page
   * yields; when it yielded nothing, queues a rendered copy (`dontFilter`, the same admission
   * path), and learns from what that copy's callback yields. Other responses pass untouched.
   */
  observeCallback(response: Response, outputs: OutputStream, queue: (request: Request) => void): OutputStream {
    const request = response.request;
    const copy = request.meta.autoRendered === true;
    if (this.#adaptive.spiderJudges || (!copy && (response.browser !== undefined || wantedRendering(request, this.#mode) !== 'auto'))) return outputs;
    const adaptive = this.#adaptive;
    const section = sectionOf(request.url);
    // Judged at the first output (a request it yields may leave before the callback ends: it
    // should find the section learnt), or at the end when there was none.
    const judge = (outputs: number): boolean => (copy ? (adaptive.afterRendered(section, outputs), false) : adaptive.afterHttp(section, response, outputs));
    return (async function* counted() {
      let count = 0;
      for await (const output of outputs instanceof Promise ? await outputs : outputs) {
        if (output === undefined || output === null) continue;
        if (count++ === 0) judge(1);
        yield output;
      }
      if (count === 0 && judge(0)) queue(request.replace({ dontFilter: true, meta: { browser: true, autoRendered: true, retryTimes: 0 } }));
    })();
  }

  /** Renders `request` in Chromium and returns the rendered page as a `Response`. */
  async render(request: Request, options: BrowserRequestOptions): Promise<Response> {
    const settings = this.#settings;
    const stats = this.#stats;
    const actions = checkActions(options.actions, request.url);
    const timeoutMs = options.timeoutMs ?? request.meta.downloadTimeoutMs ?? settings['download.timeoutMs'];
    const proxy = request.meta.proxyId ?? (typeof request.meta.proxy === 'string' ? request.meta.proxy : undefined);
    stats.inc('browser/requests');
    let lease: PageLease;
    try {
      lease = await this.#pool.acquire(proxy, String(request.meta.cookieJar ?? ''));
    } catch (error) {
      const coded = browserError(error, request.url, timeoutMs, false);
      stats.inc(`browser/errors/${coded.code}`);
      throw coded;
    }
    const dispatchedAt = performance.now();
    const refused: string[] = [];
    let keep = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const rendering = render(lease.page, request, {
        waitUntil: settings['browser.waitUntil'],
        block: options.blockResources ? new Set(options.blockResources) : this.#block,
        timeoutMs,
        maxBytes: request.meta.maxResponseBytes ?? settings['download.maxResponseBytes'],
        actions,
        options,
        // Script navigations outside allowedDomains are cancelled (interception.ts), and noted.
        admits: (url) => this.#admits(url) || (refused.push(url), false),
      }, dispatchedAt);
      // Playwright's own timeouts fire first; this one catches a renderer that hangs between them
      // (a page stuck in a script never answers `content()`), so no page outlives its deadline.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`render deadline of ${timeoutMs} ms passed`), { name: 'TimeoutError' })), timeoutMs + 1_000);
      });
      rendering.catch(() => {});
      const response = await Promise.race([rendering, deadline]);
      const result = response.browser!;
      // A 3xx Chromium did not follow (redirects.ts): the redirect middleware makes the hop.
      if (response.status >= 300 && response.status < 400 && response.headers.location !== undefined) stats.inc('browser/redirects');
      stats.inc('browser/pages');
      stats.inc('browser/subrequests', result.subrequests);
      if (result.blocked > 0) stats.inc('browser/subrequests_blocked', result.blocked);
      if (refused.length > 0) {
        stats.inc('browser/navigations_blocked', refused.length);
        for (const url of refused) {
          this.#logger.info(`${NAVIGATION_OFFSITE}: the script of ${request.url} navigated to ${url}, outside allowedDomains: cancelled, the page is what it rendered before`);
        }
      }
      if (options.keepPage) {
        // The escape hatch: the in-process callback gets the live page; it is closed when the
        // callback ends (parse/in-process.ts), or after `timeoutMs` more at the latest, so a page
        // sent to a worker (where it cannot go) still frees its place.
        keep = true;
        result.page = lease.page;
        const kept = lease;
        this.#kept.add(kept);
        const free = (): void => {
          this.#kept.delete(kept);
          void kept.release();
        };
        kept.page.once('close', free);
        setTimeout(free, timeoutMs).unref();
      }
      return response;
    } catch (error) {
      const coded: ArachneError = browserError(error, request.url, timeoutMs, !lease.browser.isConnected());
      stats.inc(`browser/errors/${coded.code}`);
      throw coded;
    } finally {
      clearTimeout(timer);
      // A hung page may not close quickly: its place is freed when it does, without holding the request.
      if (!keep) void lease.release();
    }
  }

  async close(): Promise<void> {
    // Live pages lent to callbacks: their callbacks ended and asked to close them; wait (bounded)
    // for those closes so their places are given back before the pool counts what is left open.
    await Promise.all(
      [...this.#kept].map(
        (lease) =>
          new Promise<void>((resolve) => {
            if (lease.page.isClosed()) resolve();
            lease.page.once('close', () => resolve());
            setTimeout(resolve, KEPT_CLOSE_MS).unref();
          }),
      ),
    );
    for (const lease of this.#kept) void lease.release();
    this.#kept.clear();
    await this.#pool.close();
  }
}
