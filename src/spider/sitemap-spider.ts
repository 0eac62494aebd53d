/**
 * SitemapSpider, as Scrapy's: crawls the URLs listed in sitemaps. Starts from sitemap URLs,
 * sitemap index URLs or robots.txt URLs (whose `Sitemap:` lines are followed), and sends each
 * page URL to the callback of the first `sitemapRules` pattern it matches.
 *
 * The static fields are the only state: every parse worker's instance compiles the same
 * patterns, and sitemaps are parsed by the method `parseSitemap`, addressed by name.
 */
import { ConfigError } from '../errors.js';
import { callbackName, Request, type CallbackRef } from '../http/request.js';
import type { Response } from '../http/response.js';
import { compilePatterns, type Pattern } from './link-extractor.js';
import { isRobotsTxt, readSitemap, sitemapUrlsFromRobots, type Sitemap, type SitemapEntry, type SitemapType } from './sitemap.js';
import { Spider } from './spider.js';

/** `[pattern, callback]`: page URLs matching the pattern go to the callback (a method name or reference). */
export type SitemapRule = readonly [pattern: Pattern, callback: CallbackRef];

/** What `sitemapFilter` is told about the sitemap its entries come from. */
export interface SitemapInfo {
  /** `urlset` (page URLs) or `sitemapindex` (sitemap URLs). */
  type: SitemapType;
  /** The sitemap's URL. */
  url: string;
}

interface CompiledRule {
  pattern: RegExp;
  callback: string;
}

/**
 * A spider fed by sitemaps. Set `static sitemapUrls` and define the callbacks your
 * `sitemapRules` name (by default every page goes to `parse`).
 *
 * ```ts
 * export default class ShopSpider extends SitemapSpider {
 *   static override name = 'shop';
 *   static override sitemapUrls = ['https://shop.example/robots.txt'];
 *   static override sitemapRules = [['/product/', 'parseProduct']] as const;
 *   async *parseProduct(response: Response) { yield { title: response.css('h1::text').get() }; }
 *   parse() {}
 * }
 * ```
 */
export abstract class SitemapSpider extends Spider {
  /** Sitemap, sitemap index or robots.txt URLs to start from. Default `[]`. */
  static sitemapUrls: readonly string[] = [];
  /**
   * `[pattern, callback]` pairs: each page URL goes to the callback of the first pattern found in
   * it (searched, as `RegExp.test`; `''` matches every URL); URLs no pattern matches are skipped.
   * Default `[['', 'parse']]`.
   */
  static sitemapRules: readonly (SitemapRule | readonly (Pattern | CallbackRef)[])[] = [['', 'parse']];
  /** Patterns of sitemap-index entries to follow. Default `['']` (all). */
  static sitemapFollow: readonly Pattern[] = [''];
  /** Also crawl the `<xhtml:link rel="alternate">` URLs of each entry. Default false. */
  static sitemapAlternateLinks = false;

  #rules: CompiledRule[] | undefined;
  #follow: RegExp[] | undefined;

  /** One request per sitemap URL; checks the rules first, so a bad pattern fails before any download. */
  override async *start(): AsyncIterable<Request> {
    this.#compiledRules();
    this.#compiledFollow();
    for (const url of this.#statics().sitemapUrls ?? []) {
      yield new Request({ url, callback: 'parseSitemap', dontFilter: true });
    }
  }

  /**
   * Chooses which entries of a sitemap are used (Scrapy's `sitemap_filter`): e.g. only those
   * modified since a date. Called for urlsets and sitemap indexes alike. Default: all of them.
   */
  sitemapFilter(entries: SitemapEntry[], _sitemap: SitemapInfo): Iterable<SitemapEntry> | AsyncIterable<SitemapEntry> {
    return entries;
  }

  /**
   * The callback of sitemap and robots.txt requests: yields requests for the sitemaps a robots.txt
   * or an index lists, and for the pages a urlset lists. A body that is not a sitemap (an HTML
   * error page, a corrupt gzip) is logged as `ERR_SITEMAP_INVALID` and yields nothing.
   */
  async *parseSitemap(response: Response): AsyncGenerator<Request> {
    if (isRobotsTxt(response.url)) {
      for (const url of sitemapUrlsFromRobots(response.text, response.url)) yield this.#sitemapRequest(url, response);
      return;
    }
    let sitemap: Sitemap;
    try {
      sitemap = readSitemap(response);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('ERR_SITEMAP_')) throw error;
      this.logger.warn(`${code}: ${(error as Error).message}: ignored`);
      return;
    }
    if (sitemap.truncated) {
      this.logger.warn(`ERR_SITEMAP_TRUNCATED: ${response.url} ends early: using its ${sitemap.entries.length} complete entries`);
    }
    const alternates = this.#statics().sitemapAlternateLinks ?? false;
    let skipped = 0;
    for await (const entry of this.sitemapFilter(sitemap.entries, { type: sitemap.type, url: response.url })) {
      for (const raw of alternates ? [entry.loc, ...entry.alternates] : [entry.loc]) {
        const url = this.#absolute(raw, response.url);
        if (url === null) {
          skipped++;
          continue;
        }
        if (sitemap.type === 'sitemapindex') {
          if (this.#compiledFollow().some((pattern) => pattern.test(url))) yield this.#sitemapRequest(url, response);
          continue;
        }
        const rule = this.#compiledRules().find((r) => r.pattern.test(url));
        if (rule) yield new Request({ url, callback: rule.callback, meta: { referer: response.url } });
      }
    }
    if (skipped > 0) this.logger.warn(`ERR_INVALID_URL: skipped ${skipped} <loc> values of ${response.url} that are not http(s) URLs`);
  }

  #sitemapRequest(url: string, response: Response): Request {
    return new Request({ url, callback: 'parseSitemap', meta: { referer: response.url } });
  }

  /** An http(s) URL (relative ones joined against the sitemap's, though the protocol wants them absolute), or null. */
  #absolute(loc: string, base: string): string | null {
    try {
      const url = new URL(loc, base);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }

  #statics(): typeof SitemapSpider {
    return this.constructor as typeof SitemapSpider;
  }

  #compiledRules(): CompiledRule[] {
    return (this.#rules ??= (this.#statics().sitemapRules ?? []).map((rule, index) => {
      const [pattern, callback] = rule;
      if (rule.length !== 2 || (typeof pattern !== 'string' && !(pattern instanceof RegExp)) || callback === undefined || callback instanceof RegExp) {
        throw new ConfigError('ERR_SITEMAP_RULE', `sitemapRules[${index}] of spider "${this.name}" is not a [pattern, callback] pair`, {
          hint: "write sitemapRules as [['/product/', 'parseProduct'], ...]",
        });
      }
      const name = callbackName(callback);
      if (name === null || typeof (this as unknown as Record<string, unknown>)[name] !== 'function') {
        throw new ConfigError('ERR_CALLBACK_NOT_FOUND', `sitemapRules[${index}] of spider "${this.name}" names callback "${String(name)}", which is not a method of the spider`, {
          hint: `define ${String(name)}(response) on the spider class, or fix the rule`,
        });
      }
      return { pattern: compilePatterns(pattern, `sitemapRules[${index}]`)[0], callback: name };
    }));
  }

  #compiledFollow(): RegExp[] {
    return (this.#follow ??= compilePatterns(this.#statics().sitemapFollow ?? [], 'sitemapFollow'));
  }
}
