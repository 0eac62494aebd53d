/**
 * The trace recorder (`trace.file`, `--trace`): one JSON line per finished download attempt, with
 * its times, slots, proxy id, connection and outcome (format: src/trace/format.ts).
 *
 * Cost: nothing when off (the engine times a download only while `requestDone` has a listener);
 * when on, one object and one `JSON.stringify` per attempt on the event loop, and the file is
 * written asynchronously in batches by a bounded writer that drops and counts lines rather than
 * grow memory when the disk falls behind.
 *
 * Queued times. The recorder keeps a `WeakMap` from the request object to the time it entered
 * the frontier (the `requestScheduled` event, or the `requestDone` that sent back a retry or a
 * redirect hop). A WeakMap cannot leak: a request that is filtered, dropped or finished is
 * collected with its entry. Stamping `meta` instead would write a process-local
 * `performance.now()` into data that job stores persist and workers copy. The price: a request
 * that went through a disk store comes back as a new object and is traced with `queued: null`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CrawlEvents, EventBus } from './events.js';
import type { Stats } from '../stats.js';
import { ConfigError, errorCode } from '../errors.js';
import { fingerprint } from '../http/fingerprint.js';
import { Request } from '../http/request.js';
import type { Logger } from '../log.js';
import { TRACE_VERSION, type TraceFooter, type TraceHeader, type TraceLimits, type TraceOutcome, type TraceRecord } from './format.js';
import type { SettingValues } from '../settings/defaults.js';
import { TraceWriter } from './writer.js';

export interface TraceRecorderOptions {
  /** The file to write (created or replaced). */
  file: string;
  /** Remove the file once the crawl's report is written (a trace made only for `--report`). Default false. */
  temporary?: boolean;
  /** Share of requests recorded, in (0, 1]; chosen by fingerprint, so a re-run samples the same requests. Default 1. */
  sampleRate?: number;
  spiderName: string;
  limits: TraceLimits;
  events: EventBus;
  logger: Logger;
  /** Characters of trace lines held in memory before lines are dropped and counted. Default 8 MiB. */
  maxBufferChars?: number;
  /** The monotonic clock, in ms (`performance.now`). Injectable for tests. */
  now?: () => number;
}

/** Rounds to 0.1 ms: finer is noise, and it keeps lines short. */
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** A request's place in [0, 1), from its fingerprint: the same request always gets the same one. */
export function sampleKey(request: Request): number {
  return Number.parseInt(fingerprint(request).slice(0, 8), 16) / 0x1_0000_0000;
}

export class TraceRecorder {
  readonly path: string;
  readonly temporary: boolean;
  readonly #writer: TraceWriter;
  readonly #origin: number;
  readonly #now: () => number;
  readonly #rate: number;
  readonly #queuedAt = new WeakMap<Request, number>();
  readonly #unsubscribe: (() => void)[];
  #records = 0;

