/**
 * Link extraction, as Scrapy's `LinkExtractor`: which links of a page to follow, chosen by URL
 * patterns, domains, page regions, tags and attributes. CrawlSpider rules are built on it; it is
 * just as useful on its own inside any callback (`for (const link of extractor.extractLinks(response))`).
 */
import { ConfigError, DropRequestError } from '../errors.js';
import type { HtmlElement, Response } from '../http/response.js';
import { canonicalizeUrl } from '../http/url.js';

/** A regular expression, or its source as a string (searched, not anchored, as Python's `re.search`). */
export type Pattern = RegExp | string;

/** One pattern or several. */
export type Patterns = Pattern | readonly Pattern[];

/** A link found on a page. */
export interface Link {
  /** Absolute URL (joined against the page's `<base href>`), without its fragment by default. */
  url: string;
  /** The element's text content, whitespace collapsed and trimmed. */
  text: string;
  /** The `#fragment` of the link without the `#` (empty when there is none). */
  fragment: string;
  /** True when the element has `rel="nofollow"`. */
  nofollow: boolean;
}

/**
 * Scrapy's IGNORED_EXTENSIONS (scrapy/linkextractors/__init__.py, 2.11): file types a crawler
 * rarely wants to download as pages.
 */
export const IGNORED_EXTENSIONS: readonly string[] = Object.freeze([
  // archives
  '7z', '7zip', 'bz2', 'rar', 'tar', 'tar.gz', 'xz', 'zip',
  // images
  'mng', 'pct', 'bmp', 'gif', 'jpg', 'jpeg', 'png', 'pst', 'psp', 'tif', 'tiff', 'ai', 'drw', 'dxf', 'eps', 'ps', 'svg', 'cdr', 'ico', 'webp',
  // audio
  'mp3', 'wma', 'ogg', 'wav', 'ra', 'aac', 'mid', 'au', 'aiff',
  // video
  '3gp', 'asf', 'asx', 'avi', 'mov', 'mp4', 'mpg', 'qt', 'rm', 'swf', 'wmv', 'm4a', 'm4v', 'flv', 'webm',
  // office suites
  'xls', 'xlsm', 'xlsx', 'xltm', 'xltx', 'potm', 'potx', 'ppt', 'pptm', 'pptx', 'pps', 'doc', 'docb', 'docm', 'docx', 'dotm', 'dotx', 'odt', 'ods', 'odg', 'odp',
  // other
  'css', 'pdf', 'exe', 'bin', 'rss', 'dmg', 'iso', 'apk',
]);

export interface LinkExtractorOptions {
  /** Keep only links whose absolute URL matches one of these. Default: every link. */
  allow?: Patterns;
  /** Drop links whose absolute URL matches one of these (wins over `allow`). Default: none. */
  deny?: Patterns;
  /** Keep only links to these domains; a domain covers its subdomains. Default: every domain. */
  allowDomains?: string | readonly string[];
  /** Drop links to these domains and their subdomains. Default: none. */
  denyDomains?: string | readonly string[];
  /** Only links inside the elements matching these CSS selectors. Default: the whole page. */
  restrictCss?: string | readonly string[];
  /** Keep only links whose text matches one of these. Default: any text. */
  restrictText?: Patterns;
  /** Elements to look at. Default `['a', 'area']`. */
  tags?: string | readonly string[];
  /** Attributes holding the link. Default `['href']`. */
  attrs?: string | readonly string[];
  /**
   * Drop links whose path ends with one of these extensions (no dot; `'tar.gz'` works).
   * Default `IGNORED_EXTENSIONS` (images, audio, video, office documents, archives...); `[]` keeps all.
   */
  denyExtensions?: readonly string[];
  /** Canonicalise each link's URL with `canonicalizeUrl` (sorted query...). Default false. */
  canonicalize?: boolean;
  /** Return each URL once (compared by canonical URL, fragment included). Default true. */
  unique?: boolean;
  /** Drop the `#fragment` from `url` (it stays in `fragment`). Default true. */
  stripFragments?: boolean;
  /** Trim whitespace around attribute values. Default true. */
  strip?: boolean;
  /**
   * Maps each attribute value before it is joined (e.g. pull a URL out of `javascript:open('...')`);
   * return null or undefined to drop the link. Default: the value as is.
   */
  processValue?: (value: string) => string | null | undefined;
}

/** Compiles string patterns (`ERR_BAD_PATTERN` when one is not a valid regular expression). */
export function compilePatterns(patterns: Patterns | undefined, option: string): RegExp[] {
  return listOf(patterns).map((pattern) => {
    if (typeof pattern !== 'string') {
      // `g` and `y` make `test()` stateful (lastIndex): one link's match would skew the next.
      return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
    }
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new ConfigError('ERR_BAD_PATTERN', `${option}: ${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message})`, {
        hint: 'fix the pattern, or pass a RegExp literal so TypeScript checks it',
        cause: error,
      });
    }
  });
}

function listOf<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** `example.com`, `.example.com` and `example.com:8080` all stand for the host name `example.com`. */
function normaliseDomain(domain: string): string {
  const lower = domain.trim().toLowerCase().replace(/^\./, '');
  const colon = lower.lastIndexOf(':');
  return colon > 0 && !lower.endsWith(']') ? lower.slice(0, colon) : lower;
}

