import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSitemapSite, type SitemapSite } from '../../examples/sitemap/site/server.js';
import { REPO, runCli } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';

let site: SitemapSite;
let out: string;
before(async () => {
  site = await startSitemapSite();
  out = mkdtempSync(join(tmpdir(), 'arachne-sitemap-'));
});
after(async () => {
  await site.close();
  rmSync(out, { recursive: true, force: true });
});

async function run(file: string, ...args: string[]): Promise<Record<string, unknown>[]> {
  const result = await runCli(
    ['run', 'products', '-a', `baseUrl=${site.url}/`, ...args, '-O', join(out, file), '-L', 'warn'],
    join(REPO, 'examples', 'sitemap'),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /ERR_SITEMAP/);
  return readJsonl(join(out, file));
}

test('the sitemap example: robots.txt -> index -> gzipped product sitemaps -> one item per product', async () => {
  site.hits.clear();
  const items = await run('all.jsonl');
  assert.equal(items.length, site.productCount);
  const bySku = new Map(items.map((i) => [i.sku, i]));
  for (const product of site.products) {
    const item = bySku.get(product.sku);
    assert.ok(item, `product ${product.sku} was scraped`);
    assert.equal(item.name, product.name);
    assert.equal(item.price, product.priceCents / 100);
    assert.equal(new URL(String(item.url)).pathname, `/products/${product.slug}`);
  }
  // sitemapFollow leaves the pages sitemap out; alternates (/fr/) are off by default.
  assert.equal(site.hits.get('/sitemaps/pages.xml'), undefined);
  assert.equal(site.hits.get('/about'), undefined);
  assert.equal([...site.hits.keys()].filter((p) => p.startsWith('/fr/')).length, 0);
  assert.equal(site.hits.get('/sitemaps/products-1.xml.gz'), 1);
  assert.equal(site.hits.get('/sitemaps/products-2.xml.gz'), 1);
});

test('the sitemap example with -a since: the filter hook skips unchanged sitemaps and products', async () => {
  site.hits.clear();
  const since = '2024-01-01';
  const items = await run('since.jsonl', '-a', `since=${since}`);
  const expected = site.products.filter((p) => p.lastmod >= since).map((p) => p.sku).sort();
  assert.ok(expected.length > 0 && expected.length < site.productCount);
  assert.deepEqual(items.map((i) => i.sku).sort(), expected);
  // Every product of sitemap 1 is older than `since`, so the index's lastmod rules it out.
  assert.equal(site.hits.get('/sitemaps/products-1.xml.gz'), undefined);
  assert.equal(site.hits.get('/sitemaps/products-2.xml.gz'), 1);
});
