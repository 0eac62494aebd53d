/**
 * A token bucket: `ratePerMinute` tokens a minute, holding at most `burst`. A slot with a bucket
 * sends only when a token is there; `readyAt` says when the next one will be, so the frontier
 * can wait on its one timer instead of polling. Time is passed in (ms), never read.
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number | undefined;

  constructor(ratePerMinute: number, burst = 1) {
    this.#perMs = ratePerMinute / 60_000;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
  }

  #refill(now: number): void {
    if (this.#at !== undefined && now > this.#at) this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    if (this.#at === undefined || now > this.#at) this.#at = now;
  }

  /** When a token will be available (now if one is). */
  readyAt(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? now : now + Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  /** Takes a token; the caller has checked `readyAt(now) <= now`. */
  take(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }
}
