import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Request } from '../../src/http/request.js';
import { createLogger } from '../../src/log.js';
import { gunzipSitemap, isGzip, isRobotsTxt, parseSitemap, readSitemap, SITEMAP_MAX_BYTES, sitemapUrlsFromRobots } from '../../src/spider/sitemap.js';
import { SitemapSpider } from '../../src/spider/sitemap-spider.js';
import type { SpiderOutput } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl } from '../helpers/crawl.js';
import {
  AlternateShopSpider,
  DefaultRulesShopSpider,
  FeaturedShopSpider,
  ProductsOnlyShopSpider,
  RecentShopSpider,
  ShopSpider,
  shopRoutes,
  sitemapIndex,
  urlset,
} from './fixtures/shop.js';
import { collect } from '../helpers/iterate.js';
import { fakeResponse } from '../helpers/response.js';

const SHOP_FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'shop.ts');
const BASE = 'http://example.com';

describe('sitemap parsing', () => {
  test('a urlset: loc, lastmod, changefreq, priority, alternates; entities decoded; entries without loc skipped', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <loc> ${BASE}/a?x=1&amp;y=2 </loc><lastmod>2024-05-01</lastmod><changefreq>daily</changefreq><priority>0.8</priority>
    <xhtml:link rel="alternate" hreflang="de" href="${BASE}/de/a"/><xhtml:link rel="alternate" hreflang="fr" href="${BASE}/fr/a"/>
    <image:image><image:loc>${BASE}/a.jpg</image:loc></image:image>
  </url>
  <url><lastmod>2024-01-01</lastmod></url>
  <url><loc>${BASE}/b</loc></url>
</urlset>`;
    assert.deepEqual(parseSitemap(xml), {
      type: 'urlset',
      truncated: false,
      entries: [
        { loc: `${BASE}/a?x=1&y=2`, lastmod: '2024-05-01', changefreq: 'daily', priority: '0.8', alternates: [`${BASE}/de/a`, `${BASE}/fr/a`] },
        { loc: `${BASE}/b`, alternates: [] },
      ],
    });
  });

  test('a sitemap index, and namespace prefixes on every element', () => {
    assert.deepEqual(parseSitemap(sitemapIndex(BASE, [{ path: '/s1.xml', lastmod: '2024-01-01' }, { path: '/s2.xml' }])), {
      type: 'sitemapindex',
      truncated: false,
      entries: [
        { loc: `${BASE}/s1.xml`, lastmod: '2024-01-01', alternates: [] },
        { loc: `${BASE}/s2.xml`, alternates: [] },
      ],
    });
    const prefixed = `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>${BASE}/p</sm:loc></sm:url></sm:urlset>`;
    assert.deepEqual(parseSitemap(prefixed).entries.map((e) => e.loc), [`${BASE}/p`]);
  });

  test('HTML, text and empty bodies are ERR_SITEMAP_INVALID naming the URL', () => {
    for (const body of ['<!doctype html><html><body><a href="/x">x</a></body></html>', 'just text', '', '<?xml version="1.0"?><rss><channel/></rss>']) {
      assert.throws(() => parseSitemap(body, `${BASE}/s.xml`), (error: Error & { code?: string }) => {
        return error.code === 'ERR_SITEMAP_INVALID' && error.message.includes(`${BASE}/s.xml`);
      }, JSON.stringify(body));
    }
  });

  test('entity declarations are never expanded (no XXE, no entity bomb)', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">]>
<urlset><url><loc>${BASE}/&x;&a;</loc></url></urlset>`;
    const [entry] = parseSitemap(xml).entries;
    assert.ok(!entry.loc.includes('root:'), entry.loc);
    assert.ok(!entry.loc.includes('aaaaaaaaaa'), entry.loc);
  });

  test('a document cut short keeps its complete entries and says it was truncated', () => {
    const xml = urlset(BASE, [{ path: '/1' }, { path: '/2' }, { path: '/3-long-path' }]);
    const cut = xml.slice(0, xml.indexOf('3-long') + 2);
    const sitemap = parseSitemap(cut);
    assert.equal(sitemap.truncated, true);
    assert.deepEqual(sitemap.entries.map((e) => e.loc), [`${BASE}/1`, `${BASE}/2`]);
  });

  test('gzip: detected by magic bytes, capped, truncated streams keep what inflates, corrupt ones are invalid', () => {
    const xml = urlset(BASE, [{ path: '/1' }, { path: '/2' }]);
    const gz = gzipSync(xml);
    assert.equal(isGzip(gz), true);
    assert.equal(isGzip(Buffer.from(xml)), false);
    assert.equal(gunzipSitemap(gz, SITEMAP_MAX_BYTES).body.toString(), xml);
    assert.equal(gunzipSitemap(gz, 0).truncated, false, '0 means no cap');
    assert.throws(() => gunzipSitemap(gz, 10, 'http://x/s.gz'), (e: Error & { code?: string }) => e.code === 'ERR_SITEMAP_TOO_LARGE' && e.message.includes('http://x/s.gz'));
    const cut = gunzipSitemap(gz.subarray(0, gz.length - 12), SITEMAP_MAX_BYTES);
    assert.equal(cut.truncated, true);
    assert.ok(xml.startsWith(cut.body.toString()) && cut.body.length > 0);
    assert.throws(() => gunzipSitemap(Buffer.from([0x1f, 0x8b, 0x01, 0x02, 0x03, 0x04]), SITEMAP_MAX_BYTES), { code: 'ERR_SITEMAP_INVALID' });
    assert.equal(SITEMAP_MAX_BYTES, 50 * 1024 * 1024);
  });

  test('readSitemap: gunzips by content, honours meta.maxResponseBytes, parses plain bodies as they are', () => {
    const xml = urlset(BASE, [{ path: '/1' }]);
    assert.equal(readSitemap(fakeResponse(gzipSync(xml), { 'content-type': 'application/x-gzip' }, `${BASE}/s.xml.gz`)).entries.length, 1);
    assert.equal(readSitemap(fakeResponse(xml, { 'content-type': 'application/xml' }, `${BASE}/s.xml.gz`)).entries.length, 1, 'a .gz URL whose body is already inflated');
    assert.throws(() => readSitemap(fakeResponse(gzipSync(xml), {}, `${BASE}/s.xml.gz`, { meta: { maxResponseBytes: 20 } })), { code: 'ERR_SITEMAP_TOO_LARGE' });
  });

  test('robots.txt: Sitemap lines in any case, relative ones joined, broken ones skipped', () => {
    const robots = 'User-agent: *\nDisallow: /private\nSitemap: https://cdn.example.com/s.xml\r\n  SITEMAP:/relative.xml\nsitemap: http://[broken\n# Sitemap: /commented.xml\n';
    assert.deepEqual(sitemapUrlsFromRobots(robots, `${BASE}/robots.txt`), ['https://cdn.example.com/s.xml', `${BASE}/relative.xml`]);
    assert.equal(isRobotsTxt(`${BASE}/robots.txt`), true);
    assert.equal(isRobotsTxt(`${BASE}/robots.txt?x=1`), true);
    assert.equal(isRobotsTxt(`${BASE}/sitemap.xml`), false);
  });
});

