/**
 * XPath 1.0 expressions (https://www.w3.org/TR/xpath-10/) parsed into a small tree that
 * evaluate.ts walks. The tokenizer follows §3.7's disambiguation rules: after a token that
 * cannot end an operand, `*` is a name test and `and`/`or`/`div`/`mod` are names; otherwise they
 * are operators. A name followed by `(` is a function (or a node-type test), one followed by `::`
 * an axis.
 */
import { selectorError } from '../selector-error.js';
import { FUNCTION_ARITY } from './functions.js';

export type Axis =
  | 'ancestor'
  | 'ancestor-or-self'
  | 'attribute'
  | 'child'
  | 'descendant'
  | 'descendant-or-self'
  | 'following'
  | 'following-sibling'
  | 'namespace'
  | 'parent'
  | 'preceding'
  | 'preceding-sibling'
  | 'self';

const AXES = new Set<string>([
  'ancestor',
  'ancestor-or-self',
  'attribute',
  'child',
  'descendant',
  'descendant-or-self',
  'following',
  'following-sibling',
  'namespace',
  'parent',
  'preceding',
  'preceding-sibling',
  'self',
]);

/** Axes whose proximity positions count backwards from the context node (XPath 1.0 §2.4). */
export const REVERSE_AXES = new Set<Axis>(['ancestor', 'ancestor-or-self', 'preceding', 'preceding-sibling']);

export type NodeTest =
  | { kind: 'name'; name: string }
  | { kind: 'any' }
  | { kind: 'node' }
  | { kind: 'text' }
  | { kind: 'comment' }
  | { kind: 'pi'; target?: string };

export interface Step {
  axis: Axis;
  test: NodeTest;
  predicates: Expr[];
}

export type Expr =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'variable'; name: string }
  | { type: 'call'; name: string; args: Expr[] }
  | { type: 'binary'; op: string; left: Expr; right: Expr }
  | { type: 'negate'; operand: Expr }
  | { type: 'union'; left: Expr; right: Expr }
  /** A location path; `filter` (a primary expression with its predicates) starts it when set. */
  | { type: 'path'; absolute: boolean; filter?: Expr; filterPredicates?: Expr[]; steps: Step[] };

type Token = { kind: 'op' | 'name' | 'number' | 'string' | 'variable' | 'axis' | 'function' | 'nodetype' | 'star'; value: string; at: number };

const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);
const OPERATOR_NAMES = new Set(['and', 'or', 'div', 'mod']);
// NCName, with an optional prefix (`re:test`, `svg:rect`) or a `prefix:*` wildcard.
const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::(?:\*|[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*))?/y;
const NUMBER = /\d+(?:\.\d*)?|\.\d+/y;
const SPACE = /\s+/y;
const TWO_CHAR = new Set(['//', '::', '..', '!=', '<=', '>=']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  // True when the previous token ends an operand: then `*` multiplies and `and` is an operator.
  const afterOperand = (): boolean => {
    const last = tokens[tokens.length - 1];
    if (!last) return false;
    if (last.kind === 'op') return [')', ']', '.', '..'].includes(last.value);
    return last.kind !== 'axis' && last.kind !== 'function' && last.kind !== 'nodetype' && !(last.kind === 'name' && last.value === '@');
  };
  while (at < source.length) {
    SPACE.lastIndex = at;
    if (SPACE.test(source)) {
      at = SPACE.lastIndex;
      continue;
    }
    const char = source[at]!;
    const two = source.slice(at, at + 2);
    if (char === '"' || char === "'") {
      const end = source.indexOf(char, at + 1);
      if (end < 0) throw syntax(source, at, 'unterminated string literal');
      tokens.push({ kind: 'string', value: source.slice(at + 1, end), at });
      at = end + 1;
      continue;
    }
    NUMBER.lastIndex = at;
    if (/[\d.]/.test(char) && NUMBER.test(source) && !(char === '.' && !/\d/.test(source[at + 1] ?? ''))) {
      tokens.push({ kind: 'number', value: source.slice(at, NUMBER.lastIndex), at });
      at = NUMBER.lastIndex;
      continue;
    }
    if (TWO_CHAR.has(two)) {
      tokens.push({ kind: 'op', value: two, at });
      at += 2;
      continue;
    }
    if (char === '*') {
      tokens.push({ kind: afterOperand() ? 'op' : 'star', value: '*', at });
      at += 1;
      continue;
    }
    if ('()[].@,|+-=<>/'.includes(char)) {
      tokens.push({ kind: char === '@' ? 'name' : 'op', value: char, at });
      at += 1;
      continue;
    }
    if (char === '$') {
      NAME.lastIndex = at + 1;
      if (!NAME.test(source)) throw syntax(source, at, 'expected a variable name after $');
      tokens.push({ kind: 'variable', value: source.slice(at + 1, NAME.lastIndex), at });
      at = NAME.lastIndex;
      continue;
    }
    NAME.lastIndex = at;
    if (NAME.test(source)) {
      const value = source.slice(at, NAME.lastIndex);
      const end = NAME.lastIndex;
      const rest = source.slice(end).trimStart();
      let kind: Token['kind'] = 'name';
      if (afterOperand() && OPERATOR_NAMES.has(value)) kind = 'op';
      else if (rest.startsWith('::')) kind = 'axis';
      else if (rest.startsWith('(')) kind = NODE_TYPES.has(value) ? 'nodetype' : 'function';
      tokens.push({ kind, value, at });
      at = end;
      continue;
    }
    throw syntax(source, at, `unexpected character ${JSON.stringify(char)}`);
  }
  return tokens;
}

