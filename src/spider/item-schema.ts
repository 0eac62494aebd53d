/**
 * Item types: an item declared once with any Standard Schema validator (zod 4, valibot, arktype...)
 * types the spider's yields, the pipelines and the feeds, and validates each item where it is made
 * (on the parse worker, or in-process with `parse.workers = 0`).
 *
 * Only the Standard Schema v1 interface (`schema['~standard'].validate`) is used, so no validator
 * library is a dependency of Arachne (https://standardschema.dev). This module is a leaf (no
 * imports but types): the spider floor (for `static itemType`) and the parse floor (to validate)
 * both use it, and parse workers load it through whichever copy of Arachne the spider imported,
 * so its registry lives on `globalThis` under a `Symbol.for` key, as the request brand does.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Item } from './item.js';

/** Any Standard Schema v1 validator. */
export type AnySchema = StandardSchemaV1;

/** An item type: its name (in stats and logs), its schema and its fields in schema order. */
export interface ItemType<Output extends object = Item, Input = Output> {
  readonly name: string;
  readonly schema: StandardSchemaV1<Input, Output>;
  /**
   * The fields in the schema's order, read from the schema's shape (zod's `shape`, valibot's
   * `entries`, arktype's `props`, or the Standard JSON Schema's `properties`) or given to
   * `defineItem`; undefined when the schema exposes none. Feeds without `fields` use this order.
   */
  readonly fields: readonly string[] | undefined;
  /**
   * Marks `value` as an item of this type and returns it: for spiders that yield several item
   * types (untagged items are checked against the spider's first `itemType`).
   */
  item(value: Input): Output;
}

/** The item (output) type of an `ItemType` or a schema: `type Product = ItemOf<typeof Product>`. */
export type ItemOf<X> = X extends ItemType<infer O, unknown> ? O : X extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<X> : never;

/** What a callback yields for an `ItemType` (its schema's input, before transforms). */
export type ItemInputOf<X> = X extends ItemType<object, infer I> ? I : X extends StandardSchemaV1 ? StandardSchemaV1.InferInput<X> : never;

export interface DefineItemOptions {
  /** The fields in column order, when the schema exposes no shape (or to override it). */
  fields?: readonly string[];
}

/** One validation issue as data: the field path (`price`, `variants.0.sku`) and the validator's message. */
export interface IssueData {
  path: string;
  message: string;
}

/** What validation attached to an item: its type, and its issues when invalid. */
export interface ItemTag {
  type: string;
  issues?: IssueData[];
  /** The page the item was scraped from. */
  url?: string;
}

const TAGS_KEY = Symbol.for('arachne.itemTags');
const registry = globalThis as unknown as Record<symbol, WeakMap<object, ItemTag> | undefined>;
const tags: WeakMap<object, ItemTag> = (registry[TAGS_KEY] ??= new WeakMap<object, ItemTag>());
// Every type defined in this thread, by name: an item tagged with a type the spider does not
// declare in `static itemType` is still checked against its own schema.
const TYPES_KEY = Symbol.for('arachne.itemTypes');
const typeRegistry = globalThis as unknown as Record<symbol, Map<string, ItemType<object, unknown>> | undefined>;
const typesByName: Map<string, ItemType<object, unknown>> = (typeRegistry[TYPES_KEY] ??= new Map());

/** The tag of an item (its type, and issues), if it has one. */
export function itemTag(item: object): ItemTag | undefined {
  return tags.get(item);
}

/** Attaches a tag to an item (replacing any earlier one). */
export function tagItem<T extends object>(item: T, tag: ItemTag): T {
  tags.set(item, tag);
  return item;
}

function isSchema(value: unknown): value is AnySchema {
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

/** The schema's field order, from whatever shape its library exposes. */
export function schemaFields(schema: AnySchema): string[] | undefined {
  const s = schema as unknown as Record<string, unknown>;
  for (const key of ['shape', 'entries', 'props']) {
    const shape = s[key];
    if (Array.isArray(shape)) {
      const names = shape.map((p: { key?: unknown }) => p?.key).filter((k): k is string => typeof k === 'string');
      if (names.length > 0) return names;
    } else if (typeof shape === 'object' && shape !== null) {
      const names = Object.keys(shape);
      if (names.length > 0) return names;
    }
  }
  const json = (schema['~standard'] as { jsonSchema?: { output?: (o: { target: string }) => unknown } }).jsonSchema;
  if (typeof json?.output === 'function') {
    try {
      const out = json.output({ target: 'draft-2020-12' }) as { properties?: Record<string, unknown> };
      if (out.properties) return Object.keys(out.properties);
    } catch {
      // A schema that cannot be expressed in JSON Schema just has no known field order.
    }
  }
  return undefined;
}

/**
 * Declares an item type from a Standard Schema validator.
 *
 * ```ts
 * export const Product = defineItem('product', z.object({ title: z.string().min(1), price: z.number() }));
 * export type Product = ItemOf<typeof Product>;
 * ```
 *
 * @throws TypeError when `schema` is not a Standard Schema v1 validator.
 */
export function defineItem<S extends AnySchema>(
  name: string,
  schema: S,
  options: DefineItemOptions = {},
): ItemType<StandardSchemaV1.InferOutput<S> & object, StandardSchemaV1.InferInput<S>> {
  if (!isSchema(schema)) {
    throw new TypeError(`defineItem("${name}"): the schema is not a Standard Schema v1 validator (zod >= 3.24, valibot >= 1, arktype >= 2)`);
  }
  if (!/^[\w.-]+$/.test(name)) throw new TypeError(`defineItem("${name}"): a name is letters, digits, _ . - (it appears in stats keys)`);
  const fields = options.fields ? [...options.fields] : schemaFields(schema);
  const type: ItemType<StandardSchemaV1.InferOutput<S> & object, StandardSchemaV1.InferInput<S>> = {
    name,
    schema: schema as StandardSchemaV1<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S> & object>,
    fields,
    item: (value) => tagItem(value as object, { type: name }) as StandardSchemaV1.InferOutput<S> & object,
  };
  typesByName.set(name, type as ItemType<object, unknown>);
  return type;
}

/** The item types a spider class declares (`static itemType`), first one the default. */
export function itemTypesOf(spiderClass: unknown): readonly ItemType<object, unknown>[] {
  const declared = (spiderClass as { itemType?: ItemType<object, unknown> | readonly ItemType<object, unknown>[] } | null)?.itemType;
  if (declared === undefined) return [];
  return Array.isArray(declared) ? declared : [declared as ItemType<object, unknown>];
}

function pathText(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(item)';
  return path.map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
}

/**
 * Validates one yielded item against its type (its tag, else the first declared type) and tags
 * the result: the schema's output (transforms applied) when valid, the item as yielded with its
 * issues when not. Untagged items of spiders without item types pass through untouched.
 */
export async function validateItem(types: readonly ItemType<object, unknown>[], item: object, url?: string): Promise<object> {
  const tagged = tags.get(item)?.type;
  const type = (tagged !== undefined ? (types.find((t) => t.name === tagged) ?? typesByName.get(tagged)) : undefined) ?? types[0];
  if (type === undefined) return item;
  let result = type.schema['~standard'].validate(item);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const issues = result.issues.map((issue) => ({ path: pathText(issue.path), message: issue.message }));
    return tagItem(item, { type: type.name, issues, ...(url !== undefined ? { url } : {}) });
  }
  const value = result.value;
  const out = typeof value === 'object' && value !== null ? value : item;
  return tagItem(out, { type: type.name, ...(url !== undefined ? { url } : {}) });
}
