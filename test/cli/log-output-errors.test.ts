import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogOutput } from '../../src/cli/log-output.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a log file that cannot be opened is a coded warning; logging goes on to stderr, nothing crashes', async (t) => {
  const dir = tempDir(t, 'log');
  writeFileSync(join(dir, 'afile'), '');
  const lines: string[] = [];
  const output = new LogOutput({ write: (chunk: string) => lines.push(chunk) });
  output.configure({ json: false, file: join(dir, 'afile', 'crawl.log') });
  output.sink('info', 'arachne', 'first line');
  // The open fails asynchronously (ENOTDIR, from libuv's thread pool, which a loaded machine can
  // hold back past any fixed number of event-loop turns): wait for the warning, bounded at ~5 s.
  for (let i = 0; i < 5000 && !lines.some((l) => l.includes('ERR_OUTPUT_PATH')); i++) await new Promise((r) => setTimeout(r, 1));
  output.sink('info', 'arachne', 'second line');
  await output.close();
  assert.ok(lines.some((l) => /^warning ERR_OUTPUT_PATH: log\.file .*afile\/crawl\.log cannot be written \(ENOTDIR\)/.test(l)), lines.join(''));
  assert.ok(lines.some((l) => l.includes('second line')));
});
