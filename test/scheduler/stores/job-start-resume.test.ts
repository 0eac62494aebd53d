/** A job resumes start() where it stopped, does not run it again once done, and keeps spider.state. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Crawler } from '../../../src/core/crawler.js';
import { Request } from '../../../src/http/request.js';
import type { Response } from '../../../src/http/response.js';
import { Spider } from '../../../src/spider/spider.js';
import { startSite } from '../../fixtures/site.js';
import { crawl } from '../../helpers/crawl.js';

test('stopped mid-start, resumed: each start URL fetched once, state carried over, start not rerun when done', async (t) => {
  const site = await startSite({ pages: 60, linksPerPage: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'arachne-start-'));
  t.after(async () => {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let startCalls = 0;
  class Starts extends Spider {
    static override name = 'starts';
    override async *start() {
      startCalls++;
      this.state.runs = Number(this.state.runs ?? 0) + 1;
      for (let i = 0; i < 60; i++) yield new Request({ url: `${site.url}/page/${i}`, dontFilter: true });
    }
    parse(response: Response) {
      return { url: response.url };
    }
  }
  let crawler: Crawler | undefined;
  // Small high-water mark: start is pulled a few at a time, so the stop lands mid-start.
  const config = { 'job.dir': dir, 'parse.workers': 0, 'scheduler.startHighWaterMark': 2, 'concurrency.global': 2 } as const;
  const first = await crawl(Starts, config, {
    onCrawler: (c) => {
      crawler = c;
      c.events.on('itemScraped', () => c.stats.count('item/scraped') >= 10 && crawler!.stop('shutdown'));
    },
  });
  assert.equal(first.reason, 'shutdown');
  assert.ok(first.items.length >= 10 && first.items.length < 60);
  const second = await crawl(Starts, config);
  assert.equal(second.reason, 'finished');
  assert.equal(startCalls, 2, 'start ran again, skipping what it had pulled');
  for (let i = 0; i < 60; i++) assert.equal(site.hits.get(`/page/${i}`), 1, `/page/${i} fetched once`);
  assert.equal(first.items.length + second.items.length, 60);

  const third = await crawl(Starts, config);
  assert.equal(third.reason, 'finished');
  assert.equal(startCalls, 2, 'a finished start is not run again');
  assert.equal(third.items.length, 0);
  assert.equal(third.crawler.spider.state.runs, 2, 'spider.state was saved and loaded back');
});
