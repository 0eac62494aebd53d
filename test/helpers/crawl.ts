/** Runs a spider class through a real Crawler and collects what it produced. */
import { Crawler, type CrawlerOptions } from '../../src/core/crawler.js';
import { DEFAULT_DOWNLOADER_MIDDLEWARES } from '../../src/downloader/downloader.js';
import type { DownloaderMiddleware, DownloaderMiddlewareClass, Handler } from '../../src/downloader/middleware.js';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import type { ConfigInput } from '../../src/settings/config.js';
import { Spider, type SpiderClass } from '../../src/spider/spider.js';

export interface CrawlOutcome {
  crawler: Crawler;
  items: Record<string, unknown>[];
  stats: Record<string, number | string>;
  reason: string;
  logs: string[];
}

export async function crawl(
  spiderClass: SpiderClass,
  config: ConfigInput = {},
  options: Partial<CrawlerOptions> & { onCrawler?: (crawler: Crawler) => void } = {},
): Promise<CrawlOutcome> {
  const items: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const collector = {
    process(item: Record<string, unknown>) {
      items.push(item);
      return item;
    },
  };
  const crawler = new Crawler({
    spiderClass,
    projectConfig: { 'log.statsIntervalMs': 0, ...config, pipelines: [...(config.pipelines ?? []), collector] },
    logSink: (level, name, message) => logs.push(`${level} [${name}] ${message}`),
    ...options,
  });
  options.onCrawler?.(crawler);
  const result = await crawler.crawl();
  return { crawler, items, stats: result.stats, reason: result.reason, logs };
}

/** A spider over a fixed list of URLs (read when the crawl starts); one item `{ url, status }` per response. */
export function listSpider(name: string, urls: () => string[]) {
  return class extends Spider {
    static override name = name;
    override async *start() {
      for (const url of urls()) yield new Request(url);
    }
    async *parse(response: { url: string; status: number }) {
      yield { url: response.url, status: response.status };
    }
  };
}

/**
 * A spider that starts at `startUrls` and follows every link of the site fixture's pages
 * (`ul.links a`); one item `{ url, n }` per page, `n` the page number.
 */
export function followSpider(name: string, startUrls: readonly string[]) {
  return class extends Spider<{ url: string; n: number }> {
    static override name = name;
    static override startUrls = startUrls;
    override async *parse(response: Response) {
      yield { url: response.url, n: Number(/(\d+)$/.exec(response.url)?.[1] ?? Number.NaN) };
      yield* response.followAll('ul.links a');
    }
  };
}

/** A stat as a number (0 when absent). */
export function stat(stats: Record<string, number | string>, key: string): number {
  const value = stats[key];
  return typeof value === 'number' ? value : 0;
}

/**
 * A downloader middleware, appended innermost, that records when each request went out
 * (`performance.now()`): what the frontier's delays and rates govern, free of the network and
 * server-side noise that server arrival times carry on a loaded machine.
 */
export function dispatchRecorder(): { middlewares: readonly DownloaderMiddlewareClass[]; sent: { url: string; at: number }[] } {
  const sent: { url: string; at: number }[] = [];
  class RecordDispatch implements DownloaderMiddleware {
    wrap(next: Handler): Handler {
      return (request) => {
        sent.push({ url: request.url, at: performance.now() });
        return next(request);
      };
    }
  }
  return { middlewares: [...DEFAULT_DOWNLOADER_MIDDLEWARES, RecordDispatch], sent };
}

/** Gaps between consecutive times, sorted ascending first. */
export function gaps(times: readonly number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - sorted[i]!);
}
