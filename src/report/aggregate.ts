/**
 * Turns a parsed trace into what the report shows: time series (concurrency, throughput,
 * connection reuse) in a bounded number of bins, the latency distribution, per-domain and
 * per-proxy tables, and the Little's-law check. Everything is aggregated here, in Node, so the
 * page embeds a few hundred numbers per chart whatever the trace's size.
 */
import { percentileOfSorted } from '../percentile.js';
import type { ParsedTrace } from '../trace/reader.js';
import type { TraceLimits, TraceRecord } from '../trace/format.js';

/** Bins of the time series: enough to see shape, few enough that a small crawl is not all spikes. */
export function seriesBins(requests: number): number {
  return Math.min(300, Math.max(12, Math.round(Math.sqrt(requests) * 3)));
}

export interface GroupRow {
  key: string;
  /** Download attempts. */
  requests: number;
  /** Attempts that ended in a response under 400 (or a redirect hop). */
  ok: number;
  successRate: number;
  errors: number;
  retries: number;
  p50Ms: number;
  p95Ms: number;
  /** Reused / (reused + new) connections; null when no response said. */
  reuseRate: number | null;
  bytes: number;
  /** Proxy rows only: health state changes and the final state (from the trace footer). */
  stateChanges?: number;
  state?: string;
}

export interface ReportModel {
  spider: string;
  startedAt: string;
  finishedAt: string | undefined;
  reason: string | undefined;
  sampleRate: number;
  limits: TraceLimits;
  skipped: number;
  skippedLines: number[];
  /** Records the recorder itself dropped (writer behind), from the footer. */
  dropped: number;
  requests: number;
  outcomes: Record<string, number>;
  statuses: Record<string, number>;
  /** First dispatch to last done, ms. */
  spanMs: number;
  start: number;
  binMs: number;
  concurrency: { mean: number[]; peak: number[] };
  /** Attempts finished per second, per bin. */
  throughput: number[];
  /** Reuse rate per bin (null: no response in the bin). */
  reuse: (number | null)[];
  latency: { edges: number[]; counts: number[]; p50: number; p95: number; p99: number; mean: number; max: number };
  domains: GroupRow[];
  proxies: GroupRow[];
  little: {
    /** Time-weighted mean requests in flight over the span. */
    meanConcurrency: number;
    /** Attempts per second. */
    throughput: number;
    /** Mean dispatch-to-done time, s. */
    meanLatencyS: number;
    /** Mean time on the wire (sent to done), s, over attempts that got a response. */
    meanWireS: number | null;
    product: number;
    /** The ceiling `concurrency.global / W`, attempts per second. */
    ceiling: number | null;
  };
  stats: Record<string, number | string>;
  /** Pages rendered in the browser, when any were (null: an HTTP-only crawl). */
  browser: BrowserSummary | null;
}

/** The browser's share of a crawl: pages, their DOMContentLoaded and load times after sending, subrequests. */
export interface BrowserSummary {
  pages: number;
  domContentLoadedP50Ms: number;
  loadP50Ms: number;
  loadP95Ms: number;
  subrequests: number;
  blocked: number;
  subBytes: number;
}

