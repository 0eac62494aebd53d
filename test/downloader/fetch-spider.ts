/**
 * A spider for downloader tests: fetches the requests it is given and yields one item per
 * response (or failure) describing what arrived, so tests assert on plain data.
 */
import type { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import type { ConfigInput } from '../../src/settings/config.js';
import { Spider, type Failure, type SpiderClass } from '../../src/spider/spider.js';
import { crawl, type CrawlOutcome } from '../helpers/crawl.js';
import type { CrawlerOptions } from '../../src/core/crawler.js';

export type Seen = {
  url: string;
  status?: number;
  body?: string;
  flags?: string[];
  redirectUrls?: string[];
  reused?: boolean;
  failed?: string;
  userData?: Record<string, unknown>;
};

/** A spider class that fetches `make()`'s requests (their errback records failures). */
export function fetchSpider(make: () => Request[] | Iterable<Request>): SpiderClass {
  return class FetchSpider extends Spider {
    static override name = 'fetch';
    override async *start() {
      for (const request of make()) yield request.replace({ errback: 'failed' });
    }
    async *parse(response: Response) {
      const item: Seen = {
        url: response.url,
        status: response.status,
        body: Buffer.from(response.body).toString('utf8').slice(0, 4000),
        flags: response.flags,
        redirectUrls: response.request.meta.redirectUrls ?? [],
        userData: response.request.userData,
      };
      if (response.reusedConnection !== undefined) item.reused = response.reusedConnection;
      yield item;
    }
    async *failed(failure: Failure) {
      yield { url: failure.request.url, failed: failure.error.code ?? 'ERR_UNKNOWN', userData: failure.request.userData } satisfies Seen;
    }
  };
}

/** Crawl `requests` in-process with every status passed to the callback; items typed as `Seen`. */
export async function fetchAll(
  requests: Request[] | (() => Iterable<Request>),
  config: ConfigInput = {},
  options: Partial<CrawlerOptions> = {},
): Promise<CrawlOutcome & { seen: Seen[] }> {
  const make = typeof requests === 'function' ? requests : () => requests;
  const outcome = await crawl(fetchSpider(make), { 'parse.workers': 0, 'httpErrors.allowAll': true, 'retry.enabled': false, ...config }, options);
  return { ...outcome, seen: outcome.items as Seen[] };
}
