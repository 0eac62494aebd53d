/**
 * Reads a trace file (src/trace/format.ts) line by line. A record line that is truncated
 * or garbled (a crawl killed mid-write, a disk that filled up) is skipped and counted, so the
 * report still shows everything else; a file that is not a trace, or a trace of another format
 * version, is a coded error naming the problem.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { ConfigError } from '../errors.js';
import { TRACE_VERSION, type TraceFooter, type TraceHeader, type TraceRecord } from './format.js';

export interface ParsedTrace {
  /** Undefined for an empty file. */
  header: TraceHeader | undefined;
  records: TraceRecord[];
  /** Missing when the crawl did not close (killed) or the file was cut. */
  footer: TraceFooter | undefined;
  /** Lines that were not valid records, and the first few of their line numbers. */
  skipped: number;
  skippedLines: number[];
}

const OUTCOMES = new Set(['ok', 'http', 'failed', 'retry', 'redirect']);
const numOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';

/** True when `value` has every field a record needs, of the right type. */
function isRecord(value: unknown): value is TraceRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.url === 'string' &&
    typeof r.dispatched === 'number' &&
    typeof r.done === 'number' &&
    r.done >= r.dispatched &&
    typeof r.slot === 'string' &&
    typeof r.outcome === 'string' &&
    OUTCOMES.has(r.outcome) &&
    numOrNull(r.queued) &&
    numOrNull(r.sent) &&
    numOrNull(r.headers) &&
    numOrNull(r.status) &&
    numOrNull(r.bytes) &&
    strOrNull(r.proxy) &&
    strOrNull(r.ipSlot) &&
    (r.reused === null || typeof r.reused === 'boolean')
  );
}

function parseHeader(line: string, path: string): TraceHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const header = value as Partial<TraceHeader> | undefined;
  if (typeof header !== 'object' || header === null || !('arachne_trace' in header)) {
    throw new ConfigError('ERR_TRACE_FORMAT', `${path} is not an Arachne trace: its first line is not a trace header`, {
      hint: 'pass the file written by --trace (or trace.file); it starts with {"arachne_trace":1,...}',
    });
  }
  if (header.arachne_trace !== TRACE_VERSION) {
    throw new ConfigError('ERR_TRACE_VERSION', `${path} is a version ${JSON.stringify(header.arachne_trace)} trace; this Arachne reads version ${TRACE_VERSION}`, {
      hint: 'build the report with the Arachne version that wrote the trace, or trace the crawl again with this one',
    });
  }
  return {
    arachne_trace: TRACE_VERSION,
    startedAt: String(header.startedAt ?? ''),
    spider: String(header.spider ?? ''),
    sampleRate: typeof header.sampleRate === 'number' && header.sampleRate > 0 ? header.sampleRate : 1,
    limits: { global: 0, perDomain: 0, perIp: 0, perProxy: 0, proxies: 0, delayMs: 0, ratePerMinute: 0, ...header.limits },
  };
}

/** Reads and checks a whole trace; throws `ERR_TRACE_FILE`, `ERR_TRACE_FORMAT` or `ERR_TRACE_VERSION`. */
export async function readTrace(path: string): Promise<ParsedTrace> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new ConfigError('ERR_TRACE_FILE', `cannot read the trace ${JSON.stringify(path)}: ${(error as Error).message}`, {
      hint: 'pass the path of a file written by --trace (or trace.file)',
    });
  }
  const trace: ParsedTrace = { header: undefined, records: [], footer: undefined, skipped: 0, skippedLines: [] };
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  const skip = (): void => {
    trace.skipped++;
    if (trace.skippedLines.length < 10) trace.skippedLines.push(number);
  };
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    if (!trace.header) {
      trace.header = parseHeader(line, path);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skip();
      continue;
    }
    if (isRecord(value)) trace.records.push(value);
    else if (typeof value === 'object' && value !== null && 'arachne_trace_end' in value) trace.footer = value as TraceFooter;
    else skip();
  }
  return trace;
}
