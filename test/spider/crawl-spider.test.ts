import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import { CrawlSpider, RULE_INDEX_KEY } from '../../src/spider/crawl-spider.js';
import { LinkExtractor } from '../../src/spider/link-extractor.js';
import { Rule } from '../../src/spider/rule.js';
import type { SpiderOutput } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { BlogSpider, FollowingBlogSpider, HookedBlogSpider, blogRoutes } from './fixtures/blog.js';
import { collect } from '../helpers/iterate.js';
import { fakeResponse } from '../helpers/response.js';

const BLOG_FILE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'blog.ts');

function requestsOf(outputs: SpiderOutput[]): Request[] {
  return outputs.filter((o): o is Request => Request.isRequest(o));
}

describe('Rule', () => {
  test('defaults: every link, no callback, follow; a callback turns follow off unless asked', () => {
    const bare = new Rule();
    assert.ok(bare.linkExtractor instanceof LinkExtractor);
    assert.equal(bare.callback, null);
    assert.equal(bare.follow, true);
    assert.deepEqual(bare.cbKwargs, {});
    assert.equal(bare.errback, null);
    assert.equal(bare.processLinks, null);
    assert.equal(bare.processRequest, null);
    assert.equal(new Rule({ callback: 'parseItem' }).follow, false);
    assert.equal(new Rule({ callback: 'parseItem', follow: true }).follow, true);
  });

  test('callbacks and errbacks given as method references are kept as names; the extractor may come first', () => {
    class S extends CrawlSpider {
      parseItem() {}
      onError() {}
    }
    const extractor = new LinkExtractor({ allow: /x/ });
    const rule = new Rule(extractor, { callback: S.prototype.parseItem, errback: S.prototype.onError, cbKwargs: { a: 1 } });
    assert.equal(rule.linkExtractor, extractor);
    assert.equal(rule.callback, 'parseItem');
    assert.equal(rule.errback, 'onError');
    assert.deepEqual(rule.cbKwargs, { a: 1 });
  });
});

