/**
 * Setting specs: what each entry of the defaults table knows about its value. A spec checks a
 * value from a config file (`check`), parses one from the command line (`parse`), and describes
 * its type for errors and the README table (`type`).
 */
import { describeValue } from '../describe.js';

/** The reason a value was refused: completed with the key by the caller. */
export class SpecMismatch {
  constructor(readonly expected: string) {}
}

export interface SettingSpec<T> {
  /** The type as users read it: `integer >= 1`, `boolean`, `"info" | "debug"`. */
  readonly type: string;
  readonly default: T;
  /** One line: what it does. The unit is in the key's name. */
  readonly doc: string;
  /** Returns the value (possibly normalised) or a SpecMismatch. */
  check(value: unknown): T | SpecMismatch;
  /** Parses a `-s key=value` string. */
  parse(raw: string): T | SpecMismatch;
}

/** Used by the validator: "expected integer >= 1, got string "four"". */
export function mismatchMessage(spec: SettingSpec<unknown>, value: unknown): string {
  return `expected ${spec.type}, got ${describeValue(value)}`;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

interface Range {
  min?: number;
  max?: number;
}

function rangeText(kind: string, range: Range): string {
  if (range.min !== undefined && range.max !== undefined) return `${kind} from ${range.min} to ${range.max}`;
  if (range.min !== undefined) return `${kind} >= ${range.min}`;
  if (range.max !== undefined) return `${kind} <= ${range.max}`;
  return kind;
}

function numeric(kind: 'integer' | 'number', def: number, doc: string, range: Range): SettingSpec<number> {
  const type = rangeText(kind, range);
  const check = (value: unknown): number | SpecMismatch => {
    if (typeof value !== 'number' || Number.isNaN(value)) return new SpecMismatch(type);
    if (kind === 'integer' && !Number.isInteger(value)) return new SpecMismatch(type);
    if (range.min !== undefined && value < range.min) return new SpecMismatch(type);
    if (range.max !== undefined && value > range.max) return new SpecMismatch(type);
    return value;
  };
  return {
    type,
    default: def,
    doc,
    check,
    parse: (raw) => (raw.trim() === '' ? new SpecMismatch(type) : check(Number(raw.replace(/_/g, '')))),
  };
}

export const int = (def: number, doc: string, range: Range = {}): SettingSpec<number> => numeric('integer', def, doc, range);

/**
 * The longest delay a Node timer takes: setTimeout clamps anything above 2^31-1 ms (about 24.8
 * days) to 1 ms, so a larger timeout would fire at once (every download timing out, the crawl
 * closing at start). https://nodejs.org/api/timers.html#settimeoutcallback-delay-args
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds that ends up in a timer: an integer from `min` (default 0) to MAX_TIMER_MS. */
export const ms = (def: number, doc: string, range: Range = {}): SettingSpec<number> => numeric('integer', def, doc, { min: 0, max: MAX_TIMER_MS, ...range });
export const num = (def: number, doc: string, range: Range = {}): SettingSpec<number> => numeric('number', def, doc, range);

export function bool(def: boolean, doc: string): SettingSpec<boolean> {
  const check = (value: unknown): boolean | SpecMismatch => (typeof value === 'boolean' ? value : new SpecMismatch('boolean'));
  return {
    type: 'boolean',
    default: def,
    doc,
    check,
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return new SpecMismatch('boolean');
    },
  };
}

export function str(def: string, doc: string): SettingSpec<string> {
  const check = (value: unknown): string | SpecMismatch => (typeof value === 'string' ? value : new SpecMismatch('string'));
  return { type: 'string', default: def, doc, check, parse: check };
}

export function oneOf<const V extends string>(values: readonly V[], def: V, doc: string): SettingSpec<V> {
  const type = values.map((v) => JSON.stringify(v)).join(' | ');
  const check = (value: unknown): V | SpecMismatch =>
    typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as V) : new SpecMismatch(type);
  return { type, default: def, doc, check, parse: check };
}

export function intList(def: number[], doc: string): SettingSpec<number[]> {
  const type = 'integer[]';
  const check = (value: unknown): number[] | SpecMismatch =>
    Array.isArray(value) && value.every((v) => Number.isInteger(v)) ? [...(value as number[])] : new SpecMismatch(type);
  return {
    type,
    default: def,
    doc,
    check,
    parse: (raw) => {
      const parsed = parseJson(raw);
      if (Array.isArray(parsed)) return check(parsed);
      return check(raw.split(',').filter((s) => s.trim() !== '').map(Number));
    },
  };
}

export function strList(def: string[], doc: string): SettingSpec<string[]> {
  const type = 'string[]';
  const check = (value: unknown): string[] | SpecMismatch =>
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...(value as string[])] : new SpecMismatch(type);
  return {
    type,
    default: def,
    doc,
    check,
    parse: (raw) => {
      const parsed = parseJson(raw);
      if (Array.isArray(parsed)) return check(parsed);
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    },
  };
}

export function strMap(def: Record<string, string>, doc: string): SettingSpec<Record<string, string>> {
  const type = 'Record<string, string>';
  const check = (value: unknown): Record<string, string> | SpecMismatch => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(type);
    if (!Object.values(value).every((v) => typeof v === 'string')) return new SpecMismatch(type);
    return { ...(value as Record<string, string>) };
  };
  return { type, default: def, doc, check, parse: (raw) => check(parseJson(raw)) };
}

/** A structured value with its own checker (feeds, per-slot overrides). `-s` takes JSON. */
export function structured<T>(type: string, def: T, doc: string, check: (value: unknown) => T | SpecMismatch): SettingSpec<T> {
  return { type, default: def, doc, check, parse: (raw) => check(parseJson(raw)) };
}
