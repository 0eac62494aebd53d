/**
 * The crawler wires one crawl: it merges settings (defaults < crawl.config.ts < spider
 * `customSettings` < CLI `-s`), builds every component from its own settings group, runs the
 * engine and closes everything in order. `crawl run` and tests use it alike.
 */
import { DEFAULT_DOWNLOADER_MIDDLEWARES, Downloader, resolveMiddlewareTable } from '../downloader/downloader.js';
import type { DownloaderMiddlewareClass, MiddlewareContext } from '../downloader/middleware.js';
import { Transport, type TransportOptions } from '../downloader/transport.js';
import { BrowserHandler } from '../browser/browser-handler.js';
import type { NeedsBrowser } from '../browser/adaptive.js';
import { transportOptionsFrom } from '../downloader/transport-settings.js';
import { ItemProcessor, pipelineOpenError } from '../items/item-processor.js';
import type { ItemPipeline, PipelineRef } from '../items/pipeline.js';
import { createLogger, stderrSink, type LogSink, type Logger } from '../log.js';
import { runnerFromSettings } from '../parse/from-settings.js';
import { DnsCache, type Resolve } from '../downloader/dns-cache.js';
import type { ProxyPool } from '../proxy/pool.js';
import { redactSecrets, type ProxyConfig } from '../proxy/proxy-config.js';
import { proxyPoolFromSettings, recordProxyStats } from '../proxy/from-settings.js';
import { frontierFromSettings, recordSlotStats, schedulerFromSettings } from '../scheduler/from-settings.js';
import type { SlotRules } from '../scheduler/slot-rules.js';
import { ConfigError } from '../errors.js';
import { userFrames } from '../stack.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { layeredSettings, type ConfigInput } from '../settings/config.js';
import type { FeedConfig, SettingValues } from '../settings/defaults.js';
import type { Spider, SpiderClass } from '../spider/spider.js';
import { DEFAULT_SPIDER_MIDDLEWARES } from '../spidermw/defaults.js';
import type { SpiderMiddlewareClass } from '../spidermw/spider-middleware.js';
import { systemClock, type Clock } from '../clock.js';
import { Closers } from './closers.js';
import { Engine } from './engine.js';
import { EventBus } from '../trace/events.js';
import { Stats } from '../stats.js';
import { CloseSpiderExtension } from '../extensions/close-spider.js';
import { LogStats } from '../extensions/log-stats.js';
import { MemoryWatch } from '../extensions/memory-watch.js';
import type { Job } from '../scheduler/job.js';
import { itemTypesOf } from '../spider/item-schema.js';
import { closeExtensions, finishCoverage, openExtensions, resolveSpiderMiddlewares } from './crawl-hooks.js';

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

export interface CrawlResult {
  reason: string;
  stats: Record<string, number | string>;
}