describe('CrawlSpider on hand-built responses', () => {
  const PAGE = '<a href="/post/1">p1</a><a href="/post/2">p2</a><a href="/list/2">next</a><a href="/post/1">again</a>';

  class Ordered extends CrawlSpider {
    static override name = 'ordered';
    static override rules = [
      new Rule(new LinkExtractor({ allow: /\/post\/1$/ }), { callback: 'parseFirst' }),
      new Rule(new LinkExtractor({ allow: /\/post\// }), { callback: 'parseAny', errback: 'onError' }),
      new Rule(new LinkExtractor({ allow: /\/list\// })),
    ];
    parseFirst() {}
    parseAny() {}
    onError() {}
  }

  test('rules apply in order; a link taken by an earlier rule is not requested again by a later one', async () => {
    const requests = requestsOf(await collect(new Ordered().parse(fakeResponse(PAGE, undefined, 'http://example.com/'))));
    assert.deepEqual(
      requests.map((r) => [r.url, r.callback, r.cbKwargs[RULE_INDEX_KEY], r.errback]),
      [
        ['http://example.com/post/1', '_parseWithRules', 0, null],
        ['http://example.com/post/2', '_parseWithRules', 1, 'onError'],
        ['http://example.com/list/2', '_parseWithRules', 2, null],
      ],
    );
    assert.equal(requests[0].meta.referer, 'http://example.com/');
  });

  test('parseStartUrl outputs come first, then the rules requests', async () => {
    class WithStart extends Ordered {
      override parseStartUrl(response: Response) {
        return [{ start: response.url }];
      }
    }
    const outputs = await collect(new WithStart().parse(fakeResponse(PAGE, undefined, 'http://example.com/')));
    assert.deepEqual(outputs[0], { start: 'http://example.com/' });
    assert.equal(requestsOf(outputs).length, 3);
  });

  test('_parseWithRules calls the rule callback with merged cbKwargs (rule index hidden), then follows only if the rule does', async () => {
    const seen: Record<string, unknown>[] = [];
    class Kw extends CrawlSpider {
      static override rules = [
        new Rule(new LinkExtractor({ allow: /post/ }), { callback: 'parseItem', cbKwargs: { a: 'rule', b: 'rule' } }),
        new Rule(new LinkExtractor({ allow: /list/ }), { callback: 'parseItem', follow: true }),
      ];
      parseItem(_response: Response, kwargs: Record<string, unknown>) {
        seen.push(kwargs);
        return { item: true };
      }
    }
    const spider = new Kw();
    const noFollow = await collect(spider._parseWithRules(fakeResponse(PAGE, undefined, 'http://example.com/'), { [RULE_INDEX_KEY]: 0, b: 'request' }));
    assert.deepEqual(noFollow, [{ item: true }]);
    assert.deepEqual(seen[0], { a: 'rule', b: 'request' });
    const follow = await collect(spider._parseWithRules(fakeResponse(PAGE, undefined, 'http://example.com/'), { [RULE_INDEX_KEY]: 1 }));
    assert.deepEqual(follow[0], { item: true });
    assert.equal(requestsOf(follow).length, 3);
  });

  test('a request for a rule that does not exist fails with a coded error', async () => {
    await assert.rejects(collect(new Ordered()._parseWithRules(fakeResponse(PAGE, undefined, 'http://example.com/'), { [RULE_INDEX_KEY]: 9 })), { code: 'ERR_CRAWL_RULE_NOT_FOUND' });
  });

  test('responses that are not HTML are not searched for links', async () => {
    const json = new Response({
      url: 'http://example.com/api',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"a":"<a href=\\"/post/1\\">x</a>"}'),
      request: new Request('http://example.com/api'),
    });
    assert.deepEqual(await collect(new Ordered().parse(json)), []);
  });

  test('a rule naming a missing method fails start() with ERR_CALLBACK_NOT_FOUND', async () => {
    class Broken extends CrawlSpider {
      static override startUrls = ['http://example.com/'];
      static override rules = [new Rule({ processLinks: 'nope' })];
    }
    await assert.rejects(collect(new Broken().start() as AsyncIterable<SpiderOutput>), (error: Error & { code?: string }) => {
      return error.code === 'ERR_CALLBACK_NOT_FOUND' && error.message.includes('"nope"') && error.message.includes('processLinks');
    });
  });
});

describe('CrawlSpider crawls', () => {
  let site: Site;
  before(async () => {
    site = await startSite({ routes: blogRoutes() });
  });
  after(() => site.close());

  const posts = (items: Record<string, unknown>[]): string[] =>
    items.filter((i) => typeof i.post === 'string').map((i) => i.post as string).sort();

  test('listings are followed, posts parsed but not followed, failures reach the rule errback', async () => {
    site.resetCounters();
    const { items, stats, reason } = await crawl(BlogSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.equal(reason, 'finished');
    assert.deepEqual(posts(items), ['Post 1', 'Post 2', 'Post 3', 'Post 4', 'Post 5', 'Post 6']);
    assert.deepEqual(items.filter((i) => 'home' in i), [{ home: 'Home', onMainThread: true }]);
    assert.deepEqual(items.filter((i) => 'failed' in i), [{ failed: '/post/404', code: 'ERR_HTTP_STATUS' }]);
    for (const item of items.filter((i) => 'post' in i)) assert.deepEqual(item.kwargs, { section: 'blog' });
    // No rule matches /about; post 7 is only linked from a post, and the post rule does not follow.
    assert.equal(site.hits.get('/about'), undefined);
    assert.equal(site.hits.get('/post/7'), undefined);
    assert.equal(site.hits.get('/post/5'), 1, 'a post linked from two listings is fetched once');
    assert.equal(stat(stats, 'spider/exceptions'), 0);
  });

  test('follow: true on a callback rule applies the rules to its pages too', async () => {
    const { items } = await crawl(FollowingBlogSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(posts(items), ['Post 1', 'Post 2', 'Post 3', 'Post 4', 'Post 5', 'Post 6', 'Post 7']);
  });

  test('processLinks (a method name) and processRequest (a function) filter and change requests', async () => {
    site.resetCounters();
    const { items } = await crawl(HookedBlogSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    assert.deepEqual(posts(items), ['Post 1', 'Post 5']);
    assert.equal(site.hits.get('/post/3'), undefined, 'processRequest dropped it');
    assert.equal(site.hits.get('/post/2'), undefined, 'processLinks dropped it');
    for (const item of items.filter((i) => 'post' in i)) {
      const kwargs = item.kwargs as Record<string, unknown>;
      assert.equal(kwargs.section, 'blog');
      assert.equal(kwargs.from, 'processRequest', 'the request cbKwargs win over the rule ones');
      assert.match(String(kwargs.listing), /^\/category\//);
    }
  });

  test('the same spider on parse worker threads yields the same items', async () => {
    const inProcess = await crawl(BlogSpider, { 'parse.workers': 0 }, { args: { baseUrl: site.url } });
    const onWorkers = await crawl(BlogSpider, { 'parse.workers': 2 }, { args: { baseUrl: site.url }, spiderFile: BLOG_FILE });
    const key = (items: Record<string, unknown>[]) => items.filter((i) => !('home' in i)).map((i) => JSON.stringify(i)).sort();
    assert.equal(onWorkers.reason, 'finished');
    assert.deepEqual(key(onWorkers.items), key(inProcess.items));
    assert.equal(key(onWorkers.items).length, 7);
    assert.deepEqual(onWorkers.items.filter((i) => 'home' in i), [{ home: 'Home', onMainThread: false }]);
  });
});
