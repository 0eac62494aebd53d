/** A project and a local site shared by the tests of fetch, shell, parse and check. */
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, type TempProject } from '../helpers/project.js';

export interface Toolbox {
  site: Site;
  project: TempProject;
  close(): Promise<void>;
}

/** `pages`: parse follows the page links to parseItem, which yields one item; both have contracts. */
function pagesSpiderSource(base: string): string {
  return `
import { Spider, type Contracts, type Response } from 'arachne';

export default class PagesSpider extends Spider {
  static override name = 'pages';
  static override allowedDomains = ['127.0.0.1'];
  static contracts: Contracts = {
    parse: { url: '${base}/page/0', returns: { items: 0, requests: [1, 10] } },
    parseItem: [
      { url: '${base}/page/1', returns: { items: [1, 1], requests: 0 }, scrapes: ['title', 'value'] },
      { url: '${base}/page/2', returns: { items: [1] }, scrapes: ['tag'], cbKwargs: { tag: 'from-kwargs' } },
    ],
  };

  async *parse(response: Response) {
    yield* response.followAll('ul.links a', { callback: this.parseItem });
  }

  async *parseItem(response: Response, kwargs: Record<string, unknown> = {}) {
    yield { url: response.url, title: response.css('h1::text').get(''), value: response.css('p.value::text').get(''), tag: kwargs.tag ?? this.args.tag };
  }
}
`;
}

/** \`broken\`: its contract asks for a field the callback never yields, and for more items than it gives. */
function brokenSpider(base: string): string {
  return `
import { Spider, type Contracts, type Response } from 'arachne';

export default class BrokenSpider extends Spider {
  static override name = 'broken';
  static contracts: Contracts = {
    parse: { url: '${base}/page/3', returns: { items: [2, 5] }, scrapes: ['price'] },
  };

  async *parse(response: Response) {
    yield { url: response.url };
  }
}
`;
}

export async function startToolbox(): Promise<Toolbox> {
  const site = await startSite({ pages: 8, linksPerPage: 2 });
  const project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ userAgent: 'toolbox-test/1.0', log: { level: 'warn' } });\n`,
    'spiders/pages.ts': pagesSpiderSource(site.url),
    'spiders/broken.ts': brokenSpider(site.url),
  });
  return {
    site,
    project,
    close: async () => {
      await site.close();
      project.remove();
    },
  };
}
