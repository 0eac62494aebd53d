import { checkMiddlewareTable } from '../settings/components.js';
import type { Request } from '../http/request.js';
import { compose, type DownloaderMiddleware, type DownloaderMiddlewareClass, type DownloadResult, type Handler, type MiddlewareContext } from './middleware.js';
import { CookiesMiddleware } from './middlewares/cookies.js';
import { DefaultHeadersMiddleware } from './middlewares/default-headers.js';
import { DownloaderStatsMiddleware } from './middlewares/downloader-stats.js';
import { HttpAuthMiddleware } from './middlewares/http-auth.js';
import { HttpCacheMiddleware } from './middlewares/http-cache.js';
import { RedirectMiddleware } from './middlewares/redirect.js';
import { RetryMiddleware } from './middlewares/retry.js';
import { RobotsMiddleware } from './middlewares/robots.js';
import { ProxyMiddleware } from './middlewares/proxy.js';
import { ThrottleMiddleware } from './middlewares/throttle.js';
import { UserAgentMiddleware } from './middlewares/user-agent.js';
import type { Transport } from './transport.js';
import type { Response } from '../http/response.js';

/**
 * A handler that may serve a request another way than the transport (the browser, DESIGN.md §4),
 * given the transport's fetch for the requests it passes on. It sits where the transport is
 * called, so every middleware and slot applies to it alike.
 */
export interface DownloadHandler {
  fetch(request: Request, http: (request: Request) => Promise<Response>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The default downloader middlewares, outermost (closest to the engine) first; each is switched
 * and tuned by its own settings group and left out of the chain when off. Users extend, reorder
 * or remove entries by importing the classes (no dotted strings), in `crawl.config.ts`:
 * `downloaderMiddlewares: (defaults) => [...defaults, MyMiddleware]`.
 *
 * The order follows Scrapy's (DOWNLOADER_MIDDLEWARES_BASE) where it matters:
 * - robots first, so a disallowed request costs nothing, and its robots.txt fetch passes every
 *   other step to the transport;
 * - auth, headers and user agent before retry and redirect, so each hop is built from the
 *   request as sent; redirect strips credentials when the host changes;
 * - cookies inside redirect, so a 3xx's Set-Cookie is stored before the hop is made;
 * - stats outside the cache, so cache hits count as responses (Scrapy does the same), and the
 *   cache innermost, so a hit touches no socket.
 *
 * Download timeouts need no middleware: the transport reads `meta.downloadTimeoutMs` and
 * `download.timeoutMs` itself. Decompression is in the transport too (with its size cap).
 */
export const DEFAULT_DOWNLOADER_MIDDLEWARES: readonly DownloaderMiddlewareClass[] = [
  RobotsMiddleware,
  HttpAuthMiddleware,
  DefaultHeadersMiddleware,
  UserAgentMiddleware,
  RetryMiddleware,
  RedirectMiddleware,
  CookiesMiddleware,
  DownloaderStatsMiddleware,
  HttpCacheMiddleware,
  // Innermost: it reports only real network attempts (not cache hits) to the slots' throttle.
  ThrottleMiddleware,
  ProxyMiddleware,
];

/**
 * How a config names the middleware table: the classes in order, or a function of the table
 * below it (the defaults, or the project's table for a spider's `customSettings`).
 */
export type DownloaderMiddlewaresRef =
  | readonly DownloaderMiddlewareClass[]
  | ((defaults: readonly DownloaderMiddlewareClass[]) => readonly DownloaderMiddlewareClass[]);

declare module '../settings/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ConfigComponents<I extends object> {
    /**
     * The downloader middleware table, outermost first: the classes in order, or a function of the
     * table below (`(defaults) => [...defaults, MyMiddleware]`). Default `DEFAULT_DOWNLOADER_MIDDLEWARES`.
     */
    downloaderMiddlewares?: DownloaderMiddlewaresRef;
  }
}

/** Apply a config's `downloaderMiddlewares` (if any) over `base`. */
export function resolveMiddlewareTable(
  base: readonly DownloaderMiddlewareClass[],
  ref: DownloaderMiddlewaresRef | undefined,
): readonly DownloaderMiddlewareClass[] {
  if (ref === undefined) return base;
  const table = typeof ref === 'function' ? ref(base) : ref;
  checkMiddlewareTable(table, 'the config');
  return table;
}

/** Runs requests through the middleware chain to the transport. */
export class Downloader {
  readonly #transport: Transport;
  readonly #context: MiddlewareContext;
  readonly #middlewares: DownloaderMiddleware[];
  readonly #handler: Handler;
  readonly #inner: DownloadHandler | undefined;

  constructor(
    transport: Transport,
    context: MiddlewareContext,
    classes: readonly DownloaderMiddlewareClass[] = DEFAULT_DOWNLOADER_MIDDLEWARES,
    inner?: DownloadHandler,
  ) {
    this.#transport = transport;
    this.#context = context;
    this.#inner = inner;
    this.#middlewares = classes.filter((M) => M.enabled?.(context.settings) ?? true).map((M) => new M(context));
    const http = (request: Request): Promise<Response> => transport.fetch(request);
    this.#handler = compose(this.#middlewares, inner ? (request) => inner.fetch(request, http) : http);
  }

  fetch(request: Request): Promise<DownloadResult> {
    return this.#handler(request);
  }

  /**
   * The instance of a middleware class in this chain, or undefined when it is off or absent:
   * `downloader.middleware(RobotsMiddleware)?.robotsCrawlDelayMs(origin)`.
   */
  middleware<T extends DownloaderMiddleware>(cls: new (context: MiddlewareContext) => T): T | undefined {
    return this.#middlewares.find((m): m is T => m instanceof cls);
  }

  /**
   * Closes the middlewares and the transport, then records the transport's own counts: sockets
   * opened (what the server counted as connections), stale-socket resends and requests per socket.
   */
  async close(): Promise<void> {
    for (const middleware of this.#middlewares) await middleware.close?.();
    await this.#inner?.close();
    await this.#transport.close();
    const { stats } = this.#context;
    const counts = this.#transport.stats();
    stats.set('connections/opened', counts.connectionsOpened);
    stats.set('connections/stale_retries', counts.staleSocketRetries);
    if (counts.connectionsOpened > 0) {
      stats.set('connections/requests_per_socket', Math.round(((counts.requests - counts.staleSocketRetries) / counts.connectionsOpened) * 100) / 100);
    }
    for (const [origin, opened] of Object.entries(counts.openedByOrigin)) stats.set(`connections/opened_by_origin/${origin}`, opened);
    for (const [id, proxy] of Object.entries(counts.byProxy)) {
      stats.set(`proxy/${id}/connections/opened`, proxy.connectionsOpened);
      if (proxy.connectionsOpened > 0) stats.set(`proxy/${id}/connections/requests_per_socket`, Math.round((proxy.requests / proxy.connectionsOpened) * 100) / 100);
    }
  }
}
