import { writeFile } from 'node:fs/promises';
import { Crawler } from '../core/crawler.js';
import type { ConfigInput } from '../settings/config.js';
import type { SpiderClass } from '../spider/spider.js';
import { parseCrawlOptions, type CrawlOptionValues } from './options.js';

/**
 * Runs one crawl for `run` and `runspider`: builds the crawler (settings errors surface here,
 * before anything starts), wires SIGINT (first: graceful, second: at once), prints the stats.
 */
export async function runCrawl(spiderClass: SpiderClass, projectConfig: ConfigInput | undefined, values: CrawlOptionValues, spiderFile?: string): Promise<number> {
  const { args, cliSettings, feeds } = parseCrawlOptions(values);
  // The spider's file lets parse workers import the class (`parse.workers`).
  const crawler = new Crawler({ spiderClass, projectConfig, cliSettings, args, feeds, ...(spiderFile ? { spiderFile } : {}) });
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
    const result = await crawler.crawl();
    if (crawler.settings['log.level'] !== 'silent') {
      process.stderr.write(`Stats (${spiderClass.name}):\n${JSON.stringify(result.stats, null, 2)}\n`);
    }
    if (values.statsJson) await writeFile(values.statsJson, `${JSON.stringify(result.stats, null, 2)}\n`);
    return result.reason === 'shutdown_forced' ? 130 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
