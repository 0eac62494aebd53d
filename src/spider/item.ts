/**
 * Items: the plain, JSON-serialisable objects spider callbacks yield. They cross the worker
 * boundary by structured clone, so anything richer than plain data would not survive it anyway.
 */
export type Item = Record<string, unknown>;

// Requests carry this brand on their prototype (src/http/request.ts); checking the symbol rather
// than importing `Request` keeps items/ free of http/ and works across module copies.
const REQUEST_BRAND = Symbol.for('arachne.request');

/**
 * True for a plain object (its prototype is null or some realm's `Object.prototype`) that is not
 * a Request: what a callback may yield as an item. Arrays, Dates, Maps and class instances are not
 * items.
 */
export function isItem(value: unknown): value is Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if ((value as Record<symbol, unknown>)[REQUEST_BRAND] === true) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // A prototype whose own prototype is null is `Object.prototype` of this or another realm (vm).
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** The item with only `fields`, in that order (absent ones skipped); the item itself without fields. */
export function pickFields(item: Item, fields: readonly string[] | undefined): Item {
  if (fields === undefined) return item;
  const out: Item = {};
  for (const field of fields) if (Object.hasOwn(item, field)) out[field] = item[field];
  return out;
}
