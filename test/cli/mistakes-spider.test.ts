/**
 * Users' mistakes in spider code (issue 21), through the real CLI: each is coded, the crawl keeps
 * the items already scraped, and no stack frame of Arachne's own is printed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { assertCoded, assertNoOwnStack } from '../helpers/mistakes.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';
import { readJsonl } from '../helpers/files.js';

const FILES: Record<string, string> = {
  'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'warn' }, parse: { workers: 0 } });\n`,
  // start() as an array and as a plain generator: the forms a callback may take.
  'spiders/starts.ts': `
import { Spider, type Response } from 'arachne';
export class ArrayStart extends Spider {
  static override name = 'array-start';
  // @ts-expect-error start() returns an array here, as a callback may
  override start() { return [this.args.base + '/page/0', this.request(this.args.base + '/page/1')]; }
  async *parse(response: Response) { yield { url: response.url }; }
}
export class SyncStart extends Spider {
  static override name = 'sync-start';
  // @ts-expect-error a plain generator
  override *start() { yield this.args.base + '/page/0'; yield this.args.base + '/page/1'; }
  async *parse(response: Response) { yield { url: response.url }; }
}
`,
  // An unawaited rejection and a throwing timer inside a callback; page 1 comes later.
  'spiders/stray.ts': `
import { Spider, type Response } from 'arachne';
export default class Stray extends Spider {
  static override name = 'stray';
  override async *start() { yield this.request(this.args.base + '/page/0'); yield this.request(this.args.base + '/page/1'); }
  async *parse(response: Response) {
    yield { url: response.url };
    if (response.url.endsWith('/page/0')) {
      void Promise.reject(new Error('forgot to await'));
      setTimeout(() => { throw new Error('timer threw'); }, 1);
    }
  }
}
`,
  'spiders/outputs.ts': `
import { Spider, type Response } from 'arachne';
export class Numbers extends Spider {
  static override name = 'numbers';
  override async *start() { yield this.request(this.args.base + '/page/0'); }
  // @ts-expect-error a number is no callback result
  parse() { return 42; }
}
export class Unwritable extends Spider {
  static override name = 'unwritable';
  override async *start() { yield this.request(this.args.base + '/page/0'); }
  async *parse(response: Response) {
    const circular: Record<string, unknown> = { url: response.url };
    circular.self = circular;
    yield circular;
    yield { url: response.url, big: 10n };
    yield { url: response.url, ok: true };
  }
}
export class NotJson extends Spider {
  static override name = 'not-json';
  override async *start() { yield this.request(this.args.base + '/page/0'); yield this.request(this.args.base + '/page/1'); }
  async *parse(response: Response) {
    yield { url: response.url };
    if (response.url.endsWith('/page/1')) response.json();
  }
}
`,
  'spiders/deep.ts': `
import { Spider, type Response } from 'arachne';
export default class Deep extends Spider {
  static override name = 'deep';
  override async *start() { yield this.request(this.args.base + '/page/0'); yield this.request(this.args.base + '/deep'); }
  async *parse(response: Response) { yield { url: response.url, links: response.css('a').length }; }
}
`,
  'others/no-parse.ts': `import { Spider } from 'arachne';\nexport default class NoParse extends Spider { static override name = 'no-parse'; }\n`,
  'others/anonymous.ts': `import { Spider } from 'arachne';\nexport default class extends Spider { async *parse() {} }\n`,
  'others/needs-arg.ts': `import { Spider, type SpiderOptions } from 'arachne';\nexport default class NeedsArg extends Spider {\n  static override name = 'needs-arg';\n  constructor(options?: SpiderOptions) {\n    super(options);\n    if (!this.args.category) throw new Error('pass -a category=...');\n  }\n  async *parse() {}\n}\n`,
  'others/two.ts': `import { Spider } from 'arachne';\nexport class One extends Spider { static override name = 'one'; async *parse() {} }\nexport class Two extends Spider { static override name = 'two'; async *parse() {} }\n`,
};

let site: Site;
let project: TempProject;

before(async () => {
  // Page 1 answers late, so what page 0's callback left behind fires while the crawl runs.
  site = await startSite({
    pages: 2,
    linksPerPage: 0,
    latencyMs: (req) => (req.url === '/page/1' ? 300 : 0),
    routes: {
      // 1 MB of nested tags: 12.8 s of parsing before the cap.
      '/deep': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><body>${'<div>'.repeat(200_000)}</body></html>`);
      },
    },
  });
  project = makeProject(FILES);
});

after(async () => {
  await site.close();
  project.remove();
});

const feed = (name: string): Record<string, unknown>[] => readJsonl(join(project.dir, name));

const crawl = (spider: string, feedName: string, ...extra: string[]) =>
  runCli(['run', spider, '-O', feedName, '-a', `base=${site.url}`, '--stats-json', `${feedName}.stats.json`, ...extra], project.dir);

function stats(feedName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(project.dir, `${feedName}.stats.json`), 'utf8')) as Record<string, unknown>;
}

test('start() may return an array or be a plain generator', async () => {
  for (const name of ['array-start', 'sync-start']) {
    const result = await crawl(name, `${name}.jsonl`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(feed(`${name}.jsonl`).map((i) => i.url).sort(), [`${site.url}/page/0`, `${site.url}/page/1`]);
  }
});

test('an unawaited rejection and a throwing timer in an in-process callback are coded failures; every item is kept', async () => {
  const result = await crawl('stray', 'stray.jsonl');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ERR_CALLBACK_UNHANDLED: in spider code, a promise nobody awaited rejected: Error: forgot to await/);
  assert.match(result.stderr, /ERR_CALLBACK_UNHANDLED: in spider code, a timer or event handler threw: Error: timer threw/);
  assert.match(result.stderr, /stray\.ts:\d+/, 'the user\'s file and line');
  assertNoOwnStack(result.stderr);
  assert.equal(feed('stray.jsonl').length, 2);
  assert.equal(stats('stray.jsonl')['spider/exceptions/ERR_CALLBACK_UNHANDLED'], 2);
});

test('on a parse worker the same is logged, coded, not swallowed', async () => {
  const result = await crawl('stray', 'stray-worker.jsonl', '-s', 'parse.workers=1');
  assert.equal(result.code, 0, result.stderr);
  // Within the task it fails that response, as in-process: coded, counted, with the user's line.
  assert.match(result.stderr, /callback failed on <GET [^>]*\/page\/0>: ERR_CALLBACK_UNHANDLED: in spider code, a promise nobody awaited rejected: Error: forgot to await\n.*stray\.ts:\d+/);
  assertNoOwnStack(result.stderr);
  assert.equal(feed('stray-worker.jsonl').length, 2);
  assert.ok(Number(stats('stray-worker.jsonl')['spider/exceptions/ERR_CALLBACK_UNHANDLED']) >= 1);
});

test('a callback returning a number is a coded callback failure', async () => {
  const result = await crawl('numbers', 'numbers.jsonl');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ERR_CALLBACK_RESULT: the callback returned a number \(42\)/);
  assert.match(result.stderr, /fix: yield items/);
  assertNoOwnStack(result.stderr);
});

test('a circular or BigInt item is coded and not counted as scraped; the good item is written', async () => {
  const result = await crawl('unwritable', 'unwritable.jsonl');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ERR_ITEM_NOT_SERIALIZABLE|the item cannot be written as JSON: Converting circular structure/);
  assert.match(result.stderr, /the item cannot be written as JSON: Do not know how to serialize a BigInt/);
  assert.deepEqual(feed('unwritable.jsonl'), [{ url: `${site.url}/page/0`, ok: true }]);
  const s = stats('unwritable.jsonl');
  assert.equal(s['item/scraped'], 1);
  assert.equal(s['item/errors/ERR_ITEM_NOT_SERIALIZABLE'], 2);
});

test("a coded error thrown inside a callback shows the user's file and line, not Arachne's frames", async () => {
  const result = await crawl('not-json', 'not-json.jsonl');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ERR_RESPONSE_NOT_JSON/);
  assert.match(result.stderr, /outputs\.ts:\d+:\d+/);
  assertNoOwnStack(result.stderr);
  assert.equal(feed('not-json.jsonl').length, 2);
});

test('spider classes: no parse(), no name, a throwing constructor, --spider among several (the other checks: test/spider/spider-check.test.ts)', async () => {
  const cases: [string, string, RegExp][] = [
    ['others/no-parse.ts', 'ERR_SPIDER_NO_PARSE', /spider "no-parse" in .*no-parse\.ts has no parse\(\) method/],
    ['others/anonymous.ts', 'ERR_SPIDER_NAME', /has no name \(an anonymous class is called "default"\)/],
  ];
  for (const [file, code, message] of cases) {
    const result = await runCli(['runspider', file], project.dir);
    assertCoded(result, code, 2);
    assert.match(result.stderr, message);
  }
  const init = await runCli(['runspider', 'others/needs-arg.ts'], project.dir);
  assert.equal(init.code, 2, init.stderr);
  assert.match(init.stderr, /error ERR_SPIDER_INIT: spider "needs-arg" cannot be constructed: Error: pass -a category=\.\.\.\n\s+at new \S+ \(.*needs-arg\.ts:6:\d+\)/);
  assertNoOwnStack(init.stderr);
  const pick = await runCli(['runspider', 'others/two.ts', '--spider', 'three'], project.dir);
  assertCoded(pick, 'ERR_SPIDER_NOT_FOUND', 2);
  assert.match(pick.stderr, /spiders in this file: one, two/);
});

test('a page nested 200,000 tags deep is refused with a code, quickly; the other page is scraped', async () => {
  const started = performance.now();
  const result = await crawl('deep', 'deep.jsonl');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /ERR_HTML_TOO_DEEP: the page .*\/deep nests its tags about 200000 deep/);
  assertNoOwnStack(result.stderr);
  assert.deepEqual(feed('deep.jsonl').map((i) => i.url), [`${site.url}/page/0`]);
  assert.ok(performance.now() - started < 10_000, 'the parse was cut, not run');
});

test('-o to a URL scheme Arachne does not write is a coded error, not a local file named s3:', async () => {
  const result = await runCli(['run', 'numbers', '-o', 's3://bucket/items.jsonl'], project.dir);
  assertCoded(result, 'ERR_FEED_SCHEME', 2);
  assert.match(result.stderr, /does not write to s3:\/\/ URLs; it writes local files, - \(stdout\) and Redis streams/);
  assert.equal(existsSync(join(project.dir, 's3:')), false);
});
