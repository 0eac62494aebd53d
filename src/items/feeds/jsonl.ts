/**
 * JSON Lines (https://jsonlines.org): one `JSON.stringify(item)` per line. The format that appends
 * safely and streams well, hence the default for stdout and unknown extensions in settings.
 */
import type { FeedFormat } from '../../settings/defaults.js';
import { pickFields, type Item } from '../../spider/item.js';
import { truncate } from 'node:fs/promises';
import { existingSize, lastByte, lastLine } from './existing-file.js';
import { openFileSink, streamSink, type FeedSink } from './feed-sink.js';
import { STDOUT_PATH } from './feed-uri.js';
import type { FeedWriter, FeedWriterOptions } from './feed.js';

class JsonlFeedWriter implements FeedWriter {
  readonly path: string;
  readonly format: FeedFormat = 'jsonl';
  readonly #sink: FeedSink;
  readonly #fields: string[] | undefined;
  /** Written before the first line when the appended file's last line had no newline. */
  #prefix: string;

  constructor(path: string, sink: FeedSink, fields: string[] | undefined, prefix: string) {
    this.path = path;
    this.#sink = sink;
    this.#fields = fields;
    this.#prefix = prefix;
  }

  async write(item: Item): Promise<void> {
    // Serialise before writing: an item that cannot be stringified writes nothing at all.
    const line = `${this.#prefix}${JSON.stringify(pickFields(item, this.#fields))}\n`;
    this.#prefix = '';
    await this.#sink.write(line);
  }

  flushed(): Promise<void> {
    return this.#sink.flushed();
  }

  close(): Promise<void> {
    return this.#sink.close();
  }
}

export async function openJsonlFeed(options: FeedWriterOptions): Promise<FeedWriter> {
  if (options.path === STDOUT_PATH) {
    return new JsonlFeedWriter(options.path, streamSink(options.stdout ?? process.stdout), options.fields, '');
  }
  let prefix = '';
  if (!options.overwrite) {
    // A file cut short mid-line (a killed crawl) must not swallow our first line into its last:
    // a last line that is complete JSON only lacks its newline; a cut one is removed (never valid).
    const size = await existingSize(options.path);
    if (size !== undefined && size > 0 && (await lastByte(options.path, size)) !== 0x0a) {
      const tail = await lastLine(options.path, size);
      if (isJson(tail.text)) prefix = '\n';
      else {
        options.logger.warn(`feed "${options.path}" ended with a cut line (${size - tail.start} bytes, from a killed crawl?): removed before appending`);
        options.stats.inc('feed/repaired');
        await truncate(options.path, tail.start);
      }
    }
  }
  const sink = await openFileSink(options.path, options.overwrite ? 'w' : 'a');
  return new JsonlFeedWriter(options.path, sink, options.fields, prefix);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