function fromDomains(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/** Text content of an element, without building a cheerio selection for it. */
function textOf(node: { type?: string; data?: string; children?: unknown[] }): string {
  if (node.type === 'text') return node.data ?? '';
  let out = '';
  for (const child of node.children ?? []) out += textOf(child as typeof node);
  return out;
}

/**
 * Extracts links from HTML responses. Build it once (as a rule's extractor, or a module constant)
 * and call `extractLinks(response)` per page; it keeps no state between pages.
 */
export class LinkExtractor {
  readonly #allow: RegExp[];
  readonly #deny: RegExp[];
  readonly #allowDomains: string[];
  readonly #denyDomains: string[];
  readonly #restrictCss: string[];
  readonly #restrictText: RegExp[];
  readonly #tagSelector: string;
  readonly #attrs: string[];
  readonly #denyExtensions: Set<string>;
  readonly #canonicalize: boolean;
  readonly #unique: boolean;
  readonly #stripFragments: boolean;
  readonly #strip: boolean;
  readonly #processValue: ((value: string) => string | null | undefined) | undefined;

  constructor(options: LinkExtractorOptions = {}) {
    this.#allow = compilePatterns(options.allow, 'LinkExtractor allow');
    this.#deny = compilePatterns(options.deny, 'LinkExtractor deny');
    this.#restrictText = compilePatterns(options.restrictText, 'LinkExtractor restrictText');
    this.#allowDomains = listOf(options.allowDomains).map(normaliseDomain);
    this.#denyDomains = listOf(options.denyDomains).map(normaliseDomain);
    this.#restrictCss = listOf(options.restrictCss);
    const tags = listOf(options.tags ?? ['a', 'area']).map((t) => t.toLowerCase());
    this.#tagSelector = tags.join(',');
    // htmlparser2 lower-cases attribute names in HTML mode, so the options are matched in lower case.
    this.#attrs = listOf(options.attrs ?? ['href']).map((a) => a.toLowerCase());
    this.#denyExtensions = new Set((options.denyExtensions ?? IGNORED_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')));
    this.#canonicalize = options.canonicalize ?? false;
    this.#unique = options.unique ?? true;
    this.#stripFragments = options.stripFragments ?? true;
    this.#strip = options.strip ?? true;
    this.#processValue = options.processValue;
  }

  /** The links of `response` that pass every filter, in document order. */
  extractLinks(response: Response): Link[] {
    if (this.#tagSelector === '' || this.#attrs.length === 0) return [];
    const $ = response.$;
    let elements = $(this.#tagSelector);
    if (this.#restrictCss.length > 0) {
      const regions = $(this.#restrictCss.join(','));
      // A region that is itself a link counts (Scrapy iterates the region with its descendants);
      // `add` keeps document order and drops elements found through two nested regions.
      elements = regions.find(this.#tagSelector).add(regions.filter(this.#tagSelector));
    }
    const links: Link[] = [];
    const seen = new Set<string>();
    for (const element of elements.toArray() as HtmlElement[]) {
      for (const attr of this.#attrs) {
        const raw = element.attribs[attr];
        if (raw === undefined) continue;
        const link = this.#linkOf(response, element, raw);
        if (!link) continue;
        if (this.#unique) {
          // Compared as Scrapy does: canonical form, fragment kept.
          const key = canonicalizeUrl(link.url, { keepFragments: true });
          if (seen.has(key)) continue;
          seen.add(key);
        }
        links.push(link);
      }
    }
    return links;
  }

  /** True when an absolute URL passes the URL filters (patterns, domains, extensions). */
  matches(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    const href = parsed.href;
    if (this.#allow.length > 0 && !this.#allow.some((r) => r.test(href))) return false;
    if (this.#deny.some((r) => r.test(href))) return false;
    const host = parsed.hostname.toLowerCase();
    if (this.#allowDomains.length > 0 && !fromDomains(host, this.#allowDomains)) return false;
    if (this.#denyDomains.length > 0 && fromDomains(host, this.#denyDomains)) return false;
    if (this.#denyExtensions.size > 0 && this.#hasDeniedExtension(parsed.pathname)) return false;
    return true;
  }

  #linkOf(response: Response, element: HtmlElement, raw: string): Link | null {
    let value: string | null | undefined = this.#strip ? raw.trim() : raw;
    if (this.#processValue) value = this.#processValue(value);
    if (value === null || value === undefined || value === '') return null;
    let absolute: string;
    try {
      absolute = response.urljoin(value);
    } catch (error) {
      // An unparsable href is the page's problem, not the crawl's: skip it.
      if (error instanceof DropRequestError) return null;
      throw error;
    }
    if (!this.matches(absolute)) return null;
    const text = textOf(element).replace(/\s+/g, ' ').trim();
    if (this.#restrictText.length > 0 && !this.#restrictText.some((r) => r.test(text))) return null;
    const hashAt = absolute.indexOf('#');
    const fragment = hashAt < 0 ? '' : absolute.slice(hashAt + 1);
    let url = this.#stripFragments && hashAt >= 0 ? absolute.slice(0, hashAt) : absolute;
    if (this.#canonicalize) url = canonicalizeUrl(url, { keepFragments: !this.#stripFragments });
    const rel = element.attribs.rel;
    const nofollow = rel !== undefined && rel.toLowerCase().split(/\s+/).includes('nofollow');
    return { url, text, fragment, nofollow };
  }

  #hasDeniedExtension(pathname: string): boolean {
    const name = pathname.slice(pathname.lastIndexOf('/') + 1).toLowerCase();
    // Every suffix after a dot, so `a.tar.gz` is checked as `tar.gz` and as `gz`.
    for (let dot = name.indexOf('.', 1); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      if (this.#denyExtensions.has(name.slice(dot + 1))) return true;
    }
    return false;
  }
}
