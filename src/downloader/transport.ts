/**
 * The transport: sends one `Request` over a pooled keep-alive undici connection and builds the
 * `Response`, with a whole-download deadline, a size cap, decoding, and a record of whether the
 * socket was new or reused.
 *
 * It talks to undici through `dispatch` and a handler object (one per fetch, its methods on the
 * prototype) rather than `request()`: the body arrives as chunks we count and keep without a
 * stream in between, and a whole-download timer can abort at any phase. That handler, and how it
 * tells a new socket from a reused one, lives in download.ts.
 */
import diagnostics from 'node:diagnostics_channel';
import type { LookupFunction } from 'node:net';
import type * as Undici from 'undici';
import type { Agent, Dispatcher, ProxyAgent } from 'undici';
import { loadPackage } from '../load-package.js';

/** undici loads with the first Transport, not with `import 'arachne'` (a third of its import time). */
const undici = (): typeof Undici => loadPackage<typeof Undici>('undici', 'downloads');
import { DropRequestError } from '../errors.js';
import type { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import { ACCEPT_ENCODING, decodeBody } from './decompress.js';
import { Download, type TransportStats } from './download.js';
import { ClientPool } from './client-pool.js';
import { OriginPools, type OriginPool } from './origin-pools.js';

export type { TransportStats };

export interface TransportOptions {
  /** Time allowed to open a connection (TCP, and TLS for https), in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * The whole download, from dispatch to the last body byte, in ms (Scrapy's DOWNLOAD_TIMEOUT,
   * setting `download.timeoutMs`): a body that drips forever is cut. Overridden per request by
   * `meta.downloadTimeoutMs`. Default 60 000.
   */
  timeoutMs?: number;
  /**
   * Cap on the body in bytes, applied to the bytes received and again to the decoded bytes (a
   * gzip bomb is cut); 0 = no cap. Overridden per request by `meta.maxResponseBytes`.
   * Default 32 MiB.
   */
  maxResponseBytes?: number;
  /** Call `onWarning` for a body larger than this many bytes; 0 = never. Default 8 MiB. */
  warnResponseBytes?: number;
  /** Sockets per origin (undici `connections`); 0 = no limit, the frontier's slots bound it. Default 0. */
  connectionsPerOrigin?: number;
  /** How long an idle socket is kept when the server sends no `Keep-Alive` hint, in ms. Default 4 000. */
  keepAliveTimeoutMs?: number;
  /**
   * Close a socket after it carried this many requests; 0 = no limit. Default 0. undici marks the
   * socket for reset once its count passes the cap, so the last request goes out with
   * `connection: close` (undici 7.30 client-h1.js `writeH1`, `kMaxRequests`).
   */
  maxRequestsPerSocket?: number;
  /**
   * Offer HTTP/2 over TLS by ALPN (undici `allowH2`); servers without it get HTTP/1.1. Requests to
   * one origin then share one socket as streams: each stream after the first counts as reused.
   * Default false.
   */
  http2?: boolean;
  /** Verify TLS certificates (setting `download.verifyTls`); false accepts any. Default true. */
  verifyTls?: boolean;
  /**
   * A `dns.lookup`-compatible function used to connect (to pin the address a slot was keyed on).
   * On Node 20 it is called with `{all: true}` and must answer with an array. Default: `dns.lookup`.
   */
  lookup?: LookupFunction;
  /** Receives one message per response larger than `warnResponseBytes`. Default: none. */
  onWarning?: (message: string) => void;
  /**
   * The proxy pool's proxies: a request whose `meta.proxyId` names one goes through its own
   * `ProxyAgent` (CONNECT tunnels, one keep-alive pool per (proxy, origin)). Default: none.
   */
  proxies?: readonly { id: string; url: string }[];
  /**
   * Keep-alive pools (one per origin, direct connections) kept open; past this many, making one
   * closes the least recently used idle one with its sockets. Default 4,096.
   */
  maxIdleOrigins?: number;
}

/** Origins listed one by one in `openedByOrigin`; later ones are counted under `(other)`. */
export const MAX_ORIGIN_KEYS = 1_000;

/** Transports not yet closed: the channel is subscribed while there is one. */
let openTransports = 0;

/**
 * Sends requests over undici keep-alive pools, one per origin (`OriginPools`, bounded), or
 * through a proxy's `ProxyAgent`. Returns a `Response` for every status: statuses are for
 * middlewares to judge. Redirects, retries and DNS stay out of undici (DESIGN.md section 8): no
 * interceptors.
 */
export class Transport {
  readonly #pools: OriginPools;
  /** The options every dispatcher shares, direct or through a proxy. */
  readonly #agentOptions: Agent.Options;
  readonly #proxyUrls: Map<string, string>;
  /** One ProxyAgent per pool proxy (by id) or per `meta.proxy` URL, made on first use. */
  readonly #proxyAgents = new Map<string, ProxyAgent>();
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #warnResponseBytes: number;
  readonly #onWarning: ((message: string) => void) | undefined;
  readonly #counters: TransportStats = { connectionsOpened: 0, requests: 0, staleSocketRetries: 0, byProxy: {}, openedByOrigin: {} };
  #closed = false;
  #originKeys = 0;

  constructor(options: TransportOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.#warnResponseBytes = options.warnResponseBytes ?? 8 * 1024 * 1024;
    this.#onWarning = options.onWarning;
    this.#proxyUrls = new Map((options.proxies ?? []).map((p) => [p.id, p.url]));
    this.#agentOptions = {
      connections: options.connectionsPerOrigin || null,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
      // undici subtracts this from the server's `Keep-Alive: timeout=N` hint; its 2 s default
      // gives 0% reuse against `timeout=2` (measured, DESIGN.md section 8).
      keepAliveTimeoutThreshold: 1_000,
      maxRequestsPerClient: options.maxRequestsPerSocket || undefined,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Our one whole-download timer replaces undici's per-gap timers (0 = off).
      headersTimeout: 0,
      bodyTimeout: 0,
      allowH2: options.http2 ?? false,
      connect: {
        rejectUnauthorized: options.verifyTls ?? true,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      },
    };
    // One connector (socket options, TLS session cache) for every direct pool, not one per origin.
    const { connect, connectTimeout, allowH2, ...poolOptions } = this.#agentOptions;
    const shared = { ...poolOptions, allowH2, connect: undici().buildConnector({ ...(connect as object), timeout: connectTimeout, allowH2 }) };
    const { Client } = undici();
    const create = (origin: string): ClientPool =>
      new ClientPool(() => new Client(origin, shared).on('connect', () => this.#countConnect(origin, undefined)), shared.connections ?? null);
    let closedError: Error | undefined;
    this.#pools = new OriginPools(create, options.maxIdleOrigins ?? 4_096, () => {
      if (closedError === undefined) {
        closedError = new (undici().errors.ClientDestroyedError)();
        // Formatted once: each socket destroyed with it reads its stack.
        void closedError.stack;
      }
      return closedError;
    });
    if (openTransports++ === 0) diagnostics.subscribe('undici:client:sendHeaders', Download.onSendHeaders);
  }

  /** Download `request`. Rejects with coded errors only (`RetryableError`, `DropRequestError`). */
  async fetch(request: Request): Promise<Response> {
    if (this.#closed) {
      throw new DropRequestError('ERR_TRANSPORT_CLOSED', `cannot fetch ${request.url}: the transport is closed`);
    }
    const url = new URL(request.url);
    const maxBytes = request.meta.maxResponseBytes ?? this.#maxResponseBytes;
    const download = new Download(this.#counters, url, request.method, request.meta.downloadTimeoutMs ?? this.#timeoutMs, maxBytes);
    const headers =
      request.headers['accept-encoding'] === undefined
        ? { ...request.headers, 'accept-encoding': ACCEPT_ENCODING }
        : request.headers;
    const { dispatcher, proxyId } = this.#dispatcherFor(request);
    let pool: OriginPool | undefined;
    if (proxyId !== undefined) this.#proxyCounts(proxyId).requests++;
    try {
      if (dispatcher === undefined) pool = this.#pools.acquire(url.origin);
      download.send(dispatcher ?? pool!.pool, {
        origin: url.origin,
        path: download.path,
        method: request.method,
        headers,
        body: request.body,
      });
      await download.promise;
    } finally {
      if (pool) this.#pools.release(pool);
    }

    const raw = download.chunks.length === 1 ? download.chunks[0]! : Buffer.concat(download.chunks, download.bytes);
    const decoded = await decodeBody(download.headers, raw, { url: download.url, maxBytes });
    const size = Math.max(raw.length, decoded.body.length);
    if (this.#warnResponseBytes > 0 && size > this.#warnResponseBytes && this.#onWarning) {
      this.#onWarning(`response from ${download.url} is ${size} bytes, over download.warnResponseBytes (${this.#warnResponseBytes})`);
    }
    return new Response({
      url: download.url,
      status: download.status,
      headers: download.headers,
      body: decoded.body,
      request,
      ip: download.ip,
      timings: download.timings,
      reusedConnection: download.reused,
      ...(decoded.unknownEncoding === undefined ? {} : { flags: ['undecoded'] }),
    });
  }

  stats(): TransportStats {
    const { byProxy, openedByOrigin } = this.#counters;
    return {
      ...this.#counters,
      byProxy: Object.fromEntries(Object.entries(byProxy).map(([id, counts]) => [id, { ...counts }])),
      openedByOrigin: { ...openedByOrigin },
    };
  }

  /**
   * The pool factory of a proxy's ProxyAgent: undici's default (a `Client` for
   * one connection, else a `Pool`) with a `connect` listener that counts the socket for its
   * origin and proxy. A ProxyAgent emits no `connect` of its own: its inner agent's pools do, and
   * this factory is how they are reached. It never touches `options.connect` (for a ProxyAgent,
   * that is the tunnelling function).
   */
  #poolFactory(proxyId: string | undefined): (origin: string | URL, options: object) => Dispatcher {
    return (origin, options) => {
      const { Client, Pool } = undici();
      const pool = (options as { connections?: number | null }).connections === 1 ? new Client(origin, options) : new Pool(origin, options);
      const key = typeof origin === 'string' ? origin : origin.origin;
      pool.on('connect', () => this.#countConnect(key, proxyId));
      return pool;
    };
  }

  /** One socket connected to `origin` (through `proxyId`). */
  #countConnect(origin: string, proxyId: string | undefined): void {
    const counters = this.#counters;
    counters.connectionsOpened++;
    const byOrigin = counters.openedByOrigin;
    // One key per origin for the first MAX_ORIGIN_KEYS: a broad crawl's 100,000 hosts are not listed.
    let name = origin;
    if (byOrigin[origin] === undefined) {
      if (this.#originKeys < MAX_ORIGIN_KEYS) this.#originKeys++;
      else name = '(other)';
    }
    byOrigin[name] = (byOrigin[name] ?? 0) + 1;
    if (proxyId !== undefined) this.#proxyCounts(proxyId).connectionsOpened++;
  }

  #proxyCounts(proxyId: string): { connectionsOpened: number; requests: number } {
    return (this.#counters.byProxy[proxyId] ??= { connectionsOpened: 0, requests: 0 });
  }

  /** Close every pooled connection once its requests finish; later fetches are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (--openTransports === 0) diagnostics.unsubscribe('undici:client:sendHeaders', Download.onSendHeaders);
    await Promise.all([this.#pools.close(), ...[...this.#proxyAgents.values()].map((a) => a.close())]);
  }

  /**
   * No dispatcher (direct: the origin's pool), or the ProxyAgent of the request's pool proxy or `meta.proxy` URL, with the
   * proxy's id for the counts (a `meta.proxy` URL is counted by its host:port: never by a URL
   * that may carry credentials).
   */
  #dispatcherFor(request: Request): { dispatcher: Dispatcher | undefined; proxyId: string | undefined } {
    const key = request.meta.proxyId ?? (typeof request.meta.proxy === 'string' ? request.meta.proxy : undefined);
    if (key === undefined) return { dispatcher: undefined, proxyId: undefined };
    const proxyId = request.meta.proxyId ?? proxyHostOf(key);
    let agent = this.#proxyAgents.get(key);
    if (!agent) {
      const uri = this.#proxyUrls.get(key) ?? key;
      const { connect, ...shared } = this.#agentOptions;
      // The tunnel's own connect is undici's (never override it in a ProxyAgent, DESIGN.md §8);
      // TLS verification applies to the proxy and to the target through the tunnel.
      const tls = { rejectUnauthorized: (connect as { rejectUnauthorized?: boolean } | undefined)?.rejectUnauthorized ?? true };
      agent = new (undici().ProxyAgent)({ ...shared, factory: this.#poolFactory(proxyId), uri, proxyTls: tls, requestTls: tls });
      this.#proxyAgents.set(key, agent);
    }
    return { dispatcher: agent, proxyId };
  }
}

/** `host:port` of a proxy URL (what a proxy is called in stats and logs), or a placeholder. */
function proxyHostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host;
  } catch {
    return 'meta.proxy';
  }
}
