/**
 * Links on a page in a legacy encoding, end to end: the server must receive the query bytes of
 * its own charset (what its forms and browsers send), and the path in UTF-8.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { LinkExtractor } from '../../src/spider/link-extractor.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl } from '../helpers/crawl.js';

let site: Site;
before(async () => {
  site = await startSite({
    routes: {
      // <a href="/поиск?q=книги&page=2"> in windows-1251 bytes.
      '/cp1251': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=windows-1251' });
        res.end(Buffer.from([
          ...Buffer.from('<html><body><a class="x" href="/'),
          0xef, 0xee, 0xe8, 0xf1, 0xea, // поиск
          ...Buffer.from('?q='),
          0xea, 0xed, 0xe8, 0xe3, 0xe8, // книги
          ...Buffer.from('&page=2">next</a></body></html>'),
        ]));
      },
    },
  });
});
after(() => site.close());

// `/поиск` in UTF-8 escapes: the path is UTF-8 whatever the page's charset.
const PATH = '/%D0%BF%D0%BE%D0%B8%D1%81%D0%BA';

class LegacySpider extends Spider {
  static override name = 'legacy';
  override async *start() {
    yield new Request(`${site.url}/cp1251`);
  }
  async *parse(response: Response) {
    if (response.url.endsWith('/cp1251')) {
      yield response.follow(response.css('a.x'), { callback: 'leaf' });
      yield* response.followAll('a.x', { callback: 'leaf', dontFilter: true });
      for (const link of new LinkExtractor().extractLinks(response)) yield new Request({ url: link.url, callback: 'leaf', dontFilter: true });
    }
  }
  async *leaf(response: Response) {
    yield { url: response.url };
  }
}

test('follow, followAll and LinkExtractor on a windows-1251 page send the query in windows-1251 bytes', async () => {
  const { items } = await crawl(LegacySpider, { 'parse.workers': 0, 'httpErrors.allowAll': true, 'retry.enabled': false });
  const expected = `${site.url}${PATH}?q=%EA%ED%E8%E3%E8&page=2`;
  assert.equal(items.length, 3);
  for (const item of items) assert.equal(item.url, expected);
  assert.equal(site.hits.get(`${PATH}?q=%EA%ED%E8%E3%E8&page=2`), 3, `the server saw the cp1251 query: ${[...site.hits.keys()].join(' ')}`);
});
