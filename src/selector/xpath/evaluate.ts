/**
 * An XPath 1.0 evaluator that walks domhandler's nodes (the tree cheerio already parsed) directly:
 * no second DOM, no adapter objects per node. Why our own and not the `xpath` package or
 * fontoxpath: docs/selectors.md (both need a W3C-DOM-shaped tree; building one costs more than
 * the query on a 200 KB page).
 */
import type { XNode } from '../nodes.js';
import { attributesOf, childrenOf, documentOrder, isElement, orderOf, rootOf, stringValue } from '../nodes.js';
import { selectorError } from '../selector-error.js';
import type { Value } from './functions.js';
import { callFunction, NUMBER_FUNCTIONS, toBoolean, toNumber, toStringValue } from './functions.js';
import type { Expr, NodeTest, Step } from './parse.js';
import { parseXPath, REVERSE_AXES } from './parse.js';

export type Variables = Readonly<Record<string, string | number | boolean>>;

interface Context {
  node: XNode;
  position: number;
  size: number;
  vars: Variables;
  source: string;
}

// Parsed (and rewritten) expressions by source: a spider runs the same few expressions on every page.
const COMPILED = new Map<string, Expr>();
const MAX_COMPILED = 512;

export function compileXPath(source: string): Expr {
  let expr = COMPILED.get(source);
  if (!expr) {
    expr = rewrite(parseXPath(source));
    if (COMPILED.size >= MAX_COMPILED) COMPILED.clear();
    COMPILED.set(source, expr);
  }
  return expr;
}

/** Evaluate `source` with `node` as the context node. */
export function evaluateXPath(source: string, node: XNode, vars: Variables = {}): Value {
  return evaluate(compileXPath(source), { node, position: 1, size: 1, vars, source });
}

/**
 * `//name[p]` is `descendant-or-self::node()/child::name[p]`; when `p` cannot depend on the
 * position, that is `descendant::name[p]`, one walk instead of a child list per node (the
 * difference, on the bench page, is most of the cost of `//`).
 */
function rewrite(expr: Expr): Expr {
  switch (expr.type) {
    case 'path': {
      const steps: Step[] = [];
      for (let i = 0; i < expr.steps.length; i++) {
        const step = { ...expr.steps[i]!, predicates: expr.steps[i]!.predicates.map(rewrite) };
        const next = expr.steps[i + 1];
        if (step.axis === 'descendant-or-self' && step.test.kind === 'node' && step.predicates.length === 0 && next && next.axis === 'child' && !next.predicates.some(positional)) {
          steps.push({ axis: 'descendant', test: next.test, predicates: next.predicates.map(rewrite) });
          i++;
        } else {
          steps.push(step);
        }
      }
      return { ...expr, steps, ...(expr.filter ? { filter: rewrite(expr.filter) } : {}), ...(expr.filterPredicates ? { filterPredicates: expr.filterPredicates.map(rewrite) } : {}) };
    }
    case 'binary':
      return { ...expr, left: rewrite(expr.left), right: rewrite(expr.right) };
    case 'union':
      return { ...expr, left: rewrite(expr.left), right: rewrite(expr.right) };
    case 'negate':
      return { ...expr, operand: rewrite(expr.operand) };
    case 'call':
      return { ...expr, args: expr.args.map(rewrite) };
    default:
      return expr;
  }
}

/** True when a predicate may select by position: a number, or position()/last() in its own context. */
function positional(expr: Expr): boolean {
  return mayBeNumber(expr) || usesPosition(expr);
}

function mayBeNumber(expr: Expr): boolean {
  switch (expr.type) {
    case 'number':
    case 'negate':
    case 'variable':
      return true;
    case 'binary':
      return ['+', '-', '*', 'div', 'mod'].includes(expr.op);
    case 'call':
      return NUMBER_FUNCTIONS.has(expr.name);
    default:
      return false;
  }
}

function usesPosition(expr: Expr): boolean {
  switch (expr.type) {
    case 'call':
      return expr.name === 'position' || expr.name === 'last' || expr.args.some(usesPosition);
    case 'binary':
    case 'union':
      return usesPosition(expr.left) || usesPosition(expr.right);
    case 'negate':
      return usesPosition(expr.operand);
    case 'path':
      return expr.filter !== undefined && usesPosition(expr.filter);
    default:
      return false;
  }
}

