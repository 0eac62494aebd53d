import type { Response } from '../http/response.js';
import type { Failure, SpiderOutput } from '../spider/spider.js';

/**
 * Runs spider callbacks and errbacks by method name. In-process (`parse.workers = 0`) and on the
 * parse worker pool alike, so moving callbacks to threads changes no spider code.
 */
export interface CallbackRunner {
  /** The outputs of `response.request.callback` (default `parse`), as they are yielded. */
  callback(response: Response): AsyncIterable<SpiderOutput>;
  /** The outputs of the request's errback. */
  errback(name: string, failure: Failure): AsyncIterable<SpiderOutput>;
  /** True when the spider has a method of that name (checked when a request is scheduled). */
  hasMethod(name: string): boolean;
  close(): Promise<void>;
}
