/**
 * What `start()` may be, read as one async iterator: the README promises the forms a callback may
 * take, and `start()` is written the same way (an async or plain generator, an array, a promise
 * of one, a single Request or URL). A plain generator or an array used to crash the engine with
 * `TypeError: spider.start(...)[Symbol.asyncIterator] is not a function`.
 */
import { ConfigError } from '../errors.js';
import type { Request } from '../http/request.js';
import type { Spider } from './spider.js';

type StartValue = Request | string;

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

async function* flatten(result: unknown, spiderName: string): AsyncGenerator<StartValue> {
  const value: unknown = result instanceof Promise ? await result : result;
  if (value === undefined || value === null) return;
  if (isAsyncIterable(value) || isIterable(value)) {
    for await (const item of value as AsyncIterable<unknown>) if (item !== undefined && item !== null) yield item as StartValue;
    return;
  }
  if (typeof value === 'string' || typeof value === 'object') {
    yield value as StartValue;
    return;
  }
  throw new ConfigError('ERR_START_OUTPUT', `start() of spider "${spiderName}" returned a ${typeof value}`, {
    hint: 'yield requests or URLs from start() (async *start() { yield this.request(url) }), or return an array of them',
  });
}

/** The start requests of `spider` as an async iterator, whatever form `start()` took. */
export function startIterator(spider: Spider): AsyncIterator<StartValue> {
  // A sync generator or an async one is consumed lazily: nothing is pulled before it is needed.
  const result: unknown = (spider.start as () => unknown).call(spider);
  if (isAsyncIterable(result)) return (result as AsyncIterable<StartValue>)[Symbol.asyncIterator]();
  return flatten(result, spider.name);
}
