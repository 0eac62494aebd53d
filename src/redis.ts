/**
 * Connecting to the cluster's Redis (ioredis: a well-kept client with Lua script commands that
 * fall back from EVALSHA to EVAL after a restart, pipelining, and reconnection with backoff).
 *
 * At start-up an unreachable Redis is a coded error naming the URL. Once connected, a lost
 * connection is not an error: ioredis reconnects with backoff and holds the commands sent
 * meanwhile, and the cluster frontier logs why it waits.
 */
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import { ConfigError } from './errors.js';
import { loadPackage } from './load-package.js';
import type { Logger } from './log.js';

export type { Redis } from 'ioredis';

/** A crawl id is part of every key: letters, digits and `._-` only. */
export const CRAWL_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function checkCrawlId(id: string): string {
  if (!CRAWL_ID.test(id)) {
    throw new ConfigError('ERR_CLUSTER_CRAWL_ID', `crawl id ${JSON.stringify(id)} is not valid`, {
      hint: 'use 1-100 letters, digits, ".", "_" or "-" (--crawl-id my-crawl)',
    });
  }
  return id;
}

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

export interface ConnectOptions {
  logger?: Logger;
  /** How long the first connection may take before start-up fails. Default 5,000 ms. */
  connectTimeoutMs?: number;
}

/**
 * Connects and checks the server answers.
 *
 * @throws ConfigError `ERR_CLUSTER_URL` for a URL that is not `redis://` or `rediss://`,
 *   `ERR_CLUSTER_REDIS` when the server cannot be reached at start-up.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError('ERR_CLUSTER_URL', `cluster.redis ${JSON.stringify(redactRedisUrl(url))} is not a Redis URL`, {
      hint: 'write redis://host:port/db, e.g. --redis redis://127.0.0.1:6379/0',
    });
  }
  const logger = options.logger;
  let lastWhy = '';
  const { Redis: RedisClient } = loadPackage<typeof IORedis>('ioredis', 'a Redis connection (--redis, cluster.redis, a redis:// feed)');
  const redis = new RedisClient(url, {
    lazyConnect: true,
    // Commands wait for a reconnection instead of failing: a restart of Redis is waited out.
    maxRetriesPerRequest: null,
    // Commands whose reply was lost in a disconnection are re-sent (ioredis's default, stated
    // because it matters): a cluster tick carries a sequence number, so Redis applies it once.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
  });
  redis.on('error', (error: Error) => {
    const why = error.message;
    if (why !== lastWhy) logger?.warn(`Redis ${redactRedisUrl(url)}: ${why}; reconnecting`);
    lastWhy = why;
  });
  redis.on('ready', () => {
    if (lastWhy) logger?.info(`Redis ${redactRedisUrl(url)}: connected again`);
    lastWhy = '';
  });
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw new ConfigError('ERR_CLUSTER_REDIS', `cannot reach Redis at ${redactRedisUrl(url)}: ${(error as Error).message}`, {
      hint: 'start redis-server there, or fix --redis / cluster.redis',
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
