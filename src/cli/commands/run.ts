import { Command } from 'commander';
import { findSpider } from '../../spider/spider-loader.js';
import { addCrawlOptions, type CrawlOptionValues } from '../options.js';
import { requireProject } from '../project.js';
import { runCrawl } from '../run-crawl.js';

export function runCommand(): Command {
  return addCrawlOptions(
    new Command('run')
      .description("run a spider of the current project (Scrapy's `crawl`)")
      .argument('<spider>', 'the spider name (`crawl list` shows them)'),
  ).action(async (name: string, values: CrawlOptionValues) => {
    const project = await requireProject(process.cwd());
    const entry = await findSpider(project.spidersDir, name);
    process.exitCode = await runCrawl(entry.spiderClass, project.config, values, entry.file);
  });
}
