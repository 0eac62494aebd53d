/**
 * Every code block of docs/tutorial.md, run in order in a temporary folder: `sh` lines are run
 * (the `crawl`/`arachne` CLI for real; `npm install` as the links an install would make, since
 * tests stay offline; the demo shop's server line as the same server started in this process on a
 * free port), `ts` blocks are written to the file their first line names. The shop's
 * http://127.0.0.1:8080 becomes the in-process server's URL everywhere.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDemoSite, type DemoSite } from '../../examples/demo/site/server.js';
import { REPO, runCli } from '../helpers/project.js';

const TUTORIAL = readFileSync(join(REPO, 'docs', 'tutorial.md'), 'utf8');
const SHOP_URL = 'http://127.0.0.1:8080';

let root: string;
let site: DemoSite;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'arachne-tutorial-'));
  site = await startDemoSite();
});

after(async () => {
  await site.close();
  rmSync(root, { recursive: true, force: true });
});

/** Splits a command line on spaces, keeping "double-quoted" parts whole. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

function blocks(): { lang: string; body: string }[] {
  return [...TUTORIAL.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

test('every code block of the tutorial runs, and the feed has the 300 products', async () => {
  const url = site.url.replace(/\/$/, '');
  let cwd = root;
  const outputs: string[] = [];
  const all = blocks();
  assert.ok(all.filter((b) => b.lang === 'sh').length >= 6 && all.some((b) => b.lang === 'ts'), 'the tutorial has its blocks');
  for (const { lang, body } of all) {
    const text = body.replaceAll(SHOP_URL, url);
    if (lang === 'ts') {
      const path = /^\/\/ (\S+)\n/.exec(text)?.[1];
      assert.ok(path, `a ts block names its file on its first line:\n${text}`);
      mkdirSync(dirname(join(cwd, path)), { recursive: true });
      writeFileSync(join(cwd, path), text);
      continue;
    }
    assert.equal(lang, 'sh', `a block the test knows how to run: ${lang}`);
    for (const line of text.split('\n').filter(Boolean)) {
      const [command, ...args] = words(line);
      if (command === 'cd') {
        cwd = join(cwd, args[0]!);
      } else if (command === 'npm' && args[0] === 'install') {
        mkdirSync(join(cwd, 'node_modules', '@types'), { recursive: true });
        symlinkSync(REPO, join(cwd, 'node_modules', 'arachne'), 'dir');
        symlinkSync(join(REPO, 'node_modules', 'tsx'), join(cwd, 'node_modules', 'tsx'), 'dir');
        symlinkSync(join(REPO, 'node_modules', '@types', 'node'), join(cwd, 'node_modules', '@types', 'node'), 'dir');
      } else if (command === 'node') {
        // The demo shop: started in this process (on a free port) instead; its file is where the line says.
        assert.ok(existsSync(join(cwd, args.at(-2)!)), `${args.at(-2)} exists in the project`);
      } else if (command === 'head') {
        const lines = readFileSync(join(cwd, args.at(-1)!), 'utf8').split('\n').filter(Boolean);
        assert.equal(lines.length, 300, 'the feed has the 300 products');
        const first = JSON.parse(lines[0]!) as Record<string, unknown>;
        assert.equal(typeof first.title, 'string');
        assert.equal(typeof first.price, 'number');
        assert.match(String(first.sku), /^[A-Z]+-\d+$/);
      } else {
        assert.equal(command, 'npx', line);
        const cliArgs = args[0] === 'arachne' && args[1] === 'startproject' ? [...args.slice(1), '--arachne-spec', `file:${REPO}`] : args.slice(1);
        const result = await runCli(cliArgs, cwd);
        assert.equal(result.code, 0, `${line}\n${result.stderr}`);
        outputs.push(result.stdout);
      }
    }
  }
  assert.ok(outputs.includes('6\n'), 'the shell one-liner printed the six categories');
});