function browserSummary(records: readonly TraceRecord[]): BrowserSummary | null {
  const dcl: number[] = [];
  const load: number[] = [];
  let pages = 0;
  let subrequests = 0;
  let blocked = 0;
  let subBytes = 0;
  for (const r of records) {
    const b = r.browser;
    if (!b) continue;
    pages++;
    subrequests += b.subrequests;
    blocked += b.blocked;
    subBytes += b.subBytes;
    const sent = r.sent ?? r.dispatched;
    if (b.domContentLoaded !== null) dcl.push(b.domContentLoaded - sent);
    if (b.load !== null) load.push(b.load - sent);
  }
  if (pages === 0) return null;
  dcl.sort((a, b) => a - b);
  load.sort((a, b) => a - b);
  return { pages, domContentLoadedP50Ms: round(percentileOfSorted(dcl, 0.5)), loadP50Ms: round(percentileOfSorted(load, 0.5)), loadP95Ms: round(percentileOfSorted(load, 0.95)), subrequests, blocked, subBytes };
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

interface Acc {
  requests: number;
  ok: number;
  errors: number;
  retries: number;
  latencies: number[];
  reused: number;
  fresh: number;
  bytes: number;
}

function accumulate(map: Map<string, Acc>, key: string, r: TraceRecord, latency: number): void {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = { requests: 0, ok: 0, errors: 0, retries: 0, latencies: [], reused: 0, fresh: 0, bytes: 0 }));
  acc.requests++;
  if (r.outcome === 'ok' || r.outcome === 'redirect') acc.ok++;
  else if (r.outcome === 'retry') acc.retries++;
  else acc.errors++;
  acc.latencies.push(latency);
  if (r.reused === true) acc.reused++;
  else if (r.reused === false) acc.fresh++;
  acc.bytes += r.bytes ?? 0;
}

function rows(map: Map<string, Acc>): GroupRow[] {
  return [...map.entries()]
    .map(([key, a]) => {
      a.latencies.sort((x, y) => x - y);
      return {
        key,
        requests: a.requests,
        ok: a.ok,
        successRate: a.requests ? a.ok / a.requests : 0,
        errors: a.errors,
        retries: a.retries,
        p50Ms: round(percentileOfSorted(a.latencies, 0.5)),
        p95Ms: round(percentileOfSorted(a.latencies, 0.95)),
        reuseRate: a.reused + a.fresh > 0 ? a.reused / (a.reused + a.fresh) : null,
        bytes: a.bytes,
      };
    })
    .sort((x, y) => y.requests - x.requests || (x.key < y.key ? -1 : 1));
}

