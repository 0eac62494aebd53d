import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCrawl } from '../../src/cli/run-crawl.js';
import { CLEAR_LINE } from '../../src/extensions/progress.js';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';

let site: Site;

before(async () => {
  site = await startSite({ pages: 10, linksPerPage: 2 });
});

after(() => site.close());

class WalkSpider extends Spider {
  static override name = 'walk';
  override async *start() {
    yield this.request(`${this.args.baseUrl}/page/0`);
  }
  async *parse(response: Response) {
    yield { url: response.url };
    yield* response.followAll('a');
  }
}

test('on a TTY, runCrawl draws the progress line, clears it for log lines and before the stats', async () => {
  const writes: string[] = [];
  const tty = { isTTY: true, columns: 120, write: (chunk: string) => writes.push(chunk) };
  const code = await runCrawl(WalkSpider, {}, { arg: [`baseUrl=${site.url}`] }, undefined, { stderr: tty });
  assert.equal(code, 0);
  const all = writes.join('');
  assert.ok(writes.some((w) => w.startsWith(`${CLEAR_LINE}pages `)), 'the status line was drawn');
  const statsAt = all.indexOf('Stats (walk):');
  assert.ok(statsAt > 0);
  assert.ok(all.slice(0, statsAt).endsWith(CLEAR_LINE), 'the line is cleared before the stats');
  assert.match(all.slice(statsAt), /"item\/scraped": 10/);
  const logLines = all.split('\n').filter((l) => /\[arachne\] INFO/.test(l));
  assert.ok(logLines.length >= 2);
  for (const line of logLines) {
    // What the terminal shows is what follows the last line clear: the log line alone.
    const shown = line.slice(line.lastIndexOf(CLEAR_LINE) + (line.includes(CLEAR_LINE) ? CLEAR_LINE.length : 0));
    assert.match(shown, /^\d{4}-\d\d-\d\dT\S+Z \[arachne\] INFO: /, 'no status text mixed into a log line');
  }
});

test('without a TTY, no progress line is drawn', async () => {
  const writes: string[] = [];
  const pipe = { isTTY: false, write: (chunk: string) => writes.push(chunk) };
  await runCrawl(WalkSpider, {}, { arg: [`baseUrl=${site.url}`] }, undefined, { stderr: pipe });
  assert.ok(!writes.join('').includes(CLEAR_LINE));
  assert.match(writes.join(''), /Stats \(walk\)/);
});
