/**
 * XPath 1.0's core function library (§4), plus the two extensions parsel registers by default:
 * `has-class(name, ...)` and EXSLT's `re:test(string, pattern, flags?)`.
 */
import type { XNode } from '../nodes.js';
import { documentOrder, isElement, rootOf, stringValue } from '../nodes.js';

export type Value = XNode[] | string | number | boolean;

export interface FunctionContext {
  node: XNode;
  position: number;
  size: number;
}

/** [min, max] arguments of every known function: the parser rejects unknown names and arities. */
export const FUNCTION_ARITY: Record<string, [number, number]> = {
  last: [0, 0],
  position: [0, 0],
  count: [1, 1],
  id: [1, 1],
  'local-name': [0, 1],
  'namespace-uri': [0, 1],
  name: [0, 1],
  string: [0, 1],
  concat: [2, Infinity],
  'starts-with': [2, 2],
  contains: [2, 2],
  'substring-before': [2, 2],
  'substring-after': [2, 2],
  substring: [2, 3],
  'string-length': [0, 1],
  'normalize-space': [0, 1],
  translate: [3, 3],
  boolean: [1, 1],
  not: [1, 1],
  true: [0, 0],
  false: [0, 0],
  lang: [1, 1],
  number: [0, 1],
  sum: [1, 1],
  floor: [1, 1],
  ceiling: [1, 1],
  round: [1, 1],
  'has-class': [1, Infinity],
  're:test': [2, 3],
};

/** Functions whose value is a number: a predicate made of one of them filters by position. */
export const NUMBER_FUNCTIONS = new Set(['last', 'position', 'count', 'string-length', 'number', 'sum', 'floor', 'ceiling', 'round']);

export function toStringValue(value: Value): string {
  if (Array.isArray(value)) return value.length === 0 ? '' : stringValue(value[0]!);
  if (typeof value === 'number') return numberToString(value);
  return String(value);
}

export function numberToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value)) return String(value === 0 ? 0 : value);
  // XPath never uses exponent notation.
  return Math.abs(value) < 1e-6 || Math.abs(value) >= 1e21 ? value.toFixed(20).replace(/\.?0+$/, '') : String(value);
}

export function toNumber(value: Value): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = toStringValue(value).trim();
  // XPath's Number production: optional minus, digits, optional fraction; nothing else (no hex, no exponent).
  return /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
}

export function toBoolean(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  return value;
}

function nodeName(node: XNode | undefined): string {
  if (!node) return '';
  if (node.type === 'attribute') return node.name;
  if (isElement(node)) return node.name;
  if (node.type === 'directive' && node.name.startsWith('?')) return node.name.slice(1);
  return '';
}

function xpathRound(n: number): number {
  if (Number.isNaN(n) || !Number.isFinite(n)) return n;
  if (n < 0 && n >= -0.5) return -0;
  return Math.floor(n + 0.5);
}

const REGEX_CACHE = new Map<string, RegExp>();

function regex(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = REGEX_CACHE.get(key);
  if (!re) {
    // EXSLT flags: g (ignored for a test), i (ignore case).
    re = new RegExp(pattern, flags.includes('i') ? 'iu' : 'u');
    if (REGEX_CACHE.size > 256) REGEX_CACHE.clear();
    REGEX_CACHE.set(key, re);
  }
  return re;
}

/** Call a function on already-evaluated arguments. */
export function callFunction(name: string, args: Value[], context: FunctionContext): Value {
  const str = (i: number): string => (args.length > i ? toStringValue(args[i]!) : stringValue(context.node));
  const nodes = (i: number, fn: string): XNode[] => {
    const value = args[i];
    if (!Array.isArray(value)) throw new TypeError(`${fn}() expects a node-set`);
    return value;
  };
  switch (name) {
    case 'last':
      return context.size;
    case 'position':
      return context.position;
    case 'count':
      return nodes(0, name).length;
    case 'id': {
      const wanted = new Set((Array.isArray(args[0]) ? args[0].map(stringValue).join(' ') : toStringValue(args[0]!)).split(/\s+/).filter(Boolean));
      const found: XNode[] = [];
      const walk = (node: XNode): void => {
        if (isElement(node) && wanted.has(node.attribs.id ?? '')) found.push(node);
        if ('children' in node) for (const child of node.children) walk(child);
      };
      walk(rootOf(context.node));
      return found;
    }
    case 'local-name':
    case 'name': {
      const target = args.length > 0 ? documentOrder(nodes(0, name))[0] : context.node;
      const full = nodeName(target);
      return name === 'local-name' ? full.slice(full.indexOf(':') + 1) : full;
    }
    case 'namespace-uri':
      return '';
    case 'string':
      return str(0);
    case 'concat':
      return args.map(toStringValue).join('');
    case 'starts-with':
      return str(0).startsWith(str(1));
    case 'contains':
      return str(0).includes(str(1));
    case 'substring-before': {
      const [s, sub] = [str(0), str(1)];
      const at = s.indexOf(sub);
      return at < 0 ? '' : s.slice(0, at);
    }
    case 'substring-after': {
      const [s, sub] = [str(0), str(1)];
      const at = s.indexOf(sub);
      return at < 0 ? '' : s.slice(at + sub.length);
    }
    case 'substring': {
      // §4.2: positions count from 1 and are rounded; characters are code points.
      const chars = [...str(0)];
      const start = xpathRound(toNumber(args[1]!));
      const end = args.length > 2 ? start + xpathRound(toNumber(args[2]!)) : Infinity;
      let out = '';
      for (let i = 0; i < chars.length; i++) if (i + 1 >= start && i + 1 < end) out += chars[i];
      return out;
    }
    case 'string-length':
      return [...str(0)].length;
    case 'normalize-space':
      return str(0).replace(/[\x20\t\r\n]+/g, ' ').replace(/^ | $/g, '');
    case 'translate': {
      const [from, to] = [[...str(1)], [...str(2)]];
      let out = '';
      for (const char of str(0)) {
        const at = from.indexOf(char);
        if (at < 0) out += char;
        else if (at < to.length) out += to[at];
      }
      return out;
    }
    case 'boolean':
      return toBoolean(args[0]!);
    case 'not':
      return !toBoolean(args[0]!);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'lang': {
      const wanted = str(0).toLowerCase();
      for (let node: XNode | null = context.node; node; node = node.parent as XNode | null) {
        const lang = isElement(node) ? node.attribs['xml:lang'] ?? node.attribs.lang : undefined;
        if (lang !== undefined) return lang.toLowerCase() === wanted || lang.toLowerCase().startsWith(`${wanted}-`);
      }
      return false;
    }
    case 'number':
      return args.length > 0 ? toNumber(args[0]!) : toNumber(stringValue(context.node));
    case 'sum':
      return nodes(0, name).reduce((total, node) => total + toNumber(stringValue(node)), 0);
    case 'floor':
      return Math.floor(toNumber(args[0]!));
    case 'ceiling':
      return Math.ceil(toNumber(args[0]!));
    case 'round':
      return xpathRound(toNumber(args[0]!));
    case 'has-class': {
      // parsel's has-class(): every named class is in the context element's class attribute.
      if (!isElement(context.node)) return false;
      const classes = new Set((context.node.attribs.class ?? '').split(/[\x20\t\r\n\f]+/));
      return args.every((arg) => classes.has(toStringValue(arg)));
    }
    case 're:test':
      return regex(str(1), args.length > 2 ? str(2) : '').test(str(0));
    default:
      throw new TypeError(`unknown function ${name}()`);
  }
}
