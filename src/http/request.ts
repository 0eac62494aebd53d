import { DropRequestError } from '../errors.js';
import type { BrowserMeta } from './browser-options.js';
import { parseCurl, toCurl, type FromCurlOptions } from './curl.js';

/** Request headers: lower-case names, one string value each. */
export type RequestHeaders = Record<string, string>;

/**
 * Framework flags carried by a request. Middlewares read and write these; spiders may set them.
 * Free-form user data goes in `userData`, never here.
 */
export interface RequestMeta {
  /** Link depth from a start request (set by the depth spider middleware). */
  depth?: number;
  /** How many times this request has been retried so far. */
  retryTimes?: number;
  /** Never retry this request. */
  dontRetry?: boolean;
  /** Use this slot key instead of the request's host (API-style crawls). */
  slot?: string;
  /** Pass responses with these statuses to the callback (besides 2xx). */
  handleHttpStatusList?: number[];
  /** Pass every response to the callback, whatever its status. */
  handleHttpStatusAll?: boolean;
  /** Per-request override of `download.timeoutMs`. */
  downloadTimeoutMs?: number;
  /** Per-request override of `download.maxResponseBytes`. */
  maxResponseBytes?: number;
  /** Earliest time (ms since the epoch) this request may be dispatched: set by retries. */
  notBefore?: number;
  /** Where this request came from: the URL of the response that yielded it. */
  referer?: string;
  /** True for requests that came from `spider.start()`. */
  start?: boolean;
  /**
   * Proxy override: a proxy URL for this request only, or `null` to go direct. Unset: the proxy
   * pool picks (when `proxy.enabled`).
   */
  proxy?: string | null;
  /** Sticky-session key: requests with the same key keep one proxy (`proxy.sticky = "session"`). */
  proxySession?: string;
  /** The pool's proxy (its id) for this attempt: set by the frontier when the request leaves. */
  proxyId?: string;
  /** Proxies this request already failed on: a retry goes elsewhere when it can. */
  avoidProxies?: string[];
  /** Do not follow a redirect or meta refresh of this request: its 3xx response goes to the callback side. */
  dontRedirect?: boolean;
  /** The URLs this request was redirected from, oldest first (set by the redirect middleware). */
  redirectUrls?: string[];
  /** The cookie jar this request reads and fills (any key; default one shared jar). */
  cookieJar?: string | number;
  /** Skip the robots.txt check for this request. */
  dontObeyRobots?: boolean;
  /** Neither serve this request from the HTTP cache nor store its response. */
  dontCache?: boolean;
  /**
   * Render this request in the browser: `true`, options, `'auto'` (HTTP first, the browser when
   * the page needs it) or `false` (never). Unset: `browser.mode` decides. See docs/browser.md.
   */
  browser?: BrowserMeta;
  /** Set by `browser.mode = 'auto'` on the rendered copy of a page whose HTTP copy's callback yielded nothing. */
  autoRendered?: boolean;
}

/** A callback or errback: a method name, or a method reference (resolved to its name). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CallbackRef = string | ((...args: any[]) => unknown);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod = (...args: any[]) => unknown;

/** Spider members that are not callbacks: the lifecycle, the request builders, the base fields. */
type NotCallback = 'start' | 'request' | 'follow' | 'followAll' | 'opened' | 'closed' | 'constructor' | 'args' | 'logger' | 'state' | 'name';

/**
 * The member names of spider type `S` a request may name as its callback or errback; any string
 * when the spider type is unknown (`S` is `any`: a spider that does not name itself, see
 * `Spider<Item, Self>`). Names are taken from the keys alone, not from the members' types: a
 * method whose return type tsc is still inferring (a `parse` that calls `this.request`) would
 * otherwise make the check circular. Fields the subclass adds are therefore accepted too; the
 * engine still refuses a name that is not a method when the request is scheduled.
 */
export type CallbackName<S> = unknown extends S ? string : Exclude<keyof S & string, NotCallback>;

/** A callback of spider type `S`: one of its method names, or a method reference (`this.parseItem`). */
export type CallbackOf<S> = CallbackName<S> | AnyMethod;

/** The kwargs parameter of a callback function; a plain record when it declares none (or `any`). */
type KwargsParam<F> = 0 extends 1 & F
  ? Record<string, unknown>
  : F extends (response: never, kwargs: infer A, ...rest: never[]) => unknown
  ? 0 extends 1 & A
    ? Record<string, unknown>
    : unknown extends A
      ? Record<string, unknown>
      : A
  : Record<string, unknown>;

/** What `cbKwargs` must be for callback `C` of spider type `S`: the callback's second parameter. */
// Without a callback (the default `parse`), kwargs stay a plain record: reading parse's type here
// would be circular inside parse itself, where most requests are built.
export type KwargsOf<S, C> = [C] extends [never] ? Record<string, unknown> : C extends string ? (C extends keyof S ? KwargsParam<S[C]> : Record<string, unknown>) : KwargsParam<C>;

