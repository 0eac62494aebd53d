/** The generated reference pages match the code (regenerate with `npm run docs:reference`). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PAGES } from './reference-pages.js';

for (const [path, render] of Object.entries(PAGES)) {
  test(`${path} is in step with the code`, () => {
    const page = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    assert.equal(page, render(), `${path} is out of date: run npm run docs:reference`);
  });
}
