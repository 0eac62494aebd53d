/**
 * CSV (RFC 4180): a header row, then one row per item, CRLF line ends, fields quoted when they
 * hold a comma, a quote, CR or LF. Nested objects and arrays are written as JSON in their cell.
 *
 * Our own writer rather than a dependency: it is thirty lines, and the only reading a feed needs
 * is the header of a file it appends to (a reader proper is only needed in tests).
 *
 * Columns are fixed by the first row: `fields`, else the first item's keys, else (appending) the
 * existing file's header. Keys of later items outside the columns are ignored (each counted once
 * as `feed/csv/ignored_fields`, with one warning); missing keys give empty cells.
 */
import type { Stats } from '../../stats.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { FeedFormat } from '../../settings/defaults.js';
import type { Item } from '../../spider/item.js';
import { truncate } from 'node:fs/promises';
import { existingSize, lastCsvRecordEnd, readHead, readRange } from './existing-file.js';
import { openFileSink, streamSink, type FeedSink } from './feed-sink.js';
import { STDOUT_PATH } from './feed-uri.js';
import type { FeedWriter, FeedWriterOptions } from './feed.js';

const EOL = '\r\n';
/** How much of an existing file is read to find its header row. */
const HEADER_MAX_BYTES = 1024 * 1024;

/** One cell: strings as they are, objects and arrays as JSON, null/undefined empty. */
export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (typeof value === 'string') text = value;
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row with its line end. */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvCell).join(',') + EOL;
}

/**
 * The first record of CSV text (the header), or undefined if the text holds none. Enough of
 * RFC 4180 for a header: quoted fields with doubled quotes, CRLF or LF line ends, a leading BOM.
 */
export function parseCsvHeader(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') break;
    else field += ch;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields.length === 1 && fields[0] === '' ? undefined : fields;
}

class CsvFeedWriter implements FeedWriter {
  readonly path: string;
  readonly format: FeedFormat = 'csv';
  readonly #sink: FeedSink;
  readonly #logger: Logger;
  readonly #stats: Stats;
  #columns: string[] | undefined;
  readonly #ignored = new Set<string>();
  /** Before the first row: the header of a new file, or the line end an appended file lacks. */
  #prefix: string;
  /** The header is still to be written (a new file). */
  #headerPending: boolean;

  constructor(
    path: string,
    sink: FeedSink,
    columns: string[] | undefined,
    append: { lineEnd: string } | undefined,
    logger: Logger,
    stats: Stats,
  ) {
    this.path = path;
    this.#sink = sink;
    this.#columns = columns;
    this.#headerPending = append === undefined;
    this.#prefix = append ? append.lineEnd : columns ? csvRow(columns) : '';
    this.#logger = logger;
    this.#stats = stats;
  }

  async write(item: Item): Promise<void> {
    let columns = this.#columns;
    if (columns === undefined) {
      columns = this.#columns = Object.keys(item);
      this.#prefix = csvRow(columns);
    }
    this.#noteIgnored(item, columns);
    // Header and first row go in one write: the file never holds a header cut from its row.
    const chunk = this.#prefix + csvRow(columns.map((column) => item[column]));
    this.#prefix = '';
    this.#headerPending = false;
    await this.#sink.write(chunk);
  }

  #noteIgnored(item: Item, columns: readonly string[]): void {
    const fresh = Object.keys(item).filter((key) => !columns.includes(key) && !this.#ignored.has(key));
    if (fresh.length === 0) return;
    if (this.#ignored.size === 0) {
      this.#logger.warn(
        `csv feed "${this.path}" ignores fields outside its columns (${columns.join(', ')}): ${fresh.join(', ')}; ` +
          'set the feed\'s "fields" to choose the columns (further ignored fields are only counted in feed/csv/ignored_fields)',
      );
    }
    for (const key of fresh) this.#ignored.add(key);
    this.#stats.inc('feed/csv/ignored_fields', fresh.length);
  }

  flushed(): Promise<void> {
    return this.#sink.flushed();
  }

  async close(): Promise<void> {
    try {
      // A new feed given its fields writes its header even when no item came.
      if (this.#headerPending && this.#prefix !== '') await this.#sink.write(this.#prefix);
    } finally {
      await this.#sink.close();
    }
  }
}

export async function openCsvFeed(options: FeedWriterOptions): Promise<FeedWriter> {
  const { path, fields, logger, stats } = options;
  if (path === STDOUT_PATH) {
    return new CsvFeedWriter(path, streamSink(options.stdout ?? process.stdout), fields, undefined, logger, stats);
  }
  if (!options.overwrite) {
    const size = await existingSize(path);
    const head = size ? await readHead(path, HEADER_MAX_BYTES) : '';
    if (head.trim() !== '') {
      const existing = parseCsvHeader(head);
      if (existing === undefined) {
        throw new ConfigError('ERR_FEED_APPEND_CSV', `cannot append to "${path}": no CSV header row in its first ${HEADER_MAX_BYTES} bytes`, {
          hint: 'overwrite it with -O, or write to a new file',
        });
      }
      if (fields && fields.join('\n') !== existing.join('\n')) {
        logger.warn(`csv feed "${path}" already has the columns ${existing.join(', ')}; appending with those, not with "fields"`);
      }
      // A row cut by a killed crawl (mid-field, or inside a quoted line break) is removed; a
      // last row that is whole and only lacks its line end gets one.
      let lineEnd = '';
      const end = await lastCsvRecordEnd(path, size as number);
      if (end < (size as number)) {
        const tail = parseCsvHeader(await readRange(path, end, size as number));
        if (end === 0 || (tail !== undefined && tail.length === existing.length)) lineEnd = EOL;
        else {
          logger.warn(`feed "${path}" ended with a cut row (${(size as number) - end} bytes, from a killed crawl?): removed before appending`);
          stats.inc('feed/repaired');
          await truncate(path, end);
        }
      }
      return new CsvFeedWriter(path, await openFileSink(path, 'a'), existing, { lineEnd }, logger, stats);
    }
  }
  // A new file, or one with nothing in it: it starts with a header.
  return new CsvFeedWriter(path, await openFileSink(path, 'w'), fields, undefined, logger, stats);
}
