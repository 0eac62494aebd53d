import type { Logger } from '../log.js';
import type { Response } from '../http/response.js';
import type { CallbackResult, Failure, Spider, SpiderOutput } from '../spider/spider.js';
import type { CallbackRunner } from './runner.js';
import { catchStrayErrors } from './stray-errors.js';
import { isItem } from '../spider/item.js';
import { itemTag, itemTypesOf, validateItem, type ItemType } from '../spider/item-schema.js';
import { callbackMethod, outputsOf } from '../spider/callback.js';

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


  callback(response: Response): AsyncIterable<SpiderOutput> {
    const request = response.request;
    const method = callbackMethod(this.#spider, request.callback ?? 'parse');
    return this.#counted(() => method.call(this.#spider, response, request.cbKwargs), response.url, response);
  }

  errback(name: string, failure: Failure): AsyncIterable<SpiderOutput> {
    const method = callbackMethod(this.#spider, name);
    return this.#counted(() => method.call(this.#spider, failure), failure.request.url);
  }

  /** The call's outputs; it counts as running from its first pull until it ends, throws or is left. */
  async *#counted(call: () => CallbackResult, url: string, response?: Response): AsyncIterable<SpiderOutput> {
    this.#running++;
    try {
      const types = this.#types;
      for await (const output of outputsOf(call())) {
        // Validated where made, as on a worker (spider/item-schema.ts).
        yield isItem(output) && (types.length > 0 || itemTag(output)) ? ((await validateItem(types, output, url)) as SpiderOutput) : output;
      }
    } finally {
      this.#running--;
      // A live browser page lent to the callback (`meta.browser.keepPage`) is closed when it ends.
      const page = response?.browser?.page as { close?: () => Promise<void> } | undefined;
      if (page?.close) void page.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#release?.();
  }
}
