import { writeFile } from 'node:fs/promises';
import { systemClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { Crawler, type CrawlerOptions } from '../core/crawler.js';
import { ProgressLine, type ProgressStream } from '../extensions/progress.js';
import type { ConfigInput } from '../settings/config.js';
import type { SpiderClass } from '../spider/spider.js';
import { checkCrawlOutcome, parseMinItems } from './exit-checks.js';
import { LogOutput } from './log-output.js';
import { checkCrawlOutputPaths } from './output-paths.js';
import { parseCrawlOptions, type CrawlOptionValues } from './options.js';

/** What tests may add to the crawler (a clock, a transport), and where log lines go. */
export interface RunCrawlExtras extends Partial<Omit<CrawlerOptions, 'spiderClass' | 'projectConfig' | 'cliSettings' | 'args' | 'feeds' | 'logSink' | 'spiderFile'>> {
  /** Where log lines and the progress line go. Default `process.stderr`. */
  stderr?: ProgressStream;
}

/**
 * Runs one crawl for `run` and `runspider`: builds the crawler (settings errors surface here,
 * before anything starts), routes log lines (text or JSON, to stderr and `log.file`), shows the
 * live progress line on a terminal, wires SIGINT (first: graceful, second: at once), prints the
 * stats.
 */
export async function runCrawl(
  spiderClass: SpiderClass,
  projectConfig: ConfigInput | undefined,
  values: CrawlOptionValues,
  spiderFile?: string,
  extras: RunCrawlExtras = {},
): Promise<number> {
  const { stderr = process.stderr, ...crawlerExtras } = extras;
  const { args, cliSettings, feeds } = parseCrawlOptions(values);
  parseMinItems(values.minItems);
  const output = new LogOutput(stderr);
  // The spider's file lets parse workers import the class (`parse.workers`).
  const crawler = new Crawler({
    ...crawlerExtras,
    spiderClass,
    projectConfig,
    cliSettings,
    args,
    feeds,
    logSink: output.sink,
    ...(spiderFile ? { spiderFile } : {}),
  });
  const { settings } = crawler;
  checkCrawlOutputPaths(settings, values.statsJson);
  output.configure({ json: settings['log.json'], file: settings['log.file'] });
  // JSON logs are for machines: no terminal decoration in between them.
  const progress =
    settings['progress.enabled'] && !settings['log.json'] && settings['log.level'] !== 'silent' && ProgressLine.supported(stderr)
      ? new ProgressLine({ stream: stderr, stats: crawler.stats, settings, clock: extras.clock ?? systemClock, counts: () => ({ inFlight: crawler.inFlight, queued: crawler.queued }) })
      : undefined;
  output.progress = progress;

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      crawler.logger.info(`received ${signal}: finishing in-flight requests and writing items (press Ctrl-C again to stop at once)`);
      crawler.stop('shutdown');
    } else {
      crawler.logger.warn(`received ${signal} again: stopping now`);
      crawler.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    progress?.start();
    const result = await crawler.crawl();
    progress?.stop();
    if (settings['log.level'] !== 'silent') output.writeStats(spiderClass.name, result.stats);
    if (values.statsJson) {
      await writeFile(values.statsJson, `${JSON.stringify(result.stats, null, 2)}\n`).catch((error: NodeJS.ErrnoException) => {
        // Checked before the crawl; this is a path that changed meanwhile or a full disk.
        throw new ConfigError('ERR_OUTPUT_PATH', `--stats-json ${values.statsJson} cannot be written (${error.code ?? error.message}); the items are in their feeds`, {
          hint: 'pick a writable path for --stats-json',
        });
      });
    }
    if (result.reason === 'shutdown_forced') return 130;
    const failed = checkCrawlOutcome(result.stats, values);
    if (failed) {
      stderr.write(`error ${failed.describe()}\n`);
      return 1;
    }
    // A field of typed items below `items.minCoverage` (docs/items.md): the crawl ran, its data is short.
    return Number(result.stats['item/coverage/failed'] ?? 0) > 0 ? 3 : 0;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await output.close();
  }
}
