/**
 * What crosses the parse-pool thread boundary, and how (DESIGN.md §4 "Parsing off the event loop").
 *
 * - Responses go over as plain data plus the body as an `ArrayBuffer` in piscina's `transferList`
 *   (moved, not copied). A body that does not own its whole `ArrayBuffer` (a small `Buffer` on
 *   Node's shared 8 KiB slab, or a view into a larger buffer) is copied into its own buffer first:
 *   transferring the slab would hand the worker other data, and Node 22 refuses (DESIGN.md §8).
 * - Requests go over as `RequestWire`: the URL alone when every other field has its default, `>`
 *   and the URL for a link followed from the page (meta only `{ referer: <page URL> }`: most
 *   followed links; each was an object in an object before), else the fields that differ
 *   (callbacks by name); rebuilt with
 *   `Request.fromData`. Measured with a MessageChannel micro-benchmark (Node 20): a page's 20
 *   followed links as full `RequestData` cost 20 us to post and 45-55 us to receive; as URLs, 3 us
 *   and 4 us. Structured clone pays per object and per key, on both threads.
 * - Items go over by structured clone, which silently turns class instances into plain objects
 *   and throws a bare `DataCloneError` on functions: `uncloneablePath` finds the offending field
 *   first so the error can name it (`ERR_ITEM_NOT_CLONEABLE`).
 * - Errors go over as `ErrorData`: piscina keeps only name, message and stack (DESIGN.md §8), so a
 *   thrown error is flattened with `toErrorData` and rebuilt with its `code`.
 */
import { CallbackError, CloseSpider, fromErrorData, toErrorData, type ArachneError, type ErrorData } from '../errors.js';
import { Request, type RequestData } from '../http/request.js';
import type { BrowserResult } from '../http/browser-options.js';
import { Response, type ResponseHeaders, type Timings } from '../http/response.js';
import type { Failure, SpiderOutput } from '../spider/spider.js';
import { itemTag, tagItem, type ItemTag } from '../spider/item-schema.js';
import { describeValue } from '../describe.js';

/** A response as plain data; its body travels separately, in the transfer list. */
export interface ResponseWire {
  url: string;
  status: number;
  headers: ResponseHeaders;
  body: ArrayBuffer;
  request: RequestWire;
  ip: string | undefined;
  timings: Timings;
  reusedConnection: boolean | undefined;
  flags: string[];
  /** A rendered response's browser result, without the live page (it cannot cross threads). */
  browser?: BrowserResult;
}

/** An error as data, plus `CloseSpider`'s reason, which `ErrorData` has no field for. */
export interface ErrorWire extends ErrorData {
  closeReason?: string;
}

/** One unit of work for a parse worker: a callback on a response, or an errback on a failure. */
/**
 * `startSlot`: where the worker stamps the task's start (`StartStamps`); -1 when nobody waits for
 * it (no timeout); absent when the runner had no slot free: the worker posts a `StartWire`.
 */
export type ParseTask =
  | { id: number; kind: 'callback'; response: ResponseWire; startSlot?: number }
  | { id: number; kind: 'errback'; method: string; request: RequestWire; error: ErrorWire; response?: ResponseWire; startSlot?: number };

/** Several tasks handed to one thread at once; the worker answers with their results, in order. */
export interface ParseBatch {
  kind: 'batch';
  tasks: ParseTask[];
}

/** A request as data: its URL when nothing else differs from a new `Request(url)`, else the fields that do. */
export type RequestWire = string | (Partial<RequestData> & { url: string });

/** One output of a callback: a request (as data) or an item (structured-cloned as is). */
export type OutputWire = string | { request: Exclude<RequestWire, string> } | { item: Record<string, unknown>; tag?: ItemTag };

const isEmpty = (value: object): boolean => {
  for (const _ in value) return false;
  return true;
};

/**
 * The request as wire data: only the fields that differ from their defaults travel.
 * Not the job store's codec (scheduler/stores/request-codec.ts): that one writes JSON text with
 * base64 bodies and drops the per-attempt proxy id; this one is for structured clone.
 */
