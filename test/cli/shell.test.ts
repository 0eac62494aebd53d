import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CLI, runCli } from '../helpers/project.js';
import { startToolbox, type Toolbox } from './toolbox-fixture.js';

let box: Toolbox;

before(async () => {
  box = await startToolbox();
});

after(() => box.close());

const PROMPT = 'arachne> ';

/**
 * Runs `crawl shell`, typing one line at a time: each line is written once the REPL has printed
 * its prompt again (an awaited fetch() finishes first, as when a person types).
 */
function shell(args: string[], lines: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'shell', ...args], { cwd: box.project.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = 0;
    const prompts = (): number => stdout.split(PROMPT).length - 1;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // One line per prompt seen: the REPL is ready for the next one.
      while (sent < lines.length && prompts() > sent) child.stdin.write(`${lines[sent++]}\n`);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('shell: response, $, fetch() and view() through stdin', async () => {
  const result = await shell(
    [`${box.site.url}/page/4`],
    ['response.status', "$('h1').text()", `await fetch('${box.site.url}/page/5')`, "$('h1').text()", 'request.url', 'view(response)', '.exit'],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /fetched .*\/page\/4 \(200, \d+ bytes\)/);
  assert.match(result.stdout, /arachne> 200\n/);
  assert.match(result.stdout, /'Page 4'/);
  assert.match(result.stdout, /'Page 5'/, 'fetch() rebinds $');
  assert.match(result.stdout, new RegExp(`'${box.site.url}/page/5'`), 'and request');
  const file = /(\/\S+response\.html)\n/.exec(result.stdout)?.[1];
  assert.ok(file && existsSync(file), `view() wrote ${file}`);
  assert.match(readFileSync(file, 'utf8'), /<h1>Page 5<\/h1>/);
});

test('shell: settings and --spider', async () => {
  const result = await shell(['--spider', 'pages', '-a', 'tag=x'], ["settings.userAgent", 'spider.name', 'spider.args.tag', 'response', '.exit']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /'toolbox-test\/1\.0'/, 'the project settings');
  assert.match(result.stdout, /'pages'/);
  assert.match(result.stdout, /'x'/);
  assert.match(result.stdout, /arachne> undefined\n/, 'no response before a fetch');
});

test('shell with an unknown spider is a coded error; --help works', async () => {
  const bad = await shell(['--spider', 'nope'], ['.exit']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_SPIDER_NOT_FOUND/);
  const help = await runCli(['shell', '--help'], box.project.dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: crawl shell \[options\] \[url\]/);
});
