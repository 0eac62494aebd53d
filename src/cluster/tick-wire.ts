/**
 * The tick's wire format on the process side: what one process tells Redis in one round trip
 * (`Tick`, laid out as the script's ARGV by `tickArgv`) and what the script answers
 * (`TickReply`). The script that reads it is ./tick-script.ts; the two change together.
 */
import type { StartProgress } from '../scheduler/stores/store.js';

/** Updates buffered between ticks, each list flat as the script reads it. */
export interface Outbox {
  /** Request ids whose download ended: their slot unit goes back. */
  releases: string[];
  /** Seven strings per new request: fingerprint, slot, slot config, priority, delay ms, data, dontFilter. */
  adds: string[];
  /** Request ids whose outputs are recorded and items flushed: Redis forgets them. */
  completes: string[];
  /** Two strings per pause: slot, ms (Retry-After). */
  pauses: string[];
  /** Two strings per delay floor: slot, slot config (robots.txt Crawl-delay). */
  floors: string[];
}

export const emptyOutbox = (): Outbox => ({ releases: [], adds: [], completes: [], pauses: [], floors: [] });
export const outboxSize = (o: Outbox): number => o.releases.length + o.adds.length / 7 + o.completes.length + o.pauses.length + o.floors.length;
/** What asks for a tick now: everything but completions, which ride with the next tick. */
export const urgentSize = (o: Outbox): number => outboxSize(o) - o.completes.length;

/** One tick: re-sent unchanged until Redis answers (its `seq` makes a repeat apply once). */
export interface Tick {
  prefix: string;
  processId: string;
  seq: number;
  leaseMs: number;
  /** Requests to claim (0 while joining, leaving, draining or lost). */
  claim: number;
  /** This process would run `spider.start()` if no live process does. */
  wantsStart: boolean;
  /** Start progress to record with this tick's requests. */
  start: StartProgress | undefined;
  /** Give back everything leased here and leave the crawl. */
  leaving: boolean;
  /** This process's stats as JSON, or '' (sent about once a second). */
  pstats: string;
  out: Outbox;
}

/** The tick as the script's ARGV. */
export function tickArgv(tick: Tick): (string | number)[] {
  const { out, start } = tick;
  return [
    tick.prefix,
    tick.processId,
    String(tick.seq),
    tick.leaseMs,
    tick.claim,
    tick.wantsStart ? '1' : '',
    start ? String(start.pulled) : '',
    start?.done ? '1' : '',
    tick.leaving ? '1' : '',
    tick.pstats,
    out.releases.length,
    ...out.releases,
    out.adds.length / 7,
    ...out.adds,
    out.completes.length,
    ...out.completes,
    out.pauses.length / 2,
    ...out.pauses,
    out.floors.length / 2,
    ...out.floors,
  ];
}

export interface TickReply {
  lost?: 1;
  alive: 0 | 1;
  starter: 0 | 1;
  startDone: 0 | 1;
  pending: number;
  added: number;
  dups: number;
  completed: number;
  reaped: number;
  pulled: number;
  /** id, data, id, data... (an empty Lua table encodes as `{}`). */
  claimed: string[] | Record<string, never>;
}
