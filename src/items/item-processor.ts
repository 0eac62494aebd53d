/**
 * Where items go after the spider middlewares: through the pipelines, in order, then into every
 * feed. `items.concurrency` (Scrapy's CONCURRENT_ITEMS) bounds how many items are inside at once;
 * `pending` lets the engine hold back callbacks while items pile up.
 *
 * Feeds are written in the order items leave the pipelines: one write chain serialises them, so
 * lines never interleave and, with one item at a time, the file keeps the order of `process()`.
 * An item holds its concurrency unit until written, so a slow disk pushes back on the crawl too.
 *
 * Nothing an item does crashes the crawl: drops and errors are counted, logged and reported
 * through the callbacks, and `process()` always resolves.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Writable } from 'node:stream';
import { basename } from 'node:path';
import type { Stats } from '../stats.js';
import { ArachneError, ConfigError, DropItem, errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { FeedConfig } from '../settings/defaults.js';
import { inferFeedFormat, resolveFeedPath } from './feeds/feed-uri.js';
import type { FeedWriter } from './feeds/feed.js';
import { openFeedWriter } from './feeds/feed-writer.js';
import { isItem, type Item } from '../spider/item.js';
import { pipelineName, type ItemPipeline, type PipelineContext } from './pipeline.js';
import { userFrames } from '../stack.js';
import { FieldCoverage } from './coverage.js';
import { itemTag } from '../spider/item-schema.js';
import { describeError, describeValue } from '../describe.js';

export interface ItemProcessorOptions {
  /** Pipeline instances, run in this order. */
  pipelines: ItemPipeline[];
  /** The `feeds` setting: path (with `{name}`/`{time}`/`{process}`, or `-`) to its options. */
  feeds: Record<string, FeedConfig>;
  /** Items inside the pipelines and feeds at once (`items.concurrency`, default 100). */
  concurrency: number;
  spiderName: string;
  /** The crawl start, for `{time}` in feed paths. */
  startTime: Date;
  /** The process id for `{process}` in feed paths (the cluster process id). Default `String(process.pid)`. */
  process?: string;
  stats: Stats;
  logger: Logger;
  settings: Readonly<Record<string, unknown>>;
  /** What to do with an item its schema rejected (`items.invalid`). Default `drop`. */
  invalid?: 'drop' | 'keep';
  /** Fields of each declared item type, in schema order: coverage figures and feed columns. */
  itemFields?: ReadonlyMap<string, readonly string[]>;
  /** Columns of feeds that set no `fields`: the spider's first item type's fields. Default none. */
  defaultFields?: readonly string[];
  /** Where the `-` feed writes. Default `process.stdout`. */
  stdout?: Writable;
  /** An item left the pipelines and its feed writes finished (counted as `item/scraped`; a failed write is counted in `feed/errors`). */
  onItemScraped?(item: Item): void;
  /** A pipeline dropped an item (returned null/undefined or threw `DropItem`). */
  onItemDropped?(item: Item, reason: string): void;
  /** A pipeline threw, or a feed failed to write or close; `item` is undefined for open/close. */
  onError?(error: unknown, item: Item | undefined): void;
}

type State = 'new' | 'open' | 'draining' | 'closed';

/** How long a drop reason may be inside a stats key. */
const REASON_KEY_MAX = 40;
/** Invalid items logged at warn level per field path; later ones are only counted. */
const INVALID_LOGS_PER_FIELD = 10;

export class ItemProcessor {
  readonly #options: ItemProcessorOptions;
  readonly #ctx: PipelineContext;
  readonly #limit: LimitFunction;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #openedPipelines: ItemPipeline[] = [];
  readonly #feeds: FeedWriter[] = [];
  /** Feeds that already logged a write error: the next ones are only counted. */
  readonly #failedFeeds = new Set<FeedWriter>();
  #writeChain: Promise<void> = Promise.resolve();
  #state: State = 'new';
  readonly #invalidLogged = new Map<string, number>();
  /** Field coverage of typed items (items/coverage.ts), read at close. */
  readonly coverage: FieldCoverage;

