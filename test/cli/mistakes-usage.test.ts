/**
 * Users' mistakes on the command line (issue 21), through the real CLI: commander's own errors,
 * feed arguments, genspider's domain, and a project where one spider file does not compile.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertCoded } from '../helpers/mistakes.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

let project: TempProject;

before(() => {
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'warn' } });\n`,
    'spiders/good.ts': `import { Spider } from 'arachne';\nexport default class Good extends Spider {\n  static override name = 'good';\n  async *parse() {}\n}\n`,
    // A syntax error (a brace missing: esbuild reports it at the end of the file).
    'spiders/broken.ts': `import { Spider } from 'arachne';\nexport default class Broken extends Spider {\n  static override name = 'broken';\n  async *parse() { yield { a: 1 }\n}\n`,
  });
});

after(() => project.remove());

test("commander's usage errors are ERR_CLI_USAGE with a fix, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [['runn'], /unknown command 'runn' \(Did you mean run\?\)[\s\S]*fix: `crawl --help` lists the commands/],
    [['run', 'good', '--bogus'], /unknown option '--bogus'[\s\S]*fix: `crawl run --help` lists the options/],
    [['run'], /missing required argument 'spider'[\s\S]*fix: `crawl run --help` shows the usage/],
    [['run', 'good', '-L', 'loud'], /argument 'loud' is invalid\. Allowed choices are debug, info, warn, error, silent/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, project.dir);
    assertCoded(result, 'ERR_CLI_USAGE', 2);
    assert.match(result.stderr, message);
  }
});

test('feed and domain arguments: an unknown format after the colon, a javascript: URL', async () => {
  const format = await runCli(['run', 'good', '-o', 'out.jsonl:xml'], project.dir);
  assertCoded(format, 'ERR_FEED_FORMAT', 2);
  assert.match(format.stderr, /unknown feed format "xml" in "out\.jsonl:xml"/);
  assert.doesNotMatch(format.stderr, /xml:jsonl/);
  const domain = await runCli(['genspider', 'shop', 'javascript:alert(1)'], project.dir);
  assertCoded(domain, 'ERR_INVALID_DOMAIN', 2);
  assert.match(domain.stderr, /javascript: URLs cannot be crawled/);
});

test('a spider file with a syntax error: list and run of the others go on with a coded warning; running it fails coded', async () => {
  const list = await runCli(['list'], project.dir);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, 'good\n');
  assert.match(list.stderr, /warning ERR_SPIDER_LOAD: cannot load spider file .*broken\.ts/);
  assert.match(list.stderr, /broken\.ts:\d+:\d+/, 'the file and line');
  const good = await runCli(['run', 'good'], project.dir);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stderr, /warning ERR_SPIDER_LOAD/);
  const broken = await runCli(['run', 'broken'], project.dir);
  assertCoded(broken, 'ERR_SPIDER_LOAD', 2);
  assert.match(broken.stderr, /broken\.ts:\d+:\d+/);
});
