import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { settingsMarkdown } from '../src/settings/docs.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test("the README's settings table is the one generated from the defaults table", () => {
  const match = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme);
  assert.ok(match, 'README has the settings markers');
  assert.equal(match[1], settingsMarkdown(), 'regenerate with: node dist/cli/main.js settings --markdown');
});

test('the README quick start has the two commands', () => {
  assert.match(readme, /npm install && npm run demo/);
  assert.match(readme, /npm test/);
});
