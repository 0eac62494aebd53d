/**
 * Runs spider callbacks on a piscina pool of worker threads (`parse.workers > 0`), so the main
 * thread's event loop only does I/O (DESIGN.md §2 step 8, §4).
 *
 * - One task per response (or failure): the worker runs the callback by name and sends back every
 *   output at once; they are yielded here in order, then the callback's own failure, if any, is
 *   thrown (outputs yielded before a failure are kept, as in-process).
 * - Threads: one piscina pool of one thread each, so that Arachne, not piscina, decides when a
 *   thread starts (piscina starts threads up to its maximum whenever a task waits). A runner
 *   may start with fewer threads than `workers` (`startThreads`, "auto") and add one when its
 *   threads are busy, callbacks wait, and the thread added last paid off (thread-growth.ts).
 * - Tasks wait here until a thread is idle; the tasks waiting then are handed over together, split
 *   evenly over the idle threads (at most MAX_BATCH to a hand-over): each hand-over wakes a worker
 *   and then the main thread, and on a busy crawl that cost as much as a page's parse. A lone
 *   task's body is transferred; a batch's bodies are copied, so that when the batch's thread dies
 *   (a crash, a timeout) every task in it but the timed-out one runs again alone, and a crash is
 *   charged to the callback that caused it. A callback run again that way logs its lines twice.
 * - Backpressure: `saturated` is true while as many tasks are pending as there are threads plus
 *   `parse.maxQueue`; the engine then stops dispatching downloads, so response bodies waiting for
 *   a thread cannot grow without bound. Downloads already in flight still get parsed, so the
 *   pool's own queue is unbounded and never rejects.
 * - A task whose callback runs longer than `parse.timeoutMs` is aborted (piscina terminates that
 *   thread and starts another): `ERR_PARSE_TIMEOUT`. The clock starts when the worker reports it
 *   has begun the task, so loading the spider in a fresh worker does not count against it.
 * - A thread that dies (process.exit, an uncaught error, `parse.maxOldGenerationSizeMb`) fails the
 *   one task it held with `ERR_PARSE_WORKER_CRASHED`; piscina replaces the thread.
 */
import { CallbackError } from '../errors.js';
import type { Response } from '../http/response.js';
import type { LogLevel, LogSink } from '../log.js';
import type { Clock } from '../clock.js';
import type { Failure, Spider, SpiderOutput } from '../spider/spider.js';
import { decodeError, decodeOutput, encodeFailure, encodeResponse, isLogWire, isStartWire, StartStamps, type ParseResult, type ParseTask } from './codec.js';
import type { OutputStream } from '../spider/callback.js';
import type { CallbackRunner } from './runner.js';
import type { ParseWorkerData } from './worker.js';
import { PRELOAD, startParseThread, type ParseThread } from './parse-thread.js';
import { ThreadGrowth } from './thread-growth.js';

export interface WorkerRunnerOptions {
  /** The main thread's spider instance: `hasMethod` checks it (the workers have their own). */
  spider: Spider;
  /** The module the spider class was loaded from; each worker imports it once. */
  spiderFile: string;
  /** Spider arguments (`-a`), given to every worker's spider instance. */
  args: Record<string, string>;
  /** Threads in the pool at most (`parse.workers`, >= 1). */
  workers: number;
  /** Threads started with the pool (1 to `workers`; default `workers`); see thread-growth.ts. */
  startThreads?: number;
  /** Called with the number of threads each time one is started, the first included. */
  onThreadStarted?: (threads: number) => void;
  /** Tasks waiting for a thread before `saturated` turns true (`parse.maxQueue`). */
  maxQueue: number;
  /** Per-callback time limit in ms; 0 = none (`parse.timeoutMs`). */
  timeoutMs: number;
  /** V8 old-generation limit per worker in MB; 0 = V8's default (`parse.maxOldGenerationSizeMb`). */
  maxOldGenerationSizeMb: number;
  /** Least severe spider log level workers forward (filtered in the worker, before posting). */
  logLevel: LogLevel;
  /** Where forwarded spider log lines go: the crawl's sink, under the spider logger's name. */
  logSink: LogSink;
  /** Timer for `timeoutMs`, and the time callbacks have waited for a thread (default: the system's). */
  clock?: Clock;
}

