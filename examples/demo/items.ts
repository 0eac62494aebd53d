/**
 * The demo shop's item type, declared once with a Standard Schema validator (zod here; valibot or
 * arktype work the same): it types the spider's yields, the pipelines and the feeds, and each
 * product is checked on the parse worker as it is scraped (docs/items.md).
 */
import { defineItem, type ItemOf } from 'arachne';
import { z } from 'zod';

export const Product = defineItem(
  'product',
  z.object({
    url: z.url(),
    title: z.string().min(1),
    price: z.number().positive(),
    currency: z.enum(['GBP', 'USD', 'EUR']),
    sku: z.string().regex(/^[A-Z]{3}-\d{5}$/, 'expected a SKU like ABC-01234'),
    inStock: z.boolean(),
    stockCount: z.number().int().min(0).nullable(),
    rating: z.number().min(0).max(5),
    category: z.string().min(1),
  }),
);
export type Product = ItemOf<typeof Product>;
