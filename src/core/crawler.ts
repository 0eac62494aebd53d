/**
 * The crawler wires one crawl: it merges settings (defaults < crawl.config.ts < spider
 * `customSettings` < CLI `-s`), builds every component from its own settings group, runs the
 * engine and closes everything in order. `crawl run` and tests use it alike.
 */
import { DEFAULT_DOWNLOADER_MIDDLEWARES, Downloader, resolveMiddlewareTable } from '../downloader/downloader.js';
import type { DownloaderMiddlewareClass, MiddlewareContext } from '../downloader/middleware.js';
import { Transport, type TransportOptions } from '../downloader/transport.js';
import { transportOptionsFrom } from '../downloader/transport-settings.js';
import { ItemProcessor } from '../items/item-processor.js';
import type { ItemPipeline } from '../items/pipeline.js';
import { createLogger, stderrSink, type LogSink, type Logger } from '../log.js';
import { InProcessRunner } from '../parse/in-process.js';
import type { CallbackRunner } from '../parse/runner.js';
import { WorkerRunner } from '../parse/worker-runner.js';
import { availableParallelism } from 'node:os';
import { DnsCache, type Resolve } from '../downloader/dns-cache.js';
import type { ProxyPool } from '../proxy/pool.js';
import { redactSecrets, type ProxyConfig } from '../proxy/proxy-config.js';
import { proxyPoolFromSettings, recordProxyStats } from '../proxy/from-settings.js';
import { recordSlotStats, schedulerFromSettings, slotBudget } from '../scheduler/from-settings.js';
import { SlotRules } from '../scheduler/slot-rules.js';
import { ClusterFrontier } from '../cluster/cluster-frontier.js';
import { checkCrawlId, connectRedis, type Redis } from '../cluster/redis.js';
import { ConfigError } from '../errors.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { flattenConfig, mergeSettings, type ConfigInput, type PipelineRef } from '../settings/config.js';
import type { FeedConfig, SettingValues } from '../settings/defaults.js';
import type { Spider, SpiderClass } from '../spider/spider.js';
import { DEFAULT_SPIDER_MIDDLEWARES } from '../spidermw/defaults.js';
import type { SpiderMiddlewareClass } from '../spidermw/spider-middleware.js';
import { systemClock, type Clock } from './clock.js';
import { Engine } from './engine.js';
import { EventBus } from './events.js';
import { Stats } from './stats.js';
import { CloseSpiderExtension } from '../extensions/close-spider.js';
import { LogStats } from '../extensions/log-stats.js';
import { MetricsServer } from '../extensions/metrics.js';
import { TraceRecorder } from '../extensions/trace.js';
import { finishTrace } from '../report/write-report.js';
import { MemoryWatch } from '../extensions/memory-watch.js';
import { openJob, type Job } from '../scheduler/job.js';

export interface CrawlerOptions {
  spiderClass: SpiderClass;
  /** What crawl.config.ts exports (settings and `pipelines`). */
  projectConfig?: ConfigInput;
  /** Already parsed `-s` values: the highest priority. */
  cliSettings?: Partial<SettingValues>;
  /** Spider arguments (`-a key=value`). */
  args?: Record<string, string>;
  /** Feeds from `-o` / `-O`, added to the `feeds` setting. */
  feeds?: Record<string, FeedConfig>;
  /** Where log lines go (default stderr). */
  logSink?: LogSink;
  clock?: Clock;
  random?: () => number;
  /** Transport options over the ones derived from settings (tests inject a DNS lookup here). */
  transport?: Partial<TransportOptions>;
  downloaderMiddlewares?: readonly DownloaderMiddlewareClass[];
  spiderMiddlewares?: readonly SpiderMiddlewareClass[];
  /** The DNS resolver behind Arachne's DNS cache (tests map host names to loopback addresses). */
  resolve?: Resolve;
  /**
   * The module `spiderClass` was loaded from (absolute path). Parse workers import it to build
   * their own spider instances; without it (a class defined inline) callbacks run in-process
   * whatever `parse.workers` says. Default: none.
   */
  spiderFile?: string;
}

/** This process's part in a cluster crawl (`cluster.redis`). */
interface ClusterMembership {
  frontier: ClusterFrontier;
  redis: Redis;
  /** Sends what is buffered, gives back what is leased here, disconnects. */
  leave(): Promise<void>;
}

export interface CrawlResult {
  reason: string;
  stats: Record<string, number | string>;
}

function instantiate(ref: PipelineRef): ItemPipeline {
  return typeof ref === 'function' ? new ref() : ref;
}

