/**
 * Joining a shared crawl (`cluster.redis`): connect, check the crawl id, register this process,
 * and hand back the cluster frontier with the one way to leave it cleanly.
 */
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Stats } from '../stats.js';
import { slotBudget } from '../scheduler/from-settings.js';
import type { SlotRules } from '../scheduler/slot-rules.js';
import type { Frontier } from '../scheduler/frontier.js';
import type { SettingValues } from '../settings/defaults.js';
import { ClusterFrontier } from './cluster-frontier.js';
import { CLUSTER_FORMAT, clusterKeys } from './keys.js';
import { checkCrawlId, connectRedis, type Redis } from '../redis.js';

/** This process's part in a cluster crawl. */
export interface ClusterMembership {
  frontier: ClusterFrontier;
  redis: Redis;
  /** Sends what is buffered, gives back what is leased here, disconnects; once. */
  leave(): Promise<void>;
}

export interface JoinOptions {
  settings: Readonly<SettingValues>;
  stats: Stats;
  logger: Logger;
  spiderName: string;
  /** This process's id in the cluster (it also names `{process}` in feed paths). */
  processId?: string;
  /** The local frontier: claimed requests go there. */
  frontier: Frontier;
  /** The `slots` rules, for each slot's cluster-wide budget. */
  rules: SlotRules;
  now: () => number;
  /** Resolves once the items handed over so far reached the feeds: a request completes in Redis only after that. */
  barrier: () => Promise<void>;
}

/** Joins the crawl at `cluster.redis`, or returns undefined when it is not set. */
export async function joinCluster({ settings, stats, logger, spiderName, processId, frontier: local, rules, now, barrier }: JoinOptions): Promise<ClusterMembership | undefined> {
  const url = settings['cluster.redis'];
  if (!url) return undefined;
  if (settings['job.dir']) {
    throw new ConfigError('ERR_CLUSTER_JOB_DIR', 'cluster.redis and job.dir are both set: a cluster crawl keeps its state in Redis', {
      hint: 'drop --job-dir (Redis already survives a process restart), or drop --redis to crawl alone with a job dir',
    });
  }
  const crawlId = checkCrawlId(settings['cluster.crawlId'] || spiderName);
  const log = logger.child('cluster');
  const redis = await connectRedis(url, { logger: log });
  const frontier = new ClusterFrontier({
    redis,
    frontier: local,
    ...(processId ? { processId } : {}),
    crawlId,
    leaseMs: settings['cluster.leaseMs'],
    pollMs: settings['cluster.pollMs'],
    batchSize: settings['cluster.batchSize'],
    stats,
    logger: log,
    now,
    barrier,
    slotConfig: (key) => slotBudget(settings, rules, key),
  });
  let left = false;
  const leave = async (): Promise<void> => {
    if (left) return;
    left = true;
    try {
      await frontier.close();
    } finally {
      redis.disconnect();
    }
  };
  try {
    await checkCrawl(redis, { crawlId, spiderName, force: settings['cluster.force'], now, logger: log });
    await frontier.join();
  } catch (error) {
    left = true;
    redis.disconnect();
    throw error;
  }
  stats.set('cluster/process', frontier.processId);
  return { frontier, redis, leave };
}

/**
 * Checks (or, for a new crawl id, writes) the crawl's spider and format.
 *
 * @throws ConfigError `ERR_CLUSTER_SPIDER` (the crawl id holds another spider's crawl; `--force`
 *   joins anyway), `ERR_CLUSTER_FORMAT` (written by an incompatible Arachne).
 */
async function checkCrawl(redis: Redis, { crawlId, spiderName, force, now, logger }: { crawlId: string; spiderName: string; force: boolean; now: () => number; logger: Logger }): Promise<void> {
  const keys = clusterKeys(crawlId);
  const [, , , [, values]] = (await redis
    .multi()
    .hsetnx(keys.meta, 'format', CLUSTER_FORMAT)
    .hsetnx(keys.meta, 'spider', spiderName)
    .hsetnx(keys.meta, 'created', new Date(now()).toISOString())
    .hmget(keys.meta, 'format', 'spider')
    .exec()) as [unknown, unknown, unknown, [unknown, [string | null, string | null]]];
  const [format, spider] = values;
  if (format !== CLUSTER_FORMAT) {
    throw new ConfigError('ERR_CLUSTER_FORMAT', `crawl id "${crawlId}" was written in cluster format ${String(format)}; this Arachne reads format ${CLUSTER_FORMAT}`, {
      hint: `finish it with the Arachne version that started it, or clear it with "crawl cluster reset ${crawlId}"`,
    });
  }
  if (spider === spiderName) return;
  if (!force) {
    throw new ConfigError('ERR_CLUSTER_SPIDER', `crawl id "${crawlId}" holds a crawl of spider "${String(spider)}", not "${spiderName}"`, {
      hint: `pick another --crawl-id, clear it with "crawl cluster reset ${crawlId}", or pass --force to join it anyway`,
    });
  }
  logger.warn(`crawl id "${crawlId}" held spider "${String(spider)}": joining as "${spiderName}" (--force)`);
  await redis.hset(keys.meta, 'spider', spiderName);
}
