import type { Request } from '../../http/request.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** Sets `userAgent` on requests without a User-Agent header. */
export class UserAgentMiddleware implements DownloaderMiddleware {
  readonly #userAgent: string;

  constructor(context: MiddlewareContext) {
    this.#userAgent = context.settings.userAgent;
  }

  wrap(next: Handler): Handler {
    if (!this.#userAgent) return next;
    return (request: Request) =>
      'user-agent' in request.headers ? next(request) : next(request.replace({ headers: { ...request.headers, 'user-agent': this.#userAgent } }));
  }
}
