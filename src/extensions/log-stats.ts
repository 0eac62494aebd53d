import type { Clock } from '../clock.js';
import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';

/** Logs crawl progress every `log.statsIntervalMs` (Scrapy's LogStats): pages and items, totals and rates. */
export class LogStats {
  readonly #stats: Stats;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #timer: unknown;
  #pages = 0;
  #items = 0;

  constructor(stats: Stats, logger: Logger, intervalMs: number, clock: Clock) {
    this.#stats = stats;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  start(): void {
    if (this.#intervalMs <= 0) return;
    this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const pages = this.#stats.count('response/received');
    const items = this.#stats.count('item/scraped');
    const perMinute = 60_000 / this.#intervalMs;
    this.#logger.info(
      `crawled ${pages} pages (at ${Math.round((pages - this.#pages) * perMinute)} pages/min), ` +
        `scraped ${items} items (at ${Math.round((items - this.#items) * perMinute)} items/min)`,
    );
    this.#pages = pages;
    this.#items = items;
    this.start();
  }
}