export class Crawler {
  readonly settings: Readonly<SettingValues>;
  readonly stats = new Stats();
  readonly events = new EventBus();
  readonly logger: Logger;
  readonly spider: Spider;
  readonly #options: CrawlerOptions;
  readonly #clock: Clock;
  #engine: Engine | undefined;
  #scheduler: Scheduler | undefined;
  #stopRequested: string | undefined;
  readonly #proxies: ProxyPool | undefined;
  #sink: LogSink = stderrSink;

  /** Validates every settings layer at once: a bad key fails here, before anything starts. */
  constructor(options: CrawlerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const { spiderClass } = options;
    const layers = [
      flattenConfig(options.projectConfig, 'crawl.config.ts'),
      flattenConfig(spiderClass.customSettings, `${spiderClass.name}.customSettings`),
      options.cliSettings ?? {},
    ];
    const settings = mergeSettings(...layers);
    if (options.feeds) settings.feeds = { ...settings.feeds, ...options.feeds };
    this.settings = settings;
    const baseSink = options.logSink ?? stderrSink;
    // Proxy passwords never reach a log line, whatever library message carries them.
    let secrets: readonly ProxyConfig[] = [];
    const sink: LogSink = (level, name, message) => baseSink(level, name, secrets.length > 0 ? redactSecrets(message, secrets) : message);
    this.#sink = sink;
    this.logger = createLogger('arachne', settings['log.level'], sink);
    this.spider = new spiderClass({ args: options.args ?? {}, logger: createLogger(spiderClass.name, settings['log.level'], sink) });
    // Parsed now, so a bad proxy entry is a coded error before anything starts.
    this.#proxies = proxyPoolFromSettings(settings, this.logger.child('proxy'), options.random ?? Math.random);
    secrets = this.#proxies?.states.map((p) => p.config) ?? [];
    this.events.onListenerError = (error, event) => this.logger.error(`a listener of ${String(event)} failed: ${String(error)}`);
  }

