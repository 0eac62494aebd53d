/**
 * The trace file format (`trace.file`, `--trace`): JSON Lines, written by the trace recorder
 * (src/trace/recorder.ts) and read by the report (src/trace/reader.ts).
 *
 *   line 1        the header:  {"arachne_trace": 1, "startedAt": ISO, "spider": ..., "limits": {...}, "sampleRate": ...}
 *   lines 2..n-1  one record per finished download attempt (see `TraceRecord`)
 *   last line     the footer:  {"arachne_trace_end": 1, "finishedAt": ISO, "reason": ..., "dropped": n, "stats": {...}}
 *
 * Times are ms since the crawl started (`performance.now()` based, so they never jump with the
 * wall clock), rounded to 0.1 ms. The footer is missing when the crawl was killed: the records
 * are still good. Bump `TRACE_VERSION` on any change a reader of the old format would misread.
 */

/** The format version written in the header (`arachne_trace`). */
export const TRACE_VERSION = 1;

/** The limits that shape a crawl's concurrency, so the report can draw them. */
export interface TraceLimits {
  global: number;
  perDomain: number;
  perIp: number;
  /** `proxy.maxConcurrencyPerProxy` when proxies are on, else 0. */
  perProxy: number;
  /** Proxies in the pool (0 = direct). */
  proxies: number;
  delayMs: number;
  ratePerMinute: number;
}

export interface TraceHeader {
  arachne_trace: number;
  /** Wall-clock time of the crawl's start (ISO 8601): record times are relative to it. */
  startedAt: string;
  spider: string;
  /** Share of requests recorded (`trace.sampleRate`). */
  sampleRate: number;
  limits: TraceLimits;
}

/**
 * What became of one download attempt:
 * `ok` (a response under 400), `http` (a response of 400 or more), `failed` (an error, see
 * `error`), `retry` (a middleware sent the request back for another attempt), `redirect` (a
 * middleware answered with the next hop).
 */
export type TraceOutcome = 'ok' | 'http' | 'failed' | 'retry' | 'redirect';

/** One finished download attempt. Times are ms since the crawl started; `null` when unknown. */
export interface TraceRecord {
  url: string;
  method: string;
  /** When the request entered the frontier (null: it came back from a disk store, or before the trace began). */
  queued: number | null;
  /** When it left the frontier (every slot unit taken). */
  dispatched: number;
  /** When the transport sent it (after the downloader middlewares), null when no response. */
  sent: number | null;
  /** Response headers arrived (first byte of the response). */
  headers: number | null;
  /** The attempt finished: last body byte, error, or the middleware's answer. */
  done: number;
  /** Domain slot key (`meta.slot` or host). */
  slot: string;
  /** Target-IP slot, when per-IP limits are on. */
  ipSlot: string | null;
  /** Proxy id (`host:port`, never credentials), null when direct. */
  proxy: string | null;
  /** Remote address the response came from. */
  ip: string | null;
  status: number | null;
  /** Body bytes after decompression. */
  bytes: number | null;
  /** True: the socket had carried an earlier request; false: a new connection; null: unknown. */
  reused: boolean | null;
  /** `meta.retryTimes` of this attempt (0 = first attempt). */
  retries: number;
  outcome: TraceOutcome;
  /** The error code when `outcome` is `failed`. */
  error: string | null;
  /** Only for a page rendered in the browser (absent for HTTP attempts; optional, so version 1 holds). */
  browser?: TraceBrowser;
}

/** What the browser did for one rendered page. Times are ms since the crawl started. */
export interface TraceBrowser {
  /** DOMContentLoaded and load fired (null: they did not before the render ended). */
  domContentLoaded: number | null;
  load: number | null;
  /** Requests the page made besides its document, and how many of them were blocked. */
  subrequests: number;
  blocked: number;
  /** Bytes the subresponses announced (content-length). */
  subBytes: number;
}

export interface TraceFooter {
  arachne_trace_end: number;
  finishedAt: string;
  reason: string;
  /** Records the recorder dropped because the file writer fell behind. */
  dropped: number;
  /** The crawl's final stats (proxy ids only, never credentials). */
  stats: Record<string, number | string>;
}
