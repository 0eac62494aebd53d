/**
 * Item types over Standard Schema: fields from the schema's shape, validation outcomes (sync and
 * async validators, transforms, several types), the tag crossing the worker codec, the item
 * processor's invalid handling and field coverage, and a typed crawl in-process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Stats } from '../../src/stats.js';
import { silentLogger } from '../../src/log.js';
import { defineItem, itemTag, itemTypesOf, schemaFields, validateItem } from '../../src/spider/item-schema.js';
import { FieldCoverage, isFilled } from '../../src/items/coverage.js';
import { ItemProcessor } from '../../src/items/item-processor.js';
import { decodeOutput, encodeOutput } from '../../src/parse/codec.js';
import { Spider } from '../../src/spider/spider.js';
import type { Response } from '../../src/http/response.js';
import { startSite } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';

const Product = defineItem('product', z.object({ title: z.string().min(1), price: z.number().positive(), tags: z.array(z.string()).optional() }));

/** A hand-written Standard Schema (no library), asynchronous, with no shape to read. */
const asyncSchema: StandardSchemaV1<unknown, { n: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) =>
      typeof (value as { n?: unknown }).n === 'number' ? { value: value as { n: number } } : { issues: [{ message: 'n must be a number', path: [{ key: 'n' }] }] },
  },
};

test('defineItem reads the field order from the schema, or takes it given; refuses a non-schema', () => {
  assert.deepEqual(Product.fields, ['title', 'price', 'tags']);
  assert.equal(schemaFields(asyncSchema), undefined);
  assert.deepEqual(defineItem('counted', asyncSchema, { fields: ['n'] }).fields, ['n']);
  assert.throws(() => defineItem('nope', {} as StandardSchemaV1), /not a Standard Schema v1 validator/);
  assert.throws(() => defineItem('bad name', asyncSchema), /letters, digits/);
});

test('validateItem: valid items become the schema output and are tagged; invalid ones keep their issues with field paths', async () => {
  const types = [Product];
  const valid = await validateItem(types, { title: 'Lamp', price: 3, extra: 1 }, 'http://x/1');
  assert.deepEqual(valid, { title: 'Lamp', price: 3 }, "zod's output: unknown keys stripped");
  assert.deepEqual(itemTag(valid), { type: 'product', url: 'http://x/1' });
  const invalid = { title: '', price: -1, tags: ['a', 2] };
  const checked = await validateItem(types, invalid);
  assert.equal(checked, invalid, 'an invalid item is kept as yielded');
  const tag = itemTag(checked)!;
  assert.equal(tag.type, 'product');
  assert.deepEqual(tag.issues!.map((i) => i.path), ['title', 'price', 'tags.1']);
  assert.match(tag.issues![0]!.message, />=1 characters/);
  // Untyped spiders leave untagged items alone.
  const plain = { a: 1 };
  assert.equal(await validateItem([], plain), plain);
  assert.equal(itemTag(plain), undefined);
});

test('several item types: tagged items are checked against their own type, untagged ones against the first; async validators work', async () => {
  const Counted = defineItem('counted', asyncSchema);
  const types = [Product, Counted];
  const counted = await validateItem(types, Counted.item({ n: 2 }));
  assert.equal(itemTag(counted)?.type, 'counted');
  assert.equal(itemTag(counted)?.issues, undefined);
  const bad = await validateItem(types, Counted.item({ n: 'x' } as unknown as { n: number }));
  assert.deepEqual(itemTag(bad)?.issues, [{ path: 'n', message: 'n must be a number' }]);
  assert.equal(itemTag(await validateItem(types, { title: 'x', price: 1 }))?.type, 'product');
  // A type the spider does not declare is still checked against its own schema.
  assert.equal(itemTag(await validateItem([Product], Counted.item({ n: 1 })))?.type, 'counted');
  class Two extends Spider {
    static override itemType = [Product, Counted];
    parse(): void {}
  }
  assert.deepEqual(itemTypesOf(Two).map((t) => t.name), ['product', 'counted']);
});

