/**
 * parsel's `Selector` and `SelectorList` over the tree cheerio parsed (domhandler nodes):
 * `css()` with `::text` / `::attr(name)`, `xpath()` (XPath 1.0), `get()`, `getall()`, `re()`,
 * `reFirst()`, `attrib`, chained in any order. A selection is relative to its node: `css()`
 * matches the node and its descendants; in `xpath()`, `./a` and `.//a` start at the node and
 * `//a` at the document, as in parsel.
 *
 * Everything here is plain code over the parsed tree, so it runs where the callback runs: on a
 * parse worker (the body crossed the thread; the tree is built there) or in-process.
 */
import type * as DomSerializer from 'dom-serializer';
import type { AnyNode, Document, Element } from 'domhandler';
import { lazyPackage } from '../load-package.js';
import { parseHtml } from './cheerio-page.js';
import { selectCss } from './css.js';
import type { XNode } from './nodes.js';
import { isElement } from './nodes.js';
import type { ReOptions } from './re.js';
import { extractRegex } from './re.js';
import type { Variables } from './xpath/evaluate.js';
import { evaluateXPath } from './xpath/evaluate.js';
import { numberToString } from './xpath/functions.js';

/** What a selection points at: a node of the page, or a value an XPath expression computed. */
export type SelectorRoot = XNode | string | number | boolean;

// CommonJS, with the first `get()`: the copy cheerio uses (see css.ts).
const domSerializer = lazyPackage<typeof DomSerializer>('dom-serializer', 'selectors');

function serialize(node: XNode): string {
  const render = domSerializer().default;
  switch (node.type) {
    case 'attribute':
      return node.value;
    case 'text':
    case 'cdata':
      return node.type === 'text' ? node.data : render(node);
    default:
      // `utf8`: escape only what HTML reserves (& < > and quotes in attributes) and keep other
      // characters as they are, as lxml's `tostring(encoding='unicode')` under parsel does.
      return render(node as AnyNode, { encodeEntities: 'utf8' });
  }
}

function isNode(root: SelectorRoot): root is XNode {
  return typeof root === 'object';
}

export class Selector {
  /** The node (element, text, attribute, comment, document) or the computed string/number/boolean. */
  readonly root: SelectorRoot;

  /**
   * A selection of `input`: a node of a parsed page, or an HTML string, parsed here as
   * `response.$` parses a body (htmlparser2, lenient).
   */
  constructor(input: string | XNode) {
    this.root = typeof input === 'string' ? (parseHtml(input) as unknown as XNode) : input;
  }

  /** A selection of a value, not a node (what `count(//a)` or `string(@href)` return). */
  static of(value: SelectorRoot): Selector {
    const selector = Object.create(Selector.prototype) as { root: SelectorRoot };
    selector.root = value;
    return selector as Selector;
  }

  /** Elements (or, with `::text` / `::attr(name)`, text and attribute values) matching a CSS selector. */
  css(query: string): SelectorList {
    if (!isNode(this.root)) return SelectorList.from([]);
    return SelectorList.fromNodes(selectCss(query, this.root));
  }

  /**
   * The result of an XPath 1.0 expression with this selection as the context node: a node-set
   * (elements, `text()`, `@attr`...) or one value (`count(...)`, `string(...)`...). `vars` binds
   * `$name` variables.
   */
  xpath(query: string, vars?: Variables): SelectorList {
    if (!isNode(this.root)) {
      // A computed value has no nodes around it, but the expression must still be valid.
      evaluateXPath(query, { type: 'root', children: [], parent: null } as unknown as Document, vars);
      return SelectorList.from([]);
    }
    const result = evaluateXPath(query, this.root, vars);
    return Array.isArray(result) ? SelectorList.fromNodes(result) : SelectorList.from([Selector.of(result)]);
  }

  /**
   * The selection as a string: an element's (or the document's) HTML, a text node's text, an
   * attribute's value, a computed value (numbers as XPath writes them, booleans as '1' / '0').
   */
  get(): string {
    const root = this.root;
    if (typeof root === 'string') return root;
    if (typeof root === 'number') return numberToString(root);
    if (typeof root === 'boolean') return root ? '1' : '0';
    return serialize(root);
  }

