/**
 * cheerio's `$` over one parsed page, without a class per page.
 *
 * cheerio's `load()` declares a new class for every document it loads (so that plugins added to
 * `$.fn` stay on that document). V8 gives each such class new hidden classes, allocated in the
 * old generation, and they point back at the class, at its methods and, through their closure,
 * at the document. A scavenge treats every old object as alive, so each page's tree and its text
 * survived every scavenge until the next full collection, and were promoted on the way: 43 KB a
 * page on the bench site, a scavenge survival rate near 50% and a mark-compact every 0.8 s in a
 * parse worker (`node --trace-gc-nvp`; docs/performance.md, "fourth pass").
 *
 * Here one selection class per thread serves every page. Each page gets its own `$` (a function
 * bound to its document and options, carrying cheerio's static methods) and every selection made
 * from it carries that page's root and options, as a cheerio selection does, so `$('a').first()`
 * still resolves `prop('href')` against the page's base URL and `filter('div > p')` still matches
 * within the page. What differs from `load()`: `$.fn` (and `$.prototype`) is shared by every page
 * of the thread, so a plugin added to it is on every page's selections.
 */
import type * as CheerioSlim from 'cheerio/slim';
import type { Cheerio, CheerioAPI, CheerioOptions } from 'cheerio/slim';
import type * as CheerioUtils from 'cheerio/utils';
import type * as Htmlparser2 from 'htmlparser2';
import type { AnyNode, Document } from 'domhandler';
import { lazyPackage } from '../load-package.js';

/**
 * How every page is parsed: htmlparser2 in HTML mode, entities decoded. `xml: { xmlMode: false }`
 * is what selects htmlparser2 on the full `cheerio` entry (plain `xmlMode: false` still means
 * parse5, DESIGN.md §8); `cheerio/slim` only has htmlparser2, and the option keeps that true if
 * the import ever changes.
 */
const PARSE_OPTIONS = { xml: { xmlMode: false, decodeEntities: true } } as const satisfies CheerioOptions;

// A selection's fields that cheerio's own methods read (cheerio/dist/esm/cheerio.js).
interface Selection {
  readonly length: number;
  readonly [index: number]: AnyNode;
  options: CheerioOptions;
  _root: Selection | null;
  prevObject: Selection | undefined;
  find(selector: string): Selection;
}
type SelectionClass = new (elements: ArrayLike<AnyNode> | undefined, root: Selection | null, options: CheerioOptions) => Selection;

interface PageKit {
  /** cheerio's API over an empty document: its statics, its parser and renderer. */
  base: CheerioAPI;
  /** The one selection class of this thread. */
  Page: SelectionClass;
  /** The options `load(html, PARSE_OPTIONS)` flattens to, without a base URL. */
  options: CheerioOptions;
  /** cheerio's parse of an HTML fragment (`$('<p>...</p>')`, `append('<b>')`). */
  fragment(html: string, options: CheerioOptions): Document;
  utils: typeof CheerioUtils;
  htmlparser2: typeof Htmlparser2;
}

const cheerioSlim = lazyPackage<typeof CheerioSlim>('cheerio/slim', 'selectors');
const cheerioUtils = lazyPackage<typeof CheerioUtils>('cheerio/utils', 'selectors');
const htmlparser2 = lazyPackage<typeof Htmlparser2>('htmlparser2', 'selectors');
let kit: PageKit | undefined;

function pageKit(): PageKit {
  if (kit) return kit;
  const base = cheerioSlim().load('', PARSE_OPTIONS);
  const loaded = base.prototype as unknown as { _parse: (...args: unknown[]) => unknown; _render: (dom: unknown) => string };
  // cheerio's Cheerio class: the prototype of the class `load` declared.
  const CheerioClass = Object.getPrototypeOf(base.prototype as object).constructor as SelectionClass;
  class Page extends CheerioClass {
    _make(selector: unknown, context?: unknown): Selection {
      const made = select(selector, context, this._root ?? (this as Selection), this.options);
      made.prevObject = this;
      return made;
    }
    _parse(...args: unknown[]): unknown {
      return loaded._parse(...args);
    }
    _render(dom: unknown): string {
      return loaded._render.call(this, dom);
    }
  }
  const options = (base as unknown as { _options: CheerioOptions })._options;
  const fragment = (html: string, fragmentOptions: CheerioOptions): Document => loaded._parse(html, fragmentOptions, false, null) as Document;
  return (kit = { base, Page, options, fragment, utils: cheerioUtils(), htmlparser2: htmlparser2() });
}

