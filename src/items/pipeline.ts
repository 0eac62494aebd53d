/**
 * Item pipelines, as in Scrapy: each transforms an item or drops it, in the order they are listed.
 *
 * - return the item (the same object or a new one) to pass it on;
 * - return `null`/`undefined`, or throw `DropItem(reason)`, to drop it (counted as `item/dropped`);
 * - any other exception drops the item too, but is counted as `item/errors` and logged as an error:
 *   one bad item never stops the crawl.
 */
import type { Stats } from '../stats.js';
import type { Logger } from '../log.js';
import type { Item } from '../spider/item.js';

/** What every pipeline hook receives. */
export interface PipelineContext {
  spiderName: string;
  stats: Stats;
  logger: Logger;
  /** The crawl's resolved settings, read-only. */
  settings: Readonly<Record<string, unknown>>;
}

/**
 * A pipeline of items of type `I` (default: any item). `Pipeline<Product>` only fits a config
 * typed for products (`defineConfig<Product>`): `tsc` rejects a pipeline of another item type.
 */
export interface ItemPipeline<I extends object = Item> {
  /** Called once before the first item, in pipeline order (open a database, load a list...). */
  open?(ctx: PipelineContext): void | Promise<void>;
  /** Transform the item, or drop it by returning null/undefined or throwing `DropItem`. */
  process(item: I, ctx: PipelineContext): I | null | undefined | Promise<I | null | undefined>;
  /** Called once after the last item, in pipeline order; an error here does not stop the others. */
  close?(ctx: PipelineContext): void | Promise<void>;
}

/** An item pipeline in a config: its class (instantiated per crawl) or an instance. */
export type PipelineRef<I extends object = Record<string, unknown>> = ItemPipeline<I> | (new () => ItemPipeline<I>);

declare module '../settings/config.js' {
  interface ConfigComponents<I extends object> {
    /** Item pipelines, run in this order (project ones before the spider's). */
    pipelines?: readonly PipelineRef<I>[];
  }
}

/** Short name of `ItemPipeline<I>`. */
export type Pipeline<I extends object = Item> = ItemPipeline<I>;

/** How projects list pipelines: the class, constructed once per crawl with no arguments. */
export type PipelineClass<I extends object = Item> = new () => ItemPipeline<I>;

/** The name logs and stats use for a pipeline: its class name. */
export function pipelineName(pipeline: ItemPipeline): string {
  const name = (pipeline as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'anonymous pipeline';
}