describe('SitemapSpider on hand-built responses', () => {
  class Basic extends SitemapSpider {
    static override sitemapUrls = [`${BASE}/robots.txt`, `${BASE}/sitemap.xml`];
    parse() {}
  }

  test('start(): one parseSitemap request per sitemap URL', async () => {
    const requests = (await collect(new Basic().start() as AsyncIterable<SpiderOutput>)) as Request[];
    assert.deepEqual(requests.map((r) => [r.url, r.callback, r.dontFilter]), [
      [`${BASE}/robots.txt`, 'parseSitemap', true],
      [`${BASE}/sitemap.xml`, 'parseSitemap', true],
    ]);
  });

  test('default rules send every page to parse; relative and non-http locs are handled', async () => {
    const xml = `<urlset><url><loc>${BASE}/a</loc></url><url><loc>/relative</loc></url><url><loc>ftp://example.com/f</loc></url></urlset>`;
    const warnings: string[] = [];
    const spider = new Basic({ logger: createLogger('t', 'warn', (_level, _name, message) => warnings.push(message)) });
    const requests = (await collect(spider.parseSitemap(fakeResponse(xml, { 'content-type': 'application/xml' }, `${BASE}/sitemap.xml`)))) as Request[];
    assert.deepEqual(requests.map((r) => [r.url, r.callback, r.meta.referer]), [
      [`${BASE}/a`, 'parse', `${BASE}/sitemap.xml`],
      [`${BASE}/relative`, 'parse', `${BASE}/sitemap.xml`],
    ]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /ERR_INVALID_URL: skipped 1 <loc>/);
  });

  test('a body that is not a sitemap, or too large once gunzipped, is a coded warning and yields nothing', async () => {
    const warnings: string[] = [];
    const spider = new Basic({ logger: createLogger('t', 'warn', (_level, _name, message) => warnings.push(message)) });
    assert.deepEqual(await collect(spider.parseSitemap(fakeResponse('<html><body>404</body></html>', { 'content-type': 'text/html' }, `${BASE}/s.xml`))), []);
    const gz = gzipSync(urlset(BASE, [{ path: '/1' }]));
    assert.deepEqual(await collect(spider.parseSitemap(fakeResponse(gz, {}, `${BASE}/big.xml.gz`, { meta: { maxResponseBytes: 16 } }))), []);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /^ERR_SITEMAP_INVALID: .*\/s\.xml is not a sitemap \(root element <html>\)/);
    assert.match(warnings[1], /^ERR_SITEMAP_TOO_LARGE: .*big\.xml\.gz/);
  });

  test('bad static configuration fails start() with a coded error', async () => {
    class BadPattern extends Basic {
      static override sitemapRules = [['(', 'parse']];
    }
    class MissingCallback extends Basic {
      static override sitemapRules = [['', 'parseNothing']];
    }
    class NotAPair extends Basic {
      static override sitemapRules = [['only-a-pattern']];
    }
    class BadFollow extends Basic {
      static override sitemapFollow = ['[z-a]'];
    }
    const starts = (spider: SitemapSpider) => collect(spider.start() as AsyncIterable<SpiderOutput>);
    await assert.rejects(starts(new BadPattern()), { code: 'ERR_BAD_PATTERN' });
    await assert.rejects(starts(new MissingCallback()), (e: Error & { code?: string }) => e.code === 'ERR_CALLBACK_NOT_FOUND' && e.message.includes('parseNothing'));
    await assert.rejects(starts(new NotAPair()), { code: 'ERR_SITEMAP_RULE' });
    await assert.rejects(starts(new BadFollow()), { code: 'ERR_BAD_PATTERN' });
  });
});

