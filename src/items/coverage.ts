/**
 * Field coverage per item type: the share of items of each type with each field non-empty, as
 * Spidermon's field-coverage monitors measure it, and the check of `items.minCoverage` at close.
 *
 * Counted over every typed item the spider yielded (valid or not, before the pipelines): it
 * measures what the site and the extraction give, which is what a coverage alarm is for; items
 * dropped as invalid would otherwise hide the very gaps it should report.
 */
import type { Stats } from '../stats.js';

/** True unless the value is missing: undefined, null, a blank string, an empty array or object. */
export function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const _ in value) return true;
    return false;
  }
  return true;
}

/** One field below its threshold at close. */
export interface CoverageFailure {
  type: string;
  field: string;
  coverage: number;
  threshold: number;
}

interface TypeCounts {
  items: number;
  filled: Map<string, number>;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

export class FieldCoverage {
  readonly #types = new Map<string, TypeCounts>();
  /** Declared fields per type (schema order); other fields seen are added after them. */
  readonly #declared: ReadonlyMap<string, readonly string[]>;

  constructor(declared: ReadonlyMap<string, readonly string[]> = new Map()) {
    this.#declared = declared;
  }

  add(type: string, item: Record<string, unknown>): void {
    let counts = this.#types.get(type);
    if (!counts) {
      counts = { items: 0, filled: new Map((this.#declared.get(type) ?? []).map((f) => [f, 0])) };
      this.#types.set(type, counts);
    }
    counts.items++;
    for (const field in item) if (!counts.filled.has(field)) counts.filled.set(field, 0);
    for (const [field, n] of counts.filled) if (isFilled(item[field])) counts.filled.set(field, n + 1);
  }

  /** Coverage of every field of every type seen, 0..1 (rounded to 4 decimals). */
  figures(): Map<string, { items: number; fields: Map<string, number> }> {
    const out = new Map<string, { items: number; fields: Map<string, number> }>();
    for (const [type, counts] of this.#types) {
      out.set(type, { items: counts.items, fields: new Map([...counts.filled].map(([f, n]) => [f, round(n / counts.items)])) });
    }
    return out;
  }

  /** `item/types/<type>` (items counted) and `item/coverage/<type>/<field>` into the stats. */
  record(stats: Stats): void {
    for (const [type, { items, fields }] of this.figures()) {
      stats.set(`item/types/${type}`, items);
      for (const [field, coverage] of fields) stats.set(`item/coverage/${type}/${field}`, coverage);
    }
  }

  /**
   * The fields below their threshold. `thresholds` keys: `type/field`, `field`, `type/*` or `*`
   * (most specific wins); a type with no items is not judged.
   */
  check(thresholds: Readonly<Record<string, number>>): CoverageFailure[] {
    const failures: CoverageFailure[] = [];
    if (Object.keys(thresholds).length === 0) return failures;
    for (const [type, { fields }] of this.figures()) {
      for (const [field, coverage] of fields) {
        const threshold = thresholds[`${type}/${field}`] ?? thresholds[field] ?? thresholds[`${type}/*`] ?? thresholds['*'];
        if (threshold !== undefined && coverage < threshold) failures.push({ type, field, coverage, threshold });
      }
    }
    return failures;
  }
}