test('the tag crosses the worker codec beside the item, not in it', async () => {
  const item = await validateItem([Product], { title: '', price: 1 }, 'http://x/');
  const wire = structuredClone(encodeOutput(item as Record<string, unknown>, 'http://x/'));
  const back = decodeOutput(wire, 'http://x/') as Record<string, unknown>;
  assert.deepEqual(back, { title: '', price: 1 });
  assert.deepEqual(itemTag(back)?.issues?.map((i) => i.path), ['title']);
});

test('isFilled and coverage rules: blank strings, empty arrays and objects are missing; the most specific threshold wins', () => {
  for (const v of [undefined, null, '', '  ', [], {}]) assert.equal(isFilled(v), false, JSON.stringify(v));
  for (const v of [0, false, 'x', [0], { a: 1 }, new Date(0)]) assert.equal(isFilled(v), true, String(v));
  const coverage = new FieldCoverage(new Map([['product', ['title', 'price', 'sku']]]));
  for (let i = 0; i < 10; i++) coverage.add('product', { title: 't', price: i < 7 ? 1 : null, extra: i === 0 ? 'x' : '' });
  const figures = coverage.figures().get('product')!;
  assert.equal(figures.items, 10);
  assert.deepEqual([...figures.fields], [['title', 1], ['price', 0.7], ['sku', 0], ['extra', 0.1]]);
  assert.deepEqual(coverage.check({}), []);
  const failed = coverage.check({ '*': 0.5, extra: 0, 'product/price': 0.8 }).map((f) => `${f.field}<${f.threshold}`);
  assert.deepEqual(failed, ['price<0.8', 'sku<0.5']);
  const stats = new Stats();
  coverage.record(stats);
  assert.equal(stats.get('item/coverage/product/price'), 0.7);
  assert.equal(stats.get('item/types/product'), 10);
});

test('the item processor drops invalid items (or keeps them), counts them per field, logs path and message, at most 10 per field', async () => {
  for (const mode of ['drop', 'keep'] as const) {
    const stats = new Stats();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m), child: () => logger };
    const seen: unknown[] = [];
    const items = new ItemProcessor({
      pipelines: [{ process: (item) => (seen.push(item), item) }],
      feeds: {},
      concurrency: 4,
      spiderName: 't',
      startTime: new Date(0),
      stats,
      logger,
      settings: {},
      invalid: mode,
    });
    await items.open();
    for (let i = 0; i < 14; i++) await items.process((await validateItem([Product], { title: i % 2 ? 'x' : '', price: 1 }, `http://x/${i}`)) as Record<string, unknown>);
    await items.close();
    assert.equal(stats.count('item/invalid'), 7);
    assert.equal(stats.count('item/invalid/title'), 7);
    assert.equal(seen.length, mode === 'drop' ? 7 : 14);
    assert.equal(stats.count('item/dropped/reason/invalid'), mode === 'drop' ? 7 : 0);
    assert.match(warnings[0]!, /^invalid product item from http:\/\/x\/0: title: .*>=1 characters/);
    assert.equal(warnings.length, 7);
    assert.deepEqual(items.coverage.figures().get('product')?.fields.get('title'), 0.5);
  }
});

test('a typed crawl in-process validates each item where it is made; items come out in the field order of the schema', async () => {
  const site = await startSite({ pages: 10 });
  try {
    class Pages extends Spider<{ title: string; price: number }, Pages> {
      static override name = 'typed-pages';
      static override startUrls = [`${site.url}/page/0`];
      static override itemType = Product;
      override async *parse(response: Response) {
        const n = Number(/(\d+)$/.exec(response.url)![1]);
        // Pages 3 and 7 have no price.
        yield { price: n === 3 || n === 7 ? 0 : n + 1, title: response.css('title::text').get('') };
        yield* this.followAll(response, 'ul.links a', { callback: 'parse' });
      }
    }
    const { items, stats, logs } = await crawl(Pages, { parse: { workers: 0 }, log: { level: 'warn' } });
    assert.equal(items.length, 8);
    assert.deepEqual(Object.keys(items[0]!), ['title', 'price']);
    assert.equal(stat(stats, 'item/invalid/price'), 2);
    assert.equal(stats['item/coverage/product/title'], 1);
    assert.equal(stats['item/types/product'], 10);
    assert.equal(logs.filter((l) => /invalid product item from .*\/page\/[37]: price: /.test(l)).length, 2);
  } finally {
    await site.close();
  }
});