export function encodeRequestWire(request: Request, page?: string): RequestWire {
  const { method, headers, body, priority, dontFilter, callback, errback, cbKwargs, meta, userData } = request;
  if (method === 'GET' && body === null && priority === 0 && !dontFilter && callback === null && errback === null && isEmpty(headers) && isEmpty(cbKwargs) && isEmpty(userData)) {
    if (isEmpty(meta)) return request.url;
    // A link followed from the page (followAll sets meta.referer to its URL): a marked string.
    if (page !== undefined && meta.referer === page && onlyReferer(meta)) return REFERRED + request.url;
  }
  const wire: Partial<RequestData> & { url: string } = { url: request.url };
  if (method !== 'GET') wire.method = method;
  if (!isEmpty(headers)) wire.headers = headers;
  if (body !== null) wire.body = body;
  if (priority !== 0) wire.priority = priority;
  if (dontFilter) wire.dontFilter = true;
  if (callback !== null) wire.callback = callback;
  if (errback !== null) wire.errback = errback;
  if (!isEmpty(cbKwargs)) wire.cbKwargs = cbKwargs;
  if (!isEmpty(meta)) wire.meta = meta;
  if (!isEmpty(userData)) wire.userData = userData;
  return wire;
}

/** Marks a request wire string whose meta is `{ referer: <the page's URL> }`; a request URL always starts with `http`. */
const REFERRED = '>';

function onlyReferer(meta: object): boolean {
  let keys = 0;
  for (const _ in meta) keys++;
  return keys === 1;
}

/** `page`: the URL of the response whose callback yielded the request (for a referred link). */
export function decodeRequestWire(wire: RequestWire, page?: string): Request {
  const data = typeof wire !== 'string' ? wire : wire.startsWith(REFERRED) ? { url: wire.slice(1), meta: { referer: page } } : { url: wire };
  return Request.fromData({
    url: data.url,
    method: data.method ?? 'GET',
    headers: data.headers ?? {},
    body: data.body ?? null,
    priority: data.priority ?? 0,
    dontFilter: data.dontFilter ?? false,
    callback: data.callback ?? null,
    errback: data.errback ?? null,
    cbKwargs: data.cbKwargs ?? {},
    meta: data.meta ?? {},
    userData: data.userData ?? {},
  });
}

/** What a worker sends back: the outputs yielded before the end (or before a failure) and the failure. */
export interface ParseResult {
  outputs: OutputWire[];
  error?: ErrorWire;
  /** Log lines the worker posted for this task, so the runner can wait until all have arrived. */
  logCount: number;
}

/** A spider log line forwarded from a worker over its `parentPort`. */
export interface LogWire {
  arachneLog: { task: number; level: 'debug' | 'info' | 'warn' | 'error'; name: string; message: string };
}

/**
 * Posted by a worker when it starts running a task (after loading the spider): the timeout starts
 * here. Only for a task without a `startSlot`: the others are stamped in `StartStamps`.
 */
export interface StartWire {
  arachneStart: number;
}

/**
 * When each running task started, in memory shared by the runner and its workers: the worker
 * writes the time then the task id into the task's slot; the runner's timeout reads them when its
 * timer fires. This replaced a message per task (`StartWire`), which cost every page one more
 * post, one more wake-up of the main thread's event loop and one more 'message' event there.
 */
