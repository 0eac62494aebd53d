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
import { clusterKeys, clusterPrefix } from './keys.js';
import type { Redis } from '../redis.js';
import { TICK_SCRIPT } from './tick-script.js';
import { Ticker } from './ticker.js';
import { emptyOutbox, outboxSize, tickArgv, urgentSize, type Tick, type TickReply } from './tick-wire.js';

/** A slot's budget as Redis enforces it: units across the cluster and the gap between requests. */
export interface ClusterSlotConfig {
  limit: number;
  intervalMs: number;
}

export interface ClusterFrontierOptions {
  redis: Redis;
  crawlId: string;
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
  readonly #ticker: Ticker;
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
    this.#ticker = new Ticker({
      tick: () => this.#runTick(),
      failing: () => this.#failing,
      urgent: () => urgentSize(this.#out) > 0,
      idleDelayMs: () => this.#idleDelayMs(),
      completesWaiting: () => this.#out.completes.length > 0,
    });
    this.processId = options.processId ?? defaultProcessId();
    this.#prefix = clusterPrefix(options.crawlId);
    const redis = options.redis as Redis & { arachneTick?: TickCommand };
    if (!redis.arachneTick) redis.defineCommand('arachneTick', { numberOfKeys: 0, lua: TICK_SCRIPT });
    this.#tick = (...args) => (redis as unknown as { arachneTick: TickCommand }).arachneTick(...args);
  }

  /**
   * Joins the crawl (its spider and format already checked, ./join.ts): subscribes to wake-ups,
   * then runs the first tick, which tells this process whether it runs `spider.start()`.
   */
  async join(): Promise<void> {
    const { crawlId } = this.#options;
    await this.#subscribe(clusterKeys(crawlId).wake);
    try {
      await this.#runTick();
    } catch (error) {
      this.#subscriber?.disconnect();
      throw error;
    }
    this.#joined = true;
    this.#ticker.start();
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
      this.#ticker.kick();
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
    this.#ticker.kick();
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
    this.#ticker.kick();
  }

  next(now: number): Dispatch | undefined {
    const dispatch = this.#frontier.next(now);
    if (!dispatch && !this.#draining && !this.#starved && this.#room(now) > 0) this.#ticker.kick();
    return dispatch;
  }

  release(dispatch: Dispatch): void {
    const id = this.#ids.get(dispatch.request);
    if (id === undefined) return;
    this.#out.releases.push(id);
    this.#ticker.kick();
  }

  done(request: Request): void {
    const id = this.#ids.get(request);
    if (id === undefined) return;
    this.#ids.delete(request);
    this.#out.completes.push(id);
    this.#ticker.kickSoon();
  }

  /** The crawl is closing here: claim nothing more. */
  drain(): void {
    this.#draining = true;
  }

  /** A Retry-After pause decided here applies to the slot cluster-wide. */
  paused(key: string, until: number, now: number): void {
    this.#out.pauses.push(key, String(Math.max(0, Math.ceil(until - now))));
    this.#ticker.kick();
  }

  /** A Crawl-delay floor learnt here applies to the slot cluster-wide. */
  minDelaySet(key: string, ms: number): void {
    const { limit, intervalMs } = this.#options.slotConfig(key);
    this.#out.floors.push(key, `${limit}\n${Math.max(intervalMs, ms)}`);
    this.#ticker.kick();
  }

  // --- Closing -----------------------------------------------------------------------------

  /**
   * Leaves the crawl: sends what is buffered (completes after the barrier), gives back every
   * request still leased here, and saves this process's stats. Shared state is never deleted.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#draining = true;
    await this.#ticker.stop(LEAVE_WAIT_MS);
    this.#closed = true;
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

  /** The next tick when nothing asks for one: a retry's backoff, a poll while starved or waiting, else a heartbeat. */
  #idleDelayMs(): number | undefined {
    if (this.#lost) return undefined;
    if (this.#unacked !== undefined) return this.#retryMs;
    const waiting = this.#starved || !(this.#startDone && this.#pending === 0);
    return waiting ? this.#options.pollMs : Math.max(1, Math.floor(this.#options.leaseMs / 3));
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
    if (foundNothing && !this.#starved) this.#ticker.again();
    if (becameStarter && this.#joined) {
      logger.info(`cluster: the process running spider.start() is gone; taking over from value ${this.#pulled}`);
      this.onStartTakeover(this.#pulled);
    }
    if (got > 0 || (this.#startDone && this.#pending === 0)) this.onWork();
  }
}
