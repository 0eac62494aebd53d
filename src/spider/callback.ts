/**
 * How a callback is called, wherever it runs (a parse worker, the main thread, a CrawlSpider's
 * rule): the spider's method by name, and whatever it returned flattened into its outputs.
 */
import { CallbackError } from '../errors.js';
import type { CallbackResult, Spider, SpiderOutput } from './spider.js';

export type CallbackMethod = (this: Spider, ...args: unknown[]) => CallbackResult;

/** The spider's method `name`; `ERR_CALLBACK_NOT_FOUND` when it has none. */
export function callbackMethod(spider: Spider, name: string): CallbackMethod {
  const method = (spider as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') {
    throw new CallbackError('ERR_CALLBACK_NOT_FOUND', `spider "${spider.name}" has no method "${name}"`, {
      hint: `define ${name}(response) on the spider class, or fix the callback name`,
    });
  }
  return method as CallbackMethod;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** One value of an `OutputStream`: an output, a promise of one, or null/undefined (skipped). */
export type MaybeOutput = SpiderOutput | Promise<SpiderOutput | null | undefined> | null | undefined;

/**
 * A callback's outputs as runners hand them on: the sync iterable the callback returned (a `*parse`
 * generator or an array, the common case), whose values may be promises or null; a promise of
 * one (a worker's outputs come back together); otherwise an async iterable. `eachOutput` reads
 * them all; a sync iterable costs no promise per output, where for-await over nested async
 * generators cost several.
 */
export type OutputStream = Iterable<MaybeOutput> | Promise<Iterable<MaybeOutput>> | AsyncIterable<MaybeOutput>;

/**
 * The callback's result as an `OutputStream`: itself when it is an iterable (sync, or async as an
 * `async *parse` is: no generator around it, one fewer promise hop per output), else `outputsOf` it.
 */
export function outputStream(result: CallbackResult): Iterable<MaybeOutput> | AsyncIterable<MaybeOutput> {
  return isIterable(result) || isAsyncIterable(result) ? (result as Iterable<MaybeOutput> | AsyncIterable<MaybeOutput>) : outputsOf(result);
}

/**
 * Calls `each` on every output of `stream` in order, skipping null and undefined, awaiting a
 * promise output and whatever promise `each` returns (backpressure) before the next.
 */
export async function eachOutput(outputs: OutputStream, each: (output: SpiderOutput) => Promise<unknown> | undefined): Promise<void> {
  const stream = outputs instanceof Promise ? await outputs : outputs;
  if (isIterable(stream)) {
    for (const value of stream) {
      const output = value instanceof Promise ? await value : value;
      if (output === undefined || output === null) continue;
      const wait = each(output);
      if (wait) await wait;
    }
    return;
  }
  for await (const value of stream) {
    if (value === undefined || value === null) continue;
    const wait = each(value as SpiderOutput);
    if (wait) await wait;
  }
}

/**
 * Flattens whatever a callback returned (a generator, an array, a promise, one output) into its
 * outputs, skipping null and undefined; a primitive is `ERR_CALLBACK_RESULT`.
 */
export async function* outputsOf(result: CallbackResult): AsyncIterable<SpiderOutput> {
  const value: unknown = result instanceof Promise ? await result : result;
  if (value === undefined || value === null) return;
  if (isAsyncIterable(value)) {
    for await (const output of value as AsyncIterable<SpiderOutput | null | undefined>) {
      if (output !== undefined && output !== null) yield output;
    }
    return;
  }
  if (isIterable(value)) {
    // A sync generator or array (the common `*parse`): for-of, not for-await, which wraps every
    // value in one more promise. A yielded promise is still awaited, as for-await would.
    for (const output of value as Iterable<SpiderOutput | Promise<SpiderOutput | null | undefined> | null | undefined>) {
      const resolved = output instanceof Promise ? await output : output;
      if (resolved !== undefined && resolved !== null) yield resolved;
    }
    return;
  }
  if (typeof value !== 'object') {
    throw new CallbackError('ERR_CALLBACK_RESULT', `the callback returned a ${typeof value} (${String(value).slice(0, 40)})`, {
      hint: 'yield items and requests (async *parse(response) { yield { ... } }), or return an array of them, an item, a Request or nothing',
    });
  }
  yield value as SpiderOutput;
}
