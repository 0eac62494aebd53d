/**
 * `crawl cluster status <crawl-id>` and `crawl cluster reset <crawl-id>`: look at, or delete, a
 * crawl shared through Redis (cluster mode; the key layout is in cluster/keys.ts).
 *
 * - `status` reads the crawl's keys without changing any: spider, start state, pending, queued
 *   (slot queues and delayed retries), seen, each process's heartbeat age and leases, the cluster
 *   counters and the processes' stats summed. `--json` prints one object instead.
 * - `reset` deletes every key of the crawl (SCAN + UNLINK in batches). It refuses while a process
 *   sent a heartbeat within `cluster.leaseMs` (by the Redis clock), unless `--force`.
 *
 * The Redis URL is `--redis`, else the project's `cluster.redis` setting.
 */
import { Command } from 'commander';
import { CLUSTER_FORMAT, clusterKeys, clusterPattern } from '../../cluster/keys.js';
import { checkCrawlId, connectRedis, redactRedisUrl, type Redis } from '../../redis.js';
import { ConfigError } from '../../errors.js';
import { DEFAULTS } from '../../settings/defaults.js';
import { commandSettings } from '../cli-settings.js';

/** Keys per SCAN step, per pipeline of ZCARD/HVALS and per UNLINK. */
const BATCH = 500;

/** The process stats `status` prints by name (all `cluster/...` ones too). */
const SHOWN_STATS: readonly [key: string, label: string][] = [
  ['response/received', 'responses'],
  ['item/scraped', 'items'],
  ['request/failed', 'requests failed'],
];

interface RedisOption {
  redis?: string;
}

export interface ClusterProcessStatus {
  id: string;
  /** Milliseconds since its last heartbeat (Redis clock); null when it is not in `procs`. */
  heartbeatAgeMs: number | null;
  /** Heartbeat within `cluster.leaseMs`. */
  live: boolean;
  /** Entries of its lease hash. */
  leased: number;
  /** Leases still downloading (a slot key, not `""`). */
  downloading: number;
}

/** What `crawl cluster status --json` prints. */
export interface ClusterStatus {
  crawlId: string;
  redis: string;
  spider: string | null;
  format: string | null;
  created: string | null;
  startDone: boolean;
  pending: number;
  /** Requests in slot queues plus delayed ones. */
  queued: number;
  slotQueues: number;
  inSlotQueues: number;
  delayed: number;
  seen: number;
  liveProcesses: number;
  processes: ClusterProcessStatus[];
  /** The `stats` hash: cluster counters (`claimed`, `completed`, `reaped`...). */
  counters: Record<string, number>;
  /** Every numeric stat of the processes' last snapshots (`pstats`), summed. */
  stats: Record<string, number>;
  /** Processes whose stats were summed. */
  statsProcesses: number;
}

export function clusterCommand(): Command {
  const status = new Command('status')
    .description('show a shared crawl: start, pending, queued, seen, processes with their leases, summed stats')
    .argument('<crawl-id>', 'the crawl id (--crawl-id of `crawl run`, by default the spider name)')
    .option('--redis <url>', 'the Redis URL (default: the cluster.redis setting of the project)')
    .option('--json', 'print one JSON object')
    .action(async (crawlId: string, options: RedisOption & { json?: boolean }) => {
      checkCrawlId(crawlId);
      const url = await redisUrl(options);
      await withRedis(url, async (redis) => {
        const result = await readStatus(redis, crawlId, url);
        process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatStatus(result));
      });
    })
    .exitOverride();
  const reset = new Command('reset')
    .description('delete every key of a shared crawl (refused while one of its processes is alive, unless --force)')
    .argument('<crawl-id>', 'the crawl id')
    .option('--redis <url>', 'the Redis URL (default: the cluster.redis setting of the project)')
    .option('--force', 'delete even while processes send heartbeats')
    .action(async (crawlId: string, options: RedisOption & { force?: boolean }) => {
      checkCrawlId(crawlId);
      const url = await redisUrl(options);
      await withRedis(url, async (redis) => {
        const deleted = await resetCrawl(redis, crawlId, url, options.force ?? false);
        process.stdout.write(`crawl ${crawlId}: deleted ${deleted} key${deleted === 1 ? '' : 's'}\n`);
      });
    })
    .exitOverride();
  return new Command('cluster').description('inspect or reset a crawl shared through Redis (cluster mode)').addCommand(status).addCommand(reset);
}

