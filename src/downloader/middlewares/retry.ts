import { ArachneError } from '../../errors.js';
import { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import type { SettingValues } from '../../settings/defaults.js';
import type { DownloaderMiddleware, DownloadResult, Handler, MiddlewareContext } from '../middleware.js';

/**
 * Retries network failures (errors of kind `retry`) and responses whose status is in
 * `retry.httpCodes`, up to `retry.times` times. A retry is not awaited here: it is returned as a
 * request with a not-before time (exponential backoff with jitter), so it goes back to the
 * frontier and holds no slot while it waits.
 */
export class RetryMiddleware implements DownloaderMiddleware {
  static enabled(settings: Readonly<SettingValues>): boolean {
    return settings['retry.enabled'] && settings['retry.times'] > 0;
  }

  readonly #context: MiddlewareContext;
  readonly #codes: Set<number>;

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#codes = new Set(context.settings['retry.httpCodes']);
  }

  wrap(next: Handler): Handler {
    return async (request) => {
      let result: DownloadResult;
      try {
        result = await next(request);
      } catch (error) {
        if (error instanceof ArachneError && error.kind === 'retry' && !request.meta.dontRetry) {
          const retry = this.#retry(request, error.code);
          if (retry) return retry;
        }
        throw error;
      }
      if (Request.isRequest(result) || request.meta.dontRetry || !this.#codes.has(result.status)) return result;
      const response = result as Response;
      // A Retry-After the server sent is preferred to our own backoff (when it is longer).
      const retryAfterMs = parseRetryAfter(response.header('retry-after'), this.#context.now());
      return this.#retry(request, `status/${response.status}`, retryAfterMs) ?? result;
    };
  }

  /** The retry request, or undefined when the request has used up its retries. */
  #retry(request: Request, reason: string, retryAfterMs?: number): Request | undefined {
    const { settings, stats, logger } = this.#context;
    const attempt = (request.meta.retryTimes ?? 0) + 1;
    if (attempt > settings['retry.times']) {
      stats.inc('retry/max_reached');
      logger.warn(`gave up retrying ${request} (failed ${attempt} times): ${reason}`);
      return undefined;
    }
    stats.inc('retry/count');
    stats.inc(`retry/reason/${reason}`);
    logger.debug(`retrying ${request} (attempt ${attempt + 1}): ${reason}`);
    return request.replace({
      dontFilter: true,
      // Scrapy lowers a retry's priority by one, so fresh work is not starved by a failing host.
      priority: request.priority - 1,
      meta: {
        retryTimes: attempt,
        // Through another proxy next time when the pool has one (a failure may be the exit's).
        ...(request.meta.proxyId ? { avoidProxies: [...(request.meta.avoidProxies ?? []), request.meta.proxyId] } : {}),
        notBefore:
          this.#context.now() +
          Math.max(this.backoffMs(attempt), Math.min(retryAfterMs ?? 0, this.#context.settings['throttle.maxRetryAfterMs'])),
      },
    });
  }

  /** base x 2^(attempt-1), capped, with full jitter in [0.5, 1.5) so retries of one burst spread out. */
  backoffMs(attempt: number): number {
    const { settings } = this.#context;
    const base = Math.min(settings['retry.backoffMaxMs'], settings['retry.backoffBaseMs'] * 2 ** (attempt - 1));
    return Math.round(base * (0.5 + this.#context.random()));
  }
}

