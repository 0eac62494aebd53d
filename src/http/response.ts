import type { Cheerio, CheerioAPI } from 'cheerio/slim';
import { checkHtmlDepth } from './html-depth.js';
import { CallbackError, DropRequestError } from '../errors.js';
import type { XNode } from '../selector/nodes.js';
import { loadHtml } from '../selector/cheerio-page.js';
import { Selector, SelectorList } from '../selector/selector.js';
import type { Variables } from '../selector/xpath/evaluate.js';
import type { BrowserResult } from './browser-options.js';
import { detectEncoding, decodeWith } from './encoding.js';
import type { RequestInit } from './request.js';
import { linkRequest, type Request } from './request.js';
import { canonicalizeParsedHref } from './url.js';
import { joinUrl } from './url-join.js';

/** Response headers as undici gives them: lower-case names; repeated headers (set-cookie) as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** When each phase of a download happened, in ms from `performance.timeOrigin` (`performance.now()`). */
export interface Timings {
  /** The request left the frontier. */
  dispatchedAt: number;
  /** Response headers arrived. */
  headersAt?: number;
  /** The last body byte arrived. */
  doneAt?: number;
}

export interface ResponseInit {
  /** Final URL (after redirects handled by Arachne, this is the URL of this hop). */
  url: string;
  status: number;
  headers: ResponseHeaders;
  /** The decoded (decompressed) body bytes. */
  body: Uint8Array;
  request: Request;
  /** The remote address the body came from. */
  ip?: string;
  timings?: Timings;
  /** True when the socket had carried an earlier request (a kept-alive connection). */
  reusedConnection?: boolean;
  /** Markers such as `cached`. */
  flags?: string[];
  /** What the browser did, for a rendered response (`meta.browser`). */
  browser?: BrowserResult;
}

// cheerio's node types live in domhandler, which is cheerio's dependency, not ours: derive them
// from cheerio's own API instead of importing a package we do not declare.
type CheerioDocument = ReturnType<CheerioAPI['root']> extends Cheerio<infer D> ? D : never;
/** A cheerio element node (domhandler's `Element`): what `response.$(...)` selects. */
export type HtmlElement = Extract<CheerioDocument['children'][number], { attribs: Record<string, string> }>;

/** Options of `follow` / `followAll`: everything a `Request` takes but its URL. */
export type FollowOptions = Omit<RequestInit, 'url'>;

/**
 * What `follow` accepts: an href, an element, a selection (`Selector`, or a `SelectorList` or
 * cheerio selection of exactly one).
 */
export type FollowTarget = string | HtmlElement | Selector | SelectorList | Cheerio<unknown>;

/** What `followAll` accepts: a CSS selector, an array of hrefs, elements or selectors, or a selection. */
export type FollowAllTargets = string | readonly (string | HtmlElement | Selector)[] | SelectorList | Cheerio<unknown>;

/** How far into an HTML body `urljoin` looks for `<base href>` without parsing it. */
const BASE_SCAN_CHARS = 4096;
// Bounded by the tag: `[^>]*?` stops at the first `>`, so no backtracking blow-up on hostile pages.
const BASE_HREF = /<base\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
// WHATWG MIME sniffing, reduced to what matters for crawling: leading whitespace, comments or an
// XML prolog, then a doctype or <html>.
const HTML_SNIFF = /^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html)[\s>]/i;
const HTML_SNIFF_BYTES = 1024;
// Elements whose link is their `src` (everything else: `href`).
const SRC_TAGS = new Set(['img', 'iframe', 'frame', 'script', 'source', 'embed', 'audio', 'video', 'track']);

function isCheerio(value: unknown): value is Cheerio<unknown> {
  // Every cheerio selection carries this marker on its prototype (cheerio/dist/esm/cheerio.js).
  return typeof value === 'object' && value !== null && (value as { cheerio?: unknown }).cheerio === '[cheerio object]';
}

/** The link of an element (`src` for media, `href` otherwise), or undefined for other nodes. */
function linkOf(node: unknown): string | undefined {
  if (node instanceof Selector) return linkOfSelected(node.root);
  if (typeof node !== 'object' || node === null) return undefined;
  const { attribs, name } = node as Partial<HtmlElement>;
  if (!attribs) return undefined;
  return typeof name === 'string' && SRC_TAGS.has(name) ? attribs.src : attribs.href;
}

/** A selection's link: a selected attribute or computed string is the href itself; an element's is its link. */
function linkOfSelected(root: XNode | string | number | boolean): string | undefined {
  if (typeof root === 'string') return root;
  if (typeof root !== 'object') return undefined;
  if (root.type === 'attribute') return root.value;
  return root.type === 'text' ? root.data : linkOf(root);
}

function describeNode(node: unknown): string {
  if (node instanceof Selector) return typeof node.root === 'object' ? describeNode(node.root) : 'a selection';
  const name = (node as Partial<HtmlElement> | null)?.name;
  return typeof name === 'string' ? `<${name}>` : 'a non-element node';
}

