import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeUrl, normalisePercentEncoding } from '../../src/http/url.js';
import { ArachneError } from '../../src/errors.js';

test('an already canonical URL comes back unchanged', () => {
  assert.equal(canonicalizeUrl('https://example.com/a/b'), 'https://example.com/a/b');
  assert.equal(canonicalizeUrl('https://example.com/a?b=1&c=2'), 'https://example.com/a?b=1&c=2');
});

test('scheme and host are lower-cased, path case is kept', () => {
  assert.equal(canonicalizeUrl('HTTP://WWW.Example.COM/Path/To'), 'http://www.example.com/Path/To');
});

test('default ports are dropped, other ports kept', () => {
  assert.equal(canonicalizeUrl('http://example.com:80/a'), 'http://example.com/a');
  assert.equal(canonicalizeUrl('https://example.com:443/a'), 'https://example.com/a');
  assert.equal(canonicalizeUrl('http://example.com:8080/a'), 'http://example.com:8080/a');
  assert.equal(canonicalizeUrl('https://example.com:80/a'), 'https://example.com:80/a');
});

test('query parameters are sorted by key, stably for repeated keys', () => {
  assert.equal(canonicalizeUrl('http://e.com/p?c=3&a=1&b=2'), 'http://e.com/p?a=1&b=2&c=3');
  assert.equal(canonicalizeUrl('http://e.com/p?b=2&a=z&a=y&a=x'), 'http://e.com/p?a=z&a=y&a=x&b=2');
  assert.equal(canonicalizeUrl('http://e.com/p?flag&a=1'), 'http://e.com/p?a=1&flag');
});

test('empty query pairs and an empty ? are removed', () => {
  assert.equal(canonicalizeUrl('http://e.com/p?'), 'http://e.com/p');
  assert.equal(canonicalizeUrl('http://e.com/p?&'), 'http://e.com/p');
  assert.equal(canonicalizeUrl('http://e.com/p?b=1&&a=2&'), 'http://e.com/p?a=2&b=1');
  assert.equal(canonicalizeUrl('http://e.com/p?a='), 'http://e.com/p?a=');
});

test('the fragment is dropped unless keepFragments', () => {
  assert.equal(canonicalizeUrl('http://e.com/p#section'), 'http://e.com/p');
  assert.equal(canonicalizeUrl('http://e.com/p#'), 'http://e.com/p');
  assert.equal(canonicalizeUrl('http://e.com/p?b=1&a=2#x'), 'http://e.com/p?a=2&b=1');
  assert.equal(canonicalizeUrl('http://e.com/p?b=1&a=2#x%7e', { keepFragments: true }), 'http://e.com/p?a=2&b=1#x~');
  assert.equal(canonicalizeUrl('http://e.com/p#x', { keepFragments: true }), 'http://e.com/p#x');
});

test('percent-encoding: upper-case hex, unreserved decoded, reserved kept encoded', () => {
  assert.equal(canonicalizeUrl('http://e.com/a%2fb%c3%a9'), 'http://e.com/a%2Fb%C3%A9');
  assert.equal(canonicalizeUrl('http://e.com/%7Euser/%41%62%2D%5f'), 'http://e.com/~user/Ab-_');
  assert.equal(canonicalizeUrl('http://e.com/p?q=a%26b%3dc&r=%7e'), 'http://e.com/p?q=a%26b%3Dc&r=~');
  // Equivalent spellings meet.
  assert.equal(canonicalizeUrl('http://e.com/a b|c'), canonicalizeUrl('http://e.com/a%20b%7cc'));
  assert.equal(canonicalizeUrl('http://e.com/caf\u00e9?q=\u00e9'), 'http://e.com/caf%C3%A9?q=%C3%A9');
});

test('a stray percent sign is encoded', () => {
  assert.equal(canonicalizeUrl('http://e.com/100%/x%2'), 'http://e.com/100%25/x%252');
});

