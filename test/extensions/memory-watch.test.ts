/** memory.warnMb / memory.limitMb: one warning, then a clean close with memusage_exceeded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stats } from '../../src/stats.js';
import { MemoryWatch } from '../../src/extensions/memory-watch.js';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { createLogger } from '../../src/log.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite } from '../fixtures/site.js';
import { crawl } from '../helpers/crawl.js';
import { manualClock } from '../helpers/clock.js';

const MB = 1024 * 1024;

test('one warning at warnMb, a stop at limitMb, checked on the injected clock', () => {
  const clock = manualClock();
  const stats = new Stats();
  const warnings: string[] = [];
  const stops: string[] = [];
  let rss = 100 * MB;
  const watch = new MemoryWatch(
    { 'memory.limitMb': 300, 'memory.warnMb': 200, 'memory.checkIntervalMs': 1_000 },
    { stats, logger: createLogger('t', 'debug', (level, _n, m) => level === 'warn' && warnings.push(m)), clock, stop: (r) => stops.push(r), rss: () => rss },
  );
  watch.start();
  clock.advance(1_000);
  assert.deepEqual([warnings.length, stops.length], [0, 0]);
  rss = 250 * MB;
  clock.advance(999);
  assert.equal(warnings.length, 0, 'not before the interval');
  clock.advance(1);
  rss = 260 * MB;
  clock.advance(1_000);
  assert.equal(warnings.length, 1, 'warned once');
  assert.match(warnings[0]!, /250 MB/);
  rss = 300 * MB;
  clock.advance(1_000);
  clock.advance(1_000);
  assert.deepEqual(stops, ['memusage_exceeded'], 'stopped once');
  assert.equal(stats.get('memusage/limit_reached'), 1);
  assert.equal(stats.get('memusage/max'), 300 * MB);
  watch.close();
});

test('a crawl over memory.limitMb closes cleanly with finish_reason memusage_exceeded', async () => {
  const site = await startSite({ pages: 200, linksPerPage: 3, latencyMs: 20 });
  try {
    class Pages extends Spider {
      static override name = 'pages';
      override async *start() {
        yield new Request(`${site.url}/page/0`);
      }
      async *parse(response: Response) {
        yield { url: response.url };
        yield* response.followAll('ul.links a');
      }
    }
    // 1 MB is below any Node process's RSS: the first check stops the crawl.
    const outcome = await crawl(Pages, { 'memory.limitMb': 1, 'memory.checkIntervalMs': 1, 'parse.workers': 0, 'concurrency.global': 2 });
    assert.equal(outcome.reason, 'memusage_exceeded');
    assert.equal(outcome.stats.finish_reason, 'memusage_exceeded');
    assert.ok(outcome.items.length < 200, `closed early (${outcome.items.length} items)`);
  } finally {
    await site.close();
  }
});
