/**
 * What every feed format implements: a writer of items, opened from its options. The formats
 * (jsonl.ts, json.ts, csv.ts, redis-stream.ts) and `openFeedWriter` (feed-writer.ts) share it.
 */
import type { Writable } from 'node:stream';
import type { Logger } from '../../log.js';
import type { FeedFormat } from '../../settings/defaults.js';
import type { Item } from '../../spider/item.js';
import type { Stats } from '../../stats.js';

export interface FeedWriter {
  /** The resolved path (`-` for stdout). */
  readonly path: string;
  readonly format: FeedFormat;
  /** Write one item; resolves when the sink can take more. Callers must not overlap calls. */
  write(item: Item): Promise<void> | void;
  /** Finish the file (the json array's `]`), flush and close it. */
  close(): Promise<void>;
  /** Resolves once every item written so far reached the OS (see `FeedSink.flushed`), or Redis acknowledged it. */
  flushed?(): Promise<void>;
}

export interface FeedWriterOptions {
  /** Resolved path (no placeholders), or `-` for stdout. */
  path: string;
  format: FeedFormat;
  /** Replace the file (`-O`) instead of appending to it (`-o`). Default false. */
  overwrite?: boolean;
  /** Keys to write, in order (csv: the columns). Default: all keys (csv: the first item's keys). */
  fields?: string[];
  logger: Logger;
  stats: Stats;
  /** The stream `-` writes to. Default `process.stdout`. */
  stdout?: Writable;
  /** The Redis a `redis-stream` feed writes to (the `cluster.redis` setting). */
  redisUrl?: string;
}

/** How each format opens; the sink and append handling live with the format. */
export type FeedOpener = (options: FeedWriterOptions) => Promise<FeedWriter>;
