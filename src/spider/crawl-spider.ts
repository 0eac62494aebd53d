/**
 * CrawlSpider, as Scrapy's: a spider driven by `static rules`. Each rule extracts links from
 * every page it is applied to and says which callback parses the pages they lead to and whether
 * the rules apply to those pages in turn.
 *
 * Every request a rule builds has the callback `_parseWithRules` and the rule's index in its
 * `cbKwargs`: the static rules are the only state, so each parse worker's spider instance
 * rebuilds the same rules from the class and any worker can parse any page.
 */
import { CallbackError, ConfigError } from '../errors.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Link } from './link-extractor.js';
import type { Rule } from './rule.js';
import { Spider, type CallbackResult, type SpiderOutput } from './spider.js';
import { outputsOf } from './callback.js';

/** The `cbKwargs` key carrying the index of the rule that built a request. */
export const RULE_INDEX_KEY = 'arachne.rule';

type Method = (this: CrawlSpider, ...args: unknown[]) => unknown;

/**
 * A spider that follows links by rules. Set `static rules`; do not override `parse` (it applies
 * the rules to the start pages): override `parseStartUrl` to scrape the start pages too.
 *
 * ```ts
 * export default class DocsSpider extends CrawlSpider {
 *   static override name = 'docs';
 *   static override startUrls = ['https://example.com/docs/'];
 *   static override rules = [
 *     new Rule(new LinkExtractor({ allow: /\/docs\/page\/\d+$/ })),                       // listings: follow
 *     new Rule(new LinkExtractor({ allow: /\/docs\/[a-z-]+$/ }), { callback: 'parseDoc' }), // pages: parse
 *   ];
 *   async *parseDoc(response: Response) { yield { title: response.css('h1::text').get() }; }
 * }
 * ```
 */
export class CrawlSpider extends Spider {
  /** The rules, applied in order; a link taken by an earlier rule is not taken again by a later one. Default `[]`. */
  static rules: readonly Rule[] = [];

  #checked = false;

  /** The class's rules, checked once per instance (each parse worker checks its own). */
  protected get crawlRules(): readonly Rule[] {
    const rules = (this.constructor as typeof CrawlSpider).rules ?? [];
    if (!this.#checked) {
      this.#checkRules(rules);
      this.#checked = true;
    }
    return rules;
  }

  /** The start requests; checks the rules first, so a misnamed callback fails before anything is fetched. */
  override async *start(): AsyncIterable<Request> {
    void this.crawlRules;
    yield* super.start();
  }

  /** Applies the rules to a start page, after yielding what `parseStartUrl` returns. */
  override async *parse(response: Response, kwargs: Record<string, unknown> = {}): AsyncGenerator<SpiderOutput> {
    yield* outputsOf(this.parseStartUrl(response, kwargs));
    yield* this.#requestsToFollow(response);
  }

  /** Called for each start page before the rules are applied to it. Default: yields nothing. */
  parseStartUrl(_response: Response, _kwargs?: Record<string, unknown>): CallbackResult {
    return undefined;
  }

  /**
   * The callback of every request a rule built: calls the rule's callback, then applies the
   * rules to the page if the rule follows. Addressed by name, like every callback.
   */
  async *_parseWithRules(response: Response, kwargs: Record<string, unknown> = {}): AsyncGenerator<SpiderOutput> {
    const { [RULE_INDEX_KEY]: index, ...rest } = kwargs;
    const rules = this.crawlRules;
    const rule = typeof index === 'number' ? rules[index] : undefined;
    if (!rule) {
      throw new CallbackError('ERR_CRAWL_RULE_NOT_FOUND', `${response.url}: no rule #${String(index)} in ${this.name}'s ${rules.length} rules`, {
        hint: 'requests for _parseWithRules are built by the rules; build your own with another callback',
      });
    }
    if (rule.callback !== null) {
      const callback = this.#method(rule.callback, 'callback');
      // As Scrapy: the request's own cbKwargs (set by processRequest) win over the rule's.
      yield* outputsOf(callback.call(this, response, { ...rule.cbKwargs, ...rest }) as CallbackResult);
    }
    if (rule.follow) yield* this.#requestsToFollow(response);
  }

  /** Requests for the links of a page, rule by rule; nothing for pages that are not HTML. */
  *#requestsToFollow(response: Response): Generator<Request> {
    if (!response.isHtml) return;
    const rules = this.crawlRules;
    const seen = new Set<string>();
    for (let index = 0; index < rules.length; index++) {
      const rule = rules[index];
      let links = rule.linkExtractor.extractLinks(response).filter((link) => !seen.has(link.url));
      if (rule.processLinks !== null) links = this.#hook(rule.processLinks, 'processLinks').call(this, links) as Link[];
      for (const link of links) {
        seen.add(link.url);
        let request: Request | null | undefined = new Request({
          url: link.url,
          callback: '_parseWithRules',
          ...(rule.errback !== null ? { errback: rule.errback } : {}),
          cbKwargs: { [RULE_INDEX_KEY]: index },
          meta: { referer: response.url },
        });
        if (rule.processRequest !== null) {
          request = this.#hook(rule.processRequest, 'processRequest').call(this, request, response) as Request | null | undefined;
        }
        if (request) yield request;
      }
    }
  }

  #hook(hook: string | ((...args: never[]) => unknown), what: string): Method {
    return typeof hook === 'string' ? this.#method(hook, what) : (hook as unknown as Method);
  }

  #method(name: string, what: string): Method {
    const method = (this as unknown as Record<string, unknown>)[name];
    if (typeof method !== 'function') {
      throw new CallbackError('ERR_CALLBACK_NOT_FOUND', `spider "${this.name}" has no method "${name}" (a rule's ${what})`, {
        hint: `define ${name}() on the spider class, or fix the rule's ${what}`,
      });
    }
    return method as Method;
  }

  #checkRules(rules: readonly Rule[]): void {
    rules.forEach((rule, index) => {
      for (const [what, name] of [
        ['callback', rule.callback],
        ['errback', rule.errback],
        ['processLinks', typeof rule.processLinks === 'string' ? rule.processLinks : null],
        ['processRequest', typeof rule.processRequest === 'string' ? rule.processRequest : null],
      ] as const) {
        if (name !== null && typeof (this as unknown as Record<string, unknown>)[name] !== 'function') {
          throw new ConfigError('ERR_CALLBACK_NOT_FOUND', `rule #${index} of spider "${this.name}" names ${what} "${name}", which is not a method of the spider`, {
            hint: `define ${name}() on the spider class, or fix the rule's ${what}`,
          });
        }
      }
    });
  }
}
