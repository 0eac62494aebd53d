/**
 * CSS selectors with parsel's pseudo-elements: `::text` (the text nodes that are children of each
 * matched element), `*::text` (of the element and every descendant) and `::attr(name)` (the
 * attribute). css-what parses the selector; the pseudo-element is taken off the end of each
 * group and css-select (the engine under cheerio's `$`, on the same parsed tree) matches the
 * rest, so `response.css('h1')` and `response.$('h1')` select the same elements.
 *
 * Matching is descendant-or-self, as in parsel (cssselect translates with
 * `descendant-or-self::`): `sel.css('li')` on an `<li>` selection includes that `<li>`.
 */
import type * as CssSelect from 'css-select';
import type { Options } from 'css-select';
import type * as CssWhat from 'css-what';
import type { Selector as CssToken } from 'css-what';
import type { AnyNode, Element } from 'domhandler';
import { lazyPackage } from '../load-package.js';
import type { AttributeNode, XNode } from './nodes.js';
import { attributesOf, documentOrder, isElement } from './nodes.js';
import { selectorError } from './selector-error.js';

/** `text` with `deep`: every text node under each match, itself included (`X ::text`, `X *::text`). */
type Target = { kind: 'element' } | { kind: 'text'; deep: boolean } | { kind: 'attr'; name: string };

interface Part {
  extract: Target;
  match: (element: Element) => boolean;
}

// Loaded with the first selector, as CommonJS: the copy cheerio's `$` already uses, not a second
// (ES module) one of each package per thread, and nothing at `import 'arachne'`.
const cssSelect = lazyPackage<typeof CssSelect>('css-select', 'CSS selectors');
const cssWhat = lazyPackage<typeof CssWhat>('css-what', 'CSS selectors');

// Compiled selectors are kept across pages, so no result cache: css-select's (on by default) is a
// WeakSet made at compile time that every later page's elements would go into, a growing
// ephemeron table for the GC. Without it a descendant step walks the ancestors of each candidate.
const OPTIONS: Options<AnyNode, Element> = { xmlMode: false, cacheResults: false };
const COMPILED = new Map<string, Part[]>();
const MAX_COMPILED = 512;

function extractOf(group: CssToken[], source: string): Target {
  const at = group.findIndex((token) => token.type === 'pseudo-element');
  if (at < 0) return { kind: 'element' };
  const token = group[at] as Extract<CssToken, { type: 'pseudo-element' }>;
  if (at !== group.length - 1) throw selectorError('css', source, `::${token.name} must be the last part of its selector`);
  group.pop();
  // A pseudo-element with no element before it applies to `*`, as in cssselect.
  const last = group[group.length - 1];
  const { SelectorType } = cssWhat();
  if (!last || last.type === SelectorType.Descendant || last.type === SelectorType.Child || last.type === SelectorType.Sibling || last.type === SelectorType.Adjacent) {
    group.push({ type: SelectorType.Universal, namespace: null });
  }
  if (token.name === 'text' && token.data === null) {
    // `X *::text` is `X/descendant-or-self::*/text()` in parsel: the text of X and of everything
    // under it, so it is matched as X plus a walk, not as css-select's `X *` (which leaves X out).
    const n = group.length;
    const deep = n >= 3 && group[n - 1]!.type === SelectorType.Universal && group[n - 2]!.type === SelectorType.Descendant;
    if (deep) group.splice(n - 2, 2);
    return { kind: 'text', deep };
  }
  if (token.name === 'attr' && typeof token.data === 'string' && token.data.trim() !== '') return { kind: 'attr', name: token.data.trim().toLowerCase() };
  if (token.name === 'attr') throw selectorError('css', source, '::attr() needs an attribute name, as in ::attr(href)');
  throw selectorError('css', source, `unknown pseudo-element ::${token.name}`);
}

function compileCss(source: string): Part[] {
  let parts = COMPILED.get(source);
  if (parts) return parts;
  let groups: CssToken[][];
  try {
    groups = cssWhat().parse(source);
  } catch (error) {
    throw selectorError('css', source, (error as Error).message);
  }
  if (groups.length === 0 || groups.some((group) => group.length === 0)) throw selectorError('css', source, 'empty selector');
  // Groups that extract the same thing are compiled into one query (one walk of the tree).
  const byExtract = new Map<string, { extract: Target; groups: CssToken[][] }>();
  for (const group of groups) {
    const extract = extractOf(group, source);
    const key = extract.kind === 'attr' ? `attr:${extract.name}` : extract.kind === 'text' ? `text:${extract.deep}` : extract.kind;
    const entry = byExtract.get(key) ?? { extract, groups: [] };
    entry.groups.push(group);
    byExtract.set(key, entry);
  }
  try {
    parts = [...byExtract.values()].map(({ extract, groups: list }) => ({ extract, match: cssSelect().compile<AnyNode, Element>(list, OPTIONS) }));
  } catch (error) {
    throw selectorError('css', source, (error as Error).message);
  }
  if (COMPILED.size >= MAX_COMPILED) COMPILED.clear();
  COMPILED.set(source, parts);
  return parts;
}

/** Check a CSS selector now (throws `ERR_SELECTOR_INVALID`), without a page. */
export function checkCss(source: string): void {
  compileCss(source);
}

function isInside(node: AnyNode, ancestor: AnyNode): boolean {
  for (let up = node.parent; up; up = up.parent) if (up === ancestor) return true;
  return false;
}

/** Nodes the selector picks, from `context` and its descendants, in document order. */
export function selectCss(source: string, context: XNode): XNode[] {
  const parts = compileCss(source);
  if (!isElement(context) && context.type !== 'root') return [];
  // An array context makes css-select test the context element itself (descendant-or-self);
  // the document is not an element, so its children are the roots of the walk.
  const roots: AnyNode[] = context.type === 'root' ? context.children : [context as Element];
  const out: XNode[] = [];
  for (const { extract, match } of parts) {
    const elements = cssSelect().selectAll<AnyNode, Element>(match, roots, OPTIONS);
    if (extract.kind === 'element') {
      for (const element of elements) out.push(element);
    } else if (extract.kind === 'text' && extract.deep) {
      const texts: XNode[] = [];
      const walk = (children: AnyNode[]): void => {
        for (const child of children) {
          if (child.type === 'text' || child.type === 'cdata') texts.push(child);
          else if ('children' in child) walk(child.children);
        }
      };
      // Matches come in document order, so a match nested in another (`div ::text` with a div
      // in a div) follows it: its text is already in the outer walk.
      let outer: AnyNode | undefined;
      for (const element of elements) {
        if (outer && isInside(element, outer)) continue;
        outer = element;
        walk(element.children);
      }
      for (const text of texts) out.push(text);
    } else if (extract.kind === 'text') {
      // The text children of nested matches (`*::text`) interleave: sort those into document order.
      let outer: AnyNode | undefined;
      let nested = false;
      const texts: XNode[] = [];
      for (const element of elements) {
        if (outer && isInside(element, outer)) nested = true;
        else outer = element;
        for (const child of element.children) if (child.type === 'text' || child.type === 'cdata') texts.push(child);
      }
      for (const text of nested ? documentOrder(texts) : texts) out.push(text);
    } else {
      for (const element of elements) {
        if (!(extract.name in element.attribs)) continue;
        const attribute: AttributeNode | undefined = attributesOf(element).find((a) => a.name === extract.name);
        if (attribute) out.push(attribute);
      }
    }
  }
  return parts.length > 1 ? documentOrder(out) : out;
}
