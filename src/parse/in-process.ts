import { CallbackError } from '../errors.js';
import type { Response } from '../http/response.js';
import type { CallbackResult, Failure, Spider, SpiderOutput } from '../spider/spider.js';
import type { CallbackRunner } from './runner.js';
import { isItem } from '../items/item.js';
import { itemTag, itemTypesOf, validateItem, type ItemType } from '../items/schema.js';

type Method = (this: Spider, ...args: unknown[]) => CallbackResult;

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Flattens whatever a callback returned into its outputs, skipping null and undefined. */
export async function* outputsOf(result: CallbackResult): AsyncIterable<SpiderOutput> {
  const value: unknown = result instanceof Promise ? await result : result;
  if (value === undefined || value === null) return;
  if (isAsyncIterable(value) || (isIterable(value) && !(typeof value === 'string'))) {
    for await (const output of value as AsyncIterable<SpiderOutput | null | undefined>) {
      if (output !== undefined && output !== null) yield output;
    }
    return;
  }
  yield value as SpiderOutput;
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

  constructor(spider: Spider, maxQueue = Infinity) {
    this.#spider = spider;
    this.#limit = 1 + maxQueue;
    this.#types = itemTypesOf(spider.constructor);
  }

  get saturated(): boolean {
    return this.#running >= this.#limit;
  }

  hasMethod(name: string): boolean {
    return typeof (this.#spider as unknown as Record<string, unknown>)[name] === 'function';
  }

  #method(name: string): Method {
    const method = (this.#spider as unknown as Record<string, unknown>)[name];
    if (typeof method !== 'function') {
      throw new CallbackError('ERR_CALLBACK_NOT_FOUND', `spider "${this.#spider.name}" has no method "${name}"`, {
        hint: `define ${name}(response) on the spider class, or fix the callback name`,
      });
    }
    return method as Method;
  }

  callback(response: Response): AsyncIterable<SpiderOutput> {
    const request = response.request;
    const method = this.#method(request.callback ?? 'parse');
    return this.#counted(() => method.call(this.#spider, response, request.cbKwargs), response.url);
  }

  errback(name: string, failure: Failure): AsyncIterable<SpiderOutput> {
    const method = this.#method(name);
    return this.#counted(() => method.call(this.#spider, failure), failure.request.url);
  }

  /** The call's outputs; it counts as running from its first pull until it ends, throws or is left. */
  async *#counted(call: () => CallbackResult, url: string): AsyncIterable<SpiderOutput> {
    this.#running++;
    try {
      const types = this.#types;
      for await (const output of outputsOf(call())) {
        // Validated where made, as on a worker (items/schema.ts).
        yield isItem(output) && (types.length > 0 || itemTag(output)) ? ((await validateItem(types, output, url)) as SpiderOutput) : output;
      }
    } finally {
      this.#running--;
    }
  }

  async close(): Promise<void> {}
}