/** `--redis`, else the project's `cluster.redis`. */
async function redisUrl(options: RedisOption): Promise<string> {
  if (options.redis) return options.redis;
  const { settings } = await commandSettings(process.cwd());
  if (settings['cluster.redis']) return settings['cluster.redis'];
  throw new ConfigError('ERR_CLUSTER_REDIS_MISSING', 'no Redis URL: pass --redis or set cluster.redis in crawl.config.ts', {
    hint: 'crawl cluster status my-crawl --redis redis://127.0.0.1:6379/0',
  });
}

async function withRedis(url: string, use: (redis: Redis) => Promise<void>): Promise<void> {
  const redis = await connectRedis(url);
  try {
    await use(redis);
  } finally {
    try {
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  }
}

/** Milliseconds by the Redis clock, the one heartbeats are written with. */
async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Every key of the crawl, each once. */
async function crawlKeys(redis: Redis, crawlId: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', clusterPattern(crawlId), 'COUNT', BATCH);
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}

function unknownCrawl(crawlId: string, url: string): ConfigError {
  return new ConfigError('ERR_CLUSTER_UNKNOWN', `no crawl "${crawlId}" in Redis at ${redactRedisUrl(url)}`, {
    hint: 'check --crawl-id: a crawl id defaults to the spider name of the first process that ran it',
  });
}

/** Run one command per key in pipelines of BATCH and return the replies in order. */
async function perKey<T>(redis: Redis, keys: readonly string[], add: (pipeline: ReturnType<Redis['pipeline']>, key: string) => void): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += BATCH) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + BATCH)) add(pipeline, key);
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      out.push(value as T);
    }
  }
  return out;
}

const LEASE_MS = DEFAULTS['cluster.leaseMs'].default;

export async function readStatus(redis: Redis, crawlId: string, url: string): Promise<ClusterStatus> {
  const keys = clusterKeys(crawlId);
  const meta = await redis.hgetall(keys.meta);
  if (Object.keys(meta).length === 0) throw unknownCrawl(crawlId, url);
  const now = await redisNow(redis);
  const all = await crawlKeys(redis, crawlId);
  const queuePrefix = `${keys.prefix}q:`;
  const leasePrefix = `${keys.prefix}lease:`;
  const queueKeys = all.filter((key) => key.startsWith(queuePrefix));
  const leaseKeys = all.filter((key) => key.startsWith(leasePrefix)).sort();

  const [pending, delayed, seen, procs, counters, pstats] = await Promise.all([
    redis.get(keys.pending),
    redis.zcard(keys.delayed),
    redis.scard(keys.seen),
    redis.zrange(keys.procs, 0, -1, 'WITHSCORES'),
    redis.hgetall(keys.stats),
    redis.hgetall(keys.pstats),
  ]);
  const queueSizes = await perKey<number>(redis, queueKeys, (p, key) => p.zcard(key));
  const leaseValues = await perKey<string[]>(redis, leaseKeys, (p, key) => p.hvals(key));

  const processes = new Map<string, ClusterProcessStatus>();
  const processOf = (id: string): ClusterProcessStatus => {
    let proc = processes.get(id);
    if (!proc) {
      proc = { id, heartbeatAgeMs: null, live: false, leased: 0, downloading: 0 };
      processes.set(id, proc);
    }
    return proc;
  };
  for (let i = 0; i + 1 < procs.length; i += 2) {
    const proc = processOf(procs[i]!);
    proc.heartbeatAgeMs = Math.max(0, now - Number(procs[i + 1]));
    proc.live = proc.heartbeatAgeMs < LEASE_MS;
  }
  leaseKeys.forEach((key, i) => {
    const values = leaseValues[i] ?? [];
    const proc = processOf(key.slice(leasePrefix.length));
    proc.leased = values.length;
    proc.downloading = values.filter((value) => value !== '').length;
  });

  const stats: Record<string, number> = {};
  let statsProcesses = 0;
  for (const json of Object.values(pstats)) {
    let snapshot: unknown;
    try {
      snapshot = JSON.parse(json);
    } catch {
      continue;
    }
    if (typeof snapshot !== 'object' || snapshot === null) continue;
    statsProcesses++;
    for (const [key, value] of Object.entries(snapshot)) {
      if (typeof value === 'number' && Number.isFinite(value)) stats[key] = (stats[key] ?? 0) + value;
    }
  }

  const inSlotQueues = queueSizes.reduce((sum, n) => sum + n, 0);
  return {
    crawlId,
    redis: redactRedisUrl(url),
    spider: meta.spider ?? null,
    format: meta.format ?? null,
    created: meta.created === undefined ? null : formatTime(meta.created),
    startDone: meta.startDone === '1',
    pending: Number(pending ?? 0),
    queued: inSlotQueues + delayed,
    slotQueues: queueKeys.length,
    inSlotQueues,
    delayed,
    seen,
    liveProcesses: [...processes.values()].filter((proc) => proc.live).length,
    processes: [...processes.values()].sort((a, b) => a.id.localeCompare(b.id)),
    counters: Object.fromEntries(Object.entries(counters).map(([key, value]) => [key, Number(value)])),
    stats,
    statsProcesses,
  };
}

