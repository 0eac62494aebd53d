import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDemoSite } from '../../examples/demo/site/server.js';
import { REPO, runCli } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the demo project crawls the demo shop: one valid item per product, broken links counted', async (t) => {
  const site = await startDemoSite();
  const out = tempDir(t, 'demo');
  try {
    const result = await runCli(
      ['run', 'products', '-a', `baseUrl=${site.url}/`, '-O', join(out, 'products.jsonl'), '--stats-json', join(out, 'stats.json'), '-L', 'warn'],
      join(REPO, 'examples', 'demo'),
    );
    assert.equal(result.code, 0, result.stderr);
    const items = readJsonl(join(out, 'products.jsonl'));
    assert.equal(items.length, site.productCount);
    assert.equal(new Set(items.map((i) => i.sku)).size, site.productCount, 'one item per product');
    for (const item of items) {
      assert.equal(typeof item.title, 'string');
      assert.ok((item.title as string).length > 0);
      assert.equal(typeof item.price, 'number');
      assert.equal(item.currency, 'GBP');
      assert.equal(typeof item.inStock, 'boolean');
      assert.ok((item.rating as number) >= 0 && (item.rating as number) <= 5);
    }
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as Record<string, number>;
    assert.equal(stats['httpErrors/ignored/status/404'], site.brokenLinks);
    assert.equal(stats['item/scraped'], site.productCount);
  } finally {
    await site.close();
  }
});
