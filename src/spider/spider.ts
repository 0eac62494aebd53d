import { Request, type CallbackOf, type RequestInit } from '../http/request.js';
import type { FollowAllTargets, FollowTarget, Response } from '../http/response.js';
import type { ItemType } from './item-schema.js';
import { silentLogger, type Logger } from '../log.js';
import type { ConfigInput } from '../settings/config.js';

/** What a callback may yield: requests to crawl and items (plain JSON-serialisable objects of type `I`). */
export type SpiderOutput<I extends object = Record<string, unknown>> = Request | I;

/**
 * What a callback may return: an async or sync generator, an array, a promise of one, or nothing.
 * `I` is the item type it yields (`CallbackResult<Product>` checks every yield).
 */
export type CallbackResult<I extends object = Record<string, unknown>> =
  | AsyncIterable<SpiderOutput<I> | null | undefined>
  | Iterable<SpiderOutput<I> | null | undefined>
  | Promise<Iterable<SpiderOutput<I> | null | undefined> | SpiderOutput<I> | void>
  | SpiderOutput<I>
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface SpiderClass<S extends Spider<any, any> = Spider<any, any>> {
  new (options?: SpiderOptions): S;
  /** Unique name, used by `crawl run <name>`. */
  readonly name: string;
  readonly allowedDomains?: readonly string[];
  readonly startUrls?: readonly string[];
  readonly customSettings?: ConfigInput;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly itemType?: ItemType<any, any> | readonly ItemType<any, any>[];
}

/** The crawl's final stats, as `closed()` and `runSpider()` get them. */
export type FinalStats = Record<string, number | string>;

/** Options of `this.request()` for spider type `S` and callback `C`. */
export type SpiderRequestInit<S, C extends CallbackOf<S>> = Omit<RequestInit<S, C>, 'url'>;

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
 *
 * Type parameters, both optional: `I` is the item type `parse` yields (`ItemOf<typeof Product>`),
 * and `Self` the spider class itself, which makes `tsc` check callback names and `cbKwargs`
 * given to `this.request()` / `this.follow()`: `class Shop extends Spider<Product, Shop>`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export abstract class Spider<I extends object = Record<string, unknown>, Self = any> {
  /** Unique name of the spider. Defaults to the class name; set it explicitly. */
  static allowedDomains?: readonly string[];
  static startUrls?: readonly string[];
  /** Settings of this spider, above `crawl.config.ts` and below `-s`. */
  static customSettings?: ConfigInput;
  /**
   * The item type(s) this spider yields, declared with `defineItem` (spider/item-schema.ts): every item
   * is validated where it is made against its type (the first one unless tagged with
   * `OtherType.item({...})`), counted per field when invalid, and measured for field coverage.
   * Default none: items are not checked.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static itemType?: ItemType<any, any> | readonly ItemType<any, any>[];

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
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract parse(response: Response, kwargs?: any): CallbackResult<I>;

  /**
   * Called on the main thread once before the first request (after the feeds and pipelines
   * opened): open a connection, read a file. An error here fails the crawl before it starts.
   */
  opened(): void | Promise<void> {}

  /**
   * Called on the main thread once the crawl ended and its items were written, with the close
   * reason (`finished`, `shutdown`, `closespider_itemcount`...) and the final stats. An error here
   * is logged; the items are already safe.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  closed(reason: string, stats: FinalStats): void | Promise<void> {}

  /** Build a request whose callback is a method of this spider (checked by `tsc` with `Self`). */
  request<C extends CallbackOf<Self> = never>(url: string, init: SpiderRequestInit<Self, C> = {}): Request {
    return new Request({ ...(init as Omit<RequestInit, 'url'>), url });
  }

  /** `response.follow(target, init)`, with the callback name and `cbKwargs` checked as in `request()`. */
  follow<C extends CallbackOf<Self> = never>(response: Response, target: FollowTarget, init: SpiderRequestInit<Self, C> = {}): Request {
    return response.follow(target, init as Omit<RequestInit, 'url'>);
  }

  /** `response.followAll(targets, init)`, with the callback name and `cbKwargs` checked as in `request()`. */
  followAll<C extends CallbackOf<Self> = never>(response: Response, targets: FollowAllTargets, init: SpiderRequestInit<Self, C> = {}): Request[] {
    return response.followAll(targets, init as Omit<RequestInit, 'url'>);
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
