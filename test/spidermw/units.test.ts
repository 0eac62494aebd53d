/** The spider middlewares one by one, outside a crawl: what each passes, changes, drops and counts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stats } from '../../src/stats.js';
import { Request } from '../../src/http/request.js';
import { silentLogger } from '../../src/log.js';
import { mergeSettings } from '../../src/settings/config.js';
import type { SettingValues } from '../../src/settings/defaults.js';
import { Spider } from '../../src/spider/spider.js';
import { DepthMiddleware } from '../../src/spidermw/depth.js';
import { HttpErrorsMiddleware } from '../../src/spidermw/http-errors.js';
import type { SpiderMiddlewareContext } from '../../src/spidermw/spider-middleware.js';
import { UrlLengthMiddleware } from '../../src/spidermw/url-length.js';
import { thrownCode } from '../helpers/assert-code.js';
import { fakeResponse, statusResponse } from '../helpers/response.js';

class Plain extends Spider {
  static override name = 'plain';
  async *parse() {}
}

function context(settings: Partial<SettingValues> = {}): SpiderMiddlewareContext {
  return { settings: mergeSettings(settings), stats: new Stats(), logger: silentLogger, spiderClass: Plain };
}

const withStatus = (status: number, meta: Request['meta'] = {}) => statusResponse(status, new Request({ url: 'http://example.com/a', meta }));

test('url-length: a URL at the limit passes, one character over is dropped and counted', () => {
  const ctx = context({ 'urlLength.limit': 30 });
  const mw = new UrlLengthMiddleware(ctx);
  const base = 'http://example.com/';
  const atLimit = new Request(base + 'a'.repeat(30 - base.length));
  assert.equal(mw.processRequest(atLimit), atLimit);
  assert.equal(mw.processRequest(new Request(base + 'a'.repeat(31 - base.length))), null);
  assert.equal(ctx.stats.count('urlLength/dropped'), 1);
});

test('depth: a request from a response is one deeper; over depth.limit it is dropped; depth/max is kept', () => {
  const ctx = context({ 'depth.limit': 2 });
  const mw = new DepthMiddleware(ctx);
  const seed = mw.processRequest(new Request('http://example.com/0'), undefined)!;
  assert.equal(seed.meta.depth, 0);
  const parent = fakeResponse('', undefined, 'http://example.com/1', { meta: { depth: 1 } });
  assert.equal(mw.processRequest(new Request('http://example.com/2'), parent)!.meta.depth, 2);
  const deep = fakeResponse('', undefined, 'http://example.com/2', { meta: { depth: 2 } });
  assert.equal(mw.processRequest(new Request('http://example.com/3'), deep), null);
  assert.equal(ctx.stats.count('depth/dropped'), 1);
  assert.equal(ctx.stats.get('depth/max'), 2);
});

test('depth: depth.priority shifts the priority of derived requests by depth', () => {
  const mw = new DepthMiddleware(context({ 'depth.priority': -1 }));
  const parent = fakeResponse('', undefined, 'http://example.com/1', { meta: { depth: 2 } });
  const child = mw.processRequest(new Request({ url: 'http://example.com/c', priority: 10 }), parent)!;
  assert.equal(child.priority, 7);
  assert.equal(child.meta.depth, 3);
});

test('http-errors: 2xx passes; 404 is ERR_HTTP_STATUS unless allowed by settings or meta', () => {
  const ctx = context();
  const mw = new HttpErrorsMiddleware(ctx);
  assert.equal(thrownCode(() => mw.processInput(withStatus(200))), undefined);
  assert.equal(thrownCode(() => mw.processInput(withStatus(404))), 'ERR_HTTP_STATUS');
  assert.equal(ctx.stats.count('httpErrors/ignored/status/404'), 1);
  assert.equal(thrownCode(() => mw.processInput(withStatus(404, { handleHttpStatusList: [404] }))), undefined);
  assert.equal(thrownCode(() => mw.processInput(withStatus(500, { handleHttpStatusAll: true }))), undefined);
  const allowed = new HttpErrorsMiddleware(context({ 'httpErrors.allowedCodes': [410] }));
  assert.equal(thrownCode(() => allowed.processInput(withStatus(410))), undefined);
  assert.equal(thrownCode(() => allowed.processInput(withStatus(404))), 'ERR_HTTP_STATUS');
});
