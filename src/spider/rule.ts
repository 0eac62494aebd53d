import type { CallbackRef, Request } from '../http/request.js';
import { callbackName } from '../http/request.js';
import type { Response } from '../http/response.js';
import { LinkExtractor, type Link } from './link-extractor.js';

/** Filters or rewrites the links a rule extracted from one page (`this` is the spider). */
export type ProcessLinks = (links: Link[]) => Link[];

/** Changes or drops (null) each request a rule builds (`this` is the spider). */
export type ProcessRequest = (request: Request, response: Response) => Request | null | undefined;

export interface RuleOptions {
  /** Which links of a page this rule takes. Default: `new LinkExtractor()` (every link). */
  linkExtractor?: LinkExtractor;
  /**
   * Spider method that parses the pages this rule leads to: a method name (`'parseArticle'`) or
   * a method reference, resolved to its name. Default: none (the pages are only followed).
   */
  callback?: CallbackRef;
  /** Keyword arguments passed to the callback, under those of the request. Default `{}`. */
  cbKwargs?: Record<string, unknown>;
  /**
   * Apply the rules again to the pages this rule leads to. Default: true when the rule has no
   * callback, false when it has one (Scrapy's rule).
   */
  follow?: boolean;
  /** Spider method name, or a function, that filters the extracted links. Default: none. */
  processLinks?: string | ProcessLinks;
  /** Spider method name, or a function, that changes or drops each request. Default: none. */
  processRequest?: string | ProcessRequest;
  /** Spider method called when a request of this rule fails (a method name or reference). Default: none. */
  errback?: CallbackRef;
}

/**
 * One CrawlSpider rule: a link extractor and what to do with the pages its links lead to.
 * `new Rule(new LinkExtractor({ allow: /\/articles\// }), { callback: 'parseArticle' })`.
 */
export class Rule {
  readonly linkExtractor: LinkExtractor;
  /** The callback's method name, or null for a follow-only rule. */
  readonly callback: string | null;
  readonly cbKwargs: Readonly<Record<string, unknown>>;
  readonly follow: boolean;
  readonly processLinks: string | ProcessLinks | null;
  readonly processRequest: string | ProcessRequest | null;
  /** The errback's method name, or null. */
  readonly errback: string | null;

  constructor(options?: RuleOptions);
  constructor(linkExtractor: LinkExtractor, options?: Omit<RuleOptions, 'linkExtractor'>);
  constructor(first: LinkExtractor | RuleOptions = {}, rest: Omit<RuleOptions, 'linkExtractor'> = {}) {
    const options: RuleOptions = first instanceof LinkExtractor ? { ...rest, linkExtractor: first } : first;
    this.linkExtractor = options.linkExtractor ?? new LinkExtractor();
    // Names, not functions: the rule must mean the same thing in every parse worker's spider.
    this.callback = callbackName(options.callback);
    this.errback = callbackName(options.errback);
    this.cbKwargs = { ...options.cbKwargs };
    this.follow = options.follow ?? this.callback === null;
    this.processLinks = options.processLinks ?? null;
    this.processRequest = options.processRequest ?? null;
  }
}