export class StartStamps {
  readonly #ids: Int32Array;
  readonly #at: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = buffer.byteLength / 12;
    this.#at = new Float64Array(buffer, 0, slots);
    this.#ids = new Int32Array(buffer, slots * 8, slots);
  }

  static create(slots: number): StartStamps {
    return new StartStamps(new SharedArrayBuffer(slots * 12));
  }

  get slots(): number {
    return this.#ids.length;
  }

  /** Worker side: task `id` started now (milliseconds since the epoch, as `Date.now()`). */
  stamp(slot: number, id: number, at: number): void {
    this.#at[slot] = at;
    Atomics.store(this.#ids, slot, id);
  }

  /** Worker side: the task in `slot` is done; a batch's later tasks may still be running, and its timeout must not count it. */
  finish(slot: number): void {
    Atomics.store(this.#ids, slot, 0);
  }

  /** Runner side: when task `id` started, or undefined while it waits for a thread. */
  startedAt(slot: number, id: number): number | undefined {
    return Atomics.load(this.#ids, slot) === id ? this.#at[slot] : undefined;
  }
}

/** The body's bytes in an `ArrayBuffer` of their own, safe to transfer. */
export function ownBuffer(body: Uint8Array): ArrayBuffer {
  const buffer = body.buffer;
  if (buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength) return buffer;
  // A view into a shared slab or a larger buffer (undici's single-chunk bodies are views into the
  // socket's read buffer): copy exactly its bytes, into memory that is not zero-filled first
  // (`ArrayBuffer.prototype.slice` is), in a buffer of its own (allocUnsafeSlow never pools).
  const own = Buffer.allocUnsafeSlow(body.byteLength);
  own.set(body);
  return own.buffer as ArrayBuffer;
}

/**
 * The response as data, and the buffers to transfer. After the transfer the main thread's
 * `response.body` is detached (length 0) when it owned its buffer: nothing reads it after parsing.
 */
export function encodeResponse(response: Response, transferList: ArrayBuffer[]): ResponseWire {
  const body = ownBuffer(response.body);
  transferList.push(body);
  return {
    url: response.url,
    status: response.status,
    headers: response.headers,
    body,
    request: encodeRequestWire(response.request),
    ip: response.ip,
    timings: response.timings,
    reusedConnection: response.reusedConnection,
    flags: response.flags,
    ...(response.browser ? { browser: withoutPage(response.browser) } : {}),
  };
}

function withoutPage(result: BrowserResult): BrowserResult {
  if (result.page === undefined) return result;
  const { page: _page, ...rest } = result;
  return rest;
}

export function decodeResponse(wire: ResponseWire): Response {
  return new Response({
    url: wire.url,
    status: wire.status,
    headers: wire.headers,
    // A Buffer over the transferred memory (no copy): callbacks may call `body.toString()`.
    body: Buffer.from(wire.body),
    request: decodeRequestWire(wire.request),
    ...(wire.ip !== undefined ? { ip: wire.ip } : {}),
    timings: wire.timings,
    ...(wire.reusedConnection !== undefined ? { reusedConnection: wire.reusedConnection } : {}),
    flags: wire.flags,
    ...(wire.browser ? { browser: wire.browser } : {}),
  });
}

export function encodeError(error: unknown): ErrorWire {
  const data: ErrorWire = toErrorData(error);
  if (error instanceof CloseSpider || (data.code === 'ERR_CLOSE_SPIDER' && typeof (error as CloseSpider).reason === 'string')) {
    data.closeReason = (error as CloseSpider).reason;
  }
  return data;
}

/** The error rebuilt with its code; `CloseSpider` comes back as itself, with its reason. */
export function decodeError(wire: ErrorWire): ArachneError {
  if (wire.code === 'ERR_CLOSE_SPIDER') return new CloseSpider(wire.closeReason ?? 'cancelled');
  return fromErrorData(wire);
}

export function encodeFailure(id: number, method: string, failure: Failure, transferList: ArrayBuffer[]): ParseTask {
  return {
    id,
    kind: 'errback',
    method,
    request: encodeRequestWire(failure.request),
    error: encodeError(failure.error),
    ...(failure.response ? { response: encodeResponse(failure.response, transferList) } : {}),
  };
}

export function decodeFailure(task: Extract<ParseTask, { kind: 'errback' }>): Failure {
  return {
    request: decodeRequestWire(task.request),
    error: decodeError(task.error),
    ...(task.response ? { response: decodeResponse(task.response) } : {}),
  };
}

/** True for a prototype that is some realm's `Object.prototype` (or no prototype at all). */
function isPlainPrototype(proto: unknown): boolean {
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// Built-ins that structured clone copies faithfully (HTML spec, "StructuredSerializeInternal").
const CLONEABLE_BUILTINS: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date, RegExp, Map, Set, ArrayBuffer, DataView, Boolean, Number, String, Error,
];

/**
 * The path of the first field structured clone would reject or silently change (a function, a
 * symbol, a class instance whose prototype and methods would be lost), with what it holds;
 * undefined when the value is safe to clone. Walks at most `limit` values (items are small).
 */
export function uncloneablePath(value: unknown, path = 'item', limit = 100_000): { path: string; what: string } | undefined {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, path]];
  let visited = 0;
  while (stack.length > 0 && visited++ < limit) {
    const [current, at] = stack.pop()!;
    if (typeof current === 'function' || typeof current === 'symbol') return { path: at, what: describeValue(current) };
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (ArrayBuffer.isView(current)) continue;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${at}[${i}]`]);
      continue;
    }
    if (current instanceof Map) {
      for (const [k, v] of current) stack.push([k, `${at}.<key>`], [v, `${at}.get(${JSON.stringify(String(k))})`]);
      continue;
    }
    if (current instanceof Set) {
      for (const v of current) stack.push([v, `${at}.<entry>`]);
      continue;
    }
    if (CLONEABLE_BUILTINS.some((C) => current instanceof C)) continue;
    if (!isPlainPrototype(Object.getPrototypeOf(current))) return { path: at, what: describeValue(current) };
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push([(current as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`]);
    }
  }
  return undefined;
}

