import type { Stats } from '../stats.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import type { SpiderClass } from '../spider/spider.js';

export interface SpiderMiddlewareContext {
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  spiderClass: SpiderClass;
}

/**
 * A step around the spider's callbacks. Arachne calls it per element rather than wrapping the
 * callback's async iterable (as Scrapy's process_spider_output does): cheaper on the hot path, and
 * the same for in-process and worker callbacks.
 */
export interface SpiderMiddleware {
  /** Checks a response before its callback; throw to send it to the errback instead. */
  processInput?(response: Response): void;
  /**
   * Sees every request before it is scheduled: yielded by a callback (with its `response`), by
   * `start()`, or handed back by the downloader (a redirect or meta-refresh hop, a retry: both
   * without a response). Return the request (possibly changed) or null to drop it.
   */
  processRequest?(request: Request, response: Response | undefined): Request | null;
}

export interface SpiderMiddlewareClass {
  new (context: SpiderMiddlewareContext): SpiderMiddleware;
  enabled?(settings: Readonly<SettingValues>): boolean;
}

/** The spider middleware table, as `downloaderMiddlewares`: classes in order, or a function of the defaults. */
export type SpiderMiddlewaresRef = readonly SpiderMiddlewareClass[] | ((defaults: readonly SpiderMiddlewareClass[]) => readonly SpiderMiddlewareClass[]);

declare module '../settings/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ConfigComponents<I extends object> {
    /**
     * The spider middleware table, in the order they see each request: the classes, or a function
     * of the table below (`(defaults) => [...defaults, MyMiddleware]`). Default `DEFAULT_SPIDER_MIDDLEWARES`.
     */
    spiderMiddlewares?: SpiderMiddlewaresRef;
  }
}