function syntax(source: string, at: number, problem: string): Error {
  return selectorError('xpath', source, `${problem} at offset ${at}`);
}

class Parser {
  #tokens: Token[];
  #i = 0;
  #source: string;

  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  parse(): Expr {
    if (this.#tokens.length === 0) throw syntax(this.#source, 0, 'empty expression');
    const expr = this.#or();
    const extra = this.#peek();
    if (extra) throw syntax(this.#source, extra.at, `unexpected ${JSON.stringify(extra.value)}`);
    return expr;
  }

  #peek(offset = 0): Token | undefined {
    return this.#tokens[this.#i + offset];
  }

  #isOp(value: string): boolean {
    const token = this.#peek();
    return token !== undefined && token.kind === 'op' && token.value === value;
  }

  #expect(value: string): void {
    if (!this.#isOp(value)) {
      const token = this.#peek();
      throw syntax(this.#source, token?.at ?? this.#source.length, `expected ${JSON.stringify(value)}${token ? `, found ${JSON.stringify(token.value)}` : ' at the end'}`);
    }
    this.#i++;
  }

  #binary(next: () => Expr, ops: string[]): Expr {
    let left = next();
    while (ops.some((op) => this.#isOp(op))) {
      const op = this.#tokens[this.#i++]!.value;
      left = { type: 'binary', op, left, right: next() };
    }
    return left;
  }

  #or = (): Expr => this.#binary(this.#and, ['or']);
  #and = (): Expr => this.#binary(this.#equality, ['and']);
  #equality = (): Expr => this.#binary(this.#relational, ['=', '!=']);
  #relational = (): Expr => this.#binary(this.#additive, ['<', '<=', '>', '>=']);
  #additive = (): Expr => this.#binary(this.#multiplicative, ['+', '-']);
  #multiplicative = (): Expr => this.#binary(this.#unary, ['*', 'div', 'mod']);

  #unary = (): Expr => {
    if (this.#isOp('-')) {
      this.#i++;
      return { type: 'negate', operand: this.#unary() };
    }
    return this.#union();
  };

  #union(): Expr {
    let left = this.#path();
    while (this.#isOp('|')) {
      this.#i++;
      left = { type: 'union', left, right: this.#path() };
    }
    return left;
  }

