/** What a crawl prints: close conditions from -s, JSON log lines (--json) and the log file. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

let site: Site;
let project: TempProject;

before(async () => {
  site = await startSite({ pages: 60, linksPerPage: 3 });
  project = makeProject({
    'crawl.config.ts': `export default { concurrency: { perDomain: 1 } };\n`,
    'spiders/walk.ts': `
import { Spider, type Response } from 'arachne';
export default class WalkSpider extends Spider {
  static override name = 'walk';
  override async *start() { yield this.request(this.args.baseUrl + '/page/0'); }
  async *parse(response: Response) {
    yield { url: response.url };
    yield* response.followAll('a');
  }
}
`,
  });
});

after(async () => {
  await site.close();
  project.remove();
});

test('-s closeSpider.pageCount=5 stops the crawl with finish_reason closespider_pagecount', async () => {
  const result = await runCli(['run', 'walk', '-a', `baseUrl=${site.url}`, '-s', 'closeSpider.pageCount=5', '--stats-json', 'close.json', '-L', 'warn'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const stats = JSON.parse(readFileSync(join(project.dir, 'close.json'), 'utf8')) as Record<string, number | string>;
  assert.equal(stats.finish_reason, 'closespider_pagecount');
  const pages = Number(stats['response/received']);
  assert.ok(pages >= 5 && pages < 60, `stopped early, after ${pages} pages`);
});

test('--json writes one JSON object per log line, and --log-file appends the same lines', async () => {
  const result = await runCli(['run', 'walk', '-a', `baseUrl=${site.url}`, '-s', 'closeSpider.itemCount=3', '--json', '--log-file', 'crawl.log'], project.dir);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.ok(lines.length >= 3, result.stderr);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const record of records) {
    assert.ok(!Number.isNaN(Date.parse(String(record.time))), 'time');
    assert.match(String(record.level), /^(debug|info|warn|error)$/);
    assert.equal(typeof record.logger, 'string');
    assert.equal(typeof record.message, 'string');
  }
  assert.ok(records.some((r) => r.logger === 'arachne' && /spider "walk" opened/.test(String(r.message))));
  const final = records.at(-1)!;
  assert.equal((final.stats as Record<string, unknown>).finish_reason, 'closespider_itemcount', 'the stats as the last JSON line');
  assert.equal(readFileSync(join(project.dir, 'crawl.log'), 'utf8'), result.stderr, 'the log file holds the same lines');
  const again = await runCli(['run', 'walk', '-a', `baseUrl=${site.url}`, '-s', 'closeSpider.itemCount=1', '-s', 'log.file=crawl.log', '-L', 'warn'], project.dir);
  assert.equal(again.code, 0, again.stderr);
  const log = readFileSync(join(project.dir, 'crawl.log'), 'utf8');
  assert.ok(log.startsWith(result.stderr) && log.length > result.stderr.length, 'appended, not replaced');
  assert.match(log.slice(result.stderr.length), /^Stats \(walk\):/, 'text lines without --json');
});
