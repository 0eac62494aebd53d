/** An injected clock for code that takes a `Clock`: time moves only when the test says so. */
import type { Clock } from '../../src/clock.js';

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running each timer that falls due, in due order, at its due time. */
  advance(ms: number): void;
  /** Timers set and not yet run or cleared. */
  pending(): number;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const timer = { at: now + Math.max(0, ms), fn };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((t) => t !== handle);
    },
    advance(ms) {
      const end = now + ms;
      // Bounded: a timer that re-arms itself at 0 ms cannot spin forever.
      for (let guard = 0; guard < 100_000; guard++) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
    pending: () => timers.length,
  };
}
