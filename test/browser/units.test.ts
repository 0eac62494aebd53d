/**
 * The browser's pieces that need no Chromium: the missing-package and missing-browser errors,
 * what `auto` learns from callbacks, sections, proxy options, cookies, and bad actions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkActions } from '../../src/browser/actions.js';
import { AdaptiveRendering, mayRender } from '../../src/browser/adaptive.js';
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

test('auto: an empty callback on a scripted HTML page asks for a rendered copy; a yielding copy teaches the section', () => {
  assert.equal(mayRender(page('<html><body><div id="app"></div><script src="/a.js"></script></body></html>')), true);
  assert.equal(mayRender(page('<html><body><div id="app"></div></body></html>')), false, 'no script: nothing to render');
  assert.equal(mayRender(page('{"a":1}', 'application/json')), false);
  const counts = new Map<string, number>();
  const stats = { inc: (key: string, by = 1) => void counts.set(key, (counts.get(key) ?? 0) + by) };
  let roll = 0.5;
  const auto = new AdaptiveRendering({ recheckRate: 0.1, random: () => roll, stats });
  const shell = page('<html><body><div id="app"></div><script src="/a.js"></script></body></html>');
  assert.equal(auto.spiderJudges, false);
  assert.equal(auto.afterHttp('a.test/js', shell, 2), false, 'the callback yielded: HTTP is enough');
  assert.equal(auto.afterHttp('a.test/js', shell, 0), true, 'nothing yielded: render a copy');
  assert.equal(auto.direct('a.test/js'), false, 'not learnt until the copy yields');
  auto.afterRendered('a.test/js', 3);
  assert.equal(auto.direct('a.test/js'), true, 'learnt: straight to the browser');
  roll = 0.05;
  assert.equal(auto.direct('a.test/js'), false, 'the re-check sample goes over HTTP');
  assert.equal(auto.afterHttp('a.test/js', shell, 1), false);
  roll = 0.5;
  assert.equal(auto.direct('a.test/js'), false, 'HTTP served the re-check: unlearnt');
  // A section whose rendered copy yielded nothing either: its empty pages render only in the sample.
  assert.equal(auto.afterHttp('a.test/empty', shell, 0), true);
  auto.afterRendered('a.test/empty', 0);
  assert.equal(auto.afterHttp('a.test/empty', shell, 0), false);
  assert.deepEqual(Object.fromEntries(counts), {
    'browser/auto/http_enough': 2,
    'browser/auto/rendered': 2,
    'browser/auto/sections_learnt': 1,
    'browser/auto/direct': 1,
    'browser/auto/rechecks': 1,
    'browser/auto/sections_unlearnt': 1,
    'browser/auto/rendered_empty': 1,
    'browser/auto/empty': 1,
  });
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
