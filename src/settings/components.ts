/**
 * The check of what a config names by importing it (`pipelines`, `downloaderMiddlewares`): not
 * settings, so not in the defaults table, but checked with them before the crawl starts. Left
 * unchecked, `pipelines: [42]` dropped every item with `ERR_UNKNOWN` and `downloaderMiddlewares: 42`
 * printed a TypeError stack once the crawl was already running.
 */
import { describeValue } from '../describe.js';
import { ConfigError } from '../errors.js';

function hasMethod(value: unknown, name: string): boolean {
  return typeof (value as Record<string, unknown> | null)?.[name] === 'function';
}

function componentError(source: string, key: string, given: string, expected: string, hint: string): ConfigError {
  return new ConfigError('ERR_CONFIG_COMPONENT', `"${key}" in ${source} is ${given}; expected ${expected}`, { hint });
}

/** A pipeline class (its prototype has `process`) or an instance with `process`. */
export function checkPipelines(value: unknown, source: string): void {
  if (value === undefined) return;
  const expected = 'an array of pipeline classes or objects with a process(item) method';
  const hint = 'write `pipelines: [MyPipeline]` where `class MyPipeline { process(item) { return item; } }`';
  if (!Array.isArray(value)) throw componentError(source, 'pipelines', describeValue(value), expected, hint);
  value.forEach((entry: unknown, i) => {
    const ok = typeof entry === 'function' ? hasMethod((entry as { prototype?: unknown }).prototype, 'process') : hasMethod(entry, 'process');
    if (!ok) throw componentError(source, `pipelines[${i}]`, describeValue(entry), 'a pipeline class or an object with a process(item) method', hint);
  });
}

/** One downloader middleware class: its prototype has `wrap(next)`. */
export function isMiddlewareClass(value: unknown): boolean {
  return typeof value === 'function' && hasMethod((value as { prototype?: unknown }).prototype, 'wrap');
}

const MIDDLEWARE_HINT = 'write `downloaderMiddlewares: (defaults) => [...defaults, MyMiddleware]` where MyMiddleware is a class with wrap(next)';

/** An array of middleware classes, or a function of the default table (its result is checked when called). */
export function checkMiddlewares(value: unknown, source: string): void {
  if (value === undefined) return;
  const expected = 'an array of downloader middleware classes, or a function (defaults) => table';
  if (typeof value === 'function' && !isMiddlewareClass(value)) return;
  if (!Array.isArray(value)) throw componentError(source, 'downloaderMiddlewares', describeValue(value), expected, MIDDLEWARE_HINT);
  checkMiddlewareTable(value, source);
}

/** Every entry of a resolved middleware table is a class with `wrap(next)`. */
export function checkMiddlewareTable(table: unknown, source: string): void {
  if (!Array.isArray(table)) throw componentError(source, 'downloaderMiddlewares', `a function returning ${describeValue(table)}`, 'an array of classes', MIDDLEWARE_HINT);
  table.forEach((entry: unknown, i) => {
    if (!isMiddlewareClass(entry)) throw componentError(source, `downloaderMiddlewares[${i}]`, describeValue(entry), 'a downloader middleware class with a wrap(next) method', MIDDLEWARE_HINT);
  });
}
