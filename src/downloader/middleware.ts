import type { Stats } from '../stats.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';

/**
 * What a download produces: a response, or a request to schedule instead (a retry waiting for
 * its backoff, a redirect hop). A returned request goes back through the frontier, so it takes
 * slots, delays and the seen set like any other.
 */
export type DownloadResult = Response | Request;

/** One step of the chain: takes a request, resolves to a result. */
export type Handler = (request: Request) => Promise<DownloadResult>;

export interface MiddlewareContext {
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  /** The engine's clock, ms since the epoch. */
  now(): number;
  /** Random source in [0, 1). */
  random(): number;
  /** Feedback to the frontier's slots (throttle, Retry-After, Crawl-delay); absent outside a crawl. */
  slots?: SlotFeedback;
  /** Feedback to the proxy pool (health); present when `proxy.enabled`. */
  proxies?: ProxyFeedback;
}

/** How a download through a pool proxy went, for the proxy's health. */
export interface ProxyFeedback {
  report(id: string, kind: 'success' | 'target_error' | 'proxy_failure', latencyMs: number, now: number, failureCode?: string): void;
}

/** What middlewares may tell the frontier about a slot, by slot key (`meta.slot` or the host). */
export interface SlotFeedback {
  /** One finished download, for the slot's adaptive throttle. */
  observe(key: string, outcome: { dispatchedAt: number; latencyMs: number; status?: number; errorCode?: string }, now: number): void;
  /** Nothing leaves the slot before `until` (Retry-After). */
  pause(key: string, until: number, now: number): void;
  /** A floor under the slot's delay (robots.txt Crawl-delay). */
  setMinDelay(key: string, ms: number, now: number): void;
}

/**
 * A downloader middleware wraps the rest of the chain: `(next) => (request) => Promise<result>`
 * (DESIGN.md §9). It may change the request on the way in, the response on the way out, answer
 * without calling `next` (a cache), or return a request to schedule instead.
 */
export interface DownloaderMiddleware {
  wrap(next: Handler): Handler;
  close?(): void | Promise<void>;
}

export interface DownloaderMiddlewareClass {
  new (context: MiddlewareContext): DownloaderMiddleware;
  /** False to leave the middleware out of the chain for these settings. */
  enabled?(settings: Readonly<SettingValues>): boolean;
}

/** Builds the chain: the first middleware is the outermost (closest to the engine). */
export function compose(middlewares: readonly DownloaderMiddleware[], inner: Handler): Handler {
  return middlewares.reduceRight<Handler>((next, middleware) => middleware.wrap(next), inner);
}
