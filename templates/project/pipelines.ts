/**
 * Item pipelines of the {{name}} project: each one transforms an item or drops it, in the order
 * `pipelines` lists them in crawl.config.ts. Return the item to pass it on; return null or throw
 * `DropItem` to drop it (counted as `item/dropped` in the stats).
 */
import { DropItem, type ItemPipeline } from 'arachne';

/** Trims the whitespace around every string field, and drops items that have no URL. */
export class TrimStrings implements ItemPipeline {
  process(item: Record<string, unknown>): Record<string, unknown> {
    if (typeof item.url !== 'string' || item.url === '') throw new DropItem('no url');
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item)) out[key] = typeof value === 'string' ? value.trim() : value;
    return out;
  }
}
