/**
 * The adaptive throttle of one slot: additive increase, multiplicative decrease (AIMD) of its
 * concurrency limit, as TCP congestion control does with its window.
 *
 * - Decrease (limit x `decreaseFactor`, at least 1) on a 429 or 503, a timeout, a connection
 *   reset, or when a window's p95 latency climbs above `latencyFactor` x the slot's baseline
 *   (the lowest window p95 seen). Only outcomes of requests dispatched after the last decrease
 *   count, so one burst of in-flight failures decreases once, not once per failure.
 * - Increase (+1, never above the configured limit) after each window of `windowSize`
 *   responses with no decrease signal.
 *
 * Windows are counted in responses, not in time, so the throttle needs no clock of its own and
 * behaves the same on a fast and a slow site.
 */
import { percentile } from '../percentile.js';

export interface ThrottleOptions {
  /** The configured limit: the throttle never goes above it. */
  maxLimit: number;
  /** Responses per observation window. */
  windowSize: number;
  /** The limit is multiplied by this on a decrease signal. */
  decreaseFactor: number;
  /** A window p95 above baseline x this is a decrease signal. */
  latencyFactor: number;
  /** ... and only when it is also this many ms above the baseline (tiny latencies are noisy). */
  latencyMinDeltaMs: number;
}

/** What the frontier tells the throttle about one finished request. */
export interface Outcome {
  /** When the request was dispatched (the engine's clock, ms). */
  dispatchedAt: number;
  latencyMs: number;
  status?: number;
  /** The error code when the download failed. */
  errorCode?: string;
}

const OVERLOAD_STATUS = new Set([429, 503]);
const OVERLOAD_ERRORS = new Set(['ERR_DOWNLOAD_TIMEOUT', 'ERR_CONNECT_TIMEOUT', 'ERR_CONNECTION_RESET']);

export type ThrottleDecision = 'increase' | 'decrease' | undefined;

export class Throttle {
  readonly #options: ThrottleOptions;
  limit: number;
  #window: number[] = [];
  #baselineP95 = Infinity;
  #lastDecreaseAt = -Infinity;
  #signalled = false;
  increases = 0;
  decreases = 0;

  constructor(options: ThrottleOptions, startLimit = options.maxLimit) {
    this.#options = options;
    this.limit = Math.max(1, Math.min(startLimit, options.maxLimit));
  }

  /** The baseline p95 latency (ms), Infinity until a first window completes. */
  get baselineP95(): number {
    return this.#baselineP95;
  }

  /** Feeds one outcome; returns what changed, for stats and debug logs. */
  observe(outcome: Outcome, now: number): ThrottleDecision {
    const fresh = outcome.dispatchedAt >= this.#lastDecreaseAt;
    const overloaded = (outcome.status !== undefined && OVERLOAD_STATUS.has(outcome.status)) || (outcome.errorCode !== undefined && OVERLOAD_ERRORS.has(outcome.errorCode));
    if (overloaded) {
      if (!fresh) return undefined;
      return this.#decrease(now);
    }
    this.#window.push(outcome.latencyMs);
    if (this.#window.length < this.#options.windowSize) return undefined;

    const p95 = percentile(this.#window, 0.95);
    this.#window = [];
    const slow = p95 > this.#baselineP95 * this.#options.latencyFactor && p95 - this.#baselineP95 > this.#options.latencyMinDeltaMs;
    this.#baselineP95 = Math.min(this.#baselineP95, p95);
    if (slow) return this.#decrease(now);
    if (this.#signalled) {
      // A window that straddled a decrease says nothing about the new limit: start afresh.
      this.#signalled = false;
      return undefined;
    }
    if (this.limit < this.#options.maxLimit) {
      this.limit++;
      this.increases++;
      return 'increase';
    }
    return undefined;
  }

  #decrease(now: number): ThrottleDecision {
    this.#lastDecreaseAt = now;
    this.#window = [];
    this.#signalled = true;
    const next = Math.max(1, Math.floor(this.limit * this.#options.decreaseFactor));
    if (next === this.limit) return undefined;
    this.limit = next;
    this.decreases++;
    return 'decrease';
  }
}
