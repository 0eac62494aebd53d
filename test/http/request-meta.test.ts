import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Request, type RequestMeta } from '../../src/http/request.js';

test('every request owns its meta: new Request, fromData and replace copy it; replace merges changes over it', () => {
  const meta: RequestMeta = { referer: 'http://example.com/', depth: 1 };
  const first = new Request({ url: 'http://example.com/a', meta });
  first.meta.depth = 2; // the depth middleware writes in place
  assert.equal(meta.depth, 1, 'the caller\'s object is untouched');
  const rebuilt = Request.fromData(first.toData());
  rebuilt.meta.proxyId = 'p1';
  assert.equal(first.meta.proxyId, undefined);
  const merged = first.replace({ meta: { retryTimes: 1 } });
  assert.deepEqual(merged.meta, { referer: 'http://example.com/', depth: 2, retryTimes: 1 });
  const same = first.replace({ priority: 5 });
  assert.notEqual(same.meta, first.meta);
  assert.deepEqual(same.meta, first.meta);
  const moved = first.replace({ url: 'http://example.com/b', meta: { depth: 3 } });
  assert.deepEqual(moved.meta, { referer: 'http://example.com/', depth: 3 });
});

test('an own "__proto__" key in meta (JSON from a job store or an API) stays a plain property and never sets the prototype', () => {
  const meta = JSON.parse('{"__proto__": {"polluted": true}, "depth": 1}') as RequestMeta;
  const requests = [new Request({ url: 'http://example.com/a', meta })];
  requests.push(Request.fromData(requests[0]!.toData()), requests[0]!.replace({ priority: 1 }), requests[0]!.replace({ meta: JSON.parse('{"__proto__": {"x": 1}}') as RequestMeta }));
  for (const request of requests) {
    assert.equal(Object.getPrototypeOf(request.meta), Object.prototype);
    assert.equal(Object.hasOwn(request.meta, '__proto__'), true);
    assert.equal((request.meta as Record<string, unknown>).polluted, undefined);
    assert.equal(request.meta.depth, 1);
  }
});
