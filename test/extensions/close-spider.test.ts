/** The closeSpider.* limits on their own, on a manual clock: which limit stops the crawl, when, and that closing disarms them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseSpiderExtension } from '../../src/extensions/close-spider.js';
import { Request } from '../../src/http/request.js';
import { mergeSettings } from '../../src/settings/config.js';
import type { SettingValues } from '../../src/settings/defaults.js';
import { Stats } from '../../src/stats.js';
import { EventBus } from '../../src/trace/events.js';
import { manualClock } from '../helpers/clock.js';
import { fakeResponse } from '../helpers/response.js';

function setup(settings: Partial<SettingValues>) {
  const events = new EventBus();
  const stats = new Stats();
  const clock = manualClock();
  const stops: string[] = [];
  const extension = new CloseSpiderExtension(mergeSettings(settings), events, stats, clock, (reason) => stops.push(reason));
  return { events, stats, clock, stops, extension };
}

test('closeSpider.timeoutMs stops the crawl when that much time has passed, not a millisecond before', () => {
  const { clock, stops, extension } = setup({ 'closeSpider.timeoutMs': 60_000 });
  clock.advance(59_999);
  assert.deepEqual(stops, []);
  clock.advance(1);
  assert.deepEqual(stops, ['closespider_timeout']);
  extension.close();
  assert.equal(clock.pending(), 0);
});

test('the count limits stop the crawl when their stat reaches the limit, each with its own reason', () => {
  const { events, stats, stops } = setup({ 'closeSpider.itemCount': 3, 'closeSpider.pageCount': 5, 'closeSpider.errorCount': 2 });
  const scrape = () => {
    stats.inc('item/scraped');
    events.emit('itemScraped', { item: {} });
  };
  scrape();
  scrape();
  assert.deepEqual(stops, []);
  scrape();
  assert.deepEqual(stops, ['closespider_itemcount']);
  for (let i = 0; i < 5; i++) {
    stats.inc('response/received');
    events.emit('responseReceived', { response: fakeResponse('') });
  }
  const error = Object.assign(new Error('x'), { code: 'ERR_X' });
  for (let i = 0; i < 2; i++) {
    stats.inc('spider/exceptions');
    events.emit('spiderError', { request: new Request('http://a.test/'), error });
  }
  assert.deepEqual(stops, ['closespider_itemcount', 'closespider_pagecount', 'closespider_errorcount']);
});

test('limits at 0 are off: no timer is armed and no event is watched', () => {
  const { events, stats, clock, stops } = setup({});
  assert.equal(clock.pending(), 0);
  for (let i = 0; i < 1000; i++) stats.inc('item/scraped');
  events.emit('itemScraped', { item: {} });
  assert.equal(events.has('itemScraped'), false);
  clock.advance(365 * 24 * 3600_000);
  assert.deepEqual(stops, []);
});

test('close() disarms the timer and unsubscribes: nothing stops a crawl that already ended', () => {
  const { events, stats, clock, stops, extension } = setup({ 'closeSpider.timeoutMs': 1_000, 'closeSpider.itemCount': 1 });
  assert.equal(clock.pending(), 1);
  extension.close();
  assert.equal(clock.pending(), 0);
  stats.inc('item/scraped');
  events.emit('itemScraped', { item: {} });
  clock.advance(10_000);
  assert.deepEqual(stops, []);
});
