import type { Clock } from '../clock.js';
import type { EventBus } from '../trace/events.js';
import type { Stats } from '../stats.js';
import type { SettingValues } from '../settings/defaults.js';

/**
 * Closes the crawl when a `closeSpider.*` limit is reached (Scrapy's CloseSpider extension):
 * items scraped, responses received, callback errors, or time elapsed.
 */
export class CloseSpiderExtension {
  readonly #clock: Clock;
  readonly #unsubscribe: (() => void)[] = [];
  #timer: unknown;

  constructor(settings: Readonly<SettingValues>, events: EventBus, stats: Stats, clock: Clock, stop: (reason: string) => void) {
    this.#clock = clock;
    const watch = (limit: number, event: 'itemScraped' | 'responseReceived' | 'spiderError', key: string, reason: string): void => {
      if (limit <= 0) return;
      this.#unsubscribe.push(events.on(event, () => stats.count(key) >= limit && stop(reason)));
    };
    watch(settings['closeSpider.itemCount'], 'itemScraped', 'item/scraped', 'closespider_itemcount');
    watch(settings['closeSpider.pageCount'], 'responseReceived', 'response/received', 'closespider_pagecount');
    watch(settings['closeSpider.errorCount'], 'spiderError', 'spider/exceptions', 'closespider_errorcount');
    if (settings['closeSpider.timeoutMs'] > 0) {
      this.#timer = clock.setTimeout(() => stop('closespider_timeout'), settings['closeSpider.timeoutMs']);
    }
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }
}