interface Pending {
  controller: AbortController;
  timer: unknown;
  timedOut: boolean;
  /** Log lines received for this task, and a waiter for the rest once the result says how many. */
  logs: number;
  logsExpected: number;
  logsDone: (() => void) | undefined;
  /** The task's slot in the start stamps, or -1 (its worker posts a start message instead). */
  slot: number;
  /** When its start message arrived (tasks without a slot). */
  startedAt: number | undefined;
}

/** Tasks that can have their start stamped in shared memory at once; more fall back to a message. */
const START_SLOTS = 4096;
/** Most tasks handed to a thread at once (a batch's results come back together, after its last). */
const MAX_BATCH = 8;

/** A task waiting for the end of the turn to be handed over. */
interface Queued {
  task: ParseTask;
  transferList: ArrayBuffer[];
  url: string;
  pending: Pending;
  resolve(result: ParseResult): void;
  reject(error: unknown): void;
  /** Handed over in a hand-over of its own (its start is reported by message, or it is a retry). */
  alone: boolean;
}

export class WorkerRunner implements CallbackRunner {
  readonly #options: WorkerRunnerOptions;
  readonly #threads: ParseThread[] = [];
  readonly #workerData: ParseWorkerData;
  readonly #pending = new Map<number, Pending>();
  readonly #clock: Clock;
  readonly #stamps = StartStamps.create(START_SLOTS);
  readonly #freeSlots: number[] = Array.from({ length: START_SLOTS }, (_, i) => START_SLOTS - 1 - i);
  #nextId = 1;
  #closed = false;
  /** Tasks waiting for a thread, in order; handed over when one is idle. */
  #waiting: Queued[] = [];
  #dispatchScheduled = false;
  readonly #growth: ThreadGrowth;
  #handOvers = 0;

