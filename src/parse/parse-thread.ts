/**
 * One parse thread of a `WorkerRunner`: a piscina pool of one thread. piscina replaces the thread
 * when it dies (a crash, a timeout's abort), so the pool outlives it. One pool per thread lets
 * the runner, not piscina, decide when a thread starts: piscina starts threads up to its
 * maximum whenever a task waits (thread-growth.ts).
 */
import type * as PiscinaModule from 'piscina';
import type { Piscina } from 'piscina';
import { loadPackage } from '../load-package.js';
import type { LogSink } from '../log.js';
import type { ParseBatch, ParseResult, ParseTask } from './codec.js';
import type { ParseWorkerData } from './worker.js';

export type ParsePool = Piscina<ParseTask | ParseBatch, ParseResult | ParseResult[]>;

export interface ParseThread {
  pool: ParsePool;
  /** When its running hand-over started (clock ms); undefined while it is idle. */
  busySince: number | undefined;
}

// The worker entry next to this file: `.ts` when running from source under tsx (tests, the bench),
// the compiled `.js` otherwise. piscina loads it by path.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_FILE = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
/** What a worker loads before registering tsx for a TypeScript spider (see worker.ts); unset from source. */
export const PRELOAD = FROM_SOURCE ? undefined : new URL('../index.js', import.meta.url).href;

export interface ParseThreadOptions {
  workerData: ParseWorkerData;
  /** V8 old-generation limit in MB; 0 = V8's default. */
  maxOldGenerationSizeMb: number;
  /** Messages the worker posts on its own (log lines, start reports). */
  onMessage(message: unknown): void;
  logSink: LogSink;
}

export function startParseThread(options: ParseThreadOptions): ParseThread {
  const { Piscina: Pool } = loadPackage<typeof PiscinaModule>('piscina', 'parse workers (parse.workers > 0)');
  const pool: ParsePool = new Pool({
    filename: WORKER_FILE.href,
    minThreads: 1,
    maxThreads: 1,
    // One task per thread at a time: the spider logger tags lines with the running task.
    concurrentTasksPerWorker: 1,
    // Never reject: backpressure is the runner's `saturated`, applied before downloading.
    maxQueue: Infinity,
    // Threads stay up for the whole crawl: a worker's spider module is imported once.
    idleTimeout: Infinity,
    workerData: options.workerData,
    ...(options.maxOldGenerationSizeMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } } : {}),
  });
  pool.on('message', options.onMessage);
  // piscina emits 'error' for a worker failure no task was waiting on; unhandled it would throw.
  pool.on('error', (error: unknown) => {
    options.logSink('error', 'arachne.parse', `a parse worker failed outside any task: ${error instanceof Error ? error.message : String(error)}`);
  });
  return { pool, busySince: undefined };
}
