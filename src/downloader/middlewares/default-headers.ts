import type { Request } from '../../http/request.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** Adds `defaultHeaders` to requests that do not set them (Scrapy's DefaultHeadersMiddleware). */
export class DefaultHeadersMiddleware implements DownloaderMiddleware {
  readonly #headers: [string, string][];

  constructor(context: MiddlewareContext) {
    this.#headers = Object.entries(context.settings.defaultHeaders).map(([k, v]) => [k.toLowerCase(), v]);
  }

  wrap(next: Handler): Handler {
    if (this.#headers.length === 0) return next;
    return (request: Request) => {
      const missing = this.#headers.filter(([name]) => !(name in request.headers));
      if (missing.length === 0) return next(request);
      return next(request.replace({ headers: { ...Object.fromEntries(missing), ...request.headers } }));
    };
  }
}