describe('SitemapSpider crawls', () => {
  let site: Site;
  before(async () => {
    site = await startSite({ routes: shopRoutes() });
  });
  after(() => site.close());

  const paths = (items: Record<string, unknown>[], kind?: string) =>
    items.filter((i) => kind === undefined || i.kind === kind).map((i) => `${String(i.kind)} ${String(i.path)}`).sort();

  test('robots.txt -> sitemap index -> sitemaps (one a gzip file, one gzip-encoded) -> pages; rules choose callbacks', async () => {
    site.resetCounters();
    const { items, logs, reason } = await crawl(ShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.equal(reason, 'finished');
    assert.deepEqual(paths(items), ['blog /blog/a', 'blog /blog/b', 'blog /blog/old', 'product /product/1', 'product /product/2', 'product /product/3']);
    // /about matches no rule; alternates are off by default.
    assert.equal(site.hits.get('/about'), undefined);
    assert.equal(site.hits.get('/de/product/1'), undefined);
    // The HTML "sitemap" robots.txt lists is reported, and nothing else is lost because of it.
    assert.equal(logs.filter((l) => l.includes('ERR_SITEMAP_INVALID')).length, 1);
    assert.ok(logs.some((l) => /^warn .*ERR_SITEMAP_INVALID: .*sitemap-html\.xml is not a sitemap/.test(l)), logs.join('\n'));
  });

  test('sitemapAlternateLinks: the xhtml:link alternates are crawled too', async () => {
    const { items } = await crawl(AlternateShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(paths(items, 'product'), [
      'product /de/product/1',
      'product /de/product/2',
      'product /de/product/3',
      'product /product/1',
      'product /product/2',
      'product /product/3',
    ]);
  });

  test('sitemapFilter: applied to index entries (old sitemaps not fetched) and to page entries', async () => {
    site.resetCounters();
    const { items, logs } = await crawl(RecentShopSpider, { 'parse.workers': 0, 'log.level': 'info' }, { args: { baseUrl: site.url } });
    assert.deepEqual(paths(items), ['blog /blog/a', 'blog /blog/b', 'product /product/1', 'product /product/2']);
    assert.equal(site.hits.get('/sitemap-archive.xml'), undefined);
    assert.ok(logs.some((l) => l.includes('filtering 3 entries of a sitemapindex')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('filtering 3 entries of a urlset')), logs.join('\n'));
  });

  test('sitemapFollow: only index entries matching a pattern are followed', async () => {
    site.resetCounters();
    const { items } = await crawl(ProductsOnlyShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(paths(items), ['product /product/1', 'product /product/2', 'product /product/3']);
    assert.equal(site.hits.get('/sitemap-blog.xml.gz'), undefined);
    assert.equal(site.hits.get('/sitemap-archive.xml'), undefined);
  });

  test('sitemapRules: the first matching rule decides; a method reference works as a callback', async () => {
    const { items } = await crawl(FeaturedShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(paths(items), [
      'blog /blog/b',
      'blog /blog/old',
      'featured /blog/a',
      'product /product/1',
      'product /product/2',
      'product /product/3',
    ]);
  });

  test('the default rule sends every page to parse', async () => {
    const { items } = await crawl(DefaultRulesShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(paths(items), ['default /blog/old']);
  });

  test('a truncated gzip sitemap: its complete entries are crawled, with a warning', async () => {
    const { items, logs } = await crawl(ShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url, sitemaps: '/sitemap-truncated.xml.gz' } });
    const products = paths(items, 'product');
    // The sitemap lists /product/1..200; only 1..3 exist on the site, the rest are 404s.
    assert.deepEqual(products, ['product /product/1', 'product /product/2', 'product /product/3']);
    const warning = logs.find((l) => l.includes('ERR_SITEMAP_TRUNCATED'));
    assert.ok(warning, logs.join('\n'));
    const complete = Number(/its (\d+) complete entries/.exec(warning)?.[1]);
    assert.ok(complete >= 3 && complete < 200, warning);
  });

  test('the same spider on parse worker threads yields the same items', async () => {
    const inProcess = await crawl(AlternateShopSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    const onWorkers = await crawl(AlternateShopSpider, { 'parse.workers': 2 }, { args: { baseUrl: site.url }, spiderFile: SHOP_FILE });
    assert.equal(onWorkers.reason, 'finished');
    assert.equal(onWorkers.items.length, 9);
    assert.deepEqual(paths(onWorkers.items), paths(inProcess.items));
  });
});