/** Log-spaced latency bins from 1 ms up to the maximum. */
function histogram(sorted: readonly number[]): { edges: number[]; counts: number[] } {
  const max = sorted.length ? sorted[sorted.length - 1]! : 1;
  const edges = [0];
  for (let e = 1; e < max * 1.26; e *= 1.26) edges.push(round(e, 2));
  if (edges.length < 2) edges.push(1);
  const counts = new Array<number>(edges.length).fill(0);
  let bin = 0;
  for (const value of sorted) {
    while (bin + 1 < edges.length && value >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return { edges, counts };
}

export function aggregate(trace: ParsedTrace): ReportModel {
  const { records, header, footer } = trace;
  let start = Infinity;
  let end = -Infinity;
  for (const r of records) {
    if (r.dispatched < start) start = r.dispatched;
    if (r.done > end) end = r.done;
  }
  if (records.length === 0) start = end = 0;
  const spanMs = Math.max(end - start, 1e-3);
  const SERIES_BINS = seriesBins(records.length);
  const binMs = spanMs / SERIES_BINS;
  const scale = 1 / (header?.sampleRate ?? 1);

  // Concurrency: the exact time each bin spends at each level, from a sweep over start/end events.
  const events: number[] = [];
  for (const r of records) events.push(r.dispatched, 1, r.done, -1);
  const order = new Uint32Array(records.length * 2).map((_, i) => i);
  order.sort((a, b) => events[a * 2]! - events[b * 2]! || events[a * 2 + 1]! - events[b * 2 + 1]!);
  const area = new Array<number>(SERIES_BINS).fill(0);
  const peak = new Array<number>(SERIES_BINS).fill(0);
  let level = 0;
  let last = start;
  const binOf = (t: number): number => Math.min(SERIES_BINS - 1, Math.max(0, Math.floor((t - start) / binMs)));
  const spread = (from: number, to: number, value: number): void => {
    for (let b = binOf(from); b < SERIES_BINS && from < to; b++) {
      const binEnd = start + (b + 1) * binMs;
      const slice = Math.min(to, binEnd) - from;
      area[b]! += slice * value;
      if (value > peak[b]!) peak[b] = value;
      from = binEnd;
    }
  };
  let timeWeighted = 0;
  for (const i of order) {
    const t = events[i * 2]!;
    if (t > last) {
      spread(last, t, level);
      timeWeighted += (t - last) * level;
      last = t;
    }
    level += events[i * 2 + 1]!;
    const b = binOf(t);
    if (level > peak[b]!) peak[b] = level;
  }

  const finished = new Array<number>(SERIES_BINS).fill(0);
  const reused = new Array<number>(SERIES_BINS).fill(0);
  const fresh = new Array<number>(SERIES_BINS).fill(0);
  const outcomes: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const domains = new Map<string, Acc>();
  const proxies = new Map<string, Acc>();
  let wireSum = 0;
  let wireCount = 0;
  for (const r of records) {
    const b = binOf(r.done);
    finished[b]!++;
    if (r.reused === true) reused[b]!++;
    else if (r.reused === false) fresh[b]!++;
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.status !== null) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const latency = r.done - r.dispatched;
    latencies.push(latency);
    accumulate(domains, r.slot, r, latency);
    if (r.proxy !== null) accumulate(proxies, r.proxy, r, latency);
    if (r.sent !== null) {
      wireSum += r.done - r.sent;
      wireCount++;
    }
  }
  latencies.sort((a, b) => a - b);
  const stats = footer?.stats ?? {};
  const proxyRows = rows(proxies).map((row) => {
    const changes = stats[`proxy/${row.key}/state_changes`];
    const state = stats[`proxy/${row.key}/state`];
    return { ...row, stateChanges: typeof changes === 'number' ? changes : 0, ...(typeof state === 'string' ? { state } : {}) };
  });
  const n = records.length;
  const meanLatencyMs = n ? latencies.reduce((s, v) => s + v, 0) / n : 0;
  const throughput = n / (spanMs / 1000);
  const limits = header?.limits ?? { global: 0, perDomain: 0, perIp: 0, perProxy: 0, proxies: 0, delayMs: 0, ratePerMinute: 0 };
  return {
    spider: header?.spider ?? '',
    startedAt: header?.startedAt ?? '',
    finishedAt: footer?.finishedAt,
    reason: footer?.reason,
    sampleRate: header?.sampleRate ?? 1,
    limits,
    skipped: trace.skipped,
    skippedLines: trace.skippedLines,
    dropped: footer?.dropped ?? 0,
    requests: n,
    outcomes,
    statuses,
    spanMs: n ? spanMs : 0,
    start,
    binMs,
    concurrency: { mean: area.map((a) => round((a / binMs) * scale, 2)), peak: peak.map((p) => round(p * scale, 2)) },
    throughput: finished.map((f) => round((f * scale) / (binMs / 1000), 2)),
    reuse: reused.map((r, i) => (r + fresh[i]! > 0 ? round(r / (r + fresh[i]!), 3) : null)),
    latency: {
      ...histogram(latencies),
      p50: round(percentileOfSorted(latencies, 0.5)),
      p95: round(percentileOfSorted(latencies, 0.95)),
      p99: round(percentileOfSorted(latencies, 0.99)),
      mean: round(meanLatencyMs),
      max: round(latencies[n - 1] ?? 0),
    },
    domains: rows(domains),
    proxies: proxyRows,
    little: {
      meanConcurrency: round((timeWeighted / spanMs) * scale, 3),
      throughput: round(throughput * scale, 3),
      meanLatencyS: round(meanLatencyMs / 1000, 4),
      meanWireS: wireCount ? round(wireSum / wireCount / 1000, 4) : null,
      product: round(throughput * scale * (meanLatencyMs / 1000), 3),
      ceiling: limits.global > 0 && meanLatencyMs > 0 ? round(limits.global / (meanLatencyMs / 1000), 1) : null,
    },
    stats,
    browser: browserSummary(records),
  };
}
