/**
 * A JSON array: `[`, one item per line separated by `,\n`, and `\n]\n` on close, so the file is
 * valid JSON once the crawl closes, even with no items (`[\n]`).
 *
 * Appending (`-o`) to an existing array continues it: Scrapy appends a second array after the
 * first and leaves invalid JSON. We check the file is one JSON array, cut it just before its
 * closing `]` and go on, so the result is again one valid array.
 */
import { open, truncate } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import type { FeedFormat } from '../../settings/defaults.js';
import { pickFields, type Item } from '../item.js';
import { existingSize, firstNonWhitespace, lastNonWhitespace } from './existing-file.js';
import { openFileSink, streamSink, type FeedSink } from './feed-sink.js';
import { STDOUT_PATH } from './feed-uri.js';
import type { FeedWriter, FeedWriterOptions } from './feed-writer.js';

/**
 * Files up to this size are parsed whole to prove they are one JSON array; larger ones are only
 * checked for a leading `[` and a trailing `]` (parsing would need the file in memory, and V8
 * strings stop at about 512 MiB).
 */
const VALIDATE_MAX_BYTES = 64 * 1024 * 1024;

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

class JsonFeedWriter implements FeedWriter {
  readonly path: string;
  readonly format: FeedFormat = 'json';
  readonly #sink: FeedSink;
  readonly #fields: string[] | undefined;
  #hasItems: boolean;

  constructor(path: string, sink: FeedSink, fields: string[] | undefined, hasItems: boolean) {
    this.path = path;
    this.#sink = sink;
    this.#fields = fields;
    this.#hasItems = hasItems;
  }

  async write(item: Item): Promise<void> {
    const json = JSON.stringify(pickFields(item, this.#fields));
    const chunk = `${this.#hasItems ? ',\n' : '\n'}${json}`;
    this.#hasItems = true;
    await this.#sink.write(chunk);
  }

  async close(): Promise<void> {
    try {
      await this.#sink.write('\n]\n');
    } finally {
      await this.#sink.close();
    }
  }
}

function notAnArray(path: string, why: string): ConfigError {
  return new ConfigError('ERR_FEED_APPEND_JSON', `cannot append to "${path}": ${why}`, {
    hint: 'overwrite it with -O, or append to a jsonl feed (-o items.jsonl), which appends safely',
  });
}

/**
 * Cut an existing JSON array file just after its last element (or its `[`), so writing
 * `,\n<item>` ... `\n]\n` continues it. Returns whether the array already holds items, or
 * undefined when the file is empty (whitespace only) and should be started afresh.
 */
async function reopenArray(path: string, size: number): Promise<boolean | undefined> {
  const handle = await open(path, 'r');
  let cutAt: number;
  let hasItems: boolean;
  try {
    const first = await firstNonWhitespace(handle);
    const last = await lastNonWhitespace(handle, size);
    if (last === undefined) return undefined;
    if (size <= VALIDATE_MAX_BYTES) {
      let value: unknown;
      try {
        value = JSON.parse((await handle.readFile()).toString('utf8'));
      } catch (error) {
        throw notAnArray(path, `it is not valid JSON (${(error as Error).message})`);
      }
      if (!Array.isArray(value)) throw notAnArray(path, 'it holds JSON that is not an array');
    } else if (first !== OPEN_BRACKET || last.byte !== CLOSE_BRACKET) {
      throw notAnArray(path, 'it does not look like a JSON array (no leading "[" or trailing "]")');
    }
    const beforeClose = await lastNonWhitespace(handle, last.offset);
    if (beforeClose === undefined) throw notAnArray(path, 'it does not look like a JSON array');
    cutAt = beforeClose.offset + 1;
    hasItems = beforeClose.byte !== OPEN_BRACKET;
  } finally {
    await handle.close();
  }
  await truncate(path, cutAt);
  return hasItems;
}

export async function openJsonFeed(options: FeedWriterOptions): Promise<FeedWriter> {
  if (options.path === STDOUT_PATH) {
    const sink = streamSink(options.stdout ?? process.stdout);
    await sink.write('[');
    return new JsonFeedWriter(options.path, sink, options.fields, false);
  }
  if (!options.overwrite) {
    const size = await existingSize(options.path);
    const hasItems = size ? await reopenArray(options.path, size) : undefined;
    if (hasItems !== undefined) {
      return new JsonFeedWriter(options.path, await openFileSink(options.path, 'a'), options.fields, hasItems);
    }
  }
  const sink = await openFileSink(options.path, 'w');
  await sink.write('[');
  return new JsonFeedWriter(options.path, sink, options.fields, false);
}
