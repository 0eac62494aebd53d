import { errorCode } from '../../errors.js';
import { Request } from '../../http/request.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/**
 * Counts what actually goes over the wire: the innermost middleware, so retries and redirects are
 * counted once per attempt (Scrapy's DownloaderStats).
 */
export class DownloaderStatsMiddleware implements DownloaderMiddleware {
  readonly #context: MiddlewareContext;

  constructor(context: MiddlewareContext) {
    this.#context = context;
  }

  wrap(next: Handler): Handler {
    const { stats } = this.#context;
    return async (request) => {
      stats.inc('downloader/requests');
      stats.inc(`downloader/method/${request.method}`);
      try {
        const result = await next(request);
        if (!Request.isRequest(result)) {
          stats.inc('downloader/responses');
          stats.inc(`downloader/status/${result.status}`);
          stats.inc('downloader/response_bytes', result.body.byteLength);
          if (result.reusedConnection === true) stats.inc('connections/reused');
          else if (result.reusedConnection === false) stats.inc('connections/new');
        }
        return result;
      } catch (error) {
        stats.inc('downloader/exceptions');
        stats.inc(`downloader/exception/${errorCode(error)}`);
        throw error;
      }
    };
  }
}