function evaluate(expr: Expr, context: Context): Value {
  switch (expr.type) {
    case 'number':
    case 'string':
      return expr.value;
    case 'variable': {
      const value = context.vars[expr.name];
      if (value === undefined) throw selectorError('xpath', context.source, `variable $${expr.name} is not defined`, `pass it: .xpath(expr, { ${expr.name}: value })`);
      return value;
    }
    case 'call': {
      const args = expr.args.map((arg) => evaluate(arg, context));
      try {
        return callFunction(expr.name, args, context);
      } catch (error) {
        throw selectorError('xpath', context.source, (error as Error).message);
      }
    }
    case 'negate':
      return -toNumber(evaluate(expr.operand, context));
    case 'union': {
      const left = evaluate(expr.left, context);
      const right = evaluate(expr.right, context);
      if (!Array.isArray(left) || !Array.isArray(right)) throw selectorError('xpath', context.source, 'both sides of | must be node-sets');
      return documentOrder([...left, ...right]);
    }
    case 'binary':
      return binary(expr.op, expr.left, expr.right, context);
    case 'path':
      return path(expr, context);
  }
}

function binary(op: string, leftExpr: Expr, rightExpr: Expr, context: Context): Value {
  if (op === 'or') return toBoolean(evaluate(leftExpr, context)) || toBoolean(evaluate(rightExpr, context));
  if (op === 'and') return toBoolean(evaluate(leftExpr, context)) && toBoolean(evaluate(rightExpr, context));
  const left = evaluate(leftExpr, context);
  const right = evaluate(rightExpr, context);
  switch (op) {
    case '+':
      return toNumber(left) + toNumber(right);
    case '-':
      return toNumber(left) - toNumber(right);
    case '*':
      return toNumber(left) * toNumber(right);
    case 'div':
      return toNumber(left) / toNumber(right);
    case 'mod':
      return toNumber(left) % toNumber(right);
    default:
      return compare(op, left, right);
  }
}

const FLIPPED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=', '!=': '!=' };

/** XPath 1.0 §3.4: comparisons of node-sets are existential. */
function compare(op: string, left: Value, right: Value): boolean {
  if (Array.isArray(left) && Array.isArray(right)) {
    const rights = right.map(stringValue);
    return left.some((a) => {
      const value = stringValue(a);
      return rights.some((b) => atoms(op, value, b));
    });
  }
  if (Array.isArray(right)) return compare(FLIPPED[op]!, right, left);
  if (Array.isArray(left)) {
    if (typeof right === 'boolean') return atoms(op, toBoolean(left), right);
    if (typeof right === 'number') return left.some((node) => atoms(op, toNumber(stringValue(node)), right));
    return left.some((node) => atoms(op, stringValue(node), right));
  }
  return atoms(op, left, right);
}

