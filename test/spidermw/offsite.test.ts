/** The offsite spider middleware on its own: which hosts `allowedDomains` lets through, and what it counts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compose, type MiddlewareContext } from '../../src/downloader/middleware.js';
import { RedirectMiddleware } from '../../src/downloader/middlewares/redirect.js';
import { Request } from '../../src/http/request.js';
import { mergeSettings } from '../../src/settings/config.js';
import type { SettingValues } from '../../src/settings/defaults.js';
import { Spider } from '../../src/spider/spider.js';
import { DEFAULT_SPIDER_MIDDLEWARES } from '../../src/spidermw/defaults.js';
import { OffsiteMiddleware } from '../../src/spidermw/offsite.js';
import type { SpiderMiddleware } from '../../src/spidermw/spider-middleware.js';
import { Stats } from '../../src/stats.js';
import { recordingLogger } from '../helpers/log.js';
import { fakeResponse, statusResponse } from '../helpers/response.js';

function offsite(allowedDomains: readonly string[] | undefined, settings: Partial<SettingValues> = {}) {
  class Allowed extends Spider {
    static override name = 'allowed';
    static override allowedDomains = allowedDomains;
    async *parse() {}
  }
  const stats = new Stats();
  const { logger, lines } = recordingLogger();
  const mw: Required<Pick<SpiderMiddleware, 'processRequest'>> = new OffsiteMiddleware({ settings: mergeSettings(settings), stats, logger, spiderClass: Allowed });
  const passes = (url: string, init: { dontFilter?: boolean } = {}): boolean => mw.processRequest(new Request({ url, ...init }), undefined) !== null;
  return { mw, stats, lines, passes };
}

test('a domain allows itself and its subdomains, not hosts that merely end with its letters', () => {
  const { passes, stats } = offsite(['example.com']);
  assert.equal(passes('http://example.com/'), true);
  assert.equal(passes('https://shop.example.com/a'), true);
  assert.equal(passes('http://a.b.example.com/a'), true);
  assert.equal(passes('http://EXAMPLE.com/'), true, 'host names compare in lower case');
  assert.equal(passes('http://badexample.com/'), false);
  assert.equal(passes('http://example.com.evil.test/'), false);
  assert.equal(passes('http://com/'), false, 'a parent domain is not allowed');
  assert.equal(stats.count('offsite/filtered'), 3);
  assert.equal(stats.count('offsite/domains'), 3);
});

test('a subdomain entry does not allow its parent or its siblings', () => {
  const { passes } = offsite(['shop.example.com']);
  assert.equal(passes('http://shop.example.com/'), true);
  assert.equal(passes('http://eu.shop.example.com/'), true);
  assert.equal(passes('http://example.com/'), false);
  assert.equal(passes('http://blog.example.com/'), false);
});

test('ports do not matter; a host:port or URL entry is warned about and reduced to its host', () => {
  const { passes, lines } = offsite(['example.com', 'Other.test:8080', 'https://third.test/path']);
  assert.equal(passes('http://example.com:8080/'), true);
  assert.equal(passes('https://example.com:443/'), true);
  assert.equal(passes('http://other.test:9999/'), true);
  assert.equal(passes('http://sub.third.test/'), true);
  const warnings = lines.filter((l) => l.startsWith('warn: '));
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0]!, /"Other\.test:8080" should be a domain name/);
});

test('IP hosts match exactly: no subdomain logic on addresses, IPv6 in brackets', () => {
  const { passes } = offsite(['127.0.0.1', '[::1]']);
  assert.equal(passes('http://127.0.0.1:8080/a'), true);
  assert.equal(passes('http://127.0.0.2/a'), false);
  assert.equal(passes('http://[::1]:8080/a'), true);
  assert.equal(passes('http://[::2]/a'), false);
});

test('dontFilter passes; no allowedDomains (or an empty list) allows every host', () => {
  assert.equal(offsite(['example.com']).passes('http://away.test/', { dontFilter: true }), true);
  assert.equal(offsite(undefined).passes('http://anything.test/'), true);
  assert.equal(offsite([]).passes('http://anything.test/'), true);
});

test('each dropped request counts in offsite/filtered; each new host once in offsite/domains, logged once', () => {
  const { passes, stats, lines } = offsite(['example.com']);
  for (let i = 0; i < 5; i++) passes(`http://away.test/${i}`);
  passes('http://far.test/');
  assert.equal(stats.count('offsite/filtered'), 6);
  assert.equal(stats.count('offsite/domains'), 2);
  assert.equal(lines.filter((l) => l.startsWith('debug: filtered offsite request to away.test')).length, 1);
});

test('a redirect hop leaving allowedDomains is dropped and counted; one staying inside passes', async () => {
  const { mw, stats } = offsite(['example.com']);
  const context: MiddlewareContext = { settings: mergeSettings({}), stats: new Stats(), logger: recordingLogger().logger, now: () => 0, random: () => 0.5 };
  const hop = async (location: string): Promise<Request> => {
    const chain = compose([new RedirectMiddleware(context)], async (request) => statusResponse(302, request, { location }));
    const result = await chain(new Request('http://example.com/start'));
    assert.ok(Request.isRequest(result), 'the redirect middleware hands back the hop');
    return result;
  };
  // The engine hands a hop to the spider middlewares without a response, like any request the downloader returns.
  assert.equal(mw.processRequest(await hop('http://evil.test/landing'), undefined), null);
  assert.equal(stats.count('offsite/filtered'), 1);
  const inside = await hop('https://www.example.com/next');
  assert.equal(mw.processRequest(inside, undefined), inside);
  // A hop is never dontFilter, so a start request's dontFilter does not carry a redirect off the site.
  const chain = compose([new RedirectMiddleware(context)], async (request) => statusResponse(301, request, { location: 'http://evil.test/' }));
  const fromUnfiltered = await chain(new Request({ url: 'http://example.com/', dontFilter: true }));
  assert.ok(Request.isRequest(fromUnfiltered));
  assert.equal(mw.processRequest(fromUnfiltered, undefined), null);
});

test('a request a callback yields is judged by its own host, not by the page it came from', () => {
  const { mw } = offsite(['example.com']);
  const page = fakeResponse('<a href="http://away.test/">x</a>', undefined, 'http://example.com/');
  assert.equal(mw.processRequest(page.follow('http://away.test/'), page), null);
  assert.equal(mw.processRequest(page.follow('/local'), page)!.url, 'http://example.com/local');
});

test('offsite is in the default table, and offsite.enabled=false leaves it out', () => {
  assert.ok(DEFAULT_SPIDER_MIDDLEWARES.includes(OffsiteMiddleware));
  assert.equal(OffsiteMiddleware.enabled(mergeSettings({})), true);
  assert.equal(OffsiteMiddleware.enabled(mergeSettings({ 'offsite.enabled': false })), false);
});
