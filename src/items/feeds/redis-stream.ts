/**
 * The `redis-stream` feed: each item becomes one entry `{ item: <JSON> }` of the Redis stream named
 * by the feed's path (placeholders applied, e.g. `{name}:items`), on the Redis at `cluster.redis`.
 * Consumers read it with XREAD / XREADGROUP while the crawl runs; every process of a shared crawl
 * may write to the same stream.
 *
 * Items are sent in batches (one pipeline of XADDs, sent when a batch fills, after a short linger,
 * or on `flushed()`/`close()`) over one connection, so they reach the stream in the order they were
 * written. At most a few batches are in flight: beyond that `write` waits, which pushes back on the
 * crawl like a slow disk. While Redis is unreachable the writes wait for the reconnection and
 * commands whose reply was lost are sent again (at-least-once: an item may then appear twice).
 *
 * A batch Redis refuses (a full memory, a key of another type) fails the next `write` and `close`.
 * `-O` (overwrite) deletes the stream first; `-o` appends to it.
 */
import type { Redis } from 'ioredis';
import { connectRedis, redactRedisUrl } from '../../redis.js';
import { ArachneError, ConfigError } from '../../errors.js';
import type { FeedFormat } from '../../settings/defaults.js';
import { pickFields, type Item } from '../../spider/item.js';
import type { FeedWriter, FeedWriterOptions } from './feed.js';

/** Items per pipeline of XADDs. */
export const REDIS_STREAM_BATCH = 100;
/** Batches sent and not yet acknowledged before `write` waits. */
const MAX_IN_FLIGHT = 4;
/** How long a partial batch waits for more items before it is sent anyway. */
const LINGER_MS = 50;

class RedisStreamFeedWriter implements FeedWriter {
  readonly path: string;
  readonly format: FeedFormat = 'redis-stream';
  readonly #redis: Redis;
  readonly #url: string;
  readonly #fields: string[] | undefined;
  /** Serialised items not sent yet. */
  #batch: string[] = [];
  /** Batches sent, oldest first; each settles (never rejects) once Redis answered. */
  readonly #inFlight: Promise<void>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #error: unknown;
  #closed = false;

  constructor(path: string, redis: Redis, url: string, fields: string[] | undefined) {
    this.path = path;
    this.#redis = redis;
    this.#url = url;
    this.#fields = fields;
  }

  async write(item: Item): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed) throw new ArachneError('ERR_FEED_CLOSED', 'item', `redis-stream feed "${this.path}" is closed`);
    // Serialise before queueing: an item that cannot be stringified sends nothing at all.
    this.#batch.push(JSON.stringify(pickFields(item, this.#fields)));
    if (this.#batch.length >= REDIS_STREAM_BATCH) this.#send();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#send(), LINGER_MS);
      this.#timer.unref();
    }
    while (this.#inFlight.length >= MAX_IN_FLIGHT) await this.#inFlight[0];
  }

  /** Send the partial batch now (one pipeline, one round trip). */
  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.length === 0) return;
    const entries = this.#batch;
    this.#batch = [];
    const pipeline = this.#redis.pipeline();
    for (const json of entries) pipeline.xadd(this.path, '*', 'item', json);
    const done: Promise<void> = pipeline.exec().then(
      (results) => {
        const failed = (results ?? []).find(([error]) => error);
        if (failed?.[0]) this.#fail(failed[0], entries.length);
      },
      (error: unknown) => this.#fail(error, entries.length),
    );
    this.#inFlight.push(done);
    void done.finally(() => {
      const index = this.#inFlight.indexOf(done);
      if (index >= 0) this.#inFlight.splice(index, 1);
    });
  }

  #fail(error: unknown, count: number): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#error ??= new ArachneError(
      'ERR_FEED_WRITE',
      'item',
      `redis-stream feed "${this.path}" at ${redactRedisUrl(this.#url)}: Redis refused a batch of ${count} item(s): ${reason}`,
      { hint: 'check the Redis server (memory, the key\'s type) and its log', cause: error },
    );
  }

  /** Resolves once Redis acknowledged (or refused) every item written so far. */
  async flushed(): Promise<void> {
    this.#send();
    await Promise.all([...this.#inFlight]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flushed();
    } finally {
      try {
        await this.#redis.quit();
      } catch {
        this.#redis.disconnect();
      }
    }
    if (this.#error !== undefined) throw this.#error;
  }
}

/**
 * Connect to `options.redisUrl` and check the stream's key holds a stream (or nothing yet);
 * `overwrite` deletes it first.
 *
 * @throws ConfigError `ERR_FEED_REDIS` without a Redis URL, `ERR_FEED_OPEN` when the key holds
 *   another type, `ERR_CLUSTER_URL` / `ERR_CLUSTER_REDIS` for a bad or unreachable URL.
 */
export async function openRedisStreamFeed(options: FeedWriterOptions): Promise<FeedWriter> {
  const url = options.redisUrl ?? '';
  if (url === '') {
    throw new ConfigError('ERR_FEED_REDIS', `feed "${options.path}" has the format redis-stream, but no Redis URL is set`, {
      hint: 'set cluster.redis (crawl.config.ts, -s cluster.redis=redis://127.0.0.1:6379/0 or --redis): the stream is written to that server',
    });
  }
  if (options.path === '') {
    throw new ConfigError('ERR_FEED_PATH', 'a redis-stream feed needs a stream name', { hint: 'write -o {name}:items:redis-stream' });
  }
  const redis = await connectRedis(url, { logger: options.logger });
  // At-least-once: connectRedis keeps ioredis's re-sending of an XADD whose reply was lost.
  try {
    if (options.overwrite) await redis.del(options.path);
    const type = await redis.type(options.path);
    if (type !== 'none' && type !== 'stream') {
      throw new ConfigError('ERR_FEED_OPEN', `cannot open feed "${options.path}": the Redis key holds a ${type}, not a stream`, {
        hint: 'name another stream in the feed path, or delete the key (-O replaces it)',
      });
    }
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return new RedisStreamFeedWriter(options.path, redis, url, options.fields);
}
