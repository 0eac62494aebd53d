/**
 * The engine: moves requests from the spider through the frontier and the downloader to the
 * callbacks, and their outputs to the frontier and the item pipelines.
 *
 * The data flow, as built here (DESIGN.md §2):
 *
 * 1. The crawler has merged and validated settings and built every component from them.
 * 2. Start requests are pulled lazily from `spider.start()`, only while the frontier holds fewer
 *    than `scheduler.startHighWaterMark` requests, so millions of start URLs never sit in memory.
 * 3. Every request (start or yielded) passes the spider middlewares' `processRequest` (offsite,
 *    URL length, depth), is fingerprinted against the seen set and queued in its slot.
 * 4. `pump()` runs on events (a request queued, a download finished, a host resolved, the
 *    frontier's one timer due), never on polling: `frontier.next(now)` hands a request out only
 *    when every budget it needs has room (src/scheduler/frontier.ts: domain slot, IP slot, proxy,
 *    browser page, global). A request that waits holds nothing. The proxy travels in `meta.proxyId`.
 * 5. The downloader runs the middleware chain (robots, auth, headers, user agent, retry,
 *    redirect, cookies, stats, cache, throttle and proxy feedback) to the undici transport
 *    (keep-alive pools per origin, one ProxyAgent per proxy, caps, decompression).
 * 6. On completion every unit is released at once. A returned request (a retry with its
 *    not-before time, a redirect or meta-refresh hop) takes a yielded one's admission path (step
 *    3) back to the frontier, holding no slot while it waits; robots.txt judges it when downloaded.
 * 7. A response passes `processInput` (HTTP errors) and goes to its callback, by method name,
 *    through the callback runner: parse worker threads, or in-process with `parse.workers = 0`.
 *    An error in a callback fails that response only: it is counted and logged.
 * 8. Outputs stream back: requests go to step 3, items through the pipelines into the feeds.
 *    Too many items in flight, or a full parse queue, pauses dispatching (backpressure), so
 *    memory stays bounded.
 * 9. The crawl closes when start is exhausted, the frontier is empty and nothing is in flight or
 *    being parsed; or early on `stop(reason)` (SIGINT, close conditions), after in-flight work
 *    finishes. `abort()` ends it at once.
 */
import { performance } from 'node:perf_hooks';
import { CloseSpider, errorCode } from '../errors.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { isItem, type Item } from '../spider/item.js';
import type { ItemProcessor } from '../items/item-processor.js';
import type { Logger } from '../log.js';
import type { CallbackRunner } from '../parse/runner.js';
import type { Dispatch } from '../scheduler/frontier.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { SettingValues } from '../settings/defaults.js';
import type { Spider, SpiderOutput } from '../spider/spider.js';
import type { SpiderMiddleware } from '../spidermw/spider-middleware.js';
import type { Downloader } from '../downloader/downloader.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../trace/events.js';
import type { Stats } from '../stats.js';
import { eachOutput, type OutputStream } from '../spider/callback.js';
import { startIterator } from '../spider/start-output.js';
import { userFrames } from '../stack.js';
import { describeError, describeValue } from '../describe.js';

const RESOLVED = Promise.resolve();
export interface EngineOptions {
  spider: Spider;
  settings: Readonly<SettingValues>;
  scheduler: Scheduler;
  downloader: Downloader;
  runner: CallbackRunner;
  spiderMiddlewares: readonly SpiderMiddleware[];
  items: ItemProcessor;
  stats: Stats;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  /** Sees each callback's outputs pass; may queue requests of its own (`browser.mode = 'auto'`). */
  observeCallback?: (response: Response, outputs: OutputStream, queue: (request: Request) => void) => OutputStream;
}

