import type { Logger } from '../log.js';
import type { Response } from '../http/response.js';
import type { CallbackResult, Failure, Spider, SpiderOutput } from '../spider/spider.js';
import type { CallbackRunner } from './runner.js';
import { catchStrayErrors } from './stray-errors.js';
import { isItem } from '../spider/item.js';
import { itemTag, itemTypesOf, validateItem, type ItemType } from '../spider/item-schema.js';
import { callbackMethod, outputStream, type MaybeOutput, type OutputStream } from '../spider/callback.js';

/** A live browser page lent to the callback (`meta.browser.keepPage`) is closed when it ends. */
function closeLentPage(response: Response | undefined): void {
  const page = response?.browser?.page as { close?: () => Promise<void> } | undefined;
  if (page?.close) void page.close().catch(() => {});
}

/** Where the in-process runner reports errors spider code raised outside any callback's reach. */
export interface InProcessReport {
  stats: { inc(key: string): void };
  logger: Logger;
}

/**
 * Runs callbacks on the main thread, on one spider instance (`parse.workers = 0`). Callbacks that
 * await (an API call, a slow pipeline) overlap; past `1 + maxQueue` of them running at once the
 * runner is `saturated`, as a worker pool with a full queue is, so the bodies held stay bounded.
 */
export class InProcessRunner implements CallbackRunner {
  readonly #spider: Spider;
  readonly #limit: number;
  readonly #types: readonly ItemType<object, unknown>[];
  #running = 0;
  readonly #release: (() => void) | undefined;

  /**
   * @param report With it, a promise spider code left unawaited that rejects, or a timer that
   *   throws, is logged and counted as a callback failure (`spider/exceptions/ERR_CALLBACK_UNHANDLED`)
   *   until `close()`, instead of ending the process. Default: none (Node's behaviour).
   */
  constructor(spider: Spider, maxQueue = Infinity, report?: InProcessReport) {
    this.#spider = spider;
    this.#limit = 1 + maxQueue;
    this.#release =
      report &&
      catchStrayErrors((error) => {
        report.stats.inc('spider/exceptions');
        report.stats.inc(`spider/exceptions/${error.code}`);
        report.logger.error(error.describe());
      });
    this.#types = itemTypesOf(spider.constructor);
  }

  get saturated(): boolean {
    return this.#running >= this.#limit;
  }

  hasMethod(name: string): boolean {
    return typeof (this.#spider as unknown as Record<string, unknown>)[name] === 'function';
  }


  callback(response: Response): OutputStream {
    const request = response.request;
    return this.#counted(() => callbackMethod(this.#spider, request.callback ?? 'parse').call(this.#spider, response, request.cbKwargs), response.url, response);
  }

  errback(name: string, failure: Failure): OutputStream {
    return this.#counted(() => callbackMethod(this.#spider, name).call(this.#spider, failure), failure.request.url);
  }

  /**
   * The call's outputs, items validated where made as on a worker (spider/item-schema.ts); it
   * counts as running from its first pull until it ends, throws or is left. A sync stream stays
   * sync: a validated item is a promise in it. A call that throws at once ends here.
   */
  #counted(call: () => CallbackResult, url: string, response?: Response): OutputStream {
    let outputs: Iterable<MaybeOutput> | AsyncIterable<MaybeOutput>;
    try {
      outputs = outputStream(call());
    } catch (error) {
      closeLentPage(response);
      throw error;
    }
    return Symbol.iterator in outputs ? this.#countedSync(outputs, url, response) : this.#countedAsync(outputs, url, response);
  }

  *#countedSync(outputs: Iterable<MaybeOutput>, url: string, response: Response | undefined): Iterable<MaybeOutput> {
    this.#running++;
    try {
      for (const value of outputs) yield value instanceof Promise ? value.then((output) => this.#checked(output, url)) : this.#checked(value, url);
    } finally {
      this.#ended(response);
    }
  }

  async *#countedAsync(outputs: AsyncIterable<MaybeOutput>, url: string, response: Response | undefined): AsyncIterable<MaybeOutput> {
    this.#running++;
    try {
      for await (const output of outputs) yield this.#checked(output, url);
    } finally {
      this.#ended(response);
    }
  }

  #checked(output: SpiderOutput | null | undefined, url: string): MaybeOutput {
    return output && isItem(output) && (this.#types.length > 0 || itemTag(output)) ? (validateItem(this.#types, output, url) as Promise<SpiderOutput>) : output;
  }

  #ended(response: Response | undefined): void {
    this.#running--;
    closeLentPage(response);
  }

  async close(): Promise<void> {
    this.#release?.();
  }
}