  constructor(options: ItemProcessorOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new ConfigError('ERR_SETTING_VALUE', `items.concurrency must be an integer >= 1, got ${String(options.concurrency)}`);
    }
    this.#options = options;
    this.#ctx = { spiderName: options.spiderName, stats: options.stats, logger: options.logger, settings: options.settings };
    this.#limit = pLimit(options.concurrency);
    this.coverage = new FieldCoverage(options.itemFields);
  }

  /** Items accepted and not yet written or dropped (running plus queued). */
  get pending(): number {
    return this.#inFlight.size;
  }

  /**
   * Open the pipelines in order, then create every feed (and its directory). If anything fails,
   * what was opened is closed again and the error is thrown: the crawl should not start.
   *
   * @throws ConfigError `ERR_FEED_OPEN` for a feed that cannot be opened, the format's errors
   *   (`ERR_FEED_APPEND_JSON`, `ERR_FEED_PLACEHOLDER`...), or whatever a pipeline's `open` threw.
   */
  async open({ append = false }: { append?: boolean } = {}): Promise<void> {
    if (this.#state !== 'new') throw new ArachneError('ERR_ITEMS_STATE', 'item', `the item processor is already ${this.#state}`);
    this.#state = 'open';
    try {
      for (const pipeline of this.#options.pipelines) {
        try {
          await pipeline.open?.(this.#ctx);
        } catch (error) {
          throw pipelineOpenError(pipelineName(pipeline), 'failed to open', error);
        }
        this.#openedPipelines.push(pipeline);
      }
      await this.#openFeeds(append);
    } catch (error) {
      await this.#closeAll();
      this.#state = 'closed';
      throw error;
    }
  }

  /** `append`: keep what every feed holds (a resumed job), whatever its `overwrite`. */
  async #openFeeds(append: boolean): Promise<void> {
    const { spiderName, startTime, logger, stats, stdout, settings } = this.#options;
    const processId = this.#options.process ?? String(process.pid);
    const redisUrl = typeof settings['cluster.redis'] === 'string' ? settings['cluster.redis'] : '';
    const seen = new Map<string, string>();
    for (const [rawPath, config] of Object.entries(this.#options.feeds)) {
      const path = resolveFeedPath(rawPath, { name: spiderName, time: startTime, process: processId });
      const other = seen.get(path);
      if (other !== undefined) {
        throw new ConfigError('ERR_FEED_OPEN', `feeds "${other}" and "${rawPath}" both write to "${path}"`, {
          hint: 'give each feed its own path',
        });
      }
      seen.set(path, rawPath);
      // As documented for the `feeds` setting: the extension decides, else jsonl.
      const format = config.format ?? inferFeedFormat(path) ?? 'jsonl';
      const writer = await openFeedWriter({
        path,
        format,
        overwrite: !append && (config.overwrite ?? false),
        ...(config.fields ? { fields: config.fields } : this.#options.defaultFields ? { fields: [...this.#options.defaultFields] } : {}),
        ...(redisUrl ? { redisUrl } : {}),
        logger,
        stats,
        ...(stdout ? { stdout } : {}),
      });
      this.#feeds.push(writer);
      logger.debug(`feed ${format} ${path} (${config.overwrite ? 'overwrite' : 'append'})`);
    }
  }

  /**
   * Run one item through the pipelines and into the feeds. Resolves (never rejects) once it is
   * written or dropped; many calls may be outstanding, at most `concurrency` run at once.
   *
   * @throws ArachneError `ERR_ITEMS_STATE` (as a rejection) before `open()` or after `close()`.
   */
  process(item: Item): Promise<void> {
    if (this.#state !== 'open' && this.#state !== 'draining') {
      return Promise.reject(new ArachneError('ERR_ITEMS_STATE', 'item', `cannot process an item: the item processor is ${this.#state}`));
    }
    const tag = itemTag(item);
    if (tag) {
      this.coverage.add(tag.type, item);
      if (tag.issues && this.#invalid(item, tag.type, tag.issues, tag.url)) return Promise.resolve();
    }
    const done = this.#limit(() => this.#run(item));
    this.#inFlight.add(done);
    const settle = (): void => {
      this.#inFlight.delete(done);
    };
    done.then(settle, settle);
    return done;
  }

  async #run(item: Item): Promise<void> {
    const { stats, logger } = this.#options;
    let current = item;
    for (const pipeline of this.#options.pipelines) {
      let result: Item | null | undefined;
      try {
        result = await pipeline.process(current, this.#ctx);
      } catch (error) {
        if (error instanceof DropItem || errorCode(error) === 'ERR_ITEM_DROPPED') {
          this.#dropped(current, (error as Error).message || pipelineName(pipeline));
        } else {
          const code = errorCode(error);
          stats.inc('item/errors');
          stats.inc(`item/errors/${code}`);
          logger.error(`pipeline ${pipelineName(pipeline)} failed on an item (${code}): ${describeError(error)}; item dropped`);
          this.#notify('onError', () => this.#options.onError?.(error, current));
        }
        return;
      }
      if (result === null || result === undefined) {
        this.#dropped(current, `${pipelineName(pipeline)} returned ${String(result)}`);
        return;
      }
      if (!isItem(result)) {
        const error = new ArachneError('ERR_PIPELINE_RESULT', 'item', `pipeline ${pipelineName(pipeline)} returned ${describeValue(result)}, not an item`, {
          hint: 'return the item (a plain object), or null to drop it',
        });
        stats.inc('item/errors');
        stats.inc(`item/errors/${error.code}`);
        logger.error(`${error.message}; item dropped`);
        this.#notify('onError', () => this.#options.onError?.(error, current));
        return;
      }
      current = result;
    }
    if (this.#feeds.length > 0) {
      const written = this.#writeChain.then(() => this.#write(current));
      this.#writeChain = written.then(() => {});
      const failure = await written;
      // An item a feed could not write (circular, a BigInt) is not scraped: it is in no file.
      if (failure !== undefined) {
        const code = errorCode(failure);
        stats.inc('item/errors');
        stats.inc(`item/errors/${code}`);
        return;
      }
    }
    stats.inc('item/scraped');
    const scraped = current;
    this.#notify('onItemScraped', () => this.#options.onItemScraped?.(scraped));
  }

  /** Run an engine callback; one that throws is logged, never allowed to fail the item. */
  #notify(name: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#options.logger.error(`${name} callback threw: ${describeError(error)}`);
    }
  }

  #dropped(item: Item, reason: string): void {
    const { stats, logger } = this.#options;
    stats.inc('item/dropped');
    stats.inc(`item/dropped/reason/${reasonKey(reason)}`);
    logger.debug(`item dropped: ${reason}`);
    this.#notify('onItemDropped', () => this.#options.onItemDropped?.(item, reason));
  }

  /**
   * Counts an item its schema rejected (`item/invalid`, `item/invalid/<field>`), logs the field
   * paths with the validator's messages, and drops it unless `items.invalid` is `keep`.
   * Returns true when dropped.
   */
  #invalid(item: Item, type: string, issues: readonly { path: string; message: string }[], url: string | undefined): boolean {
    const { stats, logger } = this.#options;
    stats.inc('item/invalid');
    const paths = new Set(issues.map((i) => i.path));
    let quiet = true;
    for (const path of paths) {
      stats.inc(`item/invalid/${path}`);
      const logged = this.#invalidLogged.get(path) ?? 0;
      this.#invalidLogged.set(path, logged + 1);
      if (logged < INVALID_LOGS_PER_FIELD) quiet = false;
      else if (logged === INVALID_LOGS_PER_FIELD) logger.warn(`more invalid ${type} items at "${path}": only counted in item/invalid/${path} from now on`);
    }
    const drop = this.#options.invalid !== 'keep';
    const text = `invalid ${type} item${url ? ` from ${url}` : ''}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}${drop ? '; dropped' : '; kept (items.invalid = keep)'}`;
    if (quiet) logger.debug(text);
    else logger.warn(text);
    if (drop) this.#dropped(item, 'invalid');
    return drop;
  }

  /**
   * Write to every feed; a failing feed is counted and does not stop the others. Never throws:
   * resolves with the first failure (undefined when every feed wrote the item).
   */
  async #write(item: Item): Promise<unknown> {
    const { stats, logger } = this.#options;
    let failure: unknown;
    await Promise.all(
      this.#feeds.map(async (feed) => {
        try {
          await feed.write(item);
          stats.inc(`feed/items/${basename(feed.path)}`);
        } catch (thrown) {
          const error = unserializable(thrown) ?? thrown;
          failure ??= error;
          stats.inc('feed/errors');
          if (errorCode(error) === 'ERR_ITEM_NOT_SERIALIZABLE') {
            // The item's fault, not the feed's: said for every such item (each is lost).
            logger.error(`item not written to feed "${feed.path}": ${describeError(error)}`);
            this.#notify('onError', () => this.#options.onError?.(error, item));
            return;
          }
          if (!this.#failedFeeds.has(feed)) {
            this.#failedFeeds.add(feed);
            logger.error(`feed "${feed.path}" failed to write an item (${errorCode(error)}): ${describeError(error)}; further failures are only counted in feed/errors`);
          }
          this.#notify('onError', () => this.#options.onError?.(error, item));
        }
      }),
    );
    return failure;
  }

  /**
   * Resolves once every item accepted so far is written (or dropped) and the feeds handed its
   * bytes to the OS. A job store waits for this before forgetting the requests whose responses
   * yielded those items, so a killed crawl never loses an item (at-least-once).
   */
  async flushed(): Promise<void> {
    await Promise.all(this.#inFlight);
    await Promise.all(this.#feeds.map((feed) => feed.flushed?.()));
  }

  /**
   * Wait for every item inside (including ones that arrive meanwhile), then close the pipelines in
   * order and the feeds, flushing them. A failing close is logged, counted and reported through
   * `onError`; it does not stop the others, and `close()` still resolves.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'draining') return;
    if (this.#state === 'new') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'draining';
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    this.#state = 'closed';
    await this.#closeAll();
  }

  async #closeAll(): Promise<void> {
    const { stats, logger } = this.#options;
    for (const pipeline of this.#openedPipelines.splice(0)) {
      try {
        await pipeline.close?.(this.#ctx);
      } catch (error) {
        stats.inc('item/errors');
        stats.inc(`item/errors/${errorCode(error)}`);
        logger.error(`pipeline ${pipelineName(pipeline)} failed to close (${errorCode(error)}): ${describeError(error)}`);
        this.#notify('onError', () => this.#options.onError?.(error, undefined));
      }
    }
    for (const feed of this.#feeds.splice(0)) {
      try {
        await feed.close();
      } catch (error) {
        stats.inc('feed/errors');
        logger.error(`feed "${feed.path}" failed to close (${errorCode(error)}): ${describeError(error)}; it may be incomplete`);
        this.#notify('onError', () => this.#options.onError?.(error, undefined));
      }
    }
  }
}

/**
 * A pipeline that cannot start (its constructor or `open()` threw) as a coded error naming it,
 * with the user's frames: the crawl does not start.
 */
export function pipelineOpenError(name: string, what: string, error: unknown): ArachneError {
  if (error instanceof ArachneError) return error;
  const frames = error instanceof Error ? userFrames(error.stack) : '';
  return new ConfigError('ERR_PIPELINE_OPEN', `pipeline ${name} ${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${frames ? `\n${frames}` : ''}`, {
    hint: 'fix the pipeline at the line shown (the crawl did not start; no item was lost)',
    cause: error,
  });
}

/**
 * JSON.stringify's TypeErrors (a circular structure, a BigInt) as a coded error, or undefined for
 * any other failure (a full disk is the feed's fault, not the item's).
 */
function unserializable(error: unknown): ArachneError | undefined {
  if (!(error instanceof TypeError) || !/circular|BigInt/i.test(error.message)) return undefined;
  return new ArachneError('ERR_ITEM_NOT_SERIALIZABLE', 'item', `the item cannot be written as JSON: ${error.message.split('\n')[0]}`, {
    hint: 'yield plain data: no object that refers to itself, and numbers instead of BigInt (String(n) or Number(n))',
    cause: error,
  });
}

/** A drop reason as a short stats key segment: one line, no slashes, at most 40 characters. */
function reasonKey(reason: string): string {
  const key = reason.replace(/\s+/g, ' ').replace(/\//g, '_').trim();
  return key.length > REASON_KEY_MAX ? key.slice(0, REASON_KEY_MAX) : key || 'unknown';
}