type ErrorWithCode = Error & { code?: string };

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Engine {
  readonly #options: EngineOptions;
  readonly #requestMiddlewares: SpiderMiddleware[];
  readonly #inputMiddlewares: SpiderMiddleware[];
  #start: AsyncIterator<Request | string> | undefined;
  #startDone = false;
  #pullingStart = false;
  /** Values pulled from `start()`; with a job store, a resume skips those it already pulled. */
  #startPulled = 0;
  #startSkip = 0;
  /** Responses (and failures) whose callbacks are still running. */
  #processing = 0;
  #pumpQueued = false;
  #timer: unknown;
  #timerAt = Infinity;
  #closing: string | undefined;
  #done: ((reason: string) => void) | undefined;
  #finished = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#requestMiddlewares = options.spiderMiddlewares.filter((m) => m.processRequest);
    this.#inputMiddlewares = options.spiderMiddlewares.filter((m) => m.processInput);
  }

  /** Runs the crawl to its end; resolves with the close reason. */
  run(): Promise<string> {
    const { spider, events, stats } = this.#options;
    stats.set('start_time', new Date(this.#options.clock.now()).toISOString());
    events.emit('spiderOpened', { spiderName: spider.name });
    // A resumed job does not run start() again once it was exhausted, and skips what was pulled.
    const progress = this.#options.scheduler.ledger?.start;
    if (progress?.done) this.#startDone = true;
    else this.#start = startIterator(spider);
    this.#startSkip = progress?.pulled ?? 0;
    const finished = new Promise<string>((resolve) => (this.#done = resolve));
    this.#schedulePump();
    return finished;
  }

  /** Closes gracefully: no new dispatches, in-flight requests and callbacks finish. */
  stop(reason: string): void {
    if (this.#closing) return;
    this.#closing = reason;
    this.#options.scheduler.drain();
    this.#options.logger.info(`closing spider (${reason}): waiting for ${this.#options.scheduler.frontier.active} in-flight requests`);
    this.#schedulePump();
  }

  /** Ends the crawl now, without waiting for in-flight work. */
  abort(reason = 'shutdown'): void {
    this.#closing ??= reason;
    this.#finish(reason);
  }

  /**
   * Runs `spider.start()` again from the start, skipping the first `skip` values: a cluster
   * process takes over start from one that died before exhausting it.
   */
  takeOverStart(skip: number): void {
    if (this.#closing || this.#finished) return;
    this.#start = startIterator(this.#options.spider);
    this.#startDone = false;
    this.#startPulled = 0;
    this.#startSkip = skip;
    this.#schedulePump();
  }

  /** Runs the pump soon: something outside the engine made a request dispatchable (a host resolved). */
  wake(): void {
    this.#schedulePump();
  }

  /** Requests dispatched and not yet finished. */
  get inFlight(): number {
    return this.#options.scheduler.frontier.active;
  }

  #schedulePump(): void {
    if (this.#pumpQueued || this.#finished) return;
    this.#pumpQueued = true;
    // Not queueMicrotask(): Node wraps each of its callbacks in an AsyncResource (0.7% of the CPU).
    void RESOLVED.then(this.#runPump);
  }

  readonly #runPump = (): void => {
    this.#pumpQueued = false;
    this.#pump();
  };

  #pump(): void {
    if (this.#finished) return;
    const { scheduler, items, clock, settings } = this.#options;
    if (!this.#closing) {
      const now = clock.now();
      // Backpressure: while pipelines hold too many items, or the parse pool's queue is full
      // (`runner.saturated`), downloading more only grows memory.
      const itemRoom = items.pending < settings['items.concurrency'] * 2 && !this.#options.runner.saturated;
      let dispatch: Dispatch | undefined;
      while (itemRoom && (dispatch = scheduler.next(now))) void this.#download(dispatch);
      this.#pullStart();
      this.#armTimer();
    }
    this.#checkIdle();
  }

  /** Wakes the pump when the frontier's earliest time-blocked slot or delayed request is due. */
  #armTimer(): void {
    const { scheduler, clock } = this.#options;
    const at = scheduler.frontier.nextWakeAt();
    if (at === undefined || at >= this.#timerAt) return;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#schedulePump();
    }, Math.max(0, at - clock.now()));
  }

  #pullStart(): void {
    if (this.#startDone || this.#pullingStart || !this.#start) return;
    const { scheduler, settings } = this.#options;
    if (scheduler.size >= settings['scheduler.startHighWaterMark']) return;
    this.#pullingStart = true;
    void this.#drainStart().finally(() => {
      this.#pullingStart = false;
      this.#schedulePump();
    });
  }

  async #drainStart(): Promise<void> {
    const { scheduler, settings, stats, logger } = this.#options;
    const start = this.#start!;
    while (!this.#closing && scheduler.size < settings['scheduler.startHighWaterMark']) {
      let next: IteratorResult<Request | string>;
      try {
        next = await start.next();
      } catch (error) {
        stats.inc(`spider/start/exceptions/${errorCode(error)}`);
        logger.error(`spider.start() failed, no more start requests: ${describeError(error)}`);
        this.#startDone = true;
        return;
      }
      if (next.done) {
        this.#startDone = true;
        scheduler.ledger?.recordStart({ done: true, pulled: this.#startPulled });
        return;
      }
      if (++this.#startPulled <= this.#startSkip) continue;
      // Recorded with the request it yields (one store transaction), so a kill never skips one.
      scheduler.ledger?.recordStart({ done: false, pulled: this.#startPulled });
      let request: Request;
      try {
        request = typeof next.value === 'string' ? new Request({ url: next.value, dontFilter: true }) : next.value;
      } catch (error) {
        stats.inc(`spider/start/invalid/${errorCode(error)}`);
        logger.error(`skipped start URL: ${describeError(error)}`);
        continue;
      }
      if (!Request.isRequest(request)) {
        stats.inc('spider/start/invalid/ERR_START_OUTPUT');
        logger.error(`spider.start() yielded ${typeof request}, not a Request or URL string: skipped`);
        continue;
      }
      request.meta.start = true;
      stats.inc('spider/start/requests');
      this.#enqueue(request, undefined);
      this.#schedulePump();
    }
  }

  /** Spider middlewares, callback check, seen set, frontier. */
  #enqueue(request: Request, response: Response | undefined): void {
    const { scheduler, runner, stats, logger, events, clock } = this.#options;
    let current: Request | null = request;
    for (const middleware of this.#requestMiddlewares) {
      current = middleware.processRequest!(current, response);
      if (!current) {
        if (events.has('requestDropped')) events.emit('requestDropped', { request, reason: 'spider middleware' });
        return;
      }
    }
    // Two checks, not a loop over `[callback, errback]`: that array was one allocation per link.
    const missing = current.callback !== null && !runner.hasMethod(current.callback) ? current.callback : current.errback !== null && !runner.hasMethod(current.errback) ? current.errback : null;
    if (missing !== null) {
      stats.inc('scheduler/dropped/ERR_CALLBACK_NOT_FOUND');
      logger.error(`ERR_CALLBACK_NOT_FOUND: dropped ${current}: the spider has no method "${missing}"`);
      return;
    }
    if (scheduler.enqueue(current, clock.now()) === 'queued' && events.has('requestScheduled')) {
      events.emit('requestScheduled', { request: current });
    }
  }

  async #download(dispatch: Dispatch): Promise<void> {
    const { request } = dispatch;
    const { downloader, scheduler, clock, events } = this.#options;
    // The trace's timing costs one check when no one listens (`requestDone` has no listener).
    const traced = events.has('requestDone');
    const dispatchedAt = traced ? performance.now() : 0;
    let result: Response | Request | undefined;
    let failure: unknown;
    try {
      result = await downloader.fetch(request);
    } catch (error) {
      failure = error;
    }
    // Release first, and pump now: the freed unit goes to the next request while this response is
    // parsed (on a worker that is a round trip), not after.
    scheduler.release(dispatch, clock.now());
    this.#schedulePump();
    if (traced) events.emit('requestDone', { dispatch, result, error: failure, dispatchedAt, doneAt: performance.now() });
    this.#processing++;
    try {
      // Parse after the I/O that is ready now: the other responses that arrived in this poll
      // phase release their units and send their next requests first (setImmediate runs in the
      // check phase, after poll). In-process parsing would otherwise hold each of them back by
      // the parse time of the ones before it. See test/bench/littles-law.ts.
      await yieldToIo();
      if (failure !== undefined) await this.#failed(request, failure, undefined);
      // A redirect hop, a retry or a meta refresh: the same admission path as a yielded request
      // (offsite, depth, URL length, then the seen set), with no response, so depth is not bumped.
      else if (Request.isRequest(result)) this.#enqueue(result, undefined);
      else await this.#parse(result!);
    } finally {
      // Its outputs are queued and its items handed to the pipelines: a job store may forget it.
      scheduler.done(request);
      this.#processing--;
      this.#schedulePump();
    }
  }

  async #parse(response: Response): Promise<void> {
    const { stats, events, runner } = this.#options;
    stats.inc('response/received');
    if (events.has('responseReceived')) events.emit('responseReceived', { response });
    try {
      for (const middleware of this.#inputMiddlewares) middleware.processInput!(response);
    } catch (error) {
      await this.#failed(response.request, error, response);
      return;
    }
    try {
      const outputs = this.#options.observeCallback?.(response, runner.callback(response), (r) => this.#enqueue(r, undefined)) ?? runner.callback(response);
      await eachOutput(outputs, (output) => this.#output(output, response));
    } catch (error) {
      this.#callbackError(response.request, error);
    }
  }

  /** A download or HTTP-status failure: counted, logged, and given to the errback if any. */
  async #failed(request: Request, error: unknown, response: Response | undefined): Promise<void> {
    const { stats, logger, events, runner } = this.#options;
    const err = asError(error);
    if (!response) {
      stats.inc('request/failed');
      stats.inc(`request/failed/${errorCode(err)}`);
      logger.error(`failed ${request}: ${describeError(err)}`);
    } else {
      logger.debug(`${describeError(err)}`);
    }
    events.emit('requestFailed', { request, error: err });
    if (!request.errback) return;
    try {
      await eachOutput(runner.errback(request.errback, { request, error: err, ...(response ? { response } : {}) }), (output) => this.#output(output, response));
    } catch (errbackError) {
      this.#callbackError(request, errbackError);
    }
  }

  #callbackError(request: Request, error: unknown): void {
    const { stats, logger, events } = this.#options;
    if (error instanceof CloseSpider || errorCode(error) === 'ERR_CLOSE_SPIDER') {
      this.stop((error as CloseSpider).reason ?? 'cancelled');
      return;
    }
    const err = asError(error);
    stats.inc('spider/exceptions');
    stats.inc(`spider/exceptions/${errorCode(err)}`);
    // The user's frames (their file and line), not Arachne's own.
    const frames = userFrames(err.stack);
    logger.error(`callback failed on ${request}: ${describeError(err)}${frames ? `\n${frames}` : ''}`);
    events.emit('spiderError', { request, error: err });
  }

  /** Queues a request or hands an item on; a promise (no await per output) only when the callback must wait. */
  #output(output: SpiderOutput, response: Response | undefined): Promise<void> | undefined {
    const { stats, logger, items, settings } = this.#options;
    if (Request.isRequest(output)) {
      this.#enqueue(output, response);
      this.#schedulePump();
      return;
    }
    if (!isItem(output)) {
      stats.inc('spider/invalid_output');
      stats.inc('spider/invalid_output/ERR_CALLBACK_OUTPUT');
      logger.warn(`ERR_CALLBACK_OUTPUT: a callback yielded ${describeValue(output)}; expected a Request or a plain object item: skipped\n  fix: yield items as plain objects ({ title }) and requests from this.request(url) or response.follow(url)`);
      return;
    }
    // Backpressure on the callback itself: past the pipelines' bound, wait for this item.
    const processed = items.process(output as Item).catch((error: unknown) => logger.error(`item lost: ${describeError(error)}`));
    return items.pending > settings['items.concurrency'] ? processed : undefined;
  }

  #checkIdle(): void {
    if (this.#finished || this.#processing > 0 || this.inFlight > 0) return;
    if (this.#closing) {
      this.#finish(this.#closing);
      return;
    }
    if (this.#startDone && !this.#pullingStart && this.#options.scheduler.size === 0) this.#finish('finished');
  }

  #finish(reason: string): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    void this.#start?.return?.(undefined)?.catch(() => {});
    this.#done?.(reason);
  }
}

function asError(error: unknown): ErrorWithCode {
  return error instanceof Error ? error : new Error(String(error));
}
