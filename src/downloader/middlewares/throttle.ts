import { errorCode } from '../../errors.js';
import { Request } from '../../http/request.js';
import { parseRetryAfter } from '../../http/retry-after.js';
import type { DownloaderMiddleware, Handler, MiddlewareContext } from '../middleware.js';

/** Statuses whose Retry-After pauses the slot (RFC 9110 §10.2.3: 503; 429: RFC 6585 §4). */
const PAUSING_STATUS = new Set([429, 503]);

/**
 * Reports each download's outcome to its slot: the adaptive throttle (`throttle.enabled`) learns
 * from status, errors and latency, and a `Retry-After` on a 429 or 503 pauses the slot until then
 * (always, throttle or not: it is the server asking). Innermost but for the stats, so it sees each
 * attempt as it went over the wire.
 */
export class ThrottleMiddleware implements DownloaderMiddleware {
  readonly #context: MiddlewareContext;
  readonly #observe: boolean;
  readonly #maxPauseMs: number;

  constructor(context: MiddlewareContext) {
    this.#context = context;
    this.#observe = context.settings['throttle.enabled'];
    this.#maxPauseMs = context.settings['throttle.maxRetryAfterMs'];
  }

  wrap(next: Handler): Handler {
    const { slots } = this.#context;
    if (!slots) return next;
    return async (request) => {
      const dispatchedAt = this.#context.now();
      try {
        const result = await next(request);
        if (!Request.isRequest(result)) {
          const now = this.#context.now();
          const key = request.meta.slot ?? request.host;
          if (this.#observe) slots.observe(key, { dispatchedAt, latencyMs: now - dispatchedAt, status: result.status }, now);
          if (PAUSING_STATUS.has(result.status)) this.#pause(key, result.header('retry-after'), now);
        }
        return result;
      } catch (error) {
        if (this.#observe) {
          const now = this.#context.now();
          slots.observe(request.meta.slot ?? request.host, { dispatchedAt, latencyMs: now - dispatchedAt, errorCode: errorCode(error) }, now);
        }
        throw error;
      }
    };
  }

  #pause(key: string, header: string | undefined, now: number): void {
    if (header === undefined) return;
    const { stats, logger, slots } = this.#context;
    const waitMs = parseRetryAfter(header, now);
    if (waitMs === undefined) {
      stats.inc('throttle/retry_after_invalid');
      logger.warn(`ERR_RETRY_AFTER_INVALID: ignoring unparsable Retry-After ${JSON.stringify(header)} from ${key}`);
      return;
    }
    const capped = Math.min(waitMs, this.#maxPauseMs);
    if (capped <= 0) return;
    stats.inc('throttle/retry_after_pauses');
    logger.debug(`slot ${key} paused for ${capped} ms (Retry-After: ${header})`);
    slots!.pause(key, now + capped, now);
  }
}
