import { errorCode } from '../../errors.js';
import { Request } from '../../http/request.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/**
 * Counts what actually goes over the wire: next to the transport (only the HTTP cache is inside
 * it), so retries and redirects are counted once per attempt (Scrapy's DownloaderStats).
 * `connections/new` and `connections/reused` count responses by the socket they came on; the
 * downloader adds the transport's `connections/opened` at close, and the crawler the reuse rate.
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
          else if (result.reusedConnection === false) {
            stats.inc('connections/new');
            // Per host only on a new socket: rare on a healthy crawl, so the key is built rarely;
            // the first 1,000 hosts only (stats.ts MAX_KEYS_PER_FAMILY), then `(other)`.
            stats.incPer('connections/new_by_host', request.host);
          }
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
