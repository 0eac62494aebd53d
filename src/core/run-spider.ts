/**
 * The library API, for programs that embed a crawl (Crawlee's `crawler.run()` + Dataset):
 *
 * - `runSpider(MySpider, settings)` runs the crawl to its end and resolves with every item
 *   scraped (after the pipelines) and the final stats;
 * - `crawlItems(MySpider, settings)` is an async iterator over the items as they are scraped,
 *   with bounded memory: a last pipeline waits while `bufferSize` items are unread, and waiting
 *   pipelines hold the crawl back as a slow pipeline does (`items.concurrency`), so a slow
 *   consumer slows the crawl instead of filling memory. Leaving the loop early (`break`) stops the
 *   crawl gracefully; an error that fails the crawl is thrown from the loop.
 *
 * `settings` is what `crawl.config.ts` would export (nested settings, `pipelines`, `extensions`...).
 */
import type { ItemPipeline } from '../items/pipeline.js';
import type { ConfigInput } from '../settings/config.js';
import type { Spider, SpiderClass } from '../spider/spider.js';
import { Crawler, type CrawlerOptions } from './crawler.js';

/** Everything `Crawler` takes but the spider class and the settings. */
export type RunSpiderOptions = Omit<CrawlerOptions, 'spiderClass' | 'projectConfig'>;

/** The item type a spider class yields (`Spider<Product>` gives `Product`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ItemsOf<S> = S extends Spider<infer I, any> ? I : Record<string, unknown>;

export interface RunSpiderResult<I> {
  /** Every item that left the pipelines, in the order they did. */
  items: I[];
  stats: Record<string, number | string>;
  /** Why the crawl closed (`finished`, `closespider_itemcount`, `shutdown`...). */
  reason: string;
}

export interface CrawlItemsOptions extends RunSpiderOptions {
  /** Items scraped and not yet read before the crawl waits for the reader. Default 100. */
  bufferSize?: number;
}

/** Runs a crawl to its end; resolves with its items and final stats. Settings errors reject before anything starts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runSpider<S extends Spider<any, any>>(
  spiderClass: SpiderClass<S>,
  settings: ConfigInput = {},
  options: RunSpiderOptions = {},
): Promise<RunSpiderResult<ItemsOf<S>>> {
  const crawler = new Crawler({ ...options, spiderClass, projectConfig: settings });
  const items: ItemsOf<S>[] = [];
  crawler.events.on('itemScraped', ({ item }) => items.push(item as ItemsOf<S>));
  const { reason, stats } = await crawler.crawl();
  return { items, stats, reason };
}

/** The items of a crawl as they are scraped, with at most `bufferSize` unread (see the header). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function* crawlItems<S extends Spider<any, any>>(
  spiderClass: SpiderClass<S>,
  settings: ConfigInput = {},
  options: CrawlItemsOptions = {},
): AsyncGenerator<ItemsOf<S>, RunSpiderResult<never>['reason'] | undefined, undefined> {
  const { bufferSize = 100, ...crawlerOptions } = options;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new RangeError(`crawlItems: bufferSize must be an integer >= 1, got ${bufferSize}`);
  const buffer: ItemsOf<S>[] = [];
  const waitingProducers: (() => void)[] = [];
  let wakeConsumer: (() => void) | undefined;
  let leaving = false;
  let done = false;
  let failure: { error: unknown } | undefined;
  let reason: string | undefined;

  // The last pipeline: hands each item over, waiting while the buffer is full.
  const handOver: ItemPipeline = {
    async process(item) {
      while (buffer.length >= bufferSize && !leaving) await new Promise<void>((resolve) => waitingProducers.push(resolve));
      if (!leaving) {
        buffer.push(item as ItemsOf<S>);
        wakeConsumer?.();
      }
      return item;
    },
  };
  const crawler = new Crawler({ ...crawlerOptions, spiderClass, projectConfig: { ...settings, pipelines: [...(settings.pipelines ?? []), handOver] } });
  const run = crawler.crawl().then(
    (result) => {
      reason = result.reason;
    },
    (error: unknown) => {
      failure = { error };
    },
  );
  void run.finally(() => {
    done = true;
    wakeConsumer?.();
  });
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift()!;
        waitingProducers.shift()?.();
        yield item;
        continue;
      }
      if (done) break;
      // No await between the checks above and setting the waker: no wake-up can be missed.
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
      wakeConsumer = undefined;
    }
    if (failure) throw failure.error;
    return reason;
  } finally {
    if (!done) {
      // The reader left early: let waiting pipelines through (their items are not buffered) and stop.
      leaving = true;
      for (const wake of waitingProducers.splice(0)) wake();
      crawler.stop('consumer_left');
      await run;
    }
  }
}