  constructor(options: WorkerRunnerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.#growth = new ThreadGrowth(() => this.#clock.now());
    this.#workerData = {
      spiderFile: options.spiderFile,
      spiderName: (options.spider.constructor as { name: string }).name,
      args: options.args,
      logLevel: options.logLevel,
      startStamps: this.#stamps.buffer,
      ...(PRELOAD ? { preload: PRELOAD } : {}),
    };
    const start = Math.min(options.workers, Math.max(1, options.startThreads ?? options.workers));
    for (let i = 0; i < start; i++) this.#startThread();
  }

  /** Threads started so far. */
  get threads(): number {
    return this.#threads.length;
  }

  /** True while the pool holds as many tasks as threads plus `parse.maxQueue`: pause downloading. */
  get saturated(): boolean {
    return this.#pending.size >= this.#options.workers + this.#options.maxQueue;
  }

  /** Messages that carried tasks to the threads so far (a batch is one). */
  get handOvers(): number {
    return this.#handOvers;
  }

  hasMethod(name: string): boolean {
    return typeof (this.#options.spider as unknown as Record<string, unknown>)[name] === 'function';
  }

  // The outputs arrive together, in one message: a promise of a sync iterable of them, so reading
  // them costs no promise per output.
  callback(response: Response): OutputStream {
    const transferList: ArrayBuffer[] = [];
    return this.#outputs(this.#submit({ id: this.#nextId++, kind: 'callback', response: encodeResponse(response, transferList) }, transferList, response.url), response.url);
  }

  errback(name: string, failure: Failure): OutputStream {
    const transferList: ArrayBuffer[] = [];
    return this.#outputs(this.#submit(encodeFailure(this.#nextId++, name, failure, transferList), transferList, failure.request.url), failure.request.url);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      this.#clock.clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.logsDone?.();
    }
    await Promise.all(this.#threads.map(({ pool }) => pool.destroy()));
  }

  /** Decoded as they are read; the callback's error, if any, is thrown after its outputs. */
  async #outputs(run: Promise<ParseResult>, url: string): Promise<Iterable<SpiderOutput>> {
    const { outputs, error } = await run;
    return (function* decoded() {
      for (const output of outputs) yield decodeOutput(output, url);
      if (error) throw decodeError(error);
    })();
  }

  /** Queued until the end of this turn, so that the tasks submitted in one turn travel together. */
  #submit(task: ParseTask, transferList: ArrayBuffer[], url: string): Promise<ParseResult> {
    return new Promise<ParseResult>((resolve, reject) => {
      // A task whose start is reported by message (no start slot was free) goes alone: only a
      // slot can also say it has finished.
      const pending = this.#track(task);
      const alone = this.#options.timeoutMs > 0 && task.startSlot === undefined;
      this.#waiting.push({ task, transferList, url, pending, resolve, reject, alone });
      if (!this.#dispatchScheduled) {
        this.#dispatchScheduled = true;
        setImmediate(() => {
          this.#dispatchScheduled = false;
          this.#dispatch();
        });
      }
    });
  }

  /** Hands the waiting tasks over to the idle threads, split evenly; starts a thread when they have waited long enough. */
  #dispatch(): void {
    if (this.#closed) return;
    let idle = this.#threads.filter((thread) => thread.busySince === undefined);
    if (idle.length === 0 && this.#waiting.length > 0 && this.#shouldGrow()) idle = [this.#startThread()];
    const size = Math.min(MAX_BATCH, Math.ceil(this.#waiting.length / Math.max(1, idle.length)));
    for (const thread of idle) {
      if (this.#waiting.length === 0) break;
      let count = 0;
      while (count < size && count < this.#waiting.length && !this.#waiting[count]!.alone) count++;
      const batch = this.#waiting.splice(0, Math.max(1, count));
      if (batch.length === 1) void this.#runAlone(thread, batch[0]!);
      else void this.#runBatch(thread, batch);
    }
  }

  /** Called with every thread busy and tasks waiting (see thread-growth.ts). */
  #shouldGrow(): boolean {
    if (this.#threads.length >= this.#options.workers) return false;
    return this.#growth.shouldGrow(this.#threads.map(({ busySince }) => busySince!));
  }

  #occupy(thread: ParseThread): void {
    this.#handOvers++;
    thread.busySince = this.#clock.now();
  }

  #startThread(): ParseThread {
    const { maxOldGenerationSizeMb, logSink } = this.#options;
    const thread: ParseThread = startParseThread({ workerData: this.#workerData, maxOldGenerationSizeMb, onMessage: (message) => this.#onMessage(message), logSink });
    this.#threads.push(thread);
    this.#options.onThreadStarted?.(this.#threads.length);
    return thread;
  }

  /** A task's bookkeeping from submission to answer: its timeout (see #armTimeout) and log count. */
  #track(task: ParseTask): Pending {
    const slot = this.#options.timeoutMs > 0 ? (this.#freeSlots.pop() ?? -1) : -1;
    const pending: Pending = { controller: new AbortController(), timer: undefined, timedOut: false, logs: 0, logsExpected: 0, logsDone: undefined, slot, startedAt: undefined };
    this.#pending.set(task.id, pending);
    if (slot >= 0) {
      task.startSlot = slot;
      this.#armTimeout(task.id, pending, this.#options.timeoutMs);
    } else if (this.#options.timeoutMs <= 0) {
      task.startSlot = -1; // no timeout: nothing to report
    }
    return pending;
  }

  #untrack(id: number, pending: Pending): void {
    this.#clock.clearTimeout(pending.timer);
    pending.timer = undefined;
    this.#pending.delete(id);
    if (pending.slot >= 0) this.#freeSlots.push(pending.slot);
  }

  async #runAlone(thread: ParseThread, queued: Queued): Promise<void> {
    const { task, pending } = queued;
    this.#occupy(thread);
    try {
      const result = (await thread.pool.run(task, { transferList: queued.transferList, signal: pending.controller.signal })) as ParseResult;
      this.#release(thread, 1);
      await this.#logsOf(pending, result);
      queued.resolve(result);
    } catch (error) {
      this.#release(thread, 0);
      queued.reject(this.#poolError(error, pending, queued.url));
    } finally {
      this.#untrack(task.id, pending);
    }
  }

  /** The thread takes the next waiting tasks. */
  #release(thread: ParseThread, callbacks: number): void {
    if (thread.busySince !== undefined) this.#growth.ended(thread.busySince, callbacks);
    thread.busySince = undefined;
    this.#dispatch();
  }

  /** Bodies are copied, not transferred: a task of a batch whose thread died runs again alone. */
  async #runBatch(thread: ParseThread, batch: Queued[]): Promise<void> {
    const controller = new AbortController();
    for (const { pending } of batch) pending.controller = controller;
    this.#occupy(thread);
    let results: ParseResult[];
    try {
      results = (await thread.pool.run({ kind: 'batch', tasks: batch.map(({ task }) => task) }, { signal: controller.signal })) as ParseResult[];
    } catch (error) {
      const retries: Queued[] = [];
      for (const queued of batch) {
        if (queued.pending.timedOut || this.#closed) {
          queued.reject(this.#poolError(error, queued.pending, queued.url));
          this.#untrack(queued.task.id, queued.pending);
        } else {
          // Under a new id, so its first run's start stamp cannot count against it.
          this.#untrack(queued.task.id, queued.pending);
          queued.task = { ...queued.task, id: this.#nextId++ };
          queued.pending = this.#track(queued.task);
          queued.alone = true;
          retries.push(queued);
        }
      }
      // First in line, each in a hand-over of its own.
      this.#waiting.unshift(...retries);
      this.#release(thread, 0);
      return;
    }
    this.#release(thread, batch.length);
    for (let i = 0; i < batch.length; i++) {
      const { task, pending, resolve } = batch[i]!;
      await this.#logsOf(pending, results[i]!);
      resolve(results[i]!);
      this.#untrack(task.id, pending);
    }
  }

  // Log lines travel on the worker's parentPort, results on piscina's own port: no order between
  // the two. Wait for this task's lines so they precede its outputs in the log.
  async #logsOf(pending: Pending, result: ParseResult): Promise<void> {
    if (pending.logs >= result.logCount) return;
    pending.logsExpected = result.logCount;
    await new Promise<void>((resolve) => (pending.logsDone = resolve));
  }

  /**
   * The timeout counts from the task's start on its worker, not from the dispatch (a task may wait
   * for a thread behind others). The timer is armed at dispatch for the full time; when it fires,
   * the start stamp (or start message) says how much is left: arm again for that, or abort.
   */
  #armTimeout(id: number, pending: Pending, ms: number): void {
    pending.timer = this.#clock.setTimeout(() => {
      if (this.#closed || !this.#pending.has(id)) return;
      const startedAt = pending.slot >= 0 ? this.#stamps.startedAt(pending.slot, id) : pending.startedAt;
      const left = startedAt === undefined ? this.#options.timeoutMs : startedAt + this.#options.timeoutMs - Date.now();
      if (left > 0) return this.#armTimeout(id, pending, left);
      pending.timedOut = true;
      pending.controller.abort();
    }, ms);
  }

  #poolError(error: unknown, pending: Pending, url: string): CallbackError {
    const message = error instanceof Error ? error.message : String(error);
    if (pending.timedOut) {
      return new CallbackError('ERR_PARSE_TIMEOUT', `the callback on ${url} ran longer than parse.timeoutMs (${this.#options.timeoutMs} ms): its worker was stopped`, {
        hint: 'find what blocks in the callback (a loop, a promise that never settles), or raise parse.timeoutMs',
      });
    }
    if (this.#closed) {
      return new CallbackError('ERR_PARSE_CLOSED', `the parse pool closed before the callback on ${url} finished`, { hint: 'the crawl was stopped at once' });
    }
    return new CallbackError('ERR_PARSE_WORKER_CRASHED', `the parse worker running the callback on ${url} died: ${message}`, {
      hint: 'a callback called process.exit(), threw outside its promise chain, or exceeded parse.maxOldGenerationSizeMb; the worker was replaced',
      cause: error,
    });
  }

  #onMessage(message: unknown): void {
    if (isStartWire(message)) {
      const pending = this.#pending.get(message.arachneStart);
      if (!pending || this.#options.timeoutMs <= 0) return;
      pending.startedAt = Date.now();
      this.#armTimeout(message.arachneStart, pending, this.#options.timeoutMs);
      return;
    }
    if (!isLogWire(message)) return;
    const { task, level, name, message: text } = message.arachneLog;
    this.#options.logSink(level, name, text);
    const pending = this.#pending.get(task);
    if (!pending) return;
    pending.logs++;
    if (pending.logsDone && pending.logs >= pending.logsExpected) pending.logsDone();
  }
}
