/**
 * The browser's pieces that need no Chromium: the missing-package and missing-browser errors,
 * the app-shell heuristic of `auto`, sections, proxy options, cookies, and bad actions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkActions } from '../../src/browser/actions.js';
import { looksLikeAppShell } from '../../src/browser/adaptive.js';
import { sectionOf } from '../../src/browser/browser-handler.js';
import { findChromium } from '../../src/browser/executable.js';
import { loadPlaywright } from '../../src/browser/playwright.js';
import { playwrightProxy } from '../../src/browser/pool.js';
import { cookiesOf } from '../../src/browser/render.js';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import { rejectsWith } from '../helpers/assert-code.js';

test('playwright-core missing: ERR_PLAYWRIGHT_MISSING names the install command', async () => {
  const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'playwright-core'"), { code: 'ERR_MODULE_NOT_FOUND' }));
  const error = await rejectsWith(loadPlaywright(missing), 'ERR_PLAYWRIGHT_MISSING');
  assert.match(error.hint ?? '', /npm install playwright-core/);
});

test('no Chromium: ERR_BROWSER_NOT_FOUND at once, for a bad path and for none found', () => {
  assert.throws(() => findChromium('/nonexistent/chromium', () => undefined), { code: 'ERR_BROWSER_NOT_FOUND', message: /browser\.executablePath/ });
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(() => findChromium('', () => '/nonexistent/chrome'), { code: 'ERR_BROWSER_NOT_FOUND', hint: /apt install chromium/ });
  } finally {
    process.env.PATH = path;
  }
});

const page = (body: string, type = 'text/html') =>
  new Response({ url: 'http://a.test/x', status: 200, headers: { 'content-type': type }, body: Buffer.from(body), request: new Request('http://a.test/x') });

test('auto: app shells need the browser; pages with their text, non-HTML and script-free pages do not', () => {
  assert.equal(looksLikeAppShell(page('<html><body><div id="app"></div><script src="/a.js"></script></body></html>')), true);
  assert.equal(looksLikeAppShell(page(`<html><body><div id="x">hi</div><script>${'x'.repeat(5000)}</script></body></html>`)), true, 'little visible text');
  assert.equal(looksLikeAppShell(page(`<html><body><p>${'Real text. '.repeat(40)}</p><script>1</script></body></html>`)), false);
  assert.equal(looksLikeAppShell(page('<html><body><div id="app"></div></body></html>')), false, 'no script: nothing to render');
  assert.equal(looksLikeAppShell(page('{"a":1}', 'application/json')), false);
});

test('sections, proxy options, cookies, actions', () => {
  assert.equal(sectionOf('http://a.test:8080/js/3?x=1'), 'a.test:8080/js');
  assert.equal(sectionOf('http://a.test/'), 'a.test/');
  assert.deepEqual(playwrightProxy('http://us%40er:p%3Ass@127.0.0.1:3128'), { server: 'http://127.0.0.1:3128', username: 'us@er', password: 'p:ss' });
  assert.deepEqual(playwrightProxy('http://127.0.0.1:3128'), { server: 'http://127.0.0.1:3128' });
  const request = new Request({ url: 'http://a.test/p', headers: { cookie: 'a=1; b=x=y; bad' } });
  assert.deepEqual(cookiesOf(request).map((c) => [c.name, c.value]), [['a', '1'], ['b', 'x=y']]);
  assert.throws(() => checkActions([{ click: '#a' }, { clik: '#b' }], 'http://a.test/'), { code: 'ERR_BROWSER_ACTION', message: /actions\[1\]/ });
  assert.equal(checkActions([{ scrollToBottom: { times: 3 } }, { evaluate: 'return 1' }], 'http://a.test/').length, 2);
});
