import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { logLevelOption } from '../options.js';
import { parseDomain, spiderClassName, validateName } from '../names.js';
import { requireProject } from '../project.js';
import { renderTemplate, spiderTemplateNames, TEMPLATES_DIR } from '../templates.js';

export function genspiderCommand(): Command {
  return new Command('genspider')
    .description("write spiders/<name>.ts in the current project from a template (Scrapy's genspider)")
    .argument('[name]', 'the spider name (letters, digits, "_" and "-"); the class is its PascalCase + "Spider"')
    .argument('[domain]', 'the domain to crawl (books.example), or a URL whose host is used and which becomes the start URL')
    .option('-t, --template <template>', 'basic, crawl (CrawlSpider with rules), sitemap (SitemapSpider) or browser (pages rendered in Chromium)', 'basic')
    .option('--force', 'overwrite spiders/<name>.ts if it exists')
    .option('-l, --list', 'list the spider templates and exit')
    .addOption(logLevelOption())
    .action(async (name: string | undefined, domainArg: string | undefined, options: { template: string; force?: boolean; list?: boolean }) => {
      const templates = spiderTemplateNames();
      if (options.list) {
        process.stdout.write(`Available templates:\n${templates.map((t) => `  ${t}\n`).join('')}`);
        return;
      }
      if (name === undefined || domainArg === undefined) {
        throw new ConfigError('ERR_CLI_ARGUMENT', `genspider needs a spider name and a domain`, { hint: 'write: crawl genspider books books.example (crawl genspider -l lists the templates)' });
      }
      validateName(name, 'spider');
      if (!templates.includes(options.template)) {
        throw new ConfigError('ERR_TEMPLATE_UNKNOWN', `no spider template named "${options.template}"`, {
          hint: `pick one of: ${templates.join(', ')}`,
        });
      }
      const domain = parseDomain(domainArg);
      const project = await requireProject(process.cwd());
      const file = join(project.spidersDir, `${name}.ts`);
      if (existsSync(file) && !options.force) {
        throw new ConfigError('ERR_FILE_EXISTS', `${relative(process.cwd(), file) || file} already exists`, {
          hint: 'pick another name, or pass --force to overwrite it',
        });
      }
      const origin = new URL(domain.startUrl).origin;
      const text = renderTemplate(
        readFileSync(join(TEMPLATES_DIR, 'spiders', `${options.template}.ts`), 'utf8'),
        {
          name,
          className: spiderClassName(name),
          domain: domain.host,
          startUrl: domain.startUrl,
          sitemapUrl: `${origin}/robots.txt`,
        },
        `templates/spiders/${options.template}.ts`,
      );
      mkdirSync(project.spidersDir, { recursive: true });
      writeFileSync(file, text);
      process.stdout.write(`created spider "${name}" (template ${options.template}) in ${file}\nrun it: npx crawl run ${name}\n`);
    });
}