function atoms(op: string, left: string | number | boolean, right: string | number | boolean): boolean {
  if (op === '=' || op === '!=') {
    let equal: boolean;
    if (typeof left === 'boolean' || typeof right === 'boolean') equal = toBoolean(left) === toBoolean(right);
    else if (typeof left === 'number' || typeof right === 'number') equal = toNumber(left) === toNumber(right);
    else equal = left === right;
    return op === '=' ? equal : !equal;
  }
  const a = toNumber(left);
  const b = toNumber(right);
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function path(expr: Extract<Expr, { type: 'path' }>, context: Context): Value {
  let nodes: XNode[];
  if (expr.filter) {
    const value = evaluate(expr.filter, context);
    if (!Array.isArray(value)) {
      if (expr.steps.length === 0 && !expr.filterPredicates?.length) return value;
      throw selectorError('xpath', context.source, `a path or predicate needs a node-set, got the ${typeof value} ${JSON.stringify(toStringValue(value))}`);
    }
    nodes = value;
    for (const predicate of expr.filterPredicates ?? []) nodes = filter(nodes, predicate, context);
  } else {
    nodes = [expr.absolute ? rootOf(context.node) : context.node];
  }
  for (const step of expr.steps) nodes = applyStep(nodes, step, context);
  return nodes;
}

function applyStep(contexts: XNode[], step: Step, context: Context): XNode[] {
  if (contexts.length === 1) return selectStep(contexts[0]!, step, context);
  const out: XNode[] = [];
  for (const node of contexts) {
    const selected = selectStep(node, step, context);
    for (let i = 0; i < selected.length; i++) out.push(selected[i]!);
  }
  return inOrder(out) ? out : documentOrder(out);
}

/** True when the nodes are already in strictly increasing document order (the usual case for child steps). */
function inOrder(nodes: XNode[]): boolean {
  if (nodes.length < 2) return true;
  let previous = orderOf(nodes[0]!);
  for (let i = 1; i < nodes.length; i++) {
    const order = orderOf(nodes[i]!);
    if (order <= previous) return false;
    previous = order;
  }
  return true;
}

function selectStep(node: XNode, step: Step, context: Context): XNode[] {
  let selected = axis(node, step);
  for (const predicate of step.predicates) selected = filter(selected, predicate, context);
  if (REVERSE_AXES.has(step.axis) && selected.length > 1) selected.reverse();
  return selected;
}

function filter(nodes: XNode[], predicate: Expr, outer: Context): XNode[] {
  if (predicate.type === 'number') {
    const node = nodes[predicate.value - 1];
    return node === undefined ? [] : [node];
  }
  const out: XNode[] = [];
  const size = nodes.length;
  const inner: Context = { node: nodes[0]!, position: 0, size, vars: outer.vars, source: outer.source };
  for (let i = 0; i < size; i++) {
    inner.node = nodes[i]!;
    inner.position = i + 1;
    const value = evaluate(predicate, inner);
    if (typeof value === 'number' ? value === i + 1 : toBoolean(value)) out.push(nodes[i]!);
  }
  return out;
}

function matches(node: XNode, test: NodeTest, attributeAxis: boolean): boolean {
  switch (test.kind) {
    case 'name': {
      const name = attributeAxis ? (node.type === 'attribute' ? node.name : undefined) : isElement(node) ? node.name : undefined;
      if (name === undefined) return false;
      return test.name.endsWith(':*') ? name.startsWith(test.name.slice(0, -1)) : name === test.name;
    }
    case 'any':
      return attributeAxis ? node.type === 'attribute' : isElement(node);
    case 'node':
      // A doctype is not a node of the tree in XPath's data model (nor in lxml's).
      return !(node.type === 'directive' && !node.name.startsWith('?'));
    case 'text':
      return node.type === 'text' || node.type === 'cdata';
    case 'comment':
      return node.type === 'comment';
    case 'pi':
      return node.type === 'directive' && node.name.startsWith('?') && (test.target === undefined || node.name.slice(1) === test.target);
  }
}

/** The nodes of an axis that pass the step's node test, in the axis's order (reverse axes: nearest first). */
function axis(node: XNode, step: Step): XNode[] {
  const { test } = step;
  const out: XNode[] = [];
  const add = (candidate: XNode): void => {
    if (matches(candidate, test, false)) out.push(candidate);
  };
  const descend = (from: XNode): void => {
    const children = childrenOf(from);
    if (!children) return;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      add(child);
      if ('children' in child) descend(child);
    }
  };
  switch (step.axis) {
    case 'child': {
      const children = childrenOf(node);
      if (children) for (let i = 0; i < children.length; i++) add(children[i]!);
      break;
    }
    case 'descendant':
      descend(node);
      break;
    case 'descendant-or-self':
      add(node);
      descend(node);
      break;
    case 'self':
      if (matches(node, test, node.type === 'attribute')) out.push(node);
      break;
    case 'parent':
      if (node.parent) add(node.parent as XNode);
      break;
    case 'ancestor':
    case 'ancestor-or-self':
      if (step.axis === 'ancestor-or-self') add(node);
      for (let up = node.parent as XNode | null; up; up = up.parent as XNode | null) add(up);
      break;
    case 'attribute':
      if (isElement(node)) for (const attribute of attributesOf(node)) if (matches(attribute, test, true)) out.push(attribute);
      break;
    case 'following-sibling':
      if (node.type !== 'attribute') for (let next = node.next; next; next = next.next) add(next);
      break;
    case 'preceding-sibling':
      if (node.type !== 'attribute') for (let prev = node.prev; prev; prev = prev.prev) add(prev);
      break;
    case 'following': {
      // Everything after the node in document order except its descendants; an attribute is
      // followed by its element's content too.
      if (node.type === 'attribute') descend(node.parent);
      for (let at: XNode | null = node.type === 'attribute' ? node.parent : node; at; at = at.parent as XNode | null) {
        if (at.type === 'attribute') break;
        for (let next = at.next; next; next = next.next) {
          add(next);
          descend(next);
        }
      }
      break;
    }
    case 'preceding': {
      // Everything before the node, except its ancestors; nearest first.
      const start: XNode = node.type === 'attribute' ? node.parent : node;
      for (let at: XNode | null = start; at; at = at.parent as XNode | null) {
        if (at.type === 'attribute') break;
        for (let prev = at.prev; prev; prev = prev.prev) {
          const subtree: XNode[] = [];
          const collect = (from: XNode): void => {
            if (matches(from, test, false)) subtree.push(from);
            for (const child of childrenOf(from) ?? []) collect(child);
          };
          collect(prev);
          for (let i = subtree.length - 1; i >= 0; i--) out.push(subtree[i]!);
        }
      }
      break;
    }
    case 'namespace':
      // HTML parsed by htmlparser2 carries no namespace nodes.
      break;
  }
  return out;
}
