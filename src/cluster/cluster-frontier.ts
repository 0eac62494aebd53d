/**
 * The frontier shared through Redis (`cluster.redis`): the queue, the seen set and the slot
 * budgets live in Redis; this process holds only the requests it claimed, in its local frontier.
 *
 * A claimed request already holds a unit of its slot cluster-wide (granted by the tick script,
 * ./tick-script.ts), so `concurrency.perDomain = 4` means 4 across every process; the local
 * frontier still applies what is per process: the global limit, ramp-up, IP slots and proxies.
 * Claims never exceed the local room (global limit minus what is in flight or queued here), so a
 * claimed request leaves at once and a unit is not held by a request that waits.
 *
 * Everything this process tells Redis (slot units to free, new requests, completed requests,
 * pauses, start progress) is buffered and sent in one tick, one round trip, with the next claim:
 * a busy process sends a tick as soon as the previous one answered, an idle one every
 * `cluster.pollMs`. Semantics are at-least-once, like the job store's: a request is completed in
 * Redis only after its outputs were sent and its items flushed (`barrier`); a process that dies
 * stops heartbeating, and after `cluster.leaseMs` any other process's tick returns its requests to
 * the frontier and its units to the slots.
 *
 * Redis unavailable: the tick that failed is re-sent, unchanged and with the same sequence number
 * (so Redis applies it once), with backoff, until Redis answers; nothing buffered is dropped.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ArachneError, ConfigError } from '../errors.js';
import type { Request } from '../http/request.js';
import type { Logger } from '../log.js';
import type { Stats } from '../stats.js';
import type { Dispatch, Frontier } from '../scheduler/frontier.js';
import type { FrontierWindow } from '../scheduler/frontier-window.js';
import type { StartLedger, StartProgress } from '../scheduler/stores/store.js';
import { decodeRequest, encodeRequest } from '../scheduler/stores/request-codec.js';
import { CLUSTER_FORMAT, clusterKeys, clusterPrefix } from './keys.js';
import type { Redis } from '../redis.js';
import { TICK_SCRIPT } from './tick-script.js';
import { emptyOutbox, outboxSize, tickArgv, urgentSize, type Tick, type TickReply } from './tick-wire.js';

/** A slot's budget as Redis enforces it: units across the cluster and the gap between requests. */
export interface ClusterSlotConfig {
  limit: number;
  intervalMs: number;
}

export interface ClusterFrontierOptions {
  redis: Redis;
  crawlId: string;
  spiderName: string;
  /** Join a crawl id that holds another spider's crawl (`--force`). */
  force: boolean;
  leaseMs: number;
  pollMs: number;
  batchSize: number;
  stats: Stats;
  logger: Logger;
  /** The engine's clock (ms). */
  now: () => number;
  /** Resolves once every item handed to the pipelines so far reached the feeds. */
  barrier: () => Promise<void>;
  /** The local frontier the claimed requests go to (the scheduler's own). */
  frontier: Frontier;
  /** The slot's cluster-wide budget, from `concurrency.perDomain`, `download.delayMs`, `rateLimit.*` and `slots`. */
  slotConfig: (slot: string) => ClusterSlotConfig;
  /** This process's id in the cluster. Default host-pid-random. */
  processId?: string;
}

/**
 * A completion waits at most this long for a tick to ride with: it only lets Redis forget a
 * request (and the crawl end), so it never needs a round trip of its own while others are due.
 */
const COMPLETE_WAIT_MS = 10;

const PSTATS_EVERY_MS = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/** Leaving: how many ticks to try, and how long to wait for the one in flight. */
const LEAVE_ATTEMPTS = 10;
const LEAVE_WAIT_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type TickCommand = (...args: (string | number)[]) => Promise<string>;

