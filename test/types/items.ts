/**
 * Type-level tests of item types, pipelines and feeds, checked by `npx tsc -p . --noEmit`: every
 * `@ts-expect-error` line must fail to compile, every other line must compile.
 */
import { z } from 'zod';
import { defineConfig } from '../../src/settings/config.js';
import { defineItem, type ItemOf } from '../../src/spider/item-schema.js';
import type { ItemPipeline, Pipeline } from '../../src/items/pipeline.js';
import { runSpider, crawlItems } from '../../src/core/run-spider.js';
import { Spider } from '../../src/spider/spider.js';

export const Product = defineItem('product', z.object({ title: z.string(), price: z.number() }));
export type Product = ItemOf<typeof Product>;
export const Review = defineItem('review', z.object({ author: z.string(), stars: z.number().int() }));
export type Review = ItemOf<typeof Review>;

export class PricePipeline implements Pipeline<Product> {
  process(item: Product): Product {
    return { ...item, price: Math.round(item.price * 100) / 100 };
  }
}

export class ReviewPipeline implements ItemPipeline<Review> {
  process(item: Review): Review | null {
    return item.stars > 0 ? item : null;
  }
}

/** A generic pipeline fits any item type, as an instance of that type. */
export class Dedupe<I extends object> implements ItemPipeline<I> {
  readonly #seen = new Set<string>();
  process(item: I): I | null {
    const key = JSON.stringify(item);
    if (this.#seen.has(key)) return null;
    this.#seen.add(key);
    return item;
  }
}

export const good = defineConfig<Product>({
  pipelines: [PricePipeline, new Dedupe<Product>()],
  feeds: { 'out.csv': { fields: ['title', 'price'] } },
  concurrency: { perDomain: 4 },
});

// A pipeline of the wrong item type.
export const wrongPipeline = defineConfig<Product>({
  // @ts-expect-error ReviewPipeline handles reviews, not products
  pipelines: [ReviewPipeline],
});

// A feed of an unknown field.
export const wrongFeed = defineConfig<Product>({
  // @ts-expect-error 'prise' is not a field of Product
  feeds: { 'out.csv': { fields: ['title', 'prise'] } },
});

// Untyped configs take any field, as before.
export const untyped = defineConfig({ feeds: { 'out.csv': { fields: ['anything'] } } });

export class Shop extends Spider<Product> {
  static override name = 'shop';
  static override itemType = Product;
  override async *parse() {
    yield Product.item({ title: 'a', price: 1 });
  }
}

export async function library(): Promise<number> {
  const { items } = await runSpider(Shop, { log: { level: 'silent' } });
  let total = items.reduce((sum, item) => sum + item.price, 0);
  for await (const item of crawlItems(Shop)) total += item.price;
  // @ts-expect-error items are Products: no 'stars'
  return total + items[0]!.stars;
}
