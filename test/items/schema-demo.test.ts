/**
 * Item schemas end to end through the CLI: the demo shop crawled by its typed spider where one
 * product in ten lost its SKU. Invalid items are counted per field, dropped from the feed (or kept
 * with `items.invalid=keep`), coverage figures are exact, and the exit status follows
 * `items.minCoverage`. Validation runs on the parse workers here (the CLI's default).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCatalogue, startDemoSite } from '../../examples/demo/site/server.js';
import { REPO, runCli } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';
import { tempDir } from '../helpers/temp-dir.js';

const SPIDER = join(REPO, 'test', 'fixtures', 'spiders', 'typed-shop.ts');
const DEMO = join(REPO, 'examples', 'demo');
const SCHEMA_FIELDS = ['url', 'title', 'price', 'currency', 'sku', 'inStock', 'stockCount', 'rating', 'category'];

test('demo shop, one product in ten invalid: counted per field, dropped from the feed, coverage below the threshold exits 3', async (t) => {
  const products = [...buildCatalogue().products.values()];
  const broken = products.filter((p) => p.sku.endsWith('0')).length;
  assert.equal(broken, products.length / 10, 'the fixture breaks one product in ten');
  const site = await startDemoSite();
  const out = tempDir(t, 'schema');
  try {
    const drop = await runCli(
      ['runspider', SPIDER, '-a', `baseUrl=${site.url}/`, '-O', join(out, 'products.csv'), '--stats-json', join(out, 'stats.json'), '-L', 'warn',
        '-s', 'items.minCoverage={"sku":0.95,"*":0.5}', '-s', 'parse.workers=2'],
      DEMO,
    );
    assert.equal(drop.code, 3, drop.stderr);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as Record<string, number>;
    assert.equal(stats['item/invalid'], broken);
    assert.equal(stats['item/invalid/sku'], broken);
    assert.equal(stats['item/dropped/reason/invalid'], broken);
    assert.equal(stats['item/scraped'], products.length - broken);
    assert.equal(stats['item/types/product'], products.length);
    assert.equal(stats['item/coverage/product/sku'], 0.9);
    assert.equal(stats['item/coverage/product/title'], 1);
    assert.equal(stats['item/coverage/failed'], 1);
    // Logged with the field path and the validator's message; the coverage failure names the field.
    assert.match(drop.stderr, /invalid product item from http:\/\/127\.0\.0\.1:\d+\/product\/\S+: sku: expected a SKU like ABC-01234; dropped/);
    assert.match(drop.stderr, /field coverage too low: product\.sku is filled in 90\.0% of items, below items\.minCoverage 95\.0%/);
    // The CSV holds the valid products only, its columns in the schema's order.
    const lines = readFileSync(join(out, 'products.csv'), 'utf8').trim().split(/\r?\n/);
    assert.equal(lines[0], SCHEMA_FIELDS.join(','));
    assert.equal(lines.length - 1, products.length - broken);

    const keep = await runCli(
      ['runspider', SPIDER, '-a', `baseUrl=${site.url}/`, '-O', join(out, 'all.jsonl'), '--stats-json', join(out, 'stats2.json'), '-L', 'warn',
        '-s', 'items.invalid=keep', '-s', 'items.minCoverage={"sku":0.85}', '-s', 'parse.workers=0'],
      DEMO,
    );
    assert.equal(keep.code, 0, keep.stderr);
    const items = readJsonl(join(out, 'all.jsonl'));
    assert.equal(items.length, products.length);
    assert.equal(items.filter((i) => i.sku === '').length, broken);
    const stats2 = JSON.parse(readFileSync(join(out, 'stats2.json'), 'utf8')) as Record<string, number>;
    assert.equal(stats2['item/invalid/sku'], broken);
    assert.equal(stats2['item/coverage/product/sku'], 0.9);
    assert.equal(stats2['item/coverage/failed'], undefined);
    assert.match(keep.stderr, /kept \(items\.invalid = keep\)/);
  } finally {
    await site.close();
  }
});