test('Unicode hosts become punycode (WHATWG IDNA)', () => {
  assert.equal(canonicalizeUrl('http://B\u00fccher.example/x'), 'http://xn--bcher-kva.example/x');
  assert.equal(canonicalizeUrl('http://xn--bcher-kva.example/x'), canonicalizeUrl('http://b\u00fccher.example/x'));
});

test('dot segments are resolved and userinfo is kept', () => {
  assert.equal(canonicalizeUrl('http://e.com/a/./b/../c'), 'http://e.com/a/c');
  assert.equal(canonicalizeUrl('http://user:pw@E.com/a?b=1#f'), 'http://user:pw@e.com/a?b=1');
});

test('non-http URLs are canonicalised too', () => {
  assert.equal(canonicalizeUrl('mailto:A@B.com?subject=x#f'), 'mailto:A@B.com?subject=x');
});

test('a relative or malformed URL throws ERR_INVALID_URL', () => {
  for (const bad of ['/relative/path', 'http://[::1', '']) {
    assert.throws(
      () => canonicalizeUrl(bad),
      (error: unknown) => error instanceof ArachneError && error.code === 'ERR_INVALID_URL' && error.kind === 'drop',
    );
  }
});

test('normalisePercentEncoding returns the same string when nothing changes', () => {
  const clean = '/a/b-c_d.e~f';
  assert.equal(normalisePercentEncoding(clean), clean);
  assert.equal(normalisePercentEncoding('/%e2%82%ac'), '/%E2%82%AC');
});

test('canonicalisation is idempotent', () => {
  for (const url of ['HTTP://E.com:80/a%7e/b c?z=1&a=%2f#f', 'http://b\u00fccher.example/?b&a', 'http://e.com/100%']) {
    const once = canonicalizeUrl(url);
    assert.equal(canonicalizeUrl(once), once);
  }
});

test('non-special URLs with an authority keep their query apart from their path', () => {
  assert.equal(canonicalizeUrl('foo://Host?b=/x&a=1#f'), 'foo://Host?a=1&b=/x');
  assert.equal(canonicalizeUrl('foo://host/p/q?b=2&a=1'), 'foo://host/p/q?a=1&b=2');
});

test('canonicalizeParsedHref: a joined link or a Request URL canonicalises as a fresh parse does', async () => {
  const { joinUrl } = await import('../../src/http/url-join.js');
  const { Request, linkRequest } = await import('../../src/http/request.js');
  const { canonicalizeParsedHref } = await import('../../src/http/url.js');
  const links = ['/a/b', '/p?c=3&a=1&b=2', '/x%7e%41|y', '/q?&', '/f#frag', '/é?q=ü', 'HTTP://Other.COM:80/Z', '//h.example/p?b&a', '/a%2fb%c3%a9?q=a%26b%3dc&r=%7e'];
  const base = 'http://example.com/dir/page';
  for (const link of links) {
    const href = joinUrl(link, base);
    assert.equal(canonicalizeParsedHref(href), canonicalizeUrl(href), link);
    assert.equal(canonicalizeParsedHref(new Request(href).url), canonicalizeUrl(href), link);
    // A link request keeps the joined href as it is: the same URL a parse gives.
    assert.equal(linkRequest({ url: href }).url, new Request(href).url, link);
  }
  // A raw string still goes through the parser; other schemes are refused on both paths.
  assert.equal(new Request('HTTP://EXAMPLE.com:80/p').url, 'http://example.com/p');
  assert.throws(() => new Request('ftp://example.com/'), (e: unknown) => e instanceof ArachneError && e.code === 'ERR_UNSUPPORTED_SCHEME');
  assert.throws(() => linkRequest({ url: joinUrl('mailto:x@y.z', base) }), (e: unknown) => e instanceof ArachneError && e.code === 'ERR_UNSUPPORTED_SCHEME');
  // keepFragments keeps what a parsed href would.
  assert.equal(canonicalizeUrl(joinUrl('/f#Frag', base), { keepFragments: true }), 'http://example.com/f#Frag');
});