/**
 * What a request is built from. `S` is the spider type (checks callback names and `cbKwargs`,
 * when known), `C` the callback given; both default to the untyped form.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface RequestInit<S = any, C extends CallbackOf<S> = CallbackOf<S>> {
  url: string | URL;
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string | number | undefined>;
  body?: string | Uint8Array | null;
  /** Higher is dispatched sooner. Default 0. */
  priority?: number;
  /** Skip the seen-set check (and offsite filtering). Default false. */
  dontFilter?: boolean;
  /** Spider method that parses the response. Default `parse`. */
  callback?: C;
  /** Spider method called when the request fails. */
  errback?: CallbackOf<S>;
  /** Extra keyword arguments passed to the callback (typed as its second parameter). */
  cbKwargs?: KwargsOf<S, C>;
  meta?: RequestMeta;
  /** Free-form data of your own; travels with the request and its response. */
  userData?: Record<string, unknown>;
}

/** The plain-data form of a request: what crosses thread boundaries and goes into stores. */
export interface RequestData {
  url: string;
  method: string;
  headers: RequestHeaders;
  body: string | Uint8Array | null;
  priority: number;
  dontFilter: boolean;
  callback: string | null;
  errback: string | null;
  cbKwargs: Record<string, unknown>;
  meta: RequestMeta;
  userData: Record<string, unknown>;
}

const REQUEST_BRAND = Symbol.for('arachne.request');

/** Resolve a callback reference to the method name it stands for. */
export function callbackName(ref: CallbackRef | null | undefined): string | null {
  if (ref === undefined || ref === null) return null;
  if (typeof ref === 'string') return ref;
  // Method references keep their name; `fn.bind(x)` prefixes it with "bound ".
  const name = ref.name.replace(/^bound /, '');
  if (!name) {
    throw new DropRequestError(
      'ERR_CALLBACK_ANONYMOUS',
      'a request callback was an anonymous function',
      { hint: 'pass a spider method (callback: this.parseItem) or its name (callback: "parseItem")' },
    );
  }
  return name;
}

