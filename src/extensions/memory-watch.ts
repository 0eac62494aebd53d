/**
 * Watches the process's resident set size (Scrapy's MemoryUsage extension): one warning when it
 * reaches `memory.warnMb`, and a clean close (`finish_reason` = `memusage_exceeded`: in-flight
 * requests finish, items are written, a job dir keeps the rest) when it reaches
 * `memory.limitMb`. Checked every `memory.checkIntervalMs` on the crawl's clock, so a test drives
 * it without sleeping. RSS rather than the V8 heap: response bodies, sockets and SQLite's cache
 * live outside the heap, and RSS is what an OOM killer looks at.
 */
import type { Clock } from '../clock.js';
import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';

export const MEMUSAGE_REASON = 'memusage_exceeded';

const MB = 1024 * 1024;

export interface MemoryWatchOptions {
  stats: Stats;
  logger: Logger;
  clock: Clock;
  /** Closes the crawl gracefully (`engine.stop`). */
  stop: (reason: string) => void;
  /** Resident set size in bytes. Default `process.memoryUsage.rss`. */
  rss?: () => number;
}

export class MemoryWatch {
  readonly #options: MemoryWatchOptions;
  readonly #limit: number;
  readonly #warn: number;
  readonly #interval: number;
  readonly #rss: () => number;
  #timer: unknown;
  #warned = false;
  #stopped = false;
  #peak = 0;

  constructor(settings: Pick<SettingValues, 'memory.limitMb' | 'memory.warnMb' | 'memory.checkIntervalMs'>, options: MemoryWatchOptions) {
    this.#options = options;
    this.#limit = settings['memory.limitMb'] * MB;
    this.#warn = settings['memory.warnMb'] * MB;
    this.#interval = settings['memory.checkIntervalMs'];
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
  }

  /** Starts checking; a no-op when both limits are 0. */
  start(): void {
    if (this.#limit <= 0 && this.#warn <= 0) return;
    this.#options.stats.set('memusage/startup', this.#rss());
    this.#arm();
  }

  /** One check now (the timer calls it; tests may too). */
  check(): void {
    const { stats, logger, stop } = this.#options;
    const rss = this.#rss();
    if (rss > this.#peak) {
      this.#peak = rss;
      stats.set('memusage/max', rss);
    }
    if (this.#warn > 0 && !this.#warned && rss >= this.#warn) {
      this.#warned = true;
      stats.set('memusage/warning_reached', 1);
      logger.warn(`memory usage reached ${mb(rss)} MB (memory.warnMb = ${mb(this.#warn)} MB)`);
    }
    if (this.#limit > 0 && !this.#stopped && rss >= this.#limit) {
      this.#stopped = true;
      stats.set('memusage/limit_reached', 1);
      logger.error(`memory usage ${mb(rss)} MB reached memory.limitMb = ${mb(this.#limit)} MB: closing the crawl`);
      stop(MEMUSAGE_REASON);
    }
  }

  close(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.#options.clock.setTimeout(() => {
      this.check();
      this.#arm();
    }, this.#interval);
    // A pending check must not keep a finished process alive.
    (this.#timer as { unref?: () => void } | undefined)?.unref?.();
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / MB);
}
