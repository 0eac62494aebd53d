import { availableParallelism } from 'node:os';
import type { Clock } from '../clock.js';
import type { Logger, LogSink } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import type { Spider } from '../spider/spider.js';
import type { Stats } from '../stats.js';
import { InProcessRunner } from './in-process.js';
import type { CallbackRunner } from './runner.js';
import { WorkerRunner } from './worker-runner.js';

export interface RunnerWiring {
  settings: Readonly<SettingValues>;
  spider: Spider;
  /** The module the spider class came from; without it callbacks run in-process. */
  spiderFile: string | undefined;
  args: Record<string, string>;
  stats: Stats;
  logger: Logger;
  logSink: LogSink;
  clock: Clock;
}

/** Worker threads when `parse.workers` (resolved from "auto") > 0 and the spider's file is known; else the main thread. */
export function runnerFromSettings({ settings, spider, spiderFile, args, stats, logger, logSink, clock }: RunnerWiring): CallbackRunner {
  const setting = settings['parse.workers'];
  // "auto": up to one thread per core, none on one core. Measured on 2 cores (`npm run bench`): one
  // worker ran at 0.83x in-process on CPU-bound pages and ~0.95x on parse-heavy ones (the main
  // thread left a core mostly idle); two ran at 1.0x and 1.4-1.5x. The main thread's share is
  // small enough for the OS to fit it in; on one core, threads only add the hand-over.
  // "auto" starts one thread and adds one while the threads are the bottleneck (thread-growth.ts):
  // each thread costs its start, its own JIT warm-up and 30-50 MB, which a light crawl on many
  // cores would pay for threads it does not need (docs/workers.md).
  const cores = availableParallelism();
  const auto = setting === 'auto';
  const workers = auto ? (cores >= 2 ? cores : 0) : setting;
  const report = { stats, logger: logger.child('parse') };
  if (workers === 0) return new InProcessRunner(spider, settings['parse.maxQueue'], report);
  if (spiderFile === undefined) {
    logger.debug(`callbacks run in-process: spider class "${spider.name}" was not loaded from a file (no spiderFile), so parse workers cannot import it`);
    return new InProcessRunner(spider, settings['parse.maxQueue'], report);
  }
  logger.debug(`callbacks run on ${auto ? `up to ${workers}` : workers} parse worker thread(s), importing ${spiderFile}`);
  return new WorkerRunner({
    spider,
    spiderFile,
    args,
    workers,
    startThreads: auto ? 1 : workers,
    onThreadStarted: (threads) => {
      stats.max('parse/threads', threads);
      if (threads > 1 && auto) logger.debug(`callbacks waited for a parse thread: thread ${threads} of ${workers} started`);
    },
    maxQueue: settings['parse.maxQueue'],
    timeoutMs: settings['parse.timeoutMs'],
    maxOldGenerationSizeMb: settings['parse.maxOldGenerationSizeMb'],
    logLevel: settings['log.level'],
    logSink,
    clock,
  });
}