  /** `[this.get()]`, as in parsel. */
  getall(): string[] {
    return [this.get()];
  }

  /** Regex matches in `get()`: see `SelectorList.re`. */
  re(pattern: RegExp | string, options?: ReOptions): string[] {
    return extractRegex(this.get(), pattern, options);
  }

  /** The first `re()` match, or `fallback`. */
  reFirst(pattern: RegExp | string): string | undefined;
  reFirst(pattern: RegExp | string, fallback: string, options?: ReOptions): string;
  reFirst(pattern: RegExp | string, fallback?: string, options?: ReOptions): string | undefined {
    return this.re(pattern, options)[0] ?? fallback;
  }

  /** The element's attributes (a copy); `{}` for anything else. */
  get attrib(): Record<string, string> {
    return isNode(this.root) && isElement(this.root) ? { ...this.root.attribs } : {};
  }

  /** The element node, when this selection is an element (for cheerio: `response.$(sel.element)`). */
  get element(): Element | undefined {
    return isNode(this.root) && isElement(this.root) ? this.root : undefined;
  }
}

/**
 * A list of selections (an `Array` of `Selector`, as parsel's is a Python list): index it,
 * iterate it, and call `css`/`xpath`/`get`/`getall`/`re`/`reFirst`/`attrib` on all of it at once.
 * Array methods that build a new array (`map`, `filter`, `slice`) return plain arrays.
 */
export class SelectorList extends Array<Selector> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  static fromNodes(nodes: readonly XNode[]): SelectorList {
    const list = new SelectorList();
    for (let i = 0; i < nodes.length; i++) list.push(new Selector(nodes[i]!));
    return list;
  }

  static override from(selectors: Iterable<Selector> | ArrayLike<Selector>): SelectorList {
    const list = new SelectorList();
    for (const selector of Array.from(selectors)) list.push(selector);
    return list;
  }

  /** `css()` on every selection, the results concatenated in order. */
  css(query: string): SelectorList {
    if (this.length === 0) {
      // Still reject a bad selector on an empty list: a typo must not hide behind a missing element.
      selectCss(query, { type: 'root', children: [], parent: null } as unknown as Document);
    }
    return this.#flat((selector) => selector.css(query));
  }

  /** `xpath()` on every selection, the results concatenated in order. */
  xpath(query: string, vars?: Variables): SelectorList {
    if (this.length === 0) Selector.of('').xpath(query, vars);
    return this.#flat((selector) => selector.xpath(query, vars));
  }

  /** The first selection's `get()`, or `fallback` (undefined unless given) for an empty list. */
  get(): string | undefined;
  get(fallback: string): string;
  get(fallback?: string): string | undefined {
    return this.length > 0 ? this[0]!.get() : fallback;
  }

  /** `get()` of every selection. */
  getall(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this[i]!.get());
    return out;
  }

  /**
   * Regex matches in every selection's `get()`, flattened: the whole match, or the groups when
   * the pattern has some, or only a group named `extract` (first match). Entities other than
   * `&lt;` and `&amp;` are decoded unless `replaceEntities: false`.
   */
  re(pattern: RegExp | string, options?: ReOptions): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) for (const value of this[i]!.re(pattern, options)) out.push(value);
    return out;
  }

  /** The first `re()` match, or `fallback`. */
  reFirst(pattern: RegExp | string): string | undefined;
  reFirst(pattern: RegExp | string, fallback: string, options?: ReOptions): string;
  reFirst(pattern: RegExp | string, fallback?: string, options?: ReOptions): string | undefined {
    for (let i = 0; i < this.length; i++) {
      const found = this[i]!.re(pattern, options);
      if (found.length > 0) return found[0];
    }
    return fallback;
  }

  /** The first element's attributes, or `{}`. */
  get attrib(): Record<string, string> {
    return this.length > 0 ? this[0]!.attrib : {};
  }

  #flat(select: (selector: Selector) => SelectorList): SelectorList {
    const out = new SelectorList();
    for (let i = 0; i < this.length; i++) for (const selector of select(this[i]!)) out.push(selector);
    return out;
  }
}
