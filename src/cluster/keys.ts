/**
 * Where one shared crawl lives in Redis. Every key of crawl `id` starts with `arachne:{id}:`, so
 * `crawl cluster reset` finds them all with one SCAN pattern and two crawls never touch each
 * other's keys.
 *
 * | key             | type | holds                                                                 |
 * |-----------------|------|-----------------------------------------------------------------------|
 * | `meta`          | hash | `format`, `spider`, `created`, `startDone`, `startPulled`, `starter`  |
 * | `seen`          | set  | request fingerprints (40 hex chars, fixed size)                        |
 * | `seq`           | str  | the last request id handed out                                         |
 * | `req`           | hash | request id -> the request as JSON (`request-codec`)                    |
 * | `rslot`         | hash | request id -> `slot key \n queue score`, to put a request back           |
 * | `q:<slot>`      | zset | a slot's queued request ids, score = -priority * 2^32 + id (FIFO within a priority) |
 * | `delayed`       | zset | request ids with a not-before time (retries), score = that time (ms)   |
 * | `ready`         | zset | slots with a queued request and room, score = when they may send next  |
 * | `active`        | hash | slot key -> units leased cluster-wide (requests downloading)           |
 * | `cfg`           | hash | slot key -> `limit \n interval ms` (set by the first process to queue for it) |
 * | `next`          | hash | slot key -> the earliest time (ms, Redis clock) its next request may leave |
 * | `procs`         | zset | process id -> its last heartbeat (ms, Redis clock)                     |
 * | `lease:<proc>`  | hash | request id -> its slot key while it downloads, `""` once released      |
 * | `pending`       | str  | requests queued, delayed or leased: 0 with start done = the crawl ended |
 * | `stats`         | hash | cluster counters (`claimed`, `completed`, `reaped`, `duplicates`...)   |
 * | `pstats`        | hash | process id -> its last stats snapshot as JSON                          |
 * | `starved`       | set  | processes whose last claim found nothing (woken through `wake`)        |
 * | `tick`, `reply` | hash | process id -> its last tick's sequence number and reply (idempotence)  |
 * | `wake`          | pub/sub channel | "there is work" (the message: who sent it); starved processes claim at once |
 */

/** The layout's version: a crawl id written by another layout is refused, not misread. */
export const CLUSTER_FORMAT = '1';

export function clusterPrefix(crawlId: string): string {
  return `arachne:{${crawlId}}:`;
}

/** The SCAN pattern that matches every key of one crawl (the id's glob characters escaped). */
export function clusterPattern(crawlId: string): string {
  return `${clusterPrefix(crawlId).replace(/[*?[\]\\]/g, '\\$&')}*`;
}

export const clusterKeys = (crawlId: string) => {
  const p = clusterPrefix(crawlId);
  return {
    prefix: p,
    meta: `${p}meta`,
    seen: `${p}seen`,
    req: `${p}req`,
    procs: `${p}procs`,
    pending: `${p}pending`,
    active: `${p}active`,
    ready: `${p}ready`,
    delayed: `${p}delayed`,
    stats: `${p}stats`,
    pstats: `${p}pstats`,
    starved: `${p}starved`,
    wake: `${p}wake`,
    lease: (proc: string) => `${p}lease:${proc}`,
    queue: (slot: string) => `${p}q:${slot}`,
  };
};
