/**
 * The library API: `runSpider` returns the items and stats; `crawlItems` yields items as they are
 * scraped with at most `bufferSize` unread (the crawl waits for a slow reader), and leaving the
 * loop early stops the crawl gracefully.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlItems, runSpider } from '../../src/core/run-spider.js';
import { startSite } from '../fixtures/site.js';
import { followSpider } from '../helpers/crawl.js';

const quiet = { parse: { workers: 0 }, log: { level: 'silent' as const, statsIntervalMs: 0 } };

test('runSpider resolves with every item and the final stats', async () => {
  const site = await startSite({ pages: 25 });
  try {
    const { items, stats, reason } = await runSpider(followSpider('lib-pages', [`${site.url}/page/0`]), quiet);
    assert.equal(reason, 'finished');
    assert.equal(items.length, 25);
    assert.deepEqual(new Set(items.map((i) => i.n)), new Set(Array.from({ length: 25 }, (_, i) => i)));
    assert.equal(stats['item/scraped'], 25);
  } finally {
    await site.close();
  }
});

test('crawlItems yields items as they are scraped, holding at most bufferSize unread: a slow reader holds the crawl back', async () => {
  const site = await startSite({ pages: 40 });
  try {
    const bufferSize = 2;
    const settings = { ...quiet, items: { concurrency: 1 }, concurrency: { global: 2 } };
    let read = 0;
    let maxAhead = 0;
    for await (const item of crawlItems(followSpider('lib-pages', [`${site.url}/page/0`]), settings, { bufferSize })) {
      assert.equal(typeof item.n, 'number');
      read++;
      // Pages fetched beyond what was read: the buffer, the item in the pipeline, the callbacks
      // held by items.concurrency and the downloads in flight; without the bound it reaches 40.
      maxAhead = Math.max(maxAhead, site.requests - read);
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(read, 40);
    assert.ok(maxAhead <= 12, `the crawl ran ${maxAhead} pages ahead of the reader`);
  } finally {
    await site.close();
  }
});

test('leaving the loop early stops the crawl gracefully; a settings error is thrown from the loop', async () => {
  const site = await startSite({ pages: 200 });
  try {
    const got: number[] = [];
    for await (const item of crawlItems(followSpider('lib-pages', [`${site.url}/page/0`]), { ...quiet, concurrency: { global: 2 } }, { bufferSize: 1 })) {
      got.push(item.n);
      if (got.length === 3) break;
    }
    assert.equal(got.length, 3);
    assert.ok(site.requests < 60, `stopped early: ${site.requests} requests`);
    await assert.rejects(async () => {
      for await (const _ of crawlItems(followSpider('lib-pages', [`${site.url}/page/0`]), { concurrency: { perDomain: 0 } })) assert.fail('no item expected');
    }, /concurrency\.perDomain/);
  } finally {
    await site.close();
  }
});
