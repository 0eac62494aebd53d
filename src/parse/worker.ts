/**
 * The parse worker: the piscina task handler that runs spider callbacks on a worker thread.
 *
 * Each worker imports the spider module once (on its first task), builds its own spider instance
 * with the crawl's arguments and a logger whose lines are posted to the main thread, then runs one
 * task at a time (`concurrentTasksPerWorker: 1`; a batch's tasks one after the other): rebuild the
 * response from its body, call the callback (or errback) by name, collect what it yields, and
 * send back plain data.
 *
 * A failure inside a callback is returned as data (`ParseResult.error`), never thrown: piscina
 * would drop its `code` (DESIGN.md §8). Only the death of the thread itself (process.exit, an
 * uncaught error, the memory limit) or an abort on timeout reaches the pool as a rejection.
 *
 * TypeScript spiders: `--import tsx` in the parent's execArgv does not reach a worker's dynamic
 * `import()` on Node 20, so the tsx loader is registered inside the worker (DESIGN.md §8) before
 * the spider is imported. When tests run from source, piscina loads this file through tsx's
 * CommonJS hook (its `require()` comes first): there, a static import of 'tsx/esm/api' would be
 * the CommonJS build, whose `register()` fails to find its own ESM half (tsx 4.20, checked), so
 * the ESM build is loaded with a dynamic `import()`, which stays ESM in both modes. For the same
 * reason this file must not use `import.meta`.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { CallbackError} from '../errors.js';
import { ConfigError } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import { spidersOf } from '../spider/spider-loader.js';
import type { Spider } from '../spider/spider.js';
import { decodeFailure, decodeResponse, encodeError, encodeOutput, StartStamps, type LogWire, type OutputWire, type ParseBatch, type ParseResult, type ParseTask } from './codec.js';
import { callbackMethod, eachOutput, outputStream } from '../spider/callback.js';
import { catchStrayErrors } from './stray-errors.js';
import { compiledModule } from '../settings/compiled-module.js';
import { isItem } from '../spider/item.js';
import { itemTag, itemTypesOf, validateItem } from '../spider/item-schema.js';

/** What every worker of a pool is started with (piscina's `workerData`). */
export interface ParseWorkerData {
  /** Absolute path of the module the spider class was loaded from. */
  spiderFile: string;
  /** The class's static `name`. */
  spiderName: string;
  args: Record<string, string>;
  logLevel: LogLevel;
  /** The package's compiled entry (dist/index.js), loaded before tsx registers; unset from source. */
  preload?: string;
  /** Where tasks with a `startSlot` stamp their start (see `StartStamps`). */
  startStamps?: SharedArrayBuffer;
}


const TYPESCRIPT_FILE = /\.[mc]?tsx?$/;

let spiderPromise: Promise<Spider> | undefined;
/** The task running now (one at a time per worker); log lines are tagged with it. */
let currentTask = 0;
let logCount = 0;
const stamps = (workerData as Partial<ParseWorkerData> | null)?.startStamps ? new StartStamps((workerData as ParseWorkerData).startStamps!) : undefined;

function post(level: LogWire['arachneLog']['level'], name: string, message: string): void {
  if (currentTask !== 0) logCount++;
  const wire: LogWire = { arachneLog: { task: currentTask, level, name, message } };
  parentPort?.postMessage(wire);
}

