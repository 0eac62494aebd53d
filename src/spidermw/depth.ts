import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { SpiderMiddleware, SpiderMiddlewareContext } from './spider-middleware.js';

/**
 * Sets `meta.depth` (a request yielded from a response is one deeper than it), drops requests
 * deeper than `depth.limit`, and shifts priority by `depth.priority` per level.
 */
export class DepthMiddleware implements SpiderMiddleware {
  readonly #context: SpiderMiddlewareContext;
  readonly #limit: number;
  readonly #priority: number;

  constructor(context: SpiderMiddlewareContext) {
    this.#context = context;
    this.#limit = context.settings['depth.limit'];
    this.#priority = context.settings['depth.priority'];
  }

  processRequest(request: Request, response: Response | undefined): Request | null {
    const depth = response ? (response.request.meta.depth ?? 0) + 1 : (request.meta.depth ?? 0);
    const { stats, logger } = this.#context;
    if (this.#limit > 0 && depth > this.#limit) {
      stats.inc('depth/dropped');
      logger.debug(`dropped ${request}: depth ${depth} is over depth.limit ${this.#limit}`);
      return null;
    }
    stats.max('depth/max', depth);
    // Only a request derived from a page is shifted: one the downloader hands back (a redirect hop,
    // a retry) keeps the priority it already has.
    if (response && this.#priority !== 0 && depth > 0) return request.replace({ priority: request.priority + this.#priority * depth, meta: { depth } });
    // meta is the framework's own per-request object: setting it in place saves a copy per request.
    request.meta.depth = depth;
    return request;
  }
}