export function defaultProcessId(): string {
  return `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

export class ClusterFrontier implements FrontierWindow, StartLedger {
  readonly processId: string;
  readonly #options: ClusterFrontierOptions;
  readonly #prefix: string;
  readonly #tick: TickCommand;
  readonly #frontier: Frontier;
  /** Cluster ids of the requests this process claimed and has not completed. */
  readonly #ids = new Map<Request, string>();
  #out = emptyOutbox();
  /** A tick Redis has not answered: re-sent unchanged until it is. */
  #unacked: Tick | undefined;
  #seq = 0;
  #ticking = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  /** The tick that carries completions nothing else sent (`COMPLETE_WAIT_MS`). */
  #completeTimer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #draining = false;
  #closed = false;
  #joined = false;
  #left = false;
  /** Last seen in a reply: requests queued, delayed or leased cluster-wide. */
  #pending = 0;
  #startDone = false;
  #isStarter = false;
  #pulled = 0;
  #recordedStart: StartProgress | undefined;
  #lost = false;
  /** The last claim found nothing while there was room: poll instead of spinning. */
  #starved = false;
  #claiming = 0;
  #pstatsAt = -Infinity;
  #roundTrips = 0;
  #failing = false;
  /** A second connection, subscribed to the crawl's `wake` channel. */
  #subscriber: Redis | undefined;
  /** Wake messages received; a tick compares it with its value when the tick was sent. */
  #wakes = 0;
  /** Called when claimed requests arrived, the crawl ended, or Redis lost it: the engine pumps. */
  onWork: () => void = () => {};
  /** This process must run `spider.start()` from `pulled` on (its starter died). */
  onStartTakeover: (pulled: number) => void = () => {};
  /** The shared state vanished (reset or lost by Redis): the crawl stops with this reason. */
  onLost: (reason: string) => void = () => {};

  constructor(options: ClusterFrontierOptions) {
    this.#options = options;
    this.#frontier = options.frontier;
    this.processId = options.processId ?? defaultProcessId();
    this.#prefix = clusterPrefix(options.crawlId);
    const redis = options.redis as Redis & { arachneTick?: TickCommand };
    if (!redis.arachneTick) redis.defineCommand('arachneTick', { numberOfKeys: 0, lua: TICK_SCRIPT });
    this.#tick = (...args) => (redis as unknown as { arachneTick: TickCommand }).arachneTick(...args);
  }

  /**
   * Joins the crawl: checks (or writes) its spider and format, then runs the first tick, which
   * tells this process whether it runs `spider.start()`.
   *
   * @throws ConfigError `ERR_CLUSTER_SPIDER` (the crawl id holds another spider's crawl; `--force`
   *   joins anyway), `ERR_CLUSTER_FORMAT` (written by an incompatible Arachne).
   */
  async join(): Promise<void> {
    const { redis, crawlId, spiderName, force } = this.#options;
    const keys = clusterKeys(crawlId);
    const [, , , [, values]] = (await redis
      .multi()
      .hsetnx(keys.meta, 'format', CLUSTER_FORMAT)
      .hsetnx(keys.meta, 'spider', spiderName)
      .hsetnx(keys.meta, 'created', new Date(this.#options.now()).toISOString())
      .hmget(keys.meta, 'format', 'spider')
      .exec()) as [unknown, unknown, unknown, [unknown, [string | null, string | null]]];
    const [format, spider] = values;
    if (format !== CLUSTER_FORMAT) {
      throw new ConfigError('ERR_CLUSTER_FORMAT', `crawl id "${crawlId}" was written in cluster format ${String(format)}; this Arachne reads format ${CLUSTER_FORMAT}`, {
        hint: `finish it with the Arachne version that started it, or clear it with "crawl cluster reset ${crawlId}"`,
      });
    }
    if (spider !== spiderName) {
      if (!force) {
        throw new ConfigError('ERR_CLUSTER_SPIDER', `crawl id "${crawlId}" holds a crawl of spider "${String(spider)}", not "${spiderName}"`, {
          hint: `pick another --crawl-id, clear it with "crawl cluster reset ${crawlId}", or pass --force to join it anyway`,
        });
      }
      this.#options.logger.warn(`crawl id "${crawlId}" held spider "${String(spider)}": joining as "${spiderName}" (--force)`);
      await redis.hset(keys.meta, 'spider', spiderName);
    }
    await this.#subscribe(keys.wake);
    try {
      await this.#runTick();
    } catch (error) {
      this.#subscriber?.disconnect();
      throw error;
    }
    this.#joined = true;
    this.#options.logger.info(
      `joined cluster crawl "${crawlId}" as ${this.processId}: ${this.#pending} requests pending, start ${this.#startDone ? 'done' : this.#isStarter ? `runs here from ${this.#pulled}` : 'runs in another process'}`,
    );
  }

  /** Starved ticks leave this process in Redis's `starved` set; a tick that brings work publishes on `wake`. */
  async #subscribe(channel: string): Promise<void> {
    const subscriber = this.#options.redis.duplicate();
    // Errors are the main connection's to report; this one reconnects and resubscribes by itself.
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, from: string) => {
      // The reply of our own tick already told us what it brought.
      if (from === this.processId) return;
      // Counted even when not starved (yet): a wake can overtake the reply of the tick that
      // found nothing, which arrives on the other connection; #apply then ticks again.
      this.#wakes++;
      if (!this.#starved) return;
      this.#starved = false;
      this.#options.stats.inc('cluster/wakeups');
      this.#kick();
    });
    await subscriber.subscribe(channel);
    this.#subscriber = subscriber;
  }

  // --- StartLedger -------------------------------------------------------------------------

  /** `done` for a process that does not run start (another does, or it ended). */
  get start(): StartProgress {
    return { done: this.#startDone || !this.#isStarter, pulled: this.#pulled };
  }

  recordStart(progress: StartProgress): void {
    this.#recordedStart = progress;
    this.#kick();
  }

  // --- FrontierWindow ----------------------------------------------------------------------

  /** Requests this process knows are waiting: its own, its unsent ones, and the cluster's. */
  get size(): number {
    const local = this.#frontier.size + this.#out.adds.length / 7;
    if (this.#lost || (this.#startDone && this.#pending === 0)) return local;
    return local + Math.max(1, this.#pending);
  }

  push(request: Request, now: number, fingerprint: string): void {
    const slot = this.#frontier.slotKey(request);
    const { limit, intervalMs } = this.#options.slotConfig(slot);
    const notBefore = request.meta.notBefore;
    const delay = notBefore !== undefined && notBefore > now ? Math.ceil(notBefore - now) : 0;
    this.#out.adds.push(fingerprint, slot, `${limit}\n${intervalMs}`, String(request.priority), String(delay), encodeRequest(request), request.dontFilter ? '1' : '');
    this.#kick();
  }

  next(now: number): Dispatch | undefined {
    const dispatch = this.#frontier.next(now);
    if (!dispatch && !this.#draining && !this.#starved && this.#room(now) > 0) this.#kick();
    return dispatch;
  }

  release(dispatch: Dispatch): void {
    const id = this.#ids.get(dispatch.request);
    if (id === undefined) return;
    this.#out.releases.push(id);
    this.#kick();
  }

  done(request: Request): void {
    const id = this.#ids.get(request);
    if (id === undefined) return;
    this.#ids.delete(request);
    this.#out.completes.push(id);
    this.#kickSoon();
  }

  /** The crawl is closing here: claim nothing more. */
  drain(): void {
    this.#draining = true;
  }

  /** A Retry-After pause decided here applies to the slot cluster-wide. */
  paused(key: string, until: number, now: number): void {
    this.#out.pauses.push(key, String(Math.max(0, Math.ceil(until - now))));
    this.#kick();
  }

  /** A Crawl-delay floor learnt here applies to the slot cluster-wide. */
  minDelaySet(key: string, ms: number): void {
    const { limit, intervalMs } = this.#options.slotConfig(key);
    this.#out.floors.push(key, `${limit}\n${Math.max(intervalMs, ms)}`);
    this.#kick();
  }

  // --- Closing -----------------------------------------------------------------------------

  /**
   * Leaves the crawl: sends what is buffered (completes after the barrier), gives back every
   * request still leased here, and saves this process's stats. Shared state is never deleted.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#draining = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#completeTimer);
    for (let waited = 0; this.#ticking && waited < LEAVE_WAIT_MS; waited += 5) await sleep(5);
    this.#closed = true;
    clearTimeout(this.#timer);
    for (let attempt = 0; this.#joined && !this.#left && !this.#lost && attempt < LEAVE_ATTEMPTS; attempt++) {
      // An unanswered tick goes first, unchanged; then the leaving tick with everything left.
      await this.#runTick(this.#unacked === undefined);
      if (this.#failing) await sleep(this.#retryMs);
    }
    if (this.#joined && !this.#left && !this.#lost) {
      this.#options.logger.warn(`cluster: could not leave cleanly (Redis unreachable); the ${this.#ids.size} requests leased here return to the frontier after cluster.leaseMs`);
    }
    this.#subscriber?.disconnect();
    const completed = this.#options.stats.count('cluster/completed');
    if (completed > 0) this.#options.stats.set('cluster/round_trips_per_request', Math.round((this.#roundTrips / completed) * 1000) / 1000);
  }

  // --- Ticks -------------------------------------------------------------------------------

  #room(now: number): number {
    return this.#frontier.effectiveGlobalLimit(now) - this.#frontier.active - this.#frontier.size - this.#claiming;
  }

  /** A tick within `COMPLETE_WAIT_MS`, unless one goes sooner. */
  #kickSoon(): void {
    if (this.#closed || !this.#joined || this.#ticking || this.#completeTimer) return;
    this.#completeTimer = setTimeout(() => {
      this.#completeTimer = undefined;
      this.#kick();
    }, COMPLETE_WAIT_MS);
  }

  #kick(): void {
    if (this.#closed || !this.#joined) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // This tick carries the waiting completions.
    clearTimeout(this.#completeTimer);
    this.#completeTimer = undefined;
    // A timer, not setImmediate: the engine parses a response in the check phase after its
    // download ended (a setImmediate), so a tick started in the next turn's timers phase carries
    // the unit the download freed together with the requests and the completion the parse made,
    // one round trip instead of two (measured: 1.15 -> 0.52 round trips per request, one process, `npm run bench:cluster`).
    setTimeout(() => void this.#loop(), 1);
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        if (this.#closed) return;
        await this.#runTick();
        // A failed tick waits for #arm's backoff; otherwise keep going while there is news.
      } while (!this.#closed && !this.#failing && (this.#again || urgentSize(this.#out) > 0));
    } finally {
      this.#ticking = false;
      this.#arm();
      if (this.#out.completes.length > 0) this.#kickSoon();
    }
  }

  /** The next tick when nothing asks for one: a poll while starved or waiting, else a heartbeat. */
  #arm(): void {
    if (this.#closed || this.#lost) return;
    const waiting = this.#starved || this.#unacked !== undefined || !(this.#startDone && this.#pending === 0);
    const delay = this.#unacked !== undefined ? this.#retryMs : waiting ? this.#options.pollMs : Math.max(1, Math.floor(this.#options.leaseMs / 3));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#kick(), delay);
  }

  async #runTick(leaving = false): Promise<void> {
    const tick = this.#unacked ?? (await this.#nextTick(leaving));
    this.#unacked = tick;
    let reply: TickReply;
    const wakes = this.#wakes;
    try {
      this.#roundTrips++;
      this.#options.stats.inc('cluster/round_trips');
      reply = JSON.parse(await this.#tick(...tickArgv(tick))) as TickReply;
    } catch (error) {
      if (error instanceof ArachneError) throw error;
      if (!this.#failing) {
        this.#options.logger.warn(`cluster: Redis did not answer a tick (${(error as Error).message}); retrying with backoff, holding ${this.#ids.size} leased requests and ${Math.ceil(outboxSize(this.#out))} updates`);
      }
      this.#failing = true;
      this.#options.stats.inc('cluster/tick_errors');
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      if (!this.#joined) throw new ConfigError('ERR_CLUSTER_REDIS', `cluster: joining failed: ${(error as Error).message}`, { hint: 'check that Redis is up and reachable at cluster.redis', cause: error });
      return;
    }
    this.#unacked = undefined;
    if (this.#failing) this.#options.logger.info('cluster: Redis answers again');
    this.#failing = false;
    this.#retryMs = RETRY_MIN_MS;
    this.#apply(reply, tick, wakes);
  }

  /** Builds the next tick from the outbox; completes wait for the items they depend on. */
  async #nextTick(leaving: boolean): Promise<Tick> {
    if (this.#out.completes.length > 0 || leaving) await this.#options.barrier();
    const out = this.#out;
    this.#out = emptyOutbox();
    const start = this.#recordedStart;
    this.#recordedStart = undefined;
    const now = this.#options.now();
    const claim = !this.#joined || leaving || this.#draining || this.#lost ? 0 : Math.max(0, Math.min(this.#options.batchSize, this.#room(now)));
    this.#claiming = claim;
    let pstats = '';
    if (leaving || now - this.#pstatsAt >= PSTATS_EVERY_MS) {
      this.#pstatsAt = now;
      pstats = JSON.stringify(this.#options.stats.toJSON());
    }
    this.#seq++;
    return {
      prefix: this.#prefix,
      processId: this.processId,
      seq: this.#seq,
      leaseMs: this.#options.leaseMs,
      claim,
      wantsStart: !(this.#isStarter || this.#startDone),
      start,
      leaving,
      pstats,
      out,
    };
  }

  /** `wakes`: the wake count when the tick was sent; a wake since means work may have appeared. */
  #apply(reply: TickReply, tick: Tick, wakes: number): void {
    const { stats, logger } = this.#options;
    this.#claiming = 0;
    if (reply.lost) {
      this.#lost = true;
      logger.error(`ERR_CLUSTER_STATE_LOST: crawl "${this.#options.crawlId}" has no state in Redis any more (reset, or Redis restarted without persistence); stopping, items scraped so far are kept`);
      stats.set('cluster/state_lost', 1);
      this.onLost('cluster_state_lost');
      this.onWork();
      return;
    }
    if (tick.leaving) this.#left = true;
    else if (this.#joined && reply.alive === 0) {
      stats.inc('cluster/presumed_dead');
      logger.warn(`cluster: this process was silent for over cluster.leaseMs (${this.#options.leaseMs} ms) and presumed dead; its leased requests went back to the frontier and may be fetched twice`);
    }
    this.#pending = reply.pending;
    this.#startDone = reply.startDone === 1;
    this.#pulled = reply.pulled;
    const becameStarter = reply.starter === 1 && !this.#isStarter;
    this.#isStarter = reply.starter === 1;
    if (reply.added > 0) stats.inc('cluster/added', reply.added);
    if (reply.dups > 0) stats.inc('cluster/duplicates', reply.dups);
    if (reply.completed > 0) stats.inc('cluster/completed', reply.completed);
    if (reply.reaped > 0) {
      stats.inc('cluster/reaped', reply.reaped);
      logger.info(`cluster: returned ${reply.reaped} requests leased by a dead process to the frontier`);
    }
    const claimed = Array.isArray(reply.claimed) ? reply.claimed : [];
    const now = this.#options.now();
    let got = 0;
    for (let i = 0; i < claimed.length; i += 2) {
      let request: Request;
      try {
        request = decodeRequest(claimed[i + 1]!);
      } catch (error) {
        // Not ours to drop silently: complete it so the crawl can end, and say which.
        stats.inc('cluster/undecodable');
        logger.error(`cluster: request ${claimed[i]} cannot be decoded (${(error as Error).message}); dropped`);
        this.#out.completes.push(claimed[i]!);
        continue;
      }
      this.#ids.set(request, claimed[i]!);
      this.#frontier.push(request, now);
      got++;
    }
    if (got > 0) stats.inc('cluster/claimed', got);
    const foundNothing = tick.claim > 0 && got === 0;
    this.#starved = foundNothing && this.#wakes === wakes;
    if (foundNothing && !this.#starved) this.#again = true;
    if (becameStarter && this.#joined) {
      logger.info(`cluster: the process running spider.start() is gone; taking over from value ${this.#pulled}`);
      this.onStartTakeover(this.#pulled);
    }
    if (got > 0 || (this.#startDone && this.#pending === 0)) this.onWork();
  }
}
