import type { Stats } from '../stats.js';
import { fingerprint } from '../http/fingerprint.js';
import type { Request } from '../http/request.js';
import type { Dispatch, Frontier } from './frontier.js';
import type { Outcome } from './throttle.js';
import { MemorySeenSet, type SeenSet } from './seen-set.js';
import { PassThroughWindow, type FrontierWindow } from './frontier-window.js';
import { MemoryWindow } from './stores/memory-window.js';
import type { JobStore, StartLedger } from './stores/store.js';

export interface SchedulerOptions {
  /** Decides which queued request may leave; built first (scheduler/from-settings.ts). */
  frontier: Frontier;
  stats: Stats;
  seen?: SeenSet;
  /**
   * A job store (`job.dir`): queued requests and the seen set live there, the frontier holds a
   * window of them, and `done()` forgets a request. Default: none, everything in memory.
   */
  job?: { store: JobStore; window: number; perSlot: number };
  /** A window built over the same frontier that holds the queue elsewhere (the cluster's), with its start ledger. */
  shared?: FrontierWindow & StartLedger;
}

export type EnqueueResult = 'queued' | 'duplicate';

/**
 * The scheduler: the dupefilter in front of the frontier. A request is fingerprinted, checked
 * against the seen set (unless `dontFilter`), and queued in its slot. It is also where the
 * downloader middlewares' slot decisions arrive (`SlotFeedback`: throttle, Retry-After,
 * Crawl-delay): the frontier applies them, and a shared window passes them on to the cluster.
 */
export class Scheduler {
  readonly frontier: Frontier;
  readonly #seen: SeenSet;
  readonly #stats: Stats;
  /** The job store, when there is one (`job.dir`). */
  readonly store: JobStore | undefined;
  /** What holds the queued requests: the frontier itself, a window over a job store, or the cluster. */
  readonly #window: FrontierWindow;
  /** Where start progress is kept: the job store or the cluster. */
  readonly ledger: StartLedger | undefined;

  constructor(options: SchedulerOptions) {
    this.frontier = options.frontier;
    this.store = options.job?.store;
    this.#seen = this.store?.seen ?? options.seen ?? new MemorySeenSet();
    const shared = options.shared;
    this.#window = shared ?? (options.job ? new MemoryWindow({ frontier: this.frontier, ...options.job }) : new PassThroughWindow(this.frontier));
    this.ledger = shared ?? this.store;
    this.#stats = options.stats;
  }

  enqueue(request: Request, now: number): EnqueueResult {
    // dontFilter requests are recorded too, so a start URL linked again later is not refetched.
    const fp = fingerprint(request);
    const fresh = this.#seen.add(fp);
    if (!fresh && !request.dontFilter) {
      this.#stats.inc('scheduler/duplicates');
      return 'duplicate';
    }
    this.#window.push(request, now, fp);
    this.#stats.inc('scheduler/enqueued');
    return 'queued';
  }

  next(now: number): Dispatch | undefined {
    return this.#window.next(now);
  }

  /** A dispatched request's download ended: its units go back (here and, in a cluster, in Redis). */
  release(dispatch: Dispatch, now: number): void {
    this.frontier.release(dispatch, now);
    this.#window.release?.(dispatch);
  }

  /** The crawl is closing: a cluster process claims nothing more. */
  drain(): void {
    this.#window.drain?.();
  }

  /**
   * The engine finished with a dispatched request: its response was processed and what it
   * yielded was queued. A job store forgets it then; in memory there is nothing to do.
   */
  done(request: Request): void {
    this.#window.done(request);
  }

  // --- Slot feedback from the downloader middlewares ------------------------------------------

  /** One finished download, for the slot's throttle. */
  observe(key: string, outcome: Outcome, now: number): void {
    this.frontier.observe(key, outcome, now);
  }

  /** Pauses a slot until `until` (a Retry-After). */
  pause(key: string, until: number, now: number): void {
    this.frontier.pause(key, until, now);
    this.#window.paused?.(key, until, now);
  }

  /** Sets a floor under a slot's delay (robots.txt Crawl-delay). */
  setMinDelay(key: string, ms: number, now: number): void {
    this.frontier.setMinDelay(key, ms, now);
    this.#window.minDelaySet?.(key, ms, now);
  }

  /** Requests waiting: in the frontier, plus those only in the job store. */
  get size(): number {
    return this.#window.size;
  }
}