/** A node that `$(node)` wraps as is (cheerio's own test: elements, documents, text, comments). */
function isNode(value: unknown): value is AnyNode {
  if (typeof value !== 'object' || value === null) return false;
  const { name, type } = value as { name?: unknown; type?: unknown };
  return !!name || type === 'root' || type === 'text' || type === 'comment';
}

/** `$(selector, context)` within the page whose root selection is `root`: cheerio's cases, in its order. */
function select(selector: unknown, context: unknown, root: Selection, options: CheerioOptions): Selection {
  const { Page, fragment, utils } = pageKit();
  if (selector && utils.isCheerio(selector)) return selector as unknown as Selection;
  if (!selector) return new Page(undefined, root, options);
  let elements: ArrayLike<AnyNode> | undefined;
  if (typeof selector === 'string' && utils.isHtml(selector)) elements = fragment(selector, options).children;
  else if (isNode(selector)) elements = [selector];
  else if (Array.isArray(selector)) elements = selector as AnyNode[];
  if (elements) return new Page(elements, root, options);
  if (typeof selector !== 'string') throw new TypeError('Unexpected type of selector');
  if (!context) return root.find(selector);
  if (typeof context === 'string') {
    // $('li', '<ul>...</ul>') searches the fragment; $('li', 'ul') means $('ul li').
    return utils.isHtml(context) ? new Page([fragment(context, options)], root, options).find(selector) : root.find(`${context} ${selector}`);
  }
  if (utils.isCheerio(context)) return (context as unknown as Selection).find(selector);
  return new Page(Array.isArray(context) ? (context as AnyNode[]) : [context as AnyNode], root, options).find(selector);
}

/** The page's document, parsed as `response.$` parses it (no `$` built). */
export function parseHtml(html: string): Document {
  const { htmlparser2, options } = pageKit();
  return htmlparser2.parseDocument(html, options);
}

/**
 * cheerio's `$` for `html`: what `cheerio.load(html, { xml: { xmlMode: false, decodeEntities:
 * true }, baseURI })` returns, but sharing one selection class with every other page.
 */
export function loadHtml(html: string, baseURI?: string): CheerioAPI {
  const shared = pageKit();
  const options = baseURI === undefined ? shared.options : { ...shared.options, baseURI };
  const document = shared.htmlparser2.parseDocument(html, options);
  const root = new shared.Page([document], null, options);
  root._root = root;
  const base = shared.base as unknown as (...args: unknown[]) => Cheerio<AnyNode>;
  // cheerio's third and fourth arguments (another root; options, which its static `html()` and
  // `xml()` pass) go to cheerio's own `$`, with this page's document and options by default.
  const $ = function $(selector?: unknown, context?: unknown, otherRoot?: unknown, otherOptions?: CheerioOptions): unknown {
    if (otherRoot !== undefined) return base(selector, context, otherRoot, otherOptions);
    if (otherOptions !== undefined) return base(selector, context, document, { ...options, ...otherOptions });
    return select(selector, context, root, options);
  };
  const statics = shared.base as unknown as Record<string, unknown>;
  return Object.assign($, {
    html: statics['html'],
    xml: statics['xml'],
    text: statics['text'],
    parseHTML: statics['parseHTML'],
    root: statics['root'],
    contains: statics['contains'],
    extract: statics['extract'],
    merge: statics['merge'],
    load: statics['load'],
    _root: document,
    _options: options,
    fn: shared.Page.prototype,
    prototype: shared.Page.prototype,
  }) as unknown as CheerioAPI;
}
