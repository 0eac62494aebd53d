/**
 * User extensions, listed in `crawl.config.ts` (`extensions: [MyExtension]`) or a spider's
 * `customSettings`: Scrapy's extensions, typed. An extension is constructed once per crawl, before
 * the spider opens, with the crawl's context; it subscribes to the crawl's typed events
 * (`context.events.on('itemScraped', ...)`), reads and writes stats, and may stop the crawl.
 * Listeners run synchronously in the engine's loop: keep them cheap.
 */
import type { EventBus, CrawlEvents } from '../trace/events.js';
import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';

export interface ExtensionContext {
  spiderName: string;
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  /** The crawl's typed events: `on(name, listener)` returns an unsubscribe function. */
  events: Pick<EventBus<CrawlEvents>, 'on' | 'has'>;
  /** Closes the crawl gracefully with this reason (as a `closeSpider.*` limit does). */
  stop(reason: string): void;
}

export interface Extension {
  /** Called once the feeds and pipelines are open, before `spider.opened()`; an error fails the crawl. */
  open?(): void | Promise<void>;
  /** Called once at close, after the items were written and the final stats set; errors are logged. */
  close?(reason: string): void | Promise<void>;
}

export type ExtensionClass = new (context: ExtensionContext) => Extension;

declare module '../settings/config.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ConfigComponents<I extends object> {
    /**
     * Extensions: classes constructed once per crawl with the crawl's context (settings, stats,
     * typed events, `stop()`), project ones before the spider's. See `Extension`.
     */
    extensions?: readonly ExtensionClass[];
  }
}