  /** Runs the crawl to its end and closes every component; never loses items already scraped. */
  async crawl(): Promise<CrawlResult> {
    const { settings, stats, logger, events, spider } = this;
    const options = this.#options;
    // The job dir first: a locked, corrupt or foreign job fails before anything else opens. Its
    // store forgets a request only once the feeds flushed that request's items (`items` below).
    const job: Job | undefined = settings['job.dir']
      ? await openJob({
          dir: settings['job.dir'],
          logger: logger.child('job'),
          now: () => this.#clock.now(),
          barrier: () => items.flushed(),
          spiderState: () => spider.state,
          onFailure: (error) => {
            stats.inc(`job/errors/${error.code}`);
            this.stop('job_store_failed');
          },
        })
      : undefined;
    // The cluster next: an unreachable Redis or a crawl id holding another spider fails here.
    const cluster: ClusterMembership | undefined = await this.#joinCluster((): Promise<void> => items.flushed()).catch(async (error: unknown) => {
      await job?.close(undefined);
      throw error;
    });
    const releaseJob = async (): Promise<void> => {
      await job?.close(undefined);
      await cluster?.leave();
    };
    // Trace and metrics next, so a bad trace path or a busy metrics port fails before any feed
    // opens; the metrics read in-flight and queued through this crawler, so they need no engine yet.
    const trace = await TraceRecorder.fromSettings(settings, { events, logger: logger.child('trace'), spiderName: spider.name, proxies: this.#proxies?.states.length ?? 0 }).catch(async (error: unknown) => {
      await releaseJob();
      throw error;
    });
    const metrics = await MetricsServer.fromSettings(settings, { stats, logger, counts: () => ({ inFlight: this.inFlight, queued: this.queued }) }).catch(async (error: unknown) => {
      await releaseJob();
      await trace?.close('failed', stats);
      await trace?.dispose();
      throw error;
    });
    const random = options.random ?? Math.random;
    const dns = new DnsCache({ resolve: options.resolve, now: () => this.#clock.now(), pinned: settings['download.resolve'] });
    const proxies = this.#proxies;
    const { scheduler, rules } = schedulerFromSettings({
      settings,
      stats,
      logger: logger.child('scheduler'),
      random,
      resolver: dns,
      proxies,
      ...(job ? { store: job.store } : {}),
      ...(cluster ? { cluster: cluster.frontier } : {}),
    });
    const context: MiddlewareContext = {
      settings,
      stats,
      logger: logger.child('downloader'),
      now: () => this.#clock.now(),
      random,
      slots: cluster?.frontier ?? scheduler.frontier,
      ...(proxies ? { proxies } : {}),
    };

    const transport = new Transport({
      ...transportOptionsFrom(settings, logger),
      // The socket connects to the address the IP slot was taken on (DESIGN.md §4).
      lookup: dns.lookup,
      proxies: proxies?.states.map((p) => ({ id: p.id, url: p.config.url })),
      ...options.transport,
    });
    const middlewareTable =
      options.downloaderMiddlewares ??
      resolveMiddlewareTable(
        resolveMiddlewareTable(DEFAULT_DOWNLOADER_MIDDLEWARES, options.projectConfig?.downloaderMiddlewares),
        options.spiderClass.customSettings?.downloaderMiddlewares,
      );
    const downloader = new Downloader(transport, context, middlewareTable);
    const spiderMwContext = { settings, stats, logger: logger.child('spidermw'), spiderClass: options.spiderClass };
    const spiderMiddlewares = (options.spiderMiddlewares ?? DEFAULT_SPIDER_MIDDLEWARES)
      .filter((M) => M.enabled?.(settings) ?? true)
      .map((M) => new M(spiderMwContext));
    const pipelines = [...(options.projectConfig?.pipelines ?? []), ...(options.spiderClass.customSettings?.pipelines ?? [])].map(instantiate);
    const items: ItemProcessor = new ItemProcessor({
      pipelines,
      // A resumed job appends to its feeds: overwriting them would drop the items of the first run.
      feeds: job?.resumed ? Object.fromEntries(Object.entries(settings.feeds).map(([path, feed]) => [path, { ...feed, overwrite: false }])) : settings.feeds,
      concurrency: settings['items.concurrency'],
      spiderName: spider.name,
      ...(cluster ? { process: cluster.frontier.processId } : {}),
      startTime: new Date(this.#clock.now()),
      stats,
      logger: logger.child('items'),
      settings: settings as unknown as Record<string, unknown>,
      onItemScraped: (item) => events.emit('itemScraped', { item }),
      onItemDropped: (item, reason) => events.emit('itemDropped', { item, reason }),
    });
    try {
      await items.open();
    } catch (error) {
      // Nothing has started: release what was built (sockets, the metrics port, the trace file).
      await downloader.close();
      await metrics?.close();
      await trace?.dispose();
      await releaseJob();
      throw error;
    }
    if (job?.resumed) spider.state = job.store.loadSpiderState() ?? spider.state;
    const runner = this.#runner();
    const engine = new Engine({ spider, settings, scheduler, downloader, runner, spiderMiddlewares, items, stats, events, logger, clock: this.#clock });
    this.#engine = engine;
    this.#scheduler = scheduler;
    if (cluster) {
      cluster.frontier.onWork = () => engine.wake();
      cluster.frontier.onStartTakeover = (skip) => engine.takeOverStart(skip);
      cluster.frontier.onLost = (why) => engine.stop(why);
    }
    dns.onResolved = (host) => {
      scheduler.frontier.hostResolved(host, this.#clock.now());
      engine.wake();
    };
    const logStats = new LogStats(stats, logger, settings['log.statsIntervalMs'], this.#clock);
    const closeSpider = new CloseSpiderExtension(settings, events, stats, this.#clock, (reason) => engine.stop(reason));
    const memoryWatch = new MemoryWatch(settings, { stats, logger, clock: this.#clock, stop: (reason) => engine.stop(reason) });
    memoryWatch.start();
    logger.info(`spider "${spider.name}" opened`);
    logStats.start();
    if (this.#stopRequested) engine.stop(this.#stopRequested);

    let reason = 'finished';
    try {
      reason = await engine.run();
    } finally {
      logStats.stop();
      closeSpider.close();
      memoryWatch.close();
      // Items first: every item scraped so far reaches its feed even if closing the rest fails.
      await items.close();
      // Then the job: requests processed are forgotten, the rest and spider.state are kept.
      await job?.close(spider.state).catch((error: unknown) => logger.error(`job: closing the store failed: ${String(error)}`));
      // Then the cluster: completes are sent, what is still leased here goes back, shared state stays.
      await cluster?.leave().catch((error: unknown) => logger.error(`cluster: leaving failed: ${String(error)}`));
      await runner.close();
      await downloader.close();
      this.#finalStats(scheduler, rules, dns, reason);
      await metrics?.close();
      if (trace) await finishTrace(trace, { reason, stats, reportFile: settings['report.file'], logger });
      events.emit('spiderClosed', { spiderName: spider.name, reason });
      logger.info(`spider "${spider.name}" closed (${reason})`);
    }
    return { reason, stats: stats.toJSON() };
  }

  /** Requests dispatched and not yet finished (0 before the crawl starts): for progress displays. */
  get inFlight(): number {
    return this.#scheduler?.frontier.active ?? 0;
  }

  /** Requests waiting in the frontier (0 before the crawl starts): for progress displays. */
  get queued(): number {
    return this.#scheduler?.size ?? 0;
  }

  /** Graceful stop (first SIGINT): in-flight work finishes, feeds are flushed. */
  stop(reason = 'shutdown'): void {
    this.#stopRequested ??= reason;
    this.#engine?.stop(reason);
  }

  /** Immediate stop (second SIGINT): in-flight requests are abandoned; feeds are still closed. */
  abort(): void {
    this.#engine?.abort('shutdown_forced');
  }

  /**
   * Connects to `cluster.redis` and joins the shared crawl, when set. `barrier` resolves once the
   * items handed over so far reached the feeds: a request is completed in Redis only after that.
   */
  async #joinCluster(barrier: () => Promise<void>): Promise<ClusterMembership | undefined> {
    const { settings, stats, logger, spider } = this;
    const url = settings['cluster.redis'];
    if (!url) return undefined;
    if (settings['job.dir']) {
      throw new ConfigError('ERR_CLUSTER_JOB_DIR', 'cluster.redis and job.dir are both set: a cluster crawl keeps its state in Redis', {
        hint: 'drop --job-dir (Redis already survives a process restart), or drop --redis to crawl alone with a job dir',
      });
    }
    const crawlId = checkCrawlId(settings['cluster.crawlId'] || spider.name);
    const redis = await connectRedis(url, { logger: logger.child('cluster') });
    const rules = new SlotRules(settings.slots);
    const frontier = new ClusterFrontier({
      redis,
      crawlId,
      spiderName: spider.name,
      force: settings['cluster.force'],
      leaseMs: settings['cluster.leaseMs'],
      pollMs: settings['cluster.pollMs'],
      batchSize: settings['cluster.batchSize'],
      stats,
      logger: logger.child('cluster'),
      now: () => this.#clock.now(),
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
      await frontier.join();
    } catch (error) {
      left = true;
      redis.disconnect();
      throw error;
    }
    stats.set('cluster/process', frontier.processId);
    return { frontier, redis, leave };
  }

  /** Worker threads when `parse.workers` (resolved from "auto") > 0 and the spider's file is known. */
  #runner(): CallbackRunner {
    const { settings, spider } = this;
    const setting = settings['parse.workers'];
    // "auto": one thread per core, none on one core. Measured on 2 cores (`npm run bench`): one
    // worker ran at 0.83x in-process on CPU-bound pages and ~0.95x on parse-heavy ones (the main
    // thread left a core mostly idle); two ran at 1.0x and 1.4-1.5x. The main thread's share is
    // small enough for the OS to fit it in; on one core, threads only add the hand-over.
    const cores = availableParallelism();
    const workers = setting === 'auto' ? (cores >= 2 ? cores : 0) : setting;
    const spiderFile = this.#options.spiderFile;
    if (workers === 0) return new InProcessRunner(spider, settings['parse.maxQueue']);
    if (spiderFile === undefined) {
      this.logger.debug(`callbacks run in-process: spider class "${spider.name}" was not loaded from a file (no spiderFile), so parse workers cannot import it`);
      return new InProcessRunner(spider, settings['parse.maxQueue']);
    }
    this.logger.debug(`callbacks run on ${workers} parse worker thread(s), importing ${spiderFile}`);
    return new WorkerRunner({
      spider,
      spiderFile,
      args: this.#options.args ?? {},
      workers,
      maxQueue: settings['parse.maxQueue'],
      timeoutMs: settings['parse.timeoutMs'],
      maxOldGenerationSizeMb: settings['parse.maxOldGenerationSizeMb'],
      logLevel: settings['log.level'],
      logSink: this.#sink,
      clock: this.#clock,
    });
  }

  #finalStats(scheduler: Scheduler, rules: SlotRules, dns: DnsCache, reason: string): void {
    const { stats } = this;
    const start = Date.parse(String(stats.get('start_time') ?? ''));
    const now = this.#clock.now();
    stats.set('finish_time', new Date(now).toISOString());
    stats.set('finish_reason', reason);
    if (!Number.isNaN(start)) stats.set('elapsed_seconds', Math.round((now - start) / 10) / 100);
    stats.set('scheduler/left_in_frontier', scheduler.size);
    recordSlotStats(scheduler, rules, stats, this.logger);
    if (dns.queries > 0) stats.set('dns/queries', dns.queries);
    if (this.#proxies) recordProxyStats(this.#proxies, stats);
    const reused = stats.count('connections/reused');
    const opened = stats.count('connections/new');
    if (reused + opened > 0) stats.set('connections/reuse_rate', Math.round((reused / (reused + opened)) * 1000) / 1000);
  }
}
