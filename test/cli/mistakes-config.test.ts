/**
 * Users' mistakes in settings, config files and output paths (issue 21), through the real CLI:
 * each is a coded error with a fix, exit 2, no stack trace, before the crawl starts, and a feed
 * written by an earlier run keeps its items.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertCoded, assertNoOwnStack } from '../helpers/mistakes.js';
import { makeProject, runCli, type TempProject } from '../helpers/project.js';

const SPIDER = `
import { Spider } from 'arachne';
export default class PagesSpider extends Spider {
  static override name = 'pages';
  static override startUrls = ['http://127.0.0.1:1/'];
  async *parse() {}
}
`;
const OLD_ITEM = '{"kept":true}\n';

let project: TempProject;

before(() => {
  project = makeProject({
    'crawl.config.ts': `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'warn' } });\n`,
    'spiders/pages.ts': SPIDER,
    'items.jsonl': OLD_ITEM,
    'afile': 'not a folder\n',
  });
  mkdirSync(join(project.dir, 'adir'));
});

after(() => project.remove());

/** Runs `crawl run pages -o items.jsonl ...args` in the project with `config` as crawl.config.ts. */
async function run(args: string[], config?: string) {
  if (config !== undefined) project.write('crawl.config.ts', config);
  try {
    return await runCli(['run', 'pages', '-o', 'items.jsonl', ...args], project.dir);
  } finally {
    project.write('crawl.config.ts', `import { defineConfig } from 'arachne';\nexport default defineConfig({ log: { level: 'warn' } });\n`);
  }
}

function feedKept(): void {
  assert.equal(readFileSync(join(project.dir, 'items.jsonl'), 'utf8'), OLD_ITEM);
}

test('a duration above what a Node timer holds is refused, for every timer setting', async () => {
  // Every key is checked in test/settings/timer-settings.test.ts; one through the CLI here.
  for (const key of ['download.timeoutMs']) {
    const result = await run(['-s', `${key}=3000000000`]);
    assertCoded(result, 'ERR_SETTING_TYPE', 2);
    assert.match(result.stderr, new RegExp(`${key.replace('.', '\\.')}.*integer from \\d+ to 2147483647`));
  }
  feedKept();
});

test('a config file that exports nothing, or a Promise, is refused', async () => {
  const nothing = await run([], `import { defineConfig } from 'arachne';\ndefineConfig({ concurrency: { perDomain: 1 } });\n`);
  assertCoded(nothing, 'ERR_CONFIG_SHAPE', 2);
  assert.match(nothing.stderr, /exports no settings/);
  const promise = await run([], `import { defineConfig } from 'arachne';\nexport default Promise.resolve(defineConfig({}));\n`);
  assertCoded(promise, 'ERR_CONFIG_SHAPE', 2);
  assert.match(promise.stderr, /exports a Promise/);
  feedKept();
});

test('pipelines and downloaderMiddlewares of the wrong shape are refused before the crawl', async () => {
  for (const [config, given] of [
    ['pipelines: [42]', /pipelines\[0\]" in crawl\.config\.ts is the number 42/],
    ['downloaderMiddlewares: () => 42', /"downloaderMiddlewares" in the config is a function returning the number 42/],
  ] as const) {
    const result = await run([], `export default { ${config} };\n`);
    assertCoded(result, 'ERR_CONFIG_COMPONENT', 2);
    assert.match(result.stderr, given);
  }
  feedKept();
});

test("a pipeline whose constructor or open() throws is ERR_PIPELINE_OPEN with the user's line, before the crawl", async () => {
  for (const [body, what] of [
    ["constructor() { throw new Error('no database'); }", /pipeline Db cannot be constructed: Error: no database\n\s+at new Db \(.*crawl\.config\.ts:1:\d+\)/],
  ] as const) {
    const result = await run([], `class Db { ${body} process(item: object) { return item; } }\nexport default { pipelines: [Db] };\n`);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /error ERR_PIPELINE_OPEN: /);
    assert.match(result.stderr, what);
    assertNoOwnStack(result.stderr);
  }
  feedKept();
});

test('a group given a value names the group and its keys; Object method names are no settings or slots', async () => {
  const group = await run([], `export default { concurrency: 4 };\n`);
  assertCoded(group, 'ERR_SETTING_TYPE', 2);
  assert.match(group.stderr, /"concurrency" in crawl\.config\.ts is a group of settings/);
  assert.match(group.stderr, /concurrency\.perDomain/);
  const slot = await run([], `export default { constructor: 1, slots: { constructor: { concurrency: 1 } } };\n`);
  assertCoded(slot, 'ERR_SETTING_UNKNOWN', 2);
  assert.match(slot.stderr, /unknown setting "constructor"/);
  feedKept();
});

test('every output path is checked before the crawl starts (each path: test/cli/output-paths.test.ts)', async () => {
  const cases: [string[], RegExp][] = [
    [['--log-file', 'adir'], /--log-file \(log\.file\) adir is a folder/],
    [['--report', 'afile/r.html'], /--report \(report\.file\) afile\/r\.html cannot be created/],
    [['-O', 'adir'], /-o\/-O adir is a folder/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args);
    assertCoded(result, 'ERR_OUTPUT_PATH', 2);
    assert.match(result.stderr, message);
  }
  feedKept();
});

test('startproject under a file is a coded error', async () => {
  const result = await runCli(['startproject', 'shop', 'afile/shop'], project.dir);
  assertCoded(result, 'ERR_OUTPUT_PATH', 2);
  writeFileSync(join(project.dir, 'afile'), 'still a file\n');
});
