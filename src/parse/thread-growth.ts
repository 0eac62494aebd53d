/**
 * When a parse pool that may grow (`parse.workers: "auto"`) adds a thread. Each thread is an
 * isolate that loads the spider, warms its own JIT and holds 30-50 MB (docs/workers.md, "What a
 * thread costs"), so "auto" starts one and adds one only when more would help:
 *
 * - the threads were busy GROW_BUSY of a GROW_WINDOW_MS window, and callbacks are waiting for one
 *   (the runner asks only then). Busy time, not a queue that never empties: a saturated thread
 *   takes every waiting task at each hand-over, so its queue empties every few milliseconds.
 *   Not 90%: a thread that is the bottleneck still idles between hand-overs while the main thread
 *   answers, and measured 83-84% busy with 40 callbacks waiting;
 * - and the thread added last raised the rate of finished callbacks by at least half a thread's
 *   worth. When it did not, the cores or the main thread are the limit: more threads would only
 *   take turns on the same cores, each paying its start and its memory.
 *
 * The window is long enough that a thread still loading the spider does not count as demand.
 */
export const GROW_WINDOW_MS = 500;
export const GROW_BUSY = 0.75;

export class ThreadGrowth {
  readonly #now: () => number;
  #windowStart: number;
  /** Busy time and callbacks finished by the hand-overs that ended in this window. */
  #busyMs = 0;
  #finished = 0;
  /** The window that added the last thread: its rate of finished callbacks (per ms) and its thread count. */
  #lastGrowth: { rate: number; threads: number } | undefined;

  constructor(now: () => number) {
    this.#now = now;
    this.#windowStart = now();
  }

  /** A hand-over that started at `since` ended now, with `callbacks` finished. */
  ended(since: number, callbacks: number): void {
    this.#busyMs += this.#now() - Math.max(since, this.#windowStart);
    this.#finished += callbacks;
  }

  /**
   * Asked with every thread busy (`busySince`: when each one's running hand-over started) and
   * callbacks waiting: true to add a thread. Each full window starts a new one.
   */
  shouldGrow(busySince: readonly number[]): boolean {
    const now = this.#now();
    const elapsed = now - this.#windowStart;
    if (elapsed < GROW_WINDOW_MS) return false;
    let busy = this.#busyMs;
    for (const since of busySince) busy += now - Math.max(since, this.#windowStart);
    const rate = this.#finished / elapsed;
    this.#windowStart = now;
    this.#busyMs = 0;
    this.#finished = 0;
    const threads = busySince.length;
    if (busy < GROW_BUSY * elapsed * threads) return false;
    const last = this.#lastGrowth;
    if (last && rate < last.rate * (1 + 0.5 / last.threads)) return false;
    this.#lastGrowth = { rate, threads };
    return true;
  }
}
