import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDemoSite, type DemoSite } from '../../examples/demo/site/server.js';

function hrefs(html: string, className: string): string[] {
  const pattern = new RegExp(`<a class="${className}" href="([^"]+)"`, 'g');
  return [...html.matchAll(pattern)].map((m) => m[1]!.replaceAll('&amp;', '&'));
}

async function get(site: DemoSite, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(path, site.url));
  return { status: response.status, body: await response.text() };
}

describe('demo site', () => {
  let site: DemoSite;
  before(async () => {
    site = await startDemoSite();
  });
  after(() => site.close());

  it('serves a home page listing the categories, /about and /robots.txt', async () => {
    const home = await get(site, '/');
    assert.equal(home.status, 200);
    assert.equal(hrefs(home.body, 'category').length, 6);
    assert.equal((await get(site, '/about')).status, 200);
    assert.match((await get(site, '/robots.txt')).body, /^User-agent: \*/m);
  });

  it('serves category and product pages with the fields the spider reads', async () => {
    const home = await get(site, '/');
    const category = await get(site, hrefs(home.body, 'category')[0]!);
    assert.equal(category.status, 200);
    assert.ok(hrefs(category.body, 'product').length >= 20);
    assert.equal(hrefs(category.body, 'next').length, 1);
    const productPath = hrefs(category.body, 'product').find((h) => !h.includes('discontinued'))!;
    const product = await get(site, productPath);
    assert.equal(product.status, 200);
    assert.match(product.body, /<h1 class="title">[^<]+<\/h1>/);
    assert.match(product.body, /<span class="price">£\d+\.\d{2}<\/span>/);
    assert.match(product.body, /<span class="sku">[A-Z]{3}-\d{5}<\/span>/);
    assert.match(product.body, /<p class="stock">(In stock \(\d+ available\)|Out of stock)<\/p>/);
    assert.match(product.body, /<div class="rating" data-stars="[1-5]">/);
    assert.match(product.body, /<div class="description">/);
    assert.match(product.body, /<nav class="breadcrumb">.*href="\/category\/[a-z]+"/);
    const size = Buffer.byteLength(product.body);
    assert.ok(size >= 2048 && size <= 8192, `product page of ${size} bytes`);
    assert.equal((await get(site, '/product/1000-no-such-slug')).status, 404);
  });

  it('has productCount products reachable through pagination and brokenLinks 404s', async () => {
    const home = await get(site, '/');
    const productLinks = new Set<string>();
    for (const first of hrefs(home.body, 'category')) {
      let next: string | undefined = first;
      // Bounded: no category has more than 300 products, 20 to a page.
      for (let pages = 0; next !== undefined && pages < 20; pages++) {
        const listing = await get(site, next);
        assert.equal(listing.status, 200, next);
        const size = Buffer.byteLength(listing.body);
        assert.ok(size >= 2048 && size <= 8192, `${next} is ${size} bytes`);
        for (const href of hrefs(listing.body, 'product')) productLinks.add(href);
        next = hrefs(listing.body, 'next')[0];
      }
      assert.equal(next, undefined, `${first} pagination ends`);
    }
    const statuses = await Promise.all([...productLinks].map(async (href) => (await get(site, href)).status));
    assert.equal(statuses.filter((s) => s === 200).length, site.productCount);
    assert.equal(statuses.filter((s) => s === 404).length, site.brokenLinks);
    assert.equal(statuses.length, site.productCount + site.brokenLinks);
    assert.equal(site.productCount, 300);
    assert.ok(site.hits() > site.productCount);
  });
});
