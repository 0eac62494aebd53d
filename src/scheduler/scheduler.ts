import type { Stats } from '../core/stats.js';
import { fingerprint } from '../http/fingerprint.js';
import type { Request } from '../http/request.js';
import { Frontier, type Dispatch, type FrontierOptions } from './frontier.js';
import { MemorySeenSet, type SeenSet } from './seen-set.js';

export interface SchedulerOptions extends FrontierOptions {
  stats: Stats;
  seen?: SeenSet;
}

export type EnqueueResult = 'queued' | 'duplicate';

/**
 * The scheduler: the dupefilter in front of the frontier. A request is fingerprinted, checked
 * against the seen set (unless `dontFilter`), and queued in its slot.
 */
export class Scheduler {
  readonly frontier: Frontier;
  readonly #seen: SeenSet;
  readonly #stats: Stats;

  constructor(options: SchedulerOptions) {
    this.frontier = new Frontier(options);
    this.#seen = options.seen ?? new MemorySeenSet();
    this.#stats = options.stats;
  }

  enqueue(request: Request, now: number): EnqueueResult {
    // dontFilter requests are recorded too, so a start URL linked again later is not refetched.
    const fresh = this.#seen.add(fingerprint(request));
    if (!fresh && !request.dontFilter) {
      this.#stats.inc('scheduler/duplicates');
      return 'duplicate';
    }
    this.frontier.push(request, now);
    this.#stats.inc('scheduler/enqueued');
    return 'queued';
  }

  /** Re-queue a request that must be fetched again (a retry), bypassing the seen set. */
  requeue(request: Request, now: number): void {
    this.frontier.push(request, now);
    this.#stats.inc('scheduler/requeued');
  }

  next(now: number): Dispatch | undefined {
    return this.frontier.next(now);
  }

  get size(): number {
    return this.frontier.size;
  }
}
