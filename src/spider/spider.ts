import { Request, type RequestInit } from '../http/request.js';
import type { Response } from '../http/response.js';
import { silentLogger, type Logger } from '../log.js';
import type { ConfigInput } from '../settings/config.js';

/** What a callback may yield: requests to crawl and items (plain JSON-serialisable objects). */
export type SpiderOutput = Request | Record<string, unknown>;

/** What a callback may return: an async or sync generator, an array, a promise of one, or nothing. */
export type CallbackResult =
  | AsyncIterable<SpiderOutput | null | undefined>
  | Iterable<SpiderOutput | null | undefined>
  | Promise<Iterable<SpiderOutput | null | undefined> | SpiderOutput | void>
  | SpiderOutput
  | void;

/** Why a request failed, as an errback sees it. */
export interface Failure {
  request: Request;
  /** The coded error (`ERR_DOWNLOAD_TIMEOUT`, `ERR_HTTP_STATUS`...). */
  error: Error & { code?: string };
  /** The response, when the failure came after one (an HTTP error status). */
  response?: Response;
}

/** The static side of a spider class: what `crawl list` and the crawler read without instantiating. */
export interface SpiderClass<S extends Spider = Spider> {
  new (options?: SpiderOptions): S;
  /** Unique name, used by `crawl run <name>`. */
  readonly name: string;
  readonly allowedDomains?: readonly string[];
  readonly startUrls?: readonly string[];
  readonly customSettings?: ConfigInput;
}

export interface SpiderOptions {
  /** Spider arguments (`-a key=value`). */
  args?: Record<string, string>;
  logger?: Logger;
}

/**
 * Base class of every spider. Subclass it, set `static name` and either `static startUrls` or
 * `start()`, and yield items and requests from `parse()` and other callbacks.
 *
 * Callbacks are addressed by method name (`callback: this.parseItem` is resolved to
 * `"parseItem"`), so the same spider runs unchanged in-process or on parse worker threads, where
 * each worker has its own instance: keep crawl-wide state out of instance fields.
 */
export abstract class Spider {
  /** Unique name of the spider. Defaults to the class name; set it explicitly. */
  static allowedDomains?: readonly string[];
  static startUrls?: readonly string[];
  /** Settings of this spider, above `crawl.config.ts` and below `-s`. */
  static customSettings?: ConfigInput;

  /** Spider arguments from `-a key=value`. */
  readonly args: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /**
   * Crawl-wide state of your own; keep it JSON-serialisable. With a job dir (`--job-dir`) it is
   * saved periodically and at close, and loaded back before `start()` when the job resumes.
   * It is this instance's: `start()` sees it, and callbacks do with `parse.workers = 0`; parse
   * workers have their own spider instances. Default `{}`.
   */
  state: Record<string, unknown> = {};

  constructor(options: SpiderOptions = {}) {
    this.args = Object.freeze({ ...options.args });
    this.logger = options.logger ?? silentLogger;
  }

  /** The spider's name (its class's static `name`). */
  get name(): string {
    return (this.constructor as SpiderClass).name;
  }

  /**
   * The start requests, pulled lazily by the engine (only while the frontier has room), so a
   * generator over millions of URLs never holds them all in memory. Default: `startUrls`,
   * with `dontFilter` so a start URL is fetched even when already seen.
   */
  async *start(): AsyncIterable<Request> {
    for (const url of (this.constructor as SpiderClass).startUrls ?? []) {
      yield new Request({ url, dontFilter: true });
    }
  }

  /** The default callback. */
  abstract parse(response: Response, kwargs?: Record<string, unknown>): CallbackResult;

  /** Build a request whose callback is a method of this spider. */
  request(url: string, init: Omit<RequestInit, 'url'> = {}): Request {
    return new Request({ ...init, url });
  }
}

/** Duck-typed check that a module export is a spider class (works across module copies). */
export function isSpiderClass(value: unknown): value is SpiderClass {
  return (
    typeof value === 'function' &&
    typeof (value as { prototype?: { parse?: unknown } }).prototype?.parse === 'function' &&
    typeof (value as { prototype?: { start?: unknown } }).prototype?.start === 'function'
  );
}