  #path(): Expr {
    const token = this.#peek();
    if (!token) throw syntax(this.#source, this.#source.length, 'expression ends too early');
    const startsPrimary = token.kind === 'variable' || token.kind === 'string' || token.kind === 'number' || token.kind === 'function' || (token.kind === 'op' && token.value === '(');
    if (!startsPrimary) return this.#locationPath();
    const filter = this.#primary();
    const filterPredicates = this.#predicates();
    if (!this.#isOp('/') && !this.#isOp('//')) return filterPredicates.length === 0 ? filter : { type: 'path', absolute: false, filter, filterPredicates, steps: [] };
    const steps: Step[] = [];
    this.#relativePath(steps);
    return { type: 'path', absolute: false, filter, filterPredicates, steps };
  }

  #primary(): Expr {
    const token = this.#tokens[this.#i++]!;
    switch (token.kind) {
      case 'variable':
        return { type: 'variable', name: token.value };
      case 'string':
        return { type: 'string', value: token.value };
      case 'number':
        return { type: 'number', value: Number(token.value) };
      case 'function': {
        const arity = FUNCTION_ARITY[token.value];
        if (!arity) throw syntax(this.#source, token.at, `unknown function ${token.value}()`);
        this.#expect('(');
        const args: Expr[] = [];
        if (!this.#isOp(')')) {
          args.push(this.#or());
          while (this.#isOp(',')) {
            this.#i++;
            args.push(this.#or());
          }
        }
        this.#expect(')');
        if (args.length < arity[0] || args.length > arity[1]) throw syntax(this.#source, token.at, `${token.value}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1] === Infinity ? 'any number of' : arity[1]}`} arguments, got ${args.length}`);
        return { type: 'call', name: token.value, args };
      }
      default: {
        const expr = this.#or();
        this.#expect(')');
        return expr;
      }
    }
  }

  #locationPath(): Expr {
    const steps: Step[] = [];
    if (this.#isOp('/')) {
      this.#i++;
      const next = this.#peek();
      // `/` alone is the root; it is followed by a step only when a step can start here.
      if (next && (next.kind === 'name' || next.kind === 'star' || next.kind === 'axis' || next.kind === 'nodetype' || (next.kind === 'op' && (next.value === '.' || next.value === '..')))) this.#steps(steps);
      return { type: 'path', absolute: true, steps };
    }
    if (this.#isOp('//')) {
      this.#i++;
      steps.push(DESCENDANT_OR_SELF);
      this.#steps(steps);
      return { type: 'path', absolute: true, steps };
    }
    this.#steps(steps);
    return { type: 'path', absolute: false, steps };
  }

  #relativePath(steps: Step[]): void {
    while (this.#isOp('/') || this.#isOp('//')) {
      if (this.#tokens[this.#i++]!.value === '//') steps.push(DESCENDANT_OR_SELF);
      steps.push(this.#step());
    }
  }

  #steps(steps: Step[]): void {
    steps.push(this.#step());
    this.#relativePath(steps);
  }

  #step(): Step {
    const token = this.#peek();
    if (!token) throw syntax(this.#source, this.#source.length, 'expected a location step at the end');
    if (token.kind === 'op' && token.value === '.') {
      this.#i++;
      return { axis: 'self', test: { kind: 'node' }, predicates: [] };
    }
    if (token.kind === 'op' && token.value === '..') {
      this.#i++;
      return { axis: 'parent', test: { kind: 'node' }, predicates: [] };
    }
    let axis: Axis = 'child';
    if (token.kind === 'axis') {
      if (!AXES.has(token.value)) throw syntax(this.#source, token.at, `unknown axis ${token.value}::`);
      axis = token.value as Axis;
      this.#i++;
      this.#expect('::');
    } else if (token.kind === 'name' && token.value === '@') {
      axis = 'attribute';
      this.#i++;
    }
    return { axis, test: this.#nodeTest(), predicates: this.#predicates() };
  }

  #nodeTest(): NodeTest {
    const token = this.#tokens[this.#i++];
    if (!token) throw syntax(this.#source, this.#source.length, 'expected a node test at the end');
    if (token.kind === 'star') return { kind: 'any' };
    if (token.kind === 'name' && token.value !== '@') return { kind: 'name', name: token.value };
    if (token.kind === 'nodetype') {
      this.#expect('(');
      let target: string | undefined;
      if (token.value === 'processing-instruction' && this.#peek()?.kind === 'string') target = this.#tokens[this.#i++]!.value;
      this.#expect(')');
      if (token.value === 'processing-instruction') return target === undefined ? { kind: 'pi' } : { kind: 'pi', target };
      return { kind: token.value as 'node' | 'text' | 'comment' };
    }
    throw syntax(this.#source, token.at, `expected a node test, found ${JSON.stringify(token.value)}`);
  }

  #predicates(): Expr[] {
    const predicates: Expr[] = [];
    while (this.#isOp('[')) {
      this.#i++;
      predicates.push(this.#or());
      this.#expect(']');
    }
    return predicates;
  }
}

const DESCENDANT_OR_SELF: Step = { axis: 'descendant-or-self', test: { kind: 'node' }, predicates: [] };

/** Parse an XPath 1.0 expression; throws `ERR_SELECTOR_INVALID` naming it on a syntax error. */
export function parseXPath(source: string): Expr {
  return new Parser(source).parse();
}
