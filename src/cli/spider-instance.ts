/** Finding and building the spider `parse` and `check` run callbacks of. */
import { findSpider, loadSpiders, type SpiderEntry } from '../spider/spider-loader.js';
import { ConfigError } from '../errors.js';
import { hostOf } from '../http/request.js';
import { requireProject } from './project.js';

/**
 * The spider named `name`, or, without a name, the one spider whose `allowedDomains` cover the
 * URL's host (as Scrapy's `parse` guesses it).
 */
export async function spiderFor(cwd: string, name: string | undefined, url: string): Promise<SpiderEntry> {
  const project = await requireProject(cwd);
  if (name) return findSpider(project.spidersDir, name);
  const host = hostOf(url);
  const spiders = [...(await loadSpiders(project.spidersDir)).values()];
  const matching = spiders.filter((e) => (e.spiderClass.allowedDomains ?? []).some((d) => host === d || host.endsWith(`.${d}`)));
  if (matching.length === 1) return matching[0]!;
  throw new ConfigError('ERR_SPIDER_NOT_FOUND', matching.length === 0 ? `no spider of this project allows ${host}` : `several spiders allow ${host}: ${matching.map((e) => e.name).join(', ')}`, {
    hint: `name one with --spider <name> (known: ${spiders.map((e) => e.name).join(', ') || 'none'})`,
  });
}
