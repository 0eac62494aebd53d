import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { loadSpiderFile } from '../../spider/spider-loader.js';
import { loadProject } from '../../settings/load.js';
import { addCrawlOptions, type CrawlOptionValues } from '../options.js';
import { runCrawl } from '../run-crawl.js';

export function runspiderCommand(): Command {
  return addCrawlOptions(
    new Command('runspider')
      .description('run the spider in a TypeScript or JavaScript file, no project needed (a crawl.config.ts above it is used when found)')
      .argument('<file>', 'the spider file')
      .option('--spider <name>', 'which spider, when the file holds several'),
  ).action(async (file: string, values: CrawlOptionValues & { spider?: string }) => {
    const path = resolve(file);
    const entries = await loadSpiderFile(path);
    const chosen = values.spider ? entries.filter((e) => e.name === values.spider) : entries;
    if (chosen.length !== 1) {
      throw new ConfigError(
        'ERR_SPIDER_NOT_FOUND',
        chosen.length === 0 ? `no spider${values.spider ? ` named "${values.spider}"` : ''} in ${path}` : `${path} holds ${chosen.length} spiders: ${chosen.map((e) => e.name).join(', ')}`,
        {
          hint:
            chosen.length > 0
              ? 'pick one with --spider <name>'
              : entries.length > 0
                ? `spiders in this file: ${entries.map((e) => e.name).join(', ')} (pick one with --spider <name>)`
                : 'export a class that extends Spider, with a parse() method',
        },
      );
    }
    const project = await loadProject(process.cwd());
    process.exitCode = await runCrawl(chosen[0]!.spiderClass, project?.config, values, chosen[0]!.file);
  });
}