/** A callback output as wire data; throws `ERR_ITEM_NOT_CLONEABLE` naming the field that cannot cross. */
export function encodeOutput(output: SpiderOutput, url: string): OutputWire {
  if (Request.isRequest(output)) {
    const wire = encodeRequestWire(output, url);
    if (typeof wire === 'string') return wire;
    if (!cloneSafe(wire.cbKwargs) || !cloneSafe(wire.meta) || !cloneSafe(wire.userData)) {
      const bad = uncloneablePath({ cbKwargs: wire.cbKwargs, meta: wire.meta, userData: wire.userData }, 'request');
      if (bad) throw notCloneable(`request ${output.url}`, bad, url);
    }
    return { request: wire };
  }
  if (!cloneSafe(output)) {
    const bad = uncloneablePath(output);
    if (bad) throw notCloneable('an item', bad, url);
  }
  // The item type and validation issues (spider/item-schema.ts) are kept beside the item, not in it.
  const tag = itemTag(output);
  return tag ? { item: output, tag } : { item: output };
}

/**
 * The fast check every output takes: the same rules as `uncloneablePath`, without building a
 * path string per field. Only a value that fails it is walked again for the path to report.
 * A recursive walk without a seen-set: items are small trees; a cycle (rare, and cloneable) falls
 * back to the full walk through the depth cap.
 */
function cloneSafe(value: unknown, depth = 0): boolean {
  if (typeof value === 'function' || typeof value === 'symbol') return false;
  if (typeof value !== 'object' || value === null) return true;
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (const entry of value) if (!cloneSafe(entry, depth + 1)) return false;
    return true;
  }
  if (!isPlainPrototype(Object.getPrototypeOf(value))) {
    // Typed arrays, Maps, Sets and other faithful built-ins are left to the full walk.
    return ArrayBuffer.isView(value) || (!(value instanceof Map) && !(value instanceof Set) && CLONEABLE_BUILTINS.some((C) => value instanceof C));
  }
  for (const key in value) if (!cloneSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

function notCloneable(what: string, bad: { path: string; what: string }, url: string): CallbackError {
  return new CallbackError('ERR_ITEM_NOT_CLONEABLE', `${what} yielded on ${url} cannot cross to the main thread: ${bad.path} is ${bad.what}`, {
    hint: `yield plain data: convert ${bad.path} to a string, number, array or plain object (e.g. \`.text()\` or \`.attr(...)\` of a cheerio selection)`,
  });
}

/** `url`: the one the worker gave `encodeOutput` (the response's, or the failed request's). */
export function decodeOutput(wire: OutputWire, url: string): SpiderOutput {
  if (typeof wire === 'string') return decodeRequestWire(wire, url);
  if ('request' in wire) return decodeRequestWire(wire.request);
  return wire.tag ? tagItem(wire.item, wire.tag) : wire.item;
}

export function isLogWire(message: unknown): message is LogWire {
  return typeof message === 'object' && message !== null && 'arachneLog' in message;
}

export function isStartWire(message: unknown): message is StartWire {
  return typeof message === 'object' && message !== null && 'arachneStart' in message;
}
