/**
 * A TypeScript spider in a user project runs on parse worker threads without a build step: the
 * real `crawl` CLI with `-s parse.workers=2` loads it on the main thread and, through tsx's loader
 * registered inside each worker, on the workers too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pageValue, startSite, type Site } from '../fixtures/site.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';

// An enum and parameter types: syntax only a TypeScript loader accepts.
const SPIDER = `
import { isMainThread, threadId } from 'node:worker_threads';
import { Spider, type Response } from 'arachne';

enum Kind { Page = 'page' }

export default class ThreadsSpider extends Spider {
  static override name = 'threads';

  override async *start() {
    yield this.request(this.args.baseUrl + '/page/0');
  }

  async *parse(response: Response): AsyncGenerator<unknown> {
    this.logger.info('worker parsed ' + response.url);
    yield { url: response.url, kind: Kind.Page, value: response.css('p.value::text').get(''), onWorker: !isMainThread, threadId };
    yield* response.followAll('ul.links a');
  }
}
`;

let site: Site;
let project: TempProject;

before(async () => {
  site = await startSite({ pages: 20, linksPerPage: 3 });
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'info', statsIntervalMs: 0 } });\n`,
    'spiders/threads.ts': SPIDER,
  });
});

after(async () => {
  await site.close();
  project.remove();
});

test('crawl run -s parse.workers=2: a TypeScript spider parses on two worker threads, no build step', async () => {
  const result = await runCli(['run', 'threads', '-O', 'items.jsonl', '-s', 'parse.workers=2', '-a', `baseUrl=${site.url}`, '--stats-json', 'stats.json'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const items = readJsonl(join(project.dir, 'items.jsonl'));
  assert.equal(items.length, 20);
  for (let i = 0; i < 20; i++) {
    const item = items.find((it) => it.url === `${site.url}/page/${i}`);
    assert.deepEqual({ kind: item?.kind, value: item?.value }, { kind: 'page', value: pageValue(i) }, `page ${i}`);
  }
  assert.ok(items.every((i) => i.onWorker === true), 'every callback ran on a worker thread');
  assert.ok(new Set(items.map((i) => i.threadId)).size >= 1);
  // The spider's logger lines from the workers reach the CLI's stderr.
  assert.match(result.stderr, /\[threads\] INFO: worker parsed http:\/\/127\.0\.0\.1:\d+\/page\/7/);
  const stats = JSON.parse(readFileSync(join(project.dir, 'stats.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(stats['item/scraped'], 20);
  assert.equal(stats['spider/exceptions'] ?? 0, 0);
});

test('crawl run -s parse.workers=0: the same spider, in-process, gives the same items', async () => {
  const result = await runCli(['run', 'threads', '-O', 'items0.jsonl', '-s', 'parse.workers=0', '-a', `baseUrl=${site.url}`], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const items = readJsonl(join(project.dir, 'items0.jsonl'));
  assert.equal(items.length, 20);
  assert.ok(items.every((i) => i.onWorker === false));
  const values = items.map((i) => `${String(i.url)} ${String(i.value)}`).sort();
  assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `${site.url}/page/${i} ${pageValue(i)}`).sort());
});
