import type { Request } from '../http/request.js';
import type { Dispatch, Frontier } from './frontier.js';

/**
 * What holds the queued requests: the frontier alone (`PassThroughWindow`), a window over a job
 * store (stores/memory-window.ts), or the cluster's shared frontier. The frontier still decides
 * which request may leave.
 */
export interface FrontierWindow {
  /** Requests waiting: in memory and beyond it. */
  readonly size: number;
  push(request: Request, now: number, fingerprint: string): void;
  next(now: number): Dispatch | undefined;
  /** A dispatch gave its units back (its download ended). */
  release?(dispatch: Dispatch): void;
  /** The request's processing is complete (outputs queued, items handed over). */
  done(request: Request): void;
  /** The crawl is closing: take in no more work. */
  drain?(): void;
  /** The frontier paused a slot (Retry-After): a shared window tells the other processes. */
  paused?(key: string, until: number, now: number): void;
  /** The frontier set a floor under a slot's delay (Crawl-delay): a shared window tells the other processes. */
  minDelaySet?(key: string, ms: number, now: number): void;
}

/** Everything queued is in the frontier: the in-memory crawl. */
export class PassThroughWindow implements FrontierWindow {
  readonly #frontier: Frontier;

  constructor(frontier: Frontier) {
    this.#frontier = frontier;
  }

  get size(): number {
    return this.#frontier.size;
  }

  push(request: Request, now: number): void {
    this.#frontier.push(request, now);
  }

  next(now: number): Dispatch | undefined {
    return this.#frontier.next(now);
  }

  done(): void {}
}
