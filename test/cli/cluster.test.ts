/**
 * `crawl cluster status` and `crawl cluster reset` against a real redis-server, with a crawl's
 * keys written by hand (the layout of src/cluster/keys.ts). Needs the built CLI (`npm run build`).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Redis } from 'ioredis';
import { CLUSTER_FORMAT, clusterKeys, clusterPrefix } from '../../src/cluster/keys.js';
import { startRedis, type RedisServer } from '../fixtures/redis-server.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

let server: RedisServer;
let redis: Redis;
let project: TempProject;

before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  project = makeProject({ 'crawl.config.ts': `export default {};\n` });
});

after(async () => {
  redis.disconnect();
  await server.close();
  project.remove();
});

beforeEach(async () => {
  await redis.flushdb();
});

/** Milliseconds by the Redis clock. */
async function redisNow(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** A crawl with two slot queues (3 + 2), 1 delayed, two processes (one dead 2 minutes ago) and their stats. */
async function populate(id: string, options: { liveAgoMs?: number } = {}): Promise<void> {
  const k = clusterKeys(id);
  const now = await redisNow();
  await redis.hset(k.meta, { format: CLUSTER_FORMAT, spider: 'books', created: String(now - 60_000), startDone: '1', startPulled: '7', starter: 'p1' });
  await redis.sadd(k.seen, 'a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), 'd'.repeat(40), 'e'.repeat(40), 'f'.repeat(40), '0'.repeat(40));
  await redis.zadd(k.queue('books.example'), 1, '1', 2, '2', 3, '3');
  await redis.zadd(k.queue('cdn.example'), 4, '4', 5, '5');
  await redis.zadd(k.delayed, now + 5_000, '6');
  await redis.set(k.pending, '9');
  await redis.hset(k.lease('p1'), { '7': 'books.example', '8': 'cdn.example', '9': '' });
  await redis.hset(k.lease('p2'), { '10': '' });
  await redis.zadd(k.procs, now - (options.liveAgoMs ?? 1_500), 'p1', now - 120_000, 'p2');
  await redis.hset(k.stats, { claimed: '12', completed: '3' });
  await redis.hset(k.pstats, {
    p1: JSON.stringify({ 'response/received': 10, 'item/scraped': 4, 'request/failed': 1, 'cluster/claimed': 7, finish_reason: 'x' }),
    p2: JSON.stringify({ 'response/received': 5, 'item/scraped': 2, 'cluster/claimed': 5, 'cluster/reaped': 1 }),
  });
}

async function crawlKeyCount(id: string): Promise<number> {
  return (await redis.keys(`${clusterPrefix(id)}*`)).length;
}

test('cluster status prints the crawl: start, pending, queued, seen, processes, summed stats', async () => {
  await populate('books');
  const run = await runCli(['cluster', 'status', 'books', '--redis', server.url], project.dir);
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout;
  assert.match(out, /^crawl books on redis:\/\/127\.0\.0\.1:\d+\/0/);
  assert.match(out, /^spider\s+books$/m);
  assert.match(out, new RegExp(`^format\\s+${CLUSTER_FORMAT}$`, 'm'));
  assert.match(out, /^created\s+\d{4}-\d\d-\d\dT/m);
  assert.match(out, /^start\s+done$/m);
  assert.match(out, /^pending\s+9$/m);
  assert.match(out, /^queued\s+6 \(5 in 2 slot queues, 1 delayed\)$/m);
  assert.match(out, /^seen\s+7$/m);
  assert.match(out, /^processes\s+1 live of 2$/m);
  assert.match(out, /^ {2}p1 {2}heartbeat \d\.\ds ago, leased 3 \(2 downloading\)$/m);
  assert.match(out, /^ {2}p2 {2}heartbeat 2m 0\ds ago \(dead\), leased 1 \(0 downloading\)$/m);
  assert.match(out, /^counters\s+claimed 12, completed 3$/m);
  assert.match(out, /^stats \(summed over 2 processes\)$/m);
  assert.match(out, /^ {2}responses\s+15$/m);
  assert.match(out, /^ {2}items\s+6$/m);
  assert.match(out, /^ {2}requests failed\s+1$/m);
  assert.match(out, /^ {2}cluster\/claimed\s+12$/m);
  assert.match(out, /^ {2}cluster\/reaped\s+1$/m);
});

test('cluster status --json prints one object', async () => {
  await populate('books');
  const run = await runCli(['cluster', 'status', 'books', '--redis', server.url, '--json'], project.dir);
  assert.equal(run.code, 0, run.stderr);
  const status = JSON.parse(run.stdout) as Record<string, unknown> & { processes: Record<string, unknown>[]; stats: Record<string, number> };
  assert.equal(status.crawlId, 'books');
  assert.equal(status.spider, 'books');
  assert.equal(status.format, CLUSTER_FORMAT);
  assert.equal(status.startDone, true);
  assert.equal(status.pending, 9);
  assert.equal(status.queued, 6);
  assert.equal(status.slotQueues, 2);
  assert.equal(status.inSlotQueues, 5);
  assert.equal(status.delayed, 1);
  assert.equal(status.seen, 7);
  assert.equal(status.liveProcesses, 1);
  assert.deepEqual(
    status.processes.map(({ id, live, leased, downloading }) => ({ id, live, leased, downloading })),
    [
      { id: 'p1', live: true, leased: 3, downloading: 2 },
      { id: 'p2', live: false, leased: 1, downloading: 0 },
    ],
  );
  assert.ok((status.processes[1]!.heartbeatAgeMs as number) >= 120_000);
  assert.deepEqual(status.counters, { claimed: 12, completed: 3 });
  assert.equal(status.statsProcesses, 2);
  assert.deepEqual(status.stats, { 'response/received': 15, 'item/scraped': 6, 'request/failed': 1, 'cluster/claimed': 12, 'cluster/reaped': 1 });
});

test('cluster status falls back to the project setting cluster.redis', async () => {
  await populate('books');
  const withRedis = makeProject({ 'crawl.config.ts': `export default { cluster: { redis: ${JSON.stringify(server.url)} } };\n` });
  try {
    const run = await runCli(['cluster', 'status', 'books', '--json'], withRedis.dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { pending: number }).pending, 9);
  } finally {
    withRedis.remove();
  }
});

test('cluster status: unknown crawl id, bad crawl id, bad or missing Redis URL', async () => {
  await populate('books');
  const unknown = await runCli(['cluster', 'status', 'bookz', '--redis', server.url], project.dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /error ERR_CLUSTER_UNKNOWN: no crawl "bookz"/);
  assert.match(unknown.stderr, /--crawl-id/);

  const badId = await runCli(['cluster', 'status', 'a b', '--redis', server.url], project.dir);
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /error ERR_CLUSTER_CRAWL_ID/);

  const badUrl = await runCli(['cluster', 'status', 'books', '--redis', 'http://127.0.0.1:1/'], project.dir);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /error ERR_CLUSTER_URL/);

  const missing = await runCli(['cluster', 'reset', 'books'], project.dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /error ERR_CLUSTER_REDIS_MISSING/);
  assert.equal(await crawlKeyCount('books'), 11);
});

test('cluster reset refuses while a process is live, --force deletes only that crawl', async () => {
  await populate('books');
  await populate('books-2');
  const before = await crawlKeyCount('books');
  assert.equal(before, 11);

  const refused = await runCli(['cluster', 'reset', 'books', '--redis', server.url], project.dir);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /error ERR_CLUSTER_LIVE: crawl "books" has 1 live process .*: p1/);
  assert.match(refused.stderr, /--force/);
  assert.equal(await crawlKeyCount('books'), before);

  const forced = await runCli(['cluster', 'reset', 'books', '--redis', server.url, '--force'], project.dir);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(forced.stdout, `crawl books: deleted ${before} keys\n`);
  assert.equal(await crawlKeyCount('books'), 0);
  assert.equal(await crawlKeyCount('books-2'), before);

  const again = await runCli(['cluster', 'reset', 'books', '--redis', server.url], project.dir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /error ERR_CLUSTER_UNKNOWN/);
});

test('cluster reset without live processes deletes the crawl', async () => {
  await populate('books', { liveAgoMs: 60_000 });
  const run = await runCli(['cluster', 'reset', 'books', '--redis', server.url], project.dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /deleted 11 keys/);
  assert.equal(await crawlKeyCount('books'), 0);
});
