import type { Stats } from '../core/stats.js';
import { fingerprint } from '../http/fingerprint.js';
import type { Request } from '../http/request.js';
import { Frontier, type Dispatch, type FrontierOptions } from './frontier.js';
import { MemorySeenSet, type SeenSet } from './seen-set.js';
import { MemoryWindow } from './stores/memory-window.js';
import type { JobStore } from './stores/store.js';

export interface SchedulerOptions extends FrontierOptions {
  stats: Stats;
  seen?: SeenSet;
  /**
   * A job store (`job.dir`): queued requests and the seen set live there, the frontier holds a
   * window of them, and `done()` forgets a request. Default: none, everything in memory.
   */
  job?: { store: JobStore; window: number; perSlot: number };
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
  /** The job store, when there is one (`job.dir`). */
  readonly store: JobStore | undefined;
  readonly #window: MemoryWindow | undefined;

  constructor(options: SchedulerOptions) {
    this.frontier = new Frontier(options);
    this.store = options.job?.store;
    this.#seen = this.store?.seen ?? options.seen ?? new MemorySeenSet();
    this.#window = options.job ? new MemoryWindow({ frontier: this.frontier, ...options.job }) : undefined;
    this.#stats = options.stats;
  }

  enqueue(request: Request, now: number): EnqueueResult {
    // dontFilter requests are recorded too, so a start URL linked again later is not refetched.
    const fresh = this.#seen.add(fingerprint(request));
    if (!fresh && !request.dontFilter) {
      this.#stats.inc('scheduler/duplicates');
      return 'duplicate';
    }
    if (this.#window) this.#window.push(request, now);
    else this.frontier.push(request, now);
    this.#stats.inc('scheduler/enqueued');
    return 'queued';
  }

  /** Re-queue a request that must be fetched again (a retry), bypassing the seen set. */
  requeue(request: Request, now: number): void {
    if (this.#window) this.#window.push(request, now);
    else this.frontier.push(request, now);
    this.#stats.inc('scheduler/requeued');
  }

  next(now: number): Dispatch | undefined {
    return this.#window ? this.#window.next(now) : this.frontier.next(now);
  }

  /**
   * The engine finished with a dispatched request: its response was processed and what it
   * yielded was queued. A job store forgets it then; in memory there is nothing to do.
   */
  done(request: Request): void {
    this.#window?.done(request);
  }

  /** Requests waiting: in the frontier, plus those only in the job store. */
  get size(): number {
    return this.#window ? this.#window.size : this.frontier.size;
  }
}