function instantiate(ref: PipelineRef): ItemPipeline {
  if (typeof ref !== 'function') return ref;
  try {
    return new ref();
  } catch (error) {
    throw pipelineOpenError(ref.name || 'anonymous pipeline', 'cannot be constructed', error);
  }
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
  /** Opened by the crawl: user extensions and whether `spider.opened()` was called. */
  #userHooks: { extensions: Awaited<ReturnType<typeof openExtensions>>; opened: boolean } | undefined;
  readonly #proxies: ProxyPool | undefined;
  readonly #pipelines: ItemPipeline[];
  readonly #middlewareTable: readonly DownloaderMiddlewareClass[];
  #sink: LogSink = stderrSink;

  /** Validates every settings layer at once: a bad key fails here, before anything starts. */
  constructor(options: CrawlerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const { spiderClass } = options;
    const settings = layeredSettings({ project: { config: options.projectConfig, file: 'crawl.config.ts' }, spider: spiderClass, cli: options.cliSettings ?? {} });
    if (options.feeds) settings.feeds = { ...settings.feeds, ...options.feeds };
    this.settings = settings;
    const baseSink = options.logSink ?? stderrSink;
    // Proxy passwords never reach a log line, whatever library message carries them.
    let secrets: readonly ProxyConfig[] = [];
    const sink: LogSink = (level, name, message) => baseSink(level, name, secrets.length > 0 ? redactSecrets(message, secrets) : message);
    this.#sink = sink;
    this.logger = createLogger('arachne', settings['log.level'], sink);
    try {
      this.spider = new spiderClass({ args: options.args ?? {}, logger: createLogger(spiderClass.name, settings['log.level'], sink) });
    } catch (error) {
      const frames = error instanceof Error ? userFrames(error.stack) : '';
      throw new ConfigError('ERR_SPIDER_INIT', `spider "${spiderClass.name}" cannot be constructed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${frames ? `\n${frames}` : ''}`, {
        hint: 'fix its constructor at the line shown (spider arguments are in this.args: check them there, or pass them with -a key=value)',
        cause: error,
      });
    }
    // Parsed now, so a bad proxy entry is a coded error before anything starts.
    this.#proxies = proxyPoolFromSettings(settings, this.logger.child('proxy'), options.random ?? Math.random);
    secrets = this.#proxies?.states.map((p) => p.config) ?? [];
    // Resolved now, so a function of the table that returns something else fails before anything opens.
    this.#middlewareTable =
      options.downloaderMiddlewares ??
      resolveMiddlewareTable(resolveMiddlewareTable(DEFAULT_DOWNLOADER_MIDDLEWARES, options.projectConfig?.downloaderMiddlewares), spiderClass.customSettings?.downloaderMiddlewares);
    // Built now, so a pipeline whose constructor throws fails before anything opens.
    this.#pipelines = [...(options.projectConfig?.pipelines ?? []), ...(spiderClass.customSettings?.pipelines ?? [])].map(instantiate);
    this.events.onListenerError = (error, event) => this.logger.error(`a listener of ${String(event)} failed: ${String(error)}`);
  }

  /**
   * Runs the crawl to its end and closes every component; never loses items already scraped.
   *
   * Start-up opens the components one by one and registers each one's closer as soon as it is
   * open; the end of the crawl and a failure at any point of start-up run the same closers, last
   * opened first: feeds flush before the job store forgets requests or the cluster completes
   * them, sockets close before the final stats, the trace closes last but for the job and the
   * cluster.
   */
  async crawl(): Promise<CrawlResult> {
    const { logger } = this;
    const closers = new Closers(logger);
    let reason: string;
    try {
      reason = await this.#openAndRun(closers);
    } catch (error) {
      // `failed` only while the engine never ran: after that, closing keeps what it did.
      await closers.closeAll({ reason: 'failed', failed: this.#engine === undefined });
      await this.#closeUserHooks('failed');
      throw error;
    }
    await closers.closeAll({ reason, failed: false });
    await this.#closeUserHooks(reason);
    this.events.emit('spiderClosed', { spiderName: this.spider.name, reason });
    logger.info(`spider "${this.spider.name}" closed (${reason})`);
    return { reason, stats: this.stats.toJSON() };
  }

  /** User extensions, then `spider.closed(reason, stats)`, once, if they were opened. */
  async #closeUserHooks(reason: string): Promise<void> {
    const hooks = this.#userHooks;
    if (!hooks) return;
    this.#userHooks = undefined;
    await closeExtensions(hooks.extensions, reason, this.logger);
    if (!hooks.opened) return;
    await Promise.resolve()
      .then(() => this.spider.closed(reason, this.stats.toJSON()))
      .catch((error: unknown) => this.logger.error(`spider.closed() failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Opens every component in order (registering its closer), then runs the engine. */
  async #openAndRun(closers: Closers): Promise<string> {
    const { settings, stats, logger, events, spider } = this;
    const options = this.#options;
    // Built first, opened (feeds created) last: the job store and the cluster wait on its flushes.
    // The job store, the cluster, the trace and the metrics server are imported only when their
    // setting asks for them: `import 'arachne'` and a plain crawl load none of their modules.
    const clustered = Boolean(settings['cluster.redis']);
    const processId = clustered ? (await import('../cluster/cluster-frontier.js')).defaultProcessId() : undefined;
    const pipelines = this.#pipelines;
    const itemTypes = itemTypesOf(options.spiderClass);
    const processor = new ItemProcessor({
      pipelines,
      feeds: settings.feeds,
      concurrency: settings['items.concurrency'],
      spiderName: spider.name,
      ...(processId ? { process: processId } : {}),
      startTime: new Date(this.#clock.now()),
      stats,
      logger: logger.child('items'),
      settings: settings as unknown as Record<string, unknown>,
      onItemScraped: (item) => events.emit('itemScraped', { item }),
      onItemDropped: (item, reason) => events.emit('itemDropped', { item, reason }),
      // Item types (spider/item-schema.ts): what to do with invalid items, fields for coverage and feed columns.
      invalid: settings['items.invalid'],
      itemFields: new Map(itemTypes.flatMap((t) => (t.fields ? [[t.name, t.fields] as const] : []))),
      ...(itemTypes[0]?.fields ? { defaultFields: itemTypes[0].fields } : {}),
    });
    const flushed = (): Promise<void> => processor.flushed();

    // The job dir first: a locked, corrupt or foreign job fails before anything else opens. Its
    // store forgets a request only once the feeds flushed that request's items.
    const job: Job | undefined = settings['job.dir']
      ? await (await import('../scheduler/job.js')).openJob({
          dir: settings['job.dir'],
          logger: logger.child('job'),
          now: () => this.#clock.now(),
          barrier: flushed,
          spiderState: () => spider.state,
          onFailure: (error) => {
            stats.inc(`job/errors/${error.code}`);
            this.stop('job_store_failed');
          },
        })
      : undefined;
    // Requests processed are forgotten, the rest and spider.state are kept (a failed start-up
    // keeps the state the job already had).
    if (job) closers.push('the job store', ({ failed }) => job.close(failed ? undefined : spider.state));
    // The frontier holds no resource; the cluster's shared frontier is built over it.
    const random = options.random ?? Math.random;
    const dns = new DnsCache({ resolve: options.resolve, now: () => this.#clock.now(), pinned: settings['download.resolve'] });
    const proxies = this.#proxies;
    const { frontier, rules } = frontierFromSettings({ settings, stats, logger: logger.child('scheduler'), random, resolver: dns, proxies, clustered });
    // The cluster next: an unreachable Redis or a crawl id holding another spider fails here.
    // Leaving sends completes, gives back what is leased here; shared state stays.
    const cluster = clustered ? await (await import('../cluster/join.js')).joinCluster({ settings, stats, logger, spiderName: spider.name, processId, frontier, rules, now: () => this.#clock.now(), barrier: flushed }) : undefined;
    if (cluster) closers.push('the cluster membership', () => cluster.leave());
    // Trace and metrics next, so a bad trace path or a busy metrics port fails before any feed
    // opens; the metrics read in-flight and queued through this crawler, so they need no engine yet.
    const traced = settings['trace.file'] !== '' || settings['report.file'] !== '';
    const trace = traced ? await (await import('../trace/recorder.js')).TraceRecorder.fromSettings(settings, { events, logger: logger.child('trace'), spiderName: spider.name, proxies: this.#proxies?.states.length ?? 0 }) : undefined;
    if (trace) {
      closers.push('the trace', async ({ reason, failed }) => {
        if (!failed) return (await import('../report/write-report.js')).finishTrace(trace, { reason, stats, reportFile: settings['report.file'], logger });
        await trace.close('failed', stats);
        await trace.dispose();
      });
    }
    const metrics = settings['metrics.port'] === 0 ? undefined : await (await import('../extensions/metrics.js')).MetricsServer.fromSettings(settings, { stats, logger, counts: () => ({ inFlight: this.inFlight, queued: this.queued }) });
    if (metrics) closers.push('the metrics server', () => metrics.close());

    const proxyRoutes = proxies?.states.map((p) => ({ id: p.id, url: p.config.url }));
    const scheduler = schedulerFromSettings({ settings, stats, frontier, ...(job ? { store: job.store } : {}), ...(cluster ? { shared: cluster.frontier } : {}) });
    // Runs after every later closer: the final stats see closed sockets and flushed feeds.
    closers.push('the final stats', ({ reason }) => this.#finalStats(scheduler, rules, dns, reason));
    const context: MiddlewareContext = {
      settings,
      stats,
      logger: logger.child('downloader'),
      now: () => this.#clock.now(),
      random,
      slots: scheduler,
      ...(proxies ? { proxies } : {}),
    };

    const transport = new Transport({
      ...transportOptionsFrom(settings, logger),
      // The socket connects to the address the IP slot was taken on (DESIGN.md §4).
      lookup: dns.lookup,
      proxies: proxyRoutes,
      ...options.transport,
    });
    // The browser handler costs nothing until a request asks for it: playwright-core is imported
    // and Chromium started on the first browser request.
    const needsBrowser = (spider as { needsBrowser?: NeedsBrowser }).needsBrowser;
    const browser = new BrowserHandler({
      settings,
      stats,
      logger: logger.child('browser'),
      proxies: proxyRoutes,
      random,
      ...(typeof needsBrowser === 'function' ? { needsBrowser: needsBrowser.bind(spider) } : {}),
      // A page's script navigating elsewhere is admitted as a request is (browser/interception.ts).
      ...(options.spiderClass.allowedDomains ? { allowedDomains: options.spiderClass.allowedDomains } : {}),
    });
    const downloader = new Downloader(transport, context, this.#middlewareTable, browser);
    closers.push('the downloader', () => downloader.close());
    const spiderMwContext = { settings, stats, logger: logger.child('spidermw'), spiderClass: options.spiderClass };
    const spiderMiddlewares = (
      options.spiderMiddlewares ??
      resolveSpiderMiddlewares(resolveSpiderMiddlewares(DEFAULT_SPIDER_MIDDLEWARES, options.projectConfig?.spiderMiddlewares), options.spiderClass.customSettings?.spiderMiddlewares)
    )
      .filter((M) => M.enabled?.(settings) ?? true)
      .map((M) => new M(spiderMwContext));
    // Field coverage is judged once every item went through (runs after the feeds' closer below).
    closers.push('the item coverage', () => finishCoverage(processor, settings, stats, logger.child('items')));
    // A resumed job appends to its feeds: overwriting them would drop the items of the first run.
    await processor.open({ append: job?.resumed === true });
    // Items close first of what holds data: every item scraped so far reaches its feed even if
    // closing the rest fails.
    closers.push('the feeds and pipelines', () => processor.close());
    if (job?.resumed) spider.state = job.store.loadSpiderState() ?? spider.state;
    const runner = runnerFromSettings({ settings, spider, spiderFile: options.spiderFile, args: options.args ?? {}, stats, logger, logSink: this.#sink, clock: this.#clock });
    closers.push('the parse workers', () => runner.close());
    // `browser.mode = 'auto'` judges a page by what its callback yielded (browser/adaptive.ts).
    const observeCallback = browser.observeCallback.bind(browser);
    const engine = new Engine({ spider, settings, scheduler, downloader, runner, spiderMiddlewares, items: processor, stats, events, logger, clock: this.#clock, observeCallback });
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
    const closeSpider = new CloseSpiderExtension(settings, events, stats, this.#clock, (why) => engine.stop(why));
    const memoryWatch = new MemoryWatch(settings, { stats, logger, clock: this.#clock, stop: (why) => engine.stop(why) });
    closers.push('the extensions', () => {
      logStats.stop();
      closeSpider.close();
      memoryWatch.close();
    });
    memoryWatch.start();
    logger.info(`spider "${spider.name}" opened`);
    logStats.start();
    if (this.#stopRequested) engine.stop(this.#stopRequested);
    // User hooks (core/crawl-hooks.ts): extensions, then the spider's opened(), on this thread.
    // They close in crawl(), after every closer, so they see the final stats.
    this.#userHooks = { extensions: [], opened: false };
    this.#userHooks.extensions = await openExtensions([...(options.projectConfig?.extensions ?? []), ...(options.spiderClass.customSettings?.extensions ?? [])], {
      spiderName: spider.name, settings, stats, logger: logger.child('extensions'), events, stop: (why) => engine.stop(why),
    });
    this.#userHooks.opened = true;
    await spider.opened();
    return engine.run();
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
