import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

const SPIDER = `
import { Spider, type Response } from 'arachne';

export default class PagesSpider extends Spider {
  static override name = 'pages';
  override async *start() {
    yield this.request(this.args.baseUrl + '/page/0');
  }
  async *parse(response: Response) {
    yield { url: response.url };
    yield* response.followAll('a');
  }
}
`;

let site: Site;
let project: TempProject;

before(async () => {
  site = await startSite({ pages: 15 });
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'warn' } });\n`,
    'spiders/pages.ts': SPIDER,
  });
});

after(async () => {
  await site.close();
  project.remove();
});

test('crawl run --trace --report, then crawl report rebuilds the report from the trace', async () => {
  const run = await runCli(['run', 'pages', '-a', `baseUrl=${site.url}`, '--trace', 't.jsonl', '--report', 'r.html', '--stats-json', 'stats.json'], project.dir);
  assert.equal(run.code, 0, run.stderr);
  const stats = JSON.parse(readFileSync(join(project.dir, 'stats.json'), 'utf8')) as Record<string, number>;
  const lines = readFileSync(join(project.dir, 't.jsonl'), 'utf8').trim().split('\n');
  assert.match(lines[0]!, /^\{"arachne_trace":1,/);
  assert.equal(lines.length - 2, stats['downloader/requests']);
  assert.equal(stats['trace/records'], 15);
  const html = readFileSync(join(project.dir, 'r.html'), 'utf8');
  assert.match(html, /<td data-col="requests">15<\/td>/);
  assert.doesNotMatch(html, /<script src=|<link [^>]*href=|https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'self-contained: nothing to fetch');

  const report = await runCli(['report', 't.jsonl', '-o', 'r2.html'], project.dir);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /report written to r2\.html: 15 requests/);
  assert.ok(readFileSync(join(project.dir, 'r2.html'), 'utf8').includes('<td data-col="requests">15</td>'));
});

test('crawl run --report alone traces to a temporary file and removes it', async () => {
  const run = await runCli(['run', 'pages', '-a', `baseUrl=${site.url}`, '--report', 'only.html'], project.dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(readFileSync(join(project.dir, 'only.html'), 'utf8'), /data-col="requests">15</);
  assert.equal(existsSync(join(project.dir, 'trace.jsonl')), false);
});

test('crawl report on a trace of another version fails with ERR_TRACE_VERSION and exit code 2', async () => {
  writeFileSync(join(project.dir, 'old.jsonl'), '{"arachne_trace":0}\n');
  const result = await runCli(['report', 'old.jsonl', '-o', 'x.html'], project.dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /error ERR_TRACE_VERSION: .*version 0 trace/);
  assert.match(result.stderr, /fix: /);
  assert.equal(existsSync(join(project.dir, 'x.html')), false);
});
