import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { FINGERPRINT_LENGTH, fingerprint } from '../../src/http/fingerprint.js';
import { Request } from '../../src/http/request.js';

const get = (url: string) => fingerprint({ method: 'GET', url, body: null });

test('fingerprints are 40 lower-case hex characters', () => {
  assert.equal(FINGERPRINT_LENGTH, 40);
  for (const fp of [get('http://e.com/'), get(`http://e.com/${'x'.repeat(5000)}`), fingerprint({ method: 'POST', url: 'http://e.com/', body: 'a=1' })]) {
    assert.match(fp, /^[0-9a-f]{40}$/);
  }
});

test('the fingerprint is SHA-1 over method, canonical URL and body, NUL-separated', () => {
  const expected = createHash('sha1').update('GET\0http://e.com/p?a=1&b=2\0').digest('hex');
  assert.equal(get('HTTP://E.COM:80/p?b=2&a=1#frag'), expected);
});

test('equivalent URLs share a fingerprint', () => {
  const base = get('http://example.com/path?a=1&b=2');
  assert.equal(get('http://EXAMPLE.com:80/path?b=2&a=1'), base);
  assert.equal(get('http://example.com/path?a=1&b=2#section'), base);
  assert.equal(get('http://example.com/path?a=%31&b=2'), base);
});

test('different URLs, methods and bodies give different fingerprints', () => {
  const url = 'http://example.com/path';
  const fps = new Set([
    get(url),
    get('http://example.com/Path'),
    get(`${url}?a=1`),
    fingerprint({ method: 'POST', url, body: null }),
    fingerprint({ method: 'POST', url, body: 'a=1' }),
    fingerprint({ method: 'POST', url, body: 'a=2' }),
  ]);
  assert.equal(fps.size, 6);
});

test('method case does not matter; an empty body equals no body', () => {
  const url = 'http://example.com/';
  assert.equal(fingerprint({ method: 'post', url, body: null }), fingerprint({ method: 'POST', url, body: '' }));
  assert.equal(fingerprint({ method: 'POST', url, body: new Uint8Array(0) }), fingerprint({ method: 'POST', url, body: null }));
});

test('a string body and its UTF-8 bytes fingerprint alike', () => {
  const url = 'http://example.com/';
  assert.equal(
    fingerprint({ method: 'POST', url, body: 'q=\u00e9' }),
    fingerprint({ method: 'POST', url, body: Buffer.from('q=\u00e9', 'utf8') }),
  );
});

test('a Request can be fingerprinted directly', () => {
  const request = new Request({ url: 'http://example.com/x?b=1&a=2', method: 'post', body: 'k=v' });
  assert.equal(fingerprint(request), fingerprint({ method: 'POST', url: 'http://example.com/x?a=2&b=1', body: 'k=v' }));
});

test('a request rebuilt from its data (a worker output, a job store) fingerprints as the original, and as its plain data', () => {
  for (const url of ['http://Example.com:80/b?z=1&a=%7e', 'https://example.com/p#frag', 'http://example.com/a|b', 'http://example.com/p?b=2&a=1']) {
    const original = new Request(url);
    const expected = fingerprint(original);
    assert.equal(fingerprint(Request.fromData(original.toData())), expected, url);
    // The plain-data form goes through the full canonicalisation: the same key.
    assert.equal(fingerprint({ method: 'GET', url, body: null }), expected, url);
  }
});
