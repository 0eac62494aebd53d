import type { Request } from '../http/request.js';
import { compose, type DownloaderMiddleware, type DownloaderMiddlewareClass, type DownloadResult, type Handler, type MiddlewareContext } from './middleware.js';
import { DefaultHeadersMiddleware } from './middlewares/default-headers.js';
import { DownloaderStatsMiddleware } from './middlewares/downloader-stats.js';
import { RetryMiddleware } from './middlewares/retry.js';
import { UserAgentMiddleware } from './middlewares/user-agent.js';
import type { Transport } from './transport.js';

/**
 * The default downloader middlewares, outermost (closest to the engine) first. Users extend,
 * reorder or remove entries by importing the classes: no dotted strings.
 */
export const DEFAULT_DOWNLOADER_MIDDLEWARES: readonly DownloaderMiddlewareClass[] = [
  DefaultHeadersMiddleware,
  UserAgentMiddleware,
  RetryMiddleware,
  DownloaderStatsMiddleware,
];

/** Runs requests through the middleware chain to the transport. */
export class Downloader {
  readonly #transport: Transport;
  readonly #middlewares: DownloaderMiddleware[];
  readonly #handler: Handler;

  constructor(transport: Transport, context: MiddlewareContext, classes: readonly DownloaderMiddlewareClass[] = DEFAULT_DOWNLOADER_MIDDLEWARES) {
    this.#transport = transport;
    this.#middlewares = classes.filter((M) => M.enabled?.(context.settings) ?? true).map((M) => new M(context));
    this.#handler = compose(this.#middlewares, (request) => transport.fetch(request));
  }

  fetch(request: Request): Promise<DownloadResult> {
    return this.#handler(request);
  }

  async close(): Promise<void> {
    for (const middleware of this.#middlewares) await middleware.close?.();
    await this.#transport.close();
  }
}
