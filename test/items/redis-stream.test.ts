/**
 * The `redis-stream` feed against a real redis-server: order, batching, flushed(), backpressure,
 * overwrite, a Redis restart while writing, and the errors.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Stats } from '../../src/stats.js';
import { silentLogger } from '../../src/log.js';
import type { FeedWriter } from '../../src/items/feeds/feed.js';
import { openFeedWriter } from '../../src/items/feeds/feed-writer.js';
import { REDIS_STREAM_BATCH } from '../../src/items/feeds/redis-stream.js';
import { ItemProcessor } from '../../src/items/item-processor.js';
import type { Item } from '../../src/spider/item.js';
import { startRedis, type RedisServer } from '../fixtures/redis-server.js';
import { rejectsWith } from '../helpers/assert-code.js';

let server: RedisServer;
let redis: Redis;

before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

after(async () => {
  redis.disconnect();
  await server.close();
});

beforeEach(async () => {
  await redis.flushdb();
});

function open(path: string, options: { overwrite?: boolean; fields?: string[]; url?: string } = {}): Promise<FeedWriter> {
  return openFeedWriter({
    path,
    format: 'redis-stream',
    logger: silentLogger,
    stats: new Stats(),
    redisUrl: options.url ?? server.url,
    ...(options.overwrite ? { overwrite: true } : {}),
    ...(options.fields ? { fields: options.fields } : {}),
  });
}

/** The stream's entries: each must be exactly `{ item: <JSON> }`. */
async function readStream(key: string): Promise<Item[]> {
  const entries = await redis.xrange(key, '-', '+');
  return entries.map(([, fields]) => {
    assert.equal(fields.length, 2);
    assert.equal(fields[0], 'item');
    return JSON.parse(fields[1]!) as Item;
  });
}

const items = (from: number, to: number): Item[] => Array.from({ length: to - from }, (_, i) => ({ n: from + i, title: `item ${from + i}`, tags: ['a'] }));

test('items arrive in order, one entry { item: JSON } each, in batches; flushed() waits for Redis', async () => {
  const writer = await open('books:items');
  assert.equal(writer.format, 'redis-stream');
  assert.equal(writer.path, 'books:items');
  const count = REDIS_STREAM_BATCH * 2 + 37;
  for (const item of items(0, count)) await writer.write(item);
  await writer.flushed!();
  assert.equal(await redis.xlen('books:items'), count);
  await writer.write({ n: count, last: true });
  await writer.close();
  assert.equal(await redis.xlen('books:items'), count + 1);
  assert.deepEqual(await readStream('books:items'), [...items(0, count), { n: count, last: true }]);
});

test('a partial batch is sent after a short linger, without flushed()', async () => {
  const writer = await open('s');
  await writer.write({ a: 1 });
  for (let i = 0; i < 40 && (await redis.xlen('s')) === 0; i++) await sleep(25);
  assert.equal(await redis.xlen('s'), 1);
  await writer.close();
});

test('-o appends to the stream, -O replaces it; fields pick the keys', async () => {
  let writer = await open('s');
  await writer.write({ a: 1, b: 2 });
  await writer.close();
  writer = await open('s', { fields: ['b'] });
  await writer.write({ a: 3, b: 4 });
  await writer.close();
  assert.deepEqual(await readStream('s'), [{ a: 1, b: 2 }, { b: 4 }]);
  writer = await open('s', { overwrite: true });
  await writer.write({ c: 5 });
  await writer.close();
  assert.deepEqual(await readStream('s'), [{ c: 5 }]);
});

test('backpressure: write waits while Redis does not acknowledge', async () => {
  const writer = await open('slow');
  await redis.call('CLIENT', 'PAUSE', '1000', 'WRITE');
  const all = items(0, REDIS_STREAM_BATCH * 4);
  for (const item of all.slice(0, -1)) await writer.write(item);
  let resolved = false;
  const last = Promise.resolve(writer.write(all.at(-1)!)).then(() => {
    resolved = true;
  });
  await sleep(300);
  assert.equal(resolved, false, 'the write that fills the 4th unacknowledged batch waits');
  await last;
  await writer.close();
  assert.equal(await redis.xlen('slow'), all.length);
});

test('a Redis crash while a batch waits for its reply loses no item (at-least-once)', async () => {
  const writer = await open('r');
  for (const item of items(0, 50)) await writer.write(item);
  await writer.flushed!();
  // A sent batch that Redis holds unanswered, then a crash: the batch must be sent again.
  await redis.call('CLIENT', 'PAUSE', '5000', 'WRITE');
  for (const item of items(50, 50 + REDIS_STREAM_BATCH)) await writer.write(item);
  await sleep(100);
  await server.kill();
  await server.restart();
  for (const item of items(50 + REDIS_STREAM_BATCH, 300)) await writer.write(item);
  await writer.close();
  const got = (await readStream('r')).map((item) => item.n as number);
  assert.deepEqual([...new Set(got)].sort((a, b) => a - b), items(0, 300).map((item) => item.n));
});

test('the item processor names the stream with placeholders and writes to cluster.redis', async () => {
  const processor = new ItemProcessor({
    pipelines: [],
    feeds: { '{name}:{process}:items': { format: 'redis-stream' } },
    concurrency: 4,
    spiderName: 'books',
    startTime: new Date(),
    stats: new Stats(),
    logger: silentLogger,
    settings: { 'cluster.redis': server.url },
    process: 'p1',
  });
  await processor.open();
  for (const item of items(0, 10)) await processor.process(item);
  await processor.flushed();
  assert.equal(await redis.xlen('books:p1:items'), 10);
  await processor.close();
  assert.deepEqual(await readStream('books:p1:items'), items(0, 10));
});

test('errors: no Redis URL, a bad URL, a key of another type', async () => {
  const missing = await rejectsWith(open('s', { url: '' }), 'ERR_FEED_REDIS');
  assert.match(missing.hint ?? '', /cluster\.redis/);
  const processor = new ItemProcessor({
    pipelines: [],
    feeds: { '{name}:items': { format: 'redis-stream' } },
    concurrency: 1,
    spiderName: 'books',
    startTime: new Date(),
    stats: new Stats(),
    logger: silentLogger,
    settings: { 'cluster.redis': '' },
  });
  await rejectsWith(processor.open(), 'ERR_FEED_REDIS');
  await rejectsWith(open('s', { url: 'http://127.0.0.1:1/' }), 'ERR_CLUSTER_URL');
  await redis.set('plain', 'x');
  const wrongType = await rejectsWith(open('plain'), 'ERR_FEED_OPEN');
  assert.match(wrongType.message, /string, not a stream/);
});
