/**
 * Item pipelines, as in Scrapy: each transforms an item or drops it, in the order they are listed.
 *
 * - return the item (the same object or a new one) to pass it on;
 * - return `null`/`undefined`, or throw `DropItem(reason)`, to drop it (counted as `item/dropped`);
 * - any other exception drops the item too, but is counted as `item/errors` and logged as an error:
 *   one bad item never stops the crawl.
 */
import type { Stats } from '../core/stats.js';
import type { Logger } from '../log.js';
import type { Item } from './item.js';

/** What every pipeline hook receives. */
export interface PipelineContext {
  spiderName: string;
  stats: Stats;
  logger: Logger;
  /** The crawl's resolved settings, read-only. */
  settings: Readonly<Record<string, unknown>>;
}

export interface ItemPipeline {
  /** Called once before the first item, in pipeline order (open a database, load a list...). */
  open?(ctx: PipelineContext): void | Promise<void>;
  /** Transform the item, or drop it by returning null/undefined or throwing `DropItem`. */
  process(item: Item, ctx: PipelineContext): Item | null | undefined | Promise<Item | null | undefined>;
  /** Called once after the last item, in pipeline order; an error here does not stop the others. */
  close?(ctx: PipelineContext): void | Promise<void>;
}

/** How projects list pipelines: the class, constructed once per crawl with no arguments. */
export type PipelineClass = new () => ItemPipeline;

/** The name logs and stats use for a pipeline: its class name. */
export function pipelineName(pipeline: ItemPipeline): string {
  const name = (pipeline as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'anonymous pipeline';
}