async function loadSpider(): Promise<Spider> {
  const data = workerData as ParseWorkerData;
  let module: Record<string, unknown>;
  try {
    // Compiled spiders skip tsx: its hooks slow every later module load in this thread. So does a
    // TypeScript spider the main thread found (or put) in the project's compiled-module cache.
    const compiled = await compiledModule(data.spiderFile);
    if (!compiled && TYPESCRIPT_FILE.test(data.spiderFile)) {
      // Load Arachne (and through it cheerio, undici...) before tsx's hooks exist: every module
      // loaded after register() goes through them, one synchronous round trip to tsx's loader
      // thread per resolve and per load. The spider's `import 'arachne'` resolves to this same
      // file (the package's own dist/index.js), so it then comes from the module cache.
      // Measured: a one-page `crawl run` with 2 workers, 2.4 -> 1.95 s of CPU.
      if (data.preload) await import(data.preload);
      const { register } = await import('tsx/esm/api');
      register();
    }
    module = (await import(pathToFileURL(compiled ?? data.spiderFile).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError('ERR_SPIDER_LOAD', `a parse worker cannot load spider file ${data.spiderFile}: ${message.split('\n').slice(0, 6).join('\n')}`, {
      hint: `fix the error in ${data.spiderFile}, or set parse.workers=0 to run callbacks on the main thread`,
      cause: error,
    });
  }
  const spiderClass = spidersOf(module).find((c) => c.name === data.spiderName);
  if (!spiderClass) {
    throw new ConfigError('ERR_SPIDER_NOT_FOUND', `parse worker: no spider named "${data.spiderName}" in ${data.spiderFile}`, {
      hint: 'the spider class must be exported from the file it was loaded from (set parse.workers=0 to run callbacks in-process)',
    });
  }
  return new spiderClass({ args: data.args, logger: createLogger(spiderClass.name, data.logLevel, post) });
}

// Start loading the spider as soon as the thread starts (with the pool, or when the runner adds
// it), not on the first task: the import (about 1 s for a TypeScript spider that imports
// 'arachne', measured on the 2-core CI machine) then overlaps the first downloads. A load
// failure is reported by every task, so it is not an unhandled rejection here.
if ((workerData as Partial<ParseWorkerData> | null)?.spiderFile) {
  spiderPromise = loadSpider();
  spiderPromise.catch(() => {});
}

// A promise a callback left unawaited that rejects, or a timer that throws (it was swallowed
// silently): during a task it fails that task, as in-process; between tasks it is logged to the
// main thread with its code. Either way the worker goes on with its next task.
let strays: CallbackError[] | undefined;
if (parentPort) {
  catchStrayErrors((error) => {
    if (strays) strays.push(error);
    else post('error', 'arachne.parse', error.describe());
  });
}

/** Runs one task, or a batch's tasks one after the other (see worker-runner.ts). */
export default async function run(task: ParseTask | ParseBatch): Promise<ParseResult | ParseResult[]> {
  if (task.kind !== 'batch') return runTask(task);
  const results: ParseResult[] = [];
  for (const one of task.tasks) results.push(await runTask(one));
  return results;
}

/** Runs one task; every failure comes back in the result, with the outputs yielded before it. */
async function runTask(task: ParseTask): Promise<ParseResult> {
  const outputs: OutputWire[] = [];
  let spider: Spider;
  try {
    spider = await (spiderPromise ??= loadSpider());
  } catch (error) {
    return { outputs, error: encodeError(error), logCount: 0 };
  }
  currentTask = task.id;
  logCount = 0;
  strays = [];
  // The runner's timeout starts here: a stamp in shared memory, or (no slot was free) a message.
  if (task.startSlot === undefined) parentPort?.postMessage({ arachneStart: task.id });
  else if (task.startSlot >= 0) stamps?.stamp(task.startSlot, task.id, Date.now());
  let url = task.kind === 'callback' ? task.response.url : typeof task.request === 'string' ? task.request : task.request.url;
  try {
    let result: ReturnType<Spider['parse']>;
    if (task.kind === 'callback') {
      const response = decodeResponse(task.response);
      url = response.url;
      result = callbackMethod(spider, response.request.callback ?? 'parse').call(spider, response, response.request.cbKwargs);
    } else {
      result = callbackMethod(spider, task.method).call(spider, decodeFailure(task));
    }
    // Items are validated here, where they are made (spider/item-schema.ts); the tag crosses with them.
    const types = itemTypesOf(spider.constructor);
    await eachOutput(outputStream(result), (output) => {
      if (!(isItem(output) && (types.length > 0 || itemTag(output)))) return void outputs.push(encodeOutput(output, url));
      return validateItem(types, output, url).then((checked) => void outputs.push(encodeOutput(checked as typeof output, url)));
    });
    // One turn of the event loop before answering: a promise the callback left unawaited that
    // rejected is reported now, with this task, rather than never (an idle piscina worker blocks
    // in Atomics.wait, so its loop would not run again before the next task).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stray = strays?.shift();
    return stray ? { outputs, error: encodeError(stray), logCount } : { outputs, logCount };
  } catch (error) {
    return { outputs, error: encodeError(error), logCount };
  } finally {
    if (task.startSlot !== undefined && task.startSlot >= 0) stamps?.finish(task.startSlot);
    for (const stray of strays?.splice(0) ?? []) post('error', 'arachne.parse', stray.describe());
    strays = undefined;
    currentTask = 0;
  }
}
