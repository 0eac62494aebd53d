/**
 * The health of one proxy: outcomes over a recent window, and a cool-down state machine.
 *
 *   healthy --(failureThreshold proxy failures in a row)--> cooling
 *   cooling --(cool-down over; the next acquire)--> probing (one request)
 *   probing --success--> healthy          probing --failure--> cooling (cool-down doubled)
 *
 * Only proxy failures count against a proxy: a 404 or a parse error is the target's doing.
 * The cool-down doubles each time up to a cap, and resets once a probe succeeds.
 */
import { percentile } from '../percentile.js';

export type OutcomeKind = 'success' | 'target_error' | 'proxy_failure';
export type HealthState = 'healthy' | 'cooling' | 'probing';

export interface HealthOptions {
  /** Outcomes kept for the success rate and latency percentiles. */
  windowSize: number;
  /** Proxy failures in a row that start a cool-down. */
  failureThreshold: number;
  /** First cool-down; doubles each time. */
  cooldownMs: number;
  /** Cool-down cap. */
  cooldownMaxMs: number;
}

export class ProxyHealth {
  readonly #options: HealthOptions;
  state: HealthState = 'healthy';
  /** When a cool-down ends. */
  coolingUntil = 0;
  #cooldowns = 0;
  #failuresInRow = 0;
  /** 1 for success, 0 for proxy failure; target errors are not the proxy's and are left out. */
  readonly #window: number[] = [];
  readonly #latencies: number[] = [];
  /** State changes, for stats. */
  transitions = 0;

  constructor(options: HealthOptions) {
    this.#options = options;
  }

  /** Successes over successes + proxy failures in the window; 1 with no evidence yet. */
  get successRate(): number {
    if (this.#window.length === 0) return 1;
    let sum = 0;
    for (const v of this.#window) sum += v;
    return sum / this.#window.length;
  }

  latencyPercentile(q: number): number {
    return this.#latencies.length === 0 ? 0 : percentile(this.#latencies, q);
  }

  /** Whether a request may be sent through the proxy now (a probe when the cool-down is over). */
  usable(now: number): boolean {
    if (this.state === 'healthy') return true;
    // Probing: its one probe is in flight; nothing else until it answers.
    return this.state === 'cooling' && now >= this.coolingUntil;
  }

  /** Called when a request is assigned: a cooled-down proxy becomes probing. */
  acquired(now: number): void {
    if (this.state === 'cooling' && now >= this.coolingUntil) {
      this.state = 'probing';
      this.transitions++;
    }
  }

  record(kind: OutcomeKind, latencyMs: number, now: number): void {
    if (kind !== 'target_error') {
      this.#push(this.#window, kind === 'success' ? 1 : 0);
    }
    if (kind === 'success') this.#push(this.#latencies, latencyMs);

    if (kind === 'proxy_failure') {
      this.#failuresInRow++;
      if (this.state === 'probing' || (this.state === 'healthy' && this.#failuresInRow >= this.#options.failureThreshold)) this.#coolDown(now);
      return;
    }
    this.#failuresInRow = 0;
    if (this.state === 'probing') {
      this.state = 'healthy';
      this.#cooldowns = 0;
      this.transitions++;
    }
  }

  #coolDown(now: number): void {
    const ms = Math.min(this.#options.cooldownMaxMs, this.#options.cooldownMs * 2 ** this.#cooldowns);
    this.#cooldowns++;
    this.state = 'cooling';
    this.coolingUntil = now + ms;
    this.#failuresInRow = 0;
    this.transitions++;
  }

  #push(list: number[], value: number): void {
    list.push(value);
    if (list.length > this.#options.windowSize) list.shift();
  }
}