/**
 * A downloaded response: plain data (what crosses to parse workers) plus lazy, cached helpers
 * (`text`, `$`, `json()`, `urljoin()`, `follow()`) that cost nothing until a callback uses them.
 */
export class Response {
  readonly url: string;
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Uint8Array;
  readonly request: Request;
  readonly ip: string | undefined;
  readonly timings: Timings;
  readonly reusedConnection: boolean | undefined;
  readonly flags: string[];
  /** For a response rendered in the browser: action results, screenshot, subrequest counts (docs/browser.md). */
  readonly browser: BrowserResult | undefined;

  #encoding: string | undefined;
  #text: string | undefined;
  #$: CheerioAPI | undefined;
  #selector: Selector | undefined;
  #base: string | undefined;

  constructor(init: ResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.request = init.request;
    this.ip = init.ip;
    this.timings = init.timings ?? { dispatchedAt: 0 };
    this.reusedConnection = init.reusedConnection;
    this.flags = init.flags ?? [];
    this.browser = init.browser;
  }

  /** First value of a header (lower-case name). */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /**
   * The body's encoding (a WHATWG name such as `utf-8` or `windows-1252`): from a BOM, else the
   * Content-Type charset, else the page's `<meta charset>` in its first 2 KB, else `utf-8`.
   */
  get encoding(): string {
    return (this.#encoding ??= detectEncoding(this.body, this.header('content-type')).encoding);
  }

  /** The body decoded with `encoding`; decoded once and cached. Bad bytes become U+FFFD. */
  get text(): string {
    return (this.#text ??= decodeWith(this.body, this.encoding));
  }

  /**
   * The body parsed as JSON (not cached: each call returns a fresh value you may mutate).
   * Throws `ERR_RESPONSE_NOT_JSON` naming the URL when the body is not JSON.
   */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text) as T;
    } catch (error) {
      throw new CallbackError('ERR_RESPONSE_NOT_JSON', `response from ${this.url} (status ${this.status}) is not JSON: ${(error as Error).message}`, {
        hint: `check response.status and the content-type (${this.header('content-type') ?? 'none'}) before calling json(); the body starts ${JSON.stringify(this.text.slice(0, 60))}`,
        cause: error,
      });
    }
  }

  /**
   * True for an HTML document: Content-Type `text/html` or `application/xhtml+xml`; without a
   * Content-Type, a body that starts (after whitespace and comments) with a doctype or `<html>`.
   */
  get isHtml(): boolean {
    const type = this.header('content-type');
    if (type !== undefined && type.trim() !== '') {
      const semi = type.indexOf(';');
      const mime = (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
      return mime === 'text/html' || mime === 'application/xhtml+xml';
    }
    const body = this.body;
    const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    const head = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1', start, Math.min(body.byteLength, start + HTML_SNIFF_BYTES));
    return HTML_SNIFF.test(head);
  }

  /**
   * The document parsed by cheerio (htmlparser2, lenient: malformed HTML never throws), loaded
   * on first use and cached. `$('a').prop('href')` resolves against the document's base URL.
   */
  get $(): CheerioAPI {
    if (this.#$) return this.#$;
    // A page nested thousands deep would stall the parser (quadratic in depth): refused, coded.
    checkHtmlDepth(this.text, this.url);
    // cheerio loads with the first selection, not with `import 'arachne'`; one selection class
    // serves every page of the thread (src/selector/cheerio-page.ts says why).
    return (this.#$ = loadHtml(this.text, this.#baseUrl()));
  }

  /**
   * The page as a parsel-style selection (docs/selectors.md), over the same parsed tree as `$`
   * (parsed once, on first use of either).
   */
  get selector(): Selector {
    return (this.#selector ??= new Selector(this.$.root()[0] as unknown as XNode));
  }

  /**
   * A CSS selector's matches as a `SelectorList`: `css('h1::text').get()`,
   * `css('a::attr(href)').getall()`, `css('div.item').xpath('./a/@href')`. Throws
   * `ERR_SELECTOR_INVALID` for a selector that does not parse.
   */
  css(query: string): SelectorList {
    return this.selector.css(query);
  }

  /**
   * An XPath 1.0 expression's result as a `SelectorList`: `xpath('//h1/text()').get()`;
   * `vars` binds `$name`. Throws `ERR_SELECTOR_INVALID` for an expression that does not parse.
   */
  xpath(query: string, vars?: Variables): SelectorList {
    return this.selector.xpath(query, vars);
  }

  /**
   * Resolve a link against this page: against its `<base href>` when it is HTML and has one
   * (itself resolved against `url`), else against `url`. Finds `<base>` with a scan of the first
   * 4 KB of the text: it never parses the page for this (a `<base>` later than that, which
   * browsers would honour, is ignored). `$(...).prop('href')` resolves against the same base.
   * As in browsers and Scrapy, the path is percent-encoded in UTF-8 and the query in the page's
   * `encoding` (`?q=привет` on a windows-1251 page gives `?q=%EF%F0%E8%E2%E5%F2`); cheerio's
   * `prop('href')` always uses UTF-8. Throws `ERR_INVALID_URL` when the result is not a URL.
   */
  urljoin(href: string): string {
    try {
      return joinUrl(href, this.#baseUrl(), this.encoding);
    } catch (error) {
      throw new DropRequestError('ERR_INVALID_URL', `link ${JSON.stringify(href)} on ${this.url} is not a valid URL`, {
        hint: 'skip the link, or use followAll() which skips invalid links',
        cause: error,
      });
    }
  }

  /**
   * A request for a link on this page. `target` is an href, an element (`href`; `src` for
   * `<img>`, `<iframe>`, `<script>`, media), a `Selector` (of an element, or of an attribute or
   * text, which is the href) or a selection of exactly one. The URL is
   * joined with `urljoin`; `meta.referer` is this page's URL unless `options.meta` sets it.
   * Throws `ERR_INVALID_URL` for a missing or empty link and `ERR_UNSUPPORTED_SCHEME` for
   * `mailto:`, `javascript:`, `tel:` and other non-http(s) links.
   */
  follow(target: FollowTarget, options: FollowOptions = {}): Request {
    let node: unknown = target;
    if (isCheerio(target) || target instanceof SelectorList) {
      if (target.length > 1) {
        throw new CallbackError('ERR_FOLLOW_MANY', `follow() got a selection of ${target.length} elements on ${this.url}`, {
          hint: 'use followAll(selection) for several links, or pick one: selection[0] (or .first() on a cheerio selection)',
        });
      }
      if (target.length === 0) {
        throw new DropRequestError('ERR_INVALID_URL', `follow() got an empty selection on ${this.url}`, {
          hint: 'check selection.length first, or use followAll(), which skips missing links',
        });
      }
      node = target[0];
    }
    const href = typeof node === 'string' ? node : linkOf(node);
    if (href === undefined || href.trim() === '') {
      const what = typeof node === 'string' ? 'an empty href' : `${describeNode(node)} without a link`;
      throw new DropRequestError('ERR_INVALID_URL', `follow() got ${what} on ${this.url}`, {
        hint: 'pass an element with a non-empty href (src for <img>), or use followAll(), which skips them',
      });
    }
    // Request's constructor rejects non-http(s) schemes with ERR_UNSUPPORTED_SCHEME.
    return this.#request(this.urljoin(href), options);
  }

  /**
   * Requests for many links: `targets` is a CSS selector (`'a.next'`, `'a::attr(data-url)'`), a
   * `SelectorList`, an array of hrefs, elements or selectors, or a cheerio selection. Silently skips elements without a link, links that are not
   * http(s) once joined (`mailto:`, `javascript:`), invalid URLs, fragment links to this same
   * page, and duplicates (by canonical URL) within the call. Options as in `follow`.
   */
  followAll(targets: FollowAllTargets, options: FollowOptions = {}): Request[] {
    const nodes: ArrayLike<unknown> = typeof targets === 'string' ? this.css(targets) : isCheerio(targets) ? targets.toArray() : targets;
    const base = this.#baseUrl();
    const encoding = this.encoding;
    const hashAt = this.url.indexOf('#');
    const page = hashAt < 0 ? this.url : this.url.slice(0, hashAt);
    const seen = new Set<string>();
    const requests: Request[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const href = typeof node === 'string' ? node : linkOf(node);
      if (href === undefined || href.trim() === '') continue;
      let url: string;
      try {
        url = joinUrl(href, base, encoding);
      } catch {
        continue;
      }
      if (!url.startsWith('http:') && !url.startsWith('https:')) continue;
      const fragmentAt = url.indexOf('#');
      if (fragmentAt >= 0 && url.slice(0, fragmentAt) === page) continue;
      const key = canonicalizeParsedHref(url);
      if (seen.has(key)) continue;
      seen.add(key);
      requests.push(this.#request(url, options));
    }
    return requests;
  }

  #request(url: string, options: FollowOptions): Request {
    return linkRequest({ ...options, url, meta: { referer: this.url, ...options.meta } });
  }

  /** The URL links resolve against, found once: `<base href>` for HTML, else `url`. */
  #baseUrl(): string {
    return (this.#base ??= this.#findBase());
  }

  #findBase(): string {
    if (!this.isHtml) return this.url;
    // Always the scan, even once `$` is loaded: `$` is built with this same base (for
    // `prop('href')`), so both ways of resolving a link agree on every page.
    const match = BASE_HREF.exec(this.text.slice(0, BASE_SCAN_CHARS));
    // Attribute values are entity-encoded; `&amp;` is the only entity real base URLs carry.
    const href = (match?.[1] ?? match?.[2] ?? match?.[3])?.replaceAll('&amp;', '&');
    if (!href || href.trim() === '') return this.url;
    try {
      const base = new URL(href, this.url);
      // As browsers do (HTML "frozen base URL"), a data: or javascript: base is ignored; we also
      // ignore anything else that could not be crawled.
      if (base.protocol === 'http:' || base.protocol === 'https:') return base.href;
    } catch {
      // An unparsable base is ignored, as browsers do.
    }
    return this.url;
  }
}
