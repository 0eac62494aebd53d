import type { Response } from '../http/response.js';
import type { OutputStream } from '../spider/callback.js';
import type { Failure } from '../spider/spider.js';

/**
 * Runs spider callbacks and errbacks by method name. In-process (`parse.workers = 0`) and on the
 * parse worker pool alike, so moving callbacks to threads changes no spider code.
 */
export interface CallbackRunner {
  /** The outputs of `response.request.callback` (default `parse`), as they are yielded (read them with `eachOutput`). */
  callback(response: Response): OutputStream;
  /** The outputs of the request's errback. */
  errback(name: string, failure: Failure): OutputStream;
  /** True when the spider has a method of that name (checked when a request is scheduled). */
  hasMethod(name: string): boolean;
  /**
   * True while the runner holds as much work as it should (a full worker pool queue): the engine
   * dispatches no downloads meanwhile, so bodies waiting to be parsed stay bounded. A finished
   * callback ends a download's processing, which pumps the engine again. Absent means never.
   */
  readonly saturated?: boolean;
  close(): Promise<void>;
}