/** `created` as written (ms since the epoch, or already a date), as an ISO date when it is a number. */
function formatTime(value: string): string {
  if (!/^\d+$/.test(value)) return value;
  const date = new Date(Number(value));
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 10m`. */
export function formatAge(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

export function formatStatus(status: ClusterStatus): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number): void => {
    lines.push(`${label.padEnd(12)}${value}`);
  };
  lines.push(`crawl ${status.crawlId} on ${status.redis}`);
  row('spider', status.spider ?? '(unknown)');
  row('format', status.format === CLUSTER_FORMAT ? status.format : `${status.format ?? '(none)'} (this Arachne reads format ${CLUSTER_FORMAT})`);
  row('created', status.created ?? '(unknown)');
  row('start', status.startDone ? 'done' : 'not done');
  row('pending', status.pending);
  row('queued', `${status.queued} (${status.inSlotQueues} in ${status.slotQueues} slot queue${status.slotQueues === 1 ? '' : 's'}, ${status.delayed} delayed)`);
  row('seen', status.seen);
  row('processes', `${status.liveProcesses} live of ${status.processes.length}`);
  const width = Math.max(0, ...status.processes.map((proc) => proc.id.length));
  for (const proc of status.processes) {
    const heartbeat =
      proc.heartbeatAgeMs === null ? 'no heartbeat' : `heartbeat ${formatAge(proc.heartbeatAgeMs)} ago${proc.live ? '' : ' (dead)'}`;
    lines.push(`  ${proc.id.padEnd(width)}  ${heartbeat}, leased ${proc.leased} (${proc.downloading} downloading)`);
  }
  const counters = Object.entries(status.counters).sort(([a], [b]) => a.localeCompare(b));
  if (counters.length > 0) row('counters', counters.map(([key, value]) => `${key} ${value}`).join(', '));
  lines.push(`stats (summed over ${status.statsProcesses} process${status.statsProcesses === 1 ? '' : 'es'})`);
  const shown: [string, number][] = SHOWN_STATS.map(([key, label]) => [label, status.stats[key] ?? 0]);
  for (const key of Object.keys(status.stats).sort()) {
    if (key.startsWith('cluster/')) shown.push([key, status.stats[key]!]);
  }
  const labelWidth = Math.max(...shown.map(([label]) => label.length));
  for (const [label, value] of shown) lines.push(`  ${label.padEnd(labelWidth)}  ${value}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Delete every key of the crawl and return how many.
 *
 * @throws ConfigError `ERR_CLUSTER_LIVE` while a process's heartbeat is younger than
 *   `cluster.leaseMs` (unless `force`), `ERR_CLUSTER_UNKNOWN` when the crawl has no key at all.
 */
export async function resetCrawl(redis: Redis, crawlId: string, url: string, force: boolean): Promise<number> {
  const keys = clusterKeys(crawlId);
  if (!force) {
    const now = await redisNow(redis);
    const live = await redis.zrangebyscore(keys.procs, `(${now - LEASE_MS}`, '+inf');
    if (live.length > 0) {
      throw new ConfigError(
        'ERR_CLUSTER_LIVE',
        `crawl "${crawlId}" has ${live.length} live process${live.length === 1 ? '' : 'es'} (a heartbeat within ${LEASE_MS / 1000}s): ${live.slice(0, 5).join(', ')}${live.length > 5 ? ', ...' : ''}`,
        { hint: `stop them first (or wait ${LEASE_MS / 1000}s after they died), or pass --force to delete the crawl under them` },
      );
    }
  }
  const all = await crawlKeys(redis, crawlId);
  if (all.length === 0) throw unknownCrawl(crawlId, url);
  let deleted = 0;
  for (let i = 0; i < all.length; i += BATCH) deleted += await redis.unlink(...all.slice(i, i + BATCH));
  return deleted;
}
