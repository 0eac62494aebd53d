/**
 * The waterfall's data as the page embeds it: one column per field (numbers, not objects, so
 * 100,000 requests stay a few MB of JSON that parses in tens of ms), sorted by dispatch time,
 * times in ms from the first dispatch, and the group index of each request per grouping mode.
 */
import type { TraceRecord } from '../trace/format.js';

const OUTCOME_INDEX: Record<TraceRecord['outcome'], number> = { ok: 0, http: 1, failed: 2, retry: 3, redirect: 4 };
/** Long URLs are cut: the tooltip needs the start, and the page stays small. */
const URL_CHARS = 160;

export interface GroupColumn {
  names: string[];
  idx: number[];
}

export interface WaterfallData {
  span: number;
  /** Queued, dispatched, headers, done (ms; -1 = unknown). */
  q: number[];
  d: number[];
  h: number[];
  e: number[];
  /** Status (0 = none) and outcome index. */
  s: number[];
  o: number[];
  u: string[];
  groups: { slot: GroupColumn; proxy: GroupColumn; ip: GroupColumn };
}

function column(): GroupColumn & { index: Map<string, number> } {
  return { names: [], idx: [], index: new Map() };
}

function add(col: GroupColumn & { index: Map<string, number> }, key: string): void {
  let at = col.index.get(key);
  if (at === undefined) {
    at = col.names.length;
    col.index.set(key, at);
    col.names.push(key);
  }
  col.idx.push(at);
}

const rel = (t: number | null, start: number): number => (t === null ? -1 : Math.round((t - start) * 10) / 10);

export function waterfallData(records: readonly TraceRecord[]): WaterfallData {
  const sorted = [...records].sort((a, b) => a.dispatched - b.dispatched);
  const start = sorted.length ? sorted[0]!.dispatched : 0;
  const out: WaterfallData = { span: 0, q: [], d: [], h: [], e: [], s: [], o: [], u: [], groups: { slot: column(), proxy: column(), ip: column() } };
  const slot = column();
  const proxy = column();
  const ip = column();
  for (const r of sorted) {
    out.q.push(rel(r.queued, start));
    out.d.push(rel(r.dispatched, start));
    out.h.push(rel(r.headers, start));
    const e = rel(r.done, start);
    out.e.push(e);
    if (e > out.span) out.span = e;
    out.s.push(r.status ?? 0);
    out.o.push(OUTCOME_INDEX[r.outcome]);
    out.u.push(r.url.length > URL_CHARS ? `${r.url.slice(0, URL_CHARS)}...` : r.url);
    add(slot, r.slot);
    add(proxy, r.proxy ?? 'direct');
    add(ip, r.ipSlot ?? r.ip ?? 'unknown');
  }
  const strip = (c: ReturnType<typeof column>): GroupColumn => ({ names: c.names, idx: c.idx });
  out.groups = { slot: strip(slot), proxy: strip(proxy), ip: strip(ip) };
  return out;
}

/** JSON safe inside a `<script>` element: `<` escaped so no `</script>` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