function parseUrl(raw: string | URL): string {
  // A link joinUrl just made (`linkRequest`) is an href already: parsing it again gives it back.
  if (raw === parsedHref) return raw;
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new DropRequestError('ERR_INVALID_URL', `request URL ${JSON.stringify(String(raw))} is not an absolute URL`, {
      hint: 'use response.follow(href) or response.urljoin(href) for links relative to a page',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DropRequestError('ERR_UNSUPPORTED_SCHEME', `request URL ${JSON.stringify(url.href)} has scheme ${url.protocol}`, {
      hint: 'only http: and https: URLs can be crawled',
    });
  }
  return url.href;
}

/**
 * The host name of a normalised http(s) href, without building a URL object: the frontier asks
 * for it on every push. `href` always has a path, so the authority ends at the first `/`.
 */
export function hostOf(href: string): string {
  const start = href.indexOf('//') + 2;
  let authority = href.slice(start, href.indexOf('/', start));
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const colon = authority.indexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}

function normaliseHeaders(headers: RequestInit['headers']): RequestHeaders {
  const out: RequestHeaders = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/**
 * A request's own meta object: `meta` with `changes` over it. Object.assign, not `{ ...meta }`: V8
 * gives a spread copy a map that the first property added afterwards (the depth middleware's
 * `depth`, a proxy's `proxyId`, on every request) turns into a slow transition, about 450 ns
 * against 20-40 ns (a standalone loop of 2 million copies, Node 20).
 */
function copyMeta(meta: RequestMeta | undefined, changes?: RequestMeta): RequestMeta {
  // Object.assign would set the copy's prototype from an own `__proto__` key (meta parsed from
  // JSON can hold one); a spread defines it as a plain property, as before.
  if ((meta !== undefined && Object.hasOwn(meta, '__proto__')) || (changes !== undefined && Object.hasOwn(changes, '__proto__'))) return { ...meta, ...changes };
  return Object.assign({}, meta, changes);
}

/** Set only for the duration of one `new Request` by `trustedRequest`. */
let trusted: RequestData | undefined;
/** Set only for the duration of one `new Request` by `linkRequest`. */
let parsedHref: string | undefined;

/**
 * `new Request(init)` for an `init.url` the WHATWG parser just serialised (`joinUrl`): the URL is
 * not parsed again (once per link of every page). Anything but http(s) still goes through the
 * parse, and its `ERR_UNSUPPORTED_SCHEME`.
 */
export function linkRequest(init: RequestInit & { url: string }): Request {
  if (init.url.startsWith('https://') || init.url.startsWith('http://')) parsedHref = init.url;
  try {
    return new Request(init);
  } finally {
    parsedHref = undefined;
  }
}

/** A Request with exactly these (already validated) fields. */
function trustedRequest(data: RequestData): Request {
  trusted = data;
  return new Request(data as unknown as RequestInit);
}

/**
 * A request to crawl. Immutable by convention: use `replace()` to derive a changed copy.
 * Validates its URL at construction: a bad URL throws `ERR_INVALID_URL`.
 */
export class Request implements RequestData {
  readonly url: string;
  readonly method: string;
  readonly headers: RequestHeaders;
  readonly body: string | Uint8Array | null;
  readonly priority: number;
  readonly dontFilter: boolean;
  readonly callback: string | null;
  readonly errback: string | null;
  readonly cbKwargs: Record<string, unknown>;
  readonly meta: RequestMeta;
  readonly userData: Record<string, unknown>;

  constructor(init: RequestInit | string | URL) {
    if (trusted !== undefined) {
      // `fromData` and `replace`: fields already validated, copied as they are. Through the
      // constructor rather than `Object.assign(Object.create(...))`, so every Request has the
      // same hidden class (one shape at every `request.x` in the engine) and no generic
      // property copy runs per request (a profile of the worker path showed both).
      const data = trusted;
      trusted = undefined;
      this.url = data.url;
      this.method = data.method;
      this.headers = data.headers;
      this.body = data.body;
      this.priority = data.priority;
      this.dontFilter = data.dontFilter;
      this.callback = data.callback;
      this.errback = data.errback;
      this.cbKwargs = data.cbKwargs;
      this.meta = data.meta;
      this.userData = data.userData;
      return;
    }
    const options: RequestInit = typeof init === 'string' || init instanceof URL ? { url: init } : init;
    this.url = parseUrl(options.url);
    this.method = (options.method ?? 'GET').toUpperCase();
    this.headers = normaliseHeaders(options.headers);
    this.body = options.body ?? null;
    this.priority = options.priority ?? 0;
    this.dontFilter = options.dontFilter ?? false;
    this.callback = callbackName(options.callback);
    this.errback = callbackName(options.errback);
    this.cbKwargs = options.cbKwargs ?? {};
    this.meta = copyMeta(options.meta);
    this.userData = options.userData ?? {};
  }

  /** True for any Arachne request, even one built by another copy of the module (a worker's). */
  static isRequest(value: unknown): value is Request {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REQUEST_BRAND] === true;
  }

  /**
   * A request from a curl command line (as browsers' "Copy as cURL" give it). Unknown options
   * throw `ERR_CURL_UNKNOWN_OPTION` listing them, unless `ignoreUnknownOptions`; options curl knows
   * that a request cannot express (`-F`, `-T`, `--digest`...) throw `ERR_CURL_UNSUPPORTED_OPTION`
   * naming the flag (see `http/curl.ts`).
   */
  static fromCurl(command: string, options?: FromCurlOptions): Request {
    return new Request(parseCurl(command, options));
  }

  /** Rebuilds a request from its plain-data form, as `toData()` made it (its URL is trusted). */
  static fromData(data: RequestData): Request {
    // Data from `toData()` (a parse worker's outputs, a job store) was validated when its Request
    // was built: skip the URL parse, which a page of links would otherwise pay once per link.
    // A cheap scheme check still sends hand-made data through the full constructor.
    if (!data.url.startsWith('https://') && !data.url.startsWith('http://')) {
      return new Request({ ...data, callback: data.callback ?? undefined, errback: data.errback ?? undefined });
    }
    // The framework writes to meta in place (depth, proxyId): each request gets its own object.
    return trustedRequest({ ...data, meta: copyMeta(data.meta) });
  }

  /**
   * A copy with some fields replaced; `meta` is merged, not replaced. Cheap when the URL does not
   * change (middlewares call it on the hot path): the URL is parsed again only if replaced.
   */
  replace(changes: Partial<RequestInit>): Request {
    if (changes.url !== undefined) {
      return new Request({
        ...this.toData(),
        callback: this.callback ?? undefined,
        errback: this.errback ?? undefined,
        ...changes,
        meta: copyMeta(this.meta, changes.meta),
      });
    }
    return trustedRequest({
      url: this.url,
      method: changes.method !== undefined ? changes.method.toUpperCase() : this.method,
      headers: changes.headers !== undefined ? normaliseHeaders(changes.headers) : this.headers,
      body: changes.body !== undefined ? changes.body : this.body,
      priority: changes.priority ?? this.priority,
      dontFilter: changes.dontFilter ?? this.dontFilter,
      callback: changes.callback !== undefined ? callbackName(changes.callback) : this.callback,
      errback: changes.errback !== undefined ? callbackName(changes.errback) : this.errback,
      cbKwargs: changes.cbKwargs ?? this.cbKwargs,
      meta: copyMeta(this.meta, changes.meta),
      userData: changes.userData ?? this.userData,
    });
  }

  /** The request's host name (lower case), the default domain-slot key. */
  get host(): string {
    return hostOf(this.url);
  }

  toData(): RequestData {
    return {
      url: this.url,
      method: this.method,
      headers: this.headers,
      body: this.body,
      priority: this.priority,
      dontFilter: this.dontFilter,
      callback: this.callback,
      errback: this.errback,
      cbKwargs: this.cbKwargs,
      meta: this.meta,
      userData: this.userData,
    };
  }

  /** A curl command line that sends this request (method, headers, body). */
  toCurl(): string {
    return toCurl(this);
  }

  toString(): string {
    return `<${this.method} ${this.url}>`;
  }
}

Object.defineProperty(Request.prototype, REQUEST_BRAND, { value: true });
