/**
 * Selectors on the Response: response.css / response.xpath / response.selector share cheerio's
 * parse; follow/followAll take selections; the same spider gives the same items in-process and on
 * parse workers, and a bad expression's ERR_SELECTOR_INVALID crosses the thread.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { SelectorList } from '../../src/selector/selector.js';
import { pageLinks, pageValue, startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';
import SelectorSpider from './fixtures/selector-spider.js';
import { fakeResponse } from '../helpers/response.js';

const SPIDER_FILE = fileURLToPath(new URL('./fixtures/selector-spider.ts', import.meta.url));

test('response.css and response.xpath return SelectorLists over the page $ parsed', () => {
  const response = fakeResponse('<html><head><title>T</title></head><body><h1 class="t">Hello <i>you</i></h1><a href="/a">A</a></body></html>', { 'content-type': 'text/html; charset=utf-8' });
  assert.equal(response.css('h1::text').get(), 'Hello ', "the issue's first example");
  assert.ok(response.css('h1') instanceof SelectorList);
  assert.equal(response.xpath('//h1/i/text()').get(), 'you');
  assert.equal(response.css('h1').xpath('string()').get(), 'Hello you');
  assert.equal(response.selector, response.selector, 'built once');
  assert.equal(response.css('h1')[0]!.element, response.$('h1')[0], 'the same parsed tree as $');
  assert.equal(response.$('h1').text(), 'Hello you', '$ is cheerio, unchanged');
});

test('follow and followAll take selections: elements, ::attr values and lists', () => {
  const response = fakeResponse('<base href="/b/"><a class="n" href="n.html">n</a><a href="m.html" data-u="/u">m</a><img src="i.png">', { 'content-type': 'text/html; charset=utf-8' });
  assert.equal(response.follow(response.css('a.n')[0]!).url, 'http://example.com/b/n.html');
  assert.equal(response.follow(response.css('a.n')).url, 'http://example.com/b/n.html', 'a list of one');
  assert.equal(response.follow(response.css('img')[0]!).url, 'http://example.com/b/i.png');
  assert.equal(response.follow(response.xpath('//a[2]/@data-u')[0]!).url, 'http://example.com/u');
  assert.deepEqual(
    response.followAll(response.css('a')).map((r) => r.url),
    ['http://example.com/b/n.html', 'http://example.com/b/m.html'],
  );
  assert.deepEqual(response.followAll('a::attr(data-u)').map((r) => r.url), ['http://example.com/u']);
  assert.deepEqual(response.followAll(response.xpath('//img/@src')).map((r) => r.url), ['http://example.com/b/i.png']);
  assert.throws(() => response.follow(response.css('a')), (e: unknown) => (e as { code?: string }).code === 'ERR_FOLLOW_MANY');
});

let site: Site;
before(async () => {
  site = await startSite({ pages: 3, linksPerPage: 2 });
});
after(async () => {
  await site.close();
});

for (const workers of [0, 1]) {
  test(`parse.workers=${workers}: selectors extract the same items, and a bad XPath fails its page with ERR_SELECTOR_INVALID`, async () => {
    const { items, stats, logs } = await crawl(SelectorSpider, { parse: { workers } }, { spiderFile: SPIDER_FILE, args: { base: site.url } });
    assert.equal(items.length, 2);
    for (const i of [0, 1]) {
      const item = items.find((it) => it.url === `${site.url}/page/${i}`)!;
      assert.equal(item.cssTitle, `Page ${i}`);
      assert.equal(item.xpathTitle, `Page ${i}`);
      assert.equal(item.value, pageValue(i));
      assert.equal(item.valueByXpath, pageValue(i));
      assert.equal(item.number, String(i));
      assert.deepEqual(item.links, pageLinks(i, 3, 2).map((j) => `/page/${j}`));
      assert.deepEqual(item.linkTexts, (item.links as string[]).map((href) => `Page ${href.split('/').pop()}`));
      assert.equal(item.onWorker, workers > 0);
    }
    assert.equal(stat(stats, 'spider/exceptions/ERR_SELECTOR_INVALID'), 1);
    assert.ok(logs.some((l) => l.includes('ERR_SELECTOR_INVALID') && l.includes('//p[@class=\\"value\\"')), logs.join('\n'));
  });
}
