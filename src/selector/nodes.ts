/**
 * The nodes selections point at: domhandler's nodes as cheerio parses them (htmlparser2), plus
 * attribute nodes, which domhandler keeps as a plain `attribs` record and XPath needs as nodes.
 */
import type { AnyNode, Document, Element, ParentNode } from 'domhandler';

/** An attribute as a node: what `@href` and `::attr(href)` select. Made once per element. */
export interface AttributeNode {
  readonly type: 'attribute';
  readonly name: string;
  readonly value: string;
  /** The element that carries it (XPath's parent of an attribute). */
  readonly parent: Element;
}

export type XNode = AnyNode | AttributeNode;

export function isElement(node: XNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

export function isAttribute(node: XNode): node is AttributeNode {
  return node.type === 'attribute';
}

export function isText(node: XNode): boolean {
  return node.type === 'text' || node.type === 'cdata';
}

export function childrenOf(node: XNode): AnyNode[] | undefined {
  return node.type === 'attribute' ? undefined : (node as Partial<ParentNode>).children;
}

const ATTRIBUTES = new WeakMap<Element, AttributeNode[]>();

/** The element's attributes as nodes, in source order; the same objects on every call. */
export function attributesOf(element: Element): AttributeNode[] {
  let list = ATTRIBUTES.get(element);
  if (!list) {
    list = Object.keys(element.attribs).map((name) => ({ type: 'attribute' as const, name, value: element.attribs[name]!, parent: element }));
    ATTRIBUTES.set(element, list);
  }
  return list;
}

/** XPath's string-value: the text of every descendant text node for elements and the document. */
export function stringValue(node: XNode): string {
  switch (node.type) {
    case 'attribute':
      return node.value;
    case 'text':
    case 'comment':
      return node.data;
    case 'directive':
      return node.data;
    default: {
      let out = '';
      const walk = (children: AnyNode[]): void => {
        for (const child of children) {
          if (child.type === 'text') out += child.data;
          else if ('children' in child) walk(child.children);
        }
      };
      walk((node as ParentNode).children);
      return out;
    }
  }
}

export function rootOf(node: XNode): XNode {
  let current: XNode = node;
  while (current.parent) current = current.parent as XNode;
  return current;
}

// Document order (XPath 1.0 §5): a pre-order index per node, computed once per document on the
// first sort that needs it. Attributes sort right after their element, in source order.
const ORDER = new WeakMap<XNode, number>();

function indexDocument(root: XNode): void {
  let i = 0;
  const walk = (node: AnyNode): void => {
    ORDER.set(node, i);
    i += 1;
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') i += Object.keys(node.attribs).length;
    const children = (node as Partial<ParentNode>).children;
    if (children) for (const child of children) walk(child);
  };
  walk(root as AnyNode);
}

export function orderOf(node: XNode): number {
  if (node.type === 'attribute') {
    const index = attributesOf(node.parent).indexOf(node);
    return orderOf(node.parent) + 1 + index;
  }
  let order = ORDER.get(node);
  if (order === undefined) {
    indexDocument(rootOf(node));
    order = ORDER.get(node) ?? -1;
  }
  return order;
}

/** Sort nodes into document order and drop duplicates (a node-set, XPath 1.0 §1). */
export function documentOrder(nodes: XNode[]): XNode[] {
  if (nodes.length < 2) return nodes;
  const unique = [...new Set(nodes)];
  return unique.length < 2 ? unique : unique.sort((a, b) => orderOf(a) - orderOf(b));
}

export type { AnyNode, Document, Element };