  private constructor(options: TraceRecorderOptions, writer: TraceWriter) {
    this.path = options.file;
    this.temporary = options.temporary ?? false;
    this.#writer = writer;
    this.#now = options.now ?? (() => performance.now());
    this.#origin = this.#now();
    this.#rate = options.sampleRate ?? 1;
    const header: TraceHeader = {
      arachne_trace: TRACE_VERSION,
      startedAt: new Date().toISOString(),
      spider: options.spiderName,
      sampleRate: this.#rate,
      limits: options.limits,
    };
    writer.write(JSON.stringify(header));
    const { events } = options;
    this.#unsubscribe = [
      events.on('requestScheduled', ({ request }) => this.#queuedAt.set(request, this.#now())),
      events.on('requestDone', (done) => this.#record(done)),
    ];
  }

  /** Opens the trace file and starts listening; a path that cannot be written is `ERR_TRACE_FILE`. */
  static async open(options: TraceRecorderOptions): Promise<TraceRecorder> {
    const { logger } = options;
    let reported = false;
    try {
      const writer = await TraceWriter.open(options.file, {
        maxBufferChars: options.maxBufferChars,
        onError: (error) => {
          if (reported) return;
          reported = true;
          logger.error(`ERR_TRACE_WRITE: writing the trace ${options.file} failed (${error.message}); later trace lines are dropped`);
        },
      });
      return new TraceRecorder(options, writer);
    } catch (error) {
      throw new ConfigError('ERR_TRACE_FILE', `cannot write the trace file ${JSON.stringify(options.file)}: ${(error as Error).message}`, {
        hint: 'point trace.file (--trace) at a writable path in an existing folder',
      });
    }
  }

  /**
   * The recorder the settings ask for: `trace.file`, or a temporary file when only `report.file`
   * is set (the report is built from a trace). Undefined when neither is set.
   */
  static async fromSettings(
    settings: Readonly<SettingValues>,
    context: { events: EventBus; logger: Logger; spiderName: string; proxies: number },
  ): Promise<TraceRecorder | undefined> {
    let file = settings['trace.file'];
    const temporary = file === '' && settings['report.file'] !== '';
    if (file === '' && !temporary) return undefined;
    if (temporary) file = join(await mkdtemp(join(tmpdir(), 'arachne-trace-')), 'trace.jsonl');
    const proxied = settings['proxy.enabled'] && context.proxies > 0;
    return TraceRecorder.open({
      file,
      temporary,
      sampleRate: settings['trace.sampleRate'],
      spiderName: context.spiderName,
      events: context.events,
      logger: context.logger,
      limits: {
        global: settings['concurrency.global'],
        perDomain: settings['concurrency.perDomain'],
        perIp: settings['concurrency.perIp'],
        perProxy: proxied ? settings['proxy.maxConcurrencyPerProxy'] : 0,
        proxies: proxied ? context.proxies : 0,
        delayMs: settings['download.delayMs'],
        ratePerMinute: settings['rateLimit.perDomainPerMinute'],
      },
    });
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /** Records dropped because the writer fell behind (or the file failed). */
  get dropped(): number {
    return this.#writer.dropped;
  }

  /** Stops listening, writes the footer (close reason, dropped count, final stats) and closes the file. */
  async close(reason: string, stats: Stats): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    stats.set('trace/records', this.#records);
    if (this.dropped > 0) stats.set('trace/dropped', this.dropped);
    const footer: TraceFooter = {
      arachne_trace_end: TRACE_VERSION,
      finishedAt: new Date().toISOString(),
      reason,
      dropped: this.dropped,
      stats: stats.toJSON(),
    };
    await this.#writer.close(JSON.stringify(footer));
  }

  /** Removes a temporary trace (and its folder); a kept trace stays. */
  async dispose(): Promise<void> {
    if (this.temporary) await rm(join(this.path, '..'), { recursive: true, force: true });
  }

  #record({ dispatch, result, error, dispatchedAt, doneAt }: CrawlEvents['requestDone']): void {
    const { request } = dispatch;
    if (this.#rate < 1 && sampleKey(request) >= this.#rate) return;
    const origin = this.#origin;
    const rel = (t: number | undefined): number | null => (t === undefined || t < origin ? null : round(t - origin));
    const queued = this.#queuedAt.get(request);
    let outcome: TraceOutcome;
    let response = undefined;
    if (result === undefined) outcome = 'failed';
    else if (Request.isRequest(result)) {
      // Sent back by a middleware: it re-enters the frontier now.
      this.#queuedAt.set(result, doneAt);
      outcome = (result.meta.retryTimes ?? 0) > (request.meta.retryTimes ?? 0) ? 'retry' : 'redirect';
    } else {
      response = result;
      outcome = result.status >= 400 ? 'http' : 'ok';
    }
    const record: TraceRecord = {
      url: request.url,
      method: request.method,
      queued: rel(queued),
      dispatched: round(dispatchedAt - origin),
      sent: response ? rel(response.timings.dispatchedAt || undefined) : null,
      headers: response ? rel(response.timings.headersAt) : null,
      done: round(doneAt - origin),
      slot: dispatch.slot.key,
      ipSlot: dispatch.ipSlot?.key ?? null,
      proxy: dispatch.proxy?.id ?? null,
      ip: response?.ip ?? null,
      status: response?.status ?? null,
      bytes: response ? response.body.byteLength : null,
      reused: response?.reusedConnection ?? null,
      retries: request.meta.retryTimes ?? 0,
      outcome,
      error: outcome === 'failed' ? errorCode(error) : null,
    };
    const browser = response?.browser;
    if (browser) {
      const sent = response!.timings.dispatchedAt;
      const at = (ms: number | undefined): number | null => (ms === undefined ? null : rel(sent + ms));
      record.browser = { domContentLoaded: at(browser.domContentLoadedMs), load: at(browser.loadMs), subrequests: browser.subrequests, blocked: browser.blocked, subBytes: browser.subresponseBytes };
    }
    if (this.#writer.write(JSON.stringify(record))) this.#records++;
  }
}
