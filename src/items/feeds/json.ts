/**
 * A JSON array: `[`, one item per line separated by `,\n`, and `\n]\n` on close, so the file is
 * valid JSON once the crawl closes, even with no items (`[\n]`).
 *
 * Appending (`-o`) to an existing array continues it: Scrapy appends a second array after the
 * first and leaves invalid JSON. We check the file is one JSON array, cut it just before its
 * closing `]` and go on, so the result is again one valid array.
 */
import { open, truncate, type FileHandle } from 'node:fs/promises';
import type { Stats } from '../../stats.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FeedFormat } from '../../settings/defaults.js';
import { pickFields, type Item } from '../../spider/item.js';
import { existingSize, firstNonWhitespace, lastNonWhitespace } from './existing-file.js';
import { openFileSink, streamSink, type FeedSink } from './feed-sink.js';
import { STDOUT_PATH } from './feed-uri.js';
import type { FeedWriter, FeedWriterOptions } from './feed.js';

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

  flushed(): Promise<void> {
    return this.#sink.flushed();
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
async function reopenArray(path: string, size: number, logger: Logger, stats: Stats): Promise<boolean | undefined> {
  const handle = await open(path, 'r');
  let cutAt: number;
  let hasItems: boolean;
  try {
    const first = await firstNonWhitespace(handle);
    const last = await lastNonWhitespace(handle, size);
    if (last === undefined) return undefined;
    // No closing bracket, or one inside a cut element: a crawl killed mid-write.
    let cut = first === OPEN_BRACKET && last.byte !== CLOSE_BRACKET;
    if (!cut && size <= VALIDATE_MAX_BYTES) {
      let value: unknown;
      try {
        value = JSON.parse((await handle.readFile()).toString('utf8'));
      } catch (error) {
        if (first !== OPEN_BRACKET) throw notAnArray(path, `it is not valid JSON (${(error as Error).message})`);
        cut = true;
      }
      if (!cut && !Array.isArray(value)) throw notAnArray(path, 'it holds JSON that is not an array');
    }
    if (cut) {
      const repaired = await cutToLastElement(handle, size);
      if (repaired === undefined) throw notAnArray(path, 'it is not valid JSON, nor a cut JSON array whose last whole element can be found');
      await truncate(path, repaired.cutAt);
      logger.warn(`feed "${path}" was a cut JSON array (from a killed crawl?): cut to its last whole element before appending`);
      stats.inc('feed/repaired');
      return repaired.hasItems;
    }
    // Files up to VALIDATE_MAX_BYTES were proved to be an array above; larger ones are only looked at.
    if (size > VALIDATE_MAX_BYTES && (first !== OPEN_BRACKET || last.byte !== CLOSE_BRACKET)) {
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

/** How far back a cut array is searched for its last whole element in files too big to read whole. */
const REPAIR_TAIL_BYTES = 8 * 1024 * 1024;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Where to cut a JSON array our writer left unfinished: it writes `[`, then one element per line
 * (`\n<json>` or `,\n<json>`), so the last line that parses (less a trailing comma) is the last
 * whole element, and a lone `[` means none. The kept prefix plus `]` must parse as an array
 * (checked whole up to `VALIDATE_MAX_BYTES`).
 */
async function cutToLastElement(handle: FileHandle, size: number): Promise<{ cutAt: number; hasItems: boolean } | undefined> {
  const base = size <= VALIDATE_MAX_BYTES ? 0 : size - REPAIR_TAIL_BYTES;
  const buffer = Buffer.alloc(size - base);
  await handle.read(buffer, 0, buffer.length, base);
  let found: { cutAt: number; hasItems: boolean } | undefined;
  for (let end = buffer.length; end > 0 && !found; ) {
    const start = buffer.lastIndexOf(0x0a, end - 1) + 1;
    let stop = end;
    while (stop > start && isSpace(buffer[stop - 1])) stop--;
    if (stop > start && buffer[stop - 1] === 0x2c) stop--;
    const line = buffer.subarray(start, stop).toString('utf8').trim();
    if (line === '[') found = { cutAt: base + stop, hasItems: false };
    else if (line !== '') {
      try {
        JSON.parse(line);
        found = { cutAt: base + stop, hasItems: true };
      } catch {
        // A cut element: look at the line before.
      }
    }
    if (start === 0) break;
    end = start - 1;
  }
  if (!found || base > 0) return found;
  try {
    return Array.isArray(JSON.parse(`${buffer.subarray(0, found.cutAt).toString('utf8')}]`)) ? found : undefined;
  } catch {
    return undefined;
  }
}

export async function openJsonFeed(options: FeedWriterOptions): Promise<FeedWriter> {
  if (options.path === STDOUT_PATH) {
    const sink = streamSink(options.stdout ?? process.stdout);
    await sink.write('[');
    return new JsonFeedWriter(options.path, sink, options.fields, false);
  }
  if (!options.overwrite) {
    const size = await existingSize(options.path);
    const hasItems = size ? await reopenArray(options.path, size, options.logger, options.stats) : undefined;
    if (hasItems !== undefined) {
      return new JsonFeedWriter(options.path, await openFileSink(options.path, 'a'), options.fields, hasItems);
    }
  }
  const sink = await openFileSink(options.path, 'w');
  await sink.write('[');
  return new JsonFeedWriter(options.path, sink, options.fields, false);
}
