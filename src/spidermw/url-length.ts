import type { Request } from '../http/request.js';
import type { SpiderMiddleware, SpiderMiddlewareContext } from './spider-middleware.js';

/** Drops requests whose URL is longer than `urlLength.limit` (crawler traps grow URLs without end). */
export class UrlLengthMiddleware implements SpiderMiddleware {
  readonly #context: SpiderMiddlewareContext;
  readonly #limit: number;

  constructor(context: SpiderMiddlewareContext) {
    this.#context = context;
    this.#limit = context.settings['urlLength.limit'];
  }

  processRequest(request: Request): Request | null {
    if (request.url.length <= this.#limit) return request;
    this.#context.stats.inc('urlLength/dropped');
    this.#context.logger.debug(`dropped ${request}: URL longer than urlLength.limit ${this.#limit}`);
    return null;
  }
}
