import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArachneError } from '../../src/errors.js';
import { fakeResponse } from '../helpers/response.js';

const PAGE = 'http://example.com/dir/page.html';

function hasCode(code: string) {
  return (error: unknown) => error instanceof ArachneError && error.code === code && typeof error.hint === 'string';
}

test('text uses the Content-Type charset', () => {
  const body = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in iso-8859-1
  const response = fakeResponse(body, { 'content-type': 'text/html; charset=ISO-8859-1' });
  assert.equal(response.text, 'caf\u00e9');
  assert.equal(response.encoding, 'windows-1252');
});

test('text uses a BOM when the header has no charset', () => {
  const body = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\u00e9t\u00e9', 'utf16le').swap16()]);
  assert.equal(fakeResponse(body).text, '\u00e9t\u00e9');
});

test('text uses <meta charset> and <meta http-equiv> in the first 2 KB', () => {
  const windows1251 = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"></head><body>'), Buffer.from([0xcf, 0xf0, 0xe8])]);
  assert.equal(fakeResponse(windows1251).text.endsWith('\u041f\u0440\u0438'), true);
  const httpEquiv = Buffer.concat([
    Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>'),
    Buffer.from([0x93, 0x71, 0x94, 0x80]),
  ]);
  assert.equal(fakeResponse(httpEquiv, {}).text.endsWith('<p>\u201cq\u201d\u20ac'), true);
});

test('text decodes windows-1252 smart quotes and the euro sign', () => {
  const response = fakeResponse(Buffer.from([0x93, 0x48, 0x69, 0x94, 0x20, 0x80, 0x35]), { 'content-type': 'text/plain; charset=windows-1252' });
  assert.equal(response.text, '\u201cHi\u201d \u20ac5');
});

test('an unknown charset label falls back to utf-8 without throwing', () => {
  const response = fakeResponse(Buffer.from('caf\u00e9'), { 'content-type': 'text/html; charset=x-made-up' });
  assert.equal(response.text, 'caf\u00e9');
  assert.equal(response.encoding, 'utf-8');
});

test('text is decoded once and cached', () => {
  const response = fakeResponse('<p>x</p>');
  assert.equal(response.text, response.text);
  const body = response.body as Buffer;
  body.write('<q>', 0); // a cached text does not see later mutation of the bytes
  assert.equal(response.text, '<p>x</p>');
});

test('json parses the body', () => {
  const response = fakeResponse('{"items":[1,2],"name":"\u00e9"}', { 'content-type': 'application/json' });
  assert.deepEqual(response.json<{ items: number[]; name: string }>(), { items: [1, 2], name: '\u00e9' });
  // Fresh values each call: mutation does not leak between callers.
  (response.json<{ items: number[] }>()).items.push(3);
  assert.deepEqual(response.json<{ items: number[] }>().items, [1, 2]);
});

test('json on a non-JSON body throws ERR_RESPONSE_NOT_JSON naming the URL', () => {
  const response = fakeResponse('<html>oops</html>');
  assert.throws(
    () => response.json(),
    (error: unknown) => hasCode('ERR_RESPONSE_NOT_JSON')(error) && (error as Error).message.includes(PAGE) && (error as ArachneError).kind === 'callback',
  );
});

test('$ parses malformed HTML without throwing and finds elements', () => {
  const response = fakeResponse('<html><body><div class="a"><p>one<p>two</div></div></span><ul><li>x<li>y</ul><table><tr><td>c</table><a href="/z">z');
  const $ = response.$;
  assert.equal($('p').length, 2);
  assert.equal($('li').length, 2);
  assert.equal($('div.a p').first().text(), 'one');
  assert.equal($('a').attr('href'), '/z');
  assert.equal(response.css('td::text').get(), 'c');
  // htmlparser2, not parse5: no implied <tbody> (DESIGN.md §8).
  assert.equal($('tbody').length, 0);
  assert.equal(response.$, $, 'the parsed document is cached');
});

test('$ never throws, even on binary or empty bodies', () => {
  assert.equal(fakeResponse(Uint8Array.from([0, 1, 0x3c, 0xff, 0xfe, 0x3e])).$('p').length, 0);
  assert.equal(fakeResponse('').$('*').length, 0);
});

test('$ decodes entities and resolves prop("href") against the base URL', () => {
  const response = fakeResponse('<base href="/b/"><a href="x?a=1&amp;b=2">A &amp; B</a>');
  assert.equal(response.css('a::text').get(), 'A & B');
  assert.equal(response.$('a').prop('href'), 'http://example.com/b/x?a=1&b=2');
});

test('isHtml follows the content type, and sniffs when there is none', () => {
  assert.equal(fakeResponse('<p>', { 'content-type': 'text/html; charset=utf-8' }).isHtml, true);
  assert.equal(fakeResponse('<p>', { 'content-type': 'application/xhtml+xml' }).isHtml, true);
  assert.equal(fakeResponse('<!doctype html><p>', { 'content-type': 'application/json' }).isHtml, false);
  assert.equal(fakeResponse('\n  <!DOCTYPE html>\n<html>', {}).isHtml, true);
  assert.equal(fakeResponse('<!-- generated --><html lang="en">', {}).isHtml, true);
  assert.equal(fakeResponse('{"a": "<html>"}', {}).isHtml, false);
});

test('urljoin resolves against the response URL without <base>', () => {
  const response = fakeResponse('<html><head><title>t</title></head></html>');
  assert.equal(response.urljoin('other.html'), 'http://example.com/dir/other.html');
  assert.equal(response.urljoin('/root?q=1'), 'http://example.com/root?q=1');
  assert.equal(response.urljoin('//cdn.example.org/x'), 'http://cdn.example.org/x');
  assert.equal(response.urljoin('https://else.com/'), 'https://else.com/');
});

test('urljoin honours an absolute <base href>', () => {
  const response = fakeResponse('<html><head><base href="https://static.example.net/assets/"></head></html>');
  assert.equal(response.urljoin('img/a.png'), 'https://static.example.net/assets/img/a.png');
  assert.equal(response.urljoin('/top'), 'https://static.example.net/top');
});

test('urljoin resolves a relative <base href> against the response URL first', () => {
  const response = fakeResponse("<head><BASE target=_self HREF='../other/'></head>");
  assert.equal(response.urljoin('x.html'), 'http://example.com/other/x.html');
});

test('urljoin ignores <base> outside HTML, past the first 4 KB, or with a javascript: href', () => {
  assert.equal(fakeResponse('<base href="/b/">', { 'content-type': 'text/plain' }).urljoin('x'), 'http://example.com/dir/x');
  assert.equal(fakeResponse(`<html><!--${'-'.repeat(5000)}--><base href="/b/">`).urljoin('x'), 'http://example.com/dir/x');
  assert.equal(fakeResponse('<base href="javascript:alert(1)">').urljoin('x'), 'http://example.com/dir/x');
});

test('urljoin and $().prop("href") agree on the base, whichever is used first', () => {
  const body = '<head><base href="/b/"></head><a href="x">x</a>';
  const joinFirst = fakeResponse(body);
  assert.equal(joinFirst.urljoin('x'), 'http://example.com/b/x');
  assert.equal(joinFirst.$('a').prop('href'), 'http://example.com/b/x');
  const parseFirst = fakeResponse(body);
  assert.equal(parseFirst.$('a').prop('href'), 'http://example.com/b/x');
  assert.equal(parseFirst.urljoin('x'), 'http://example.com/b/x');
});

test('urljoin throws ERR_INVALID_URL for a link that is not a URL', () => {
  assert.throws(() => fakeResponse('').urljoin('http://[::1'), hasCode('ERR_INVALID_URL'));
});

test('follow with a string joins it and sets meta.referer', () => {
  const request = fakeResponse('<p>').follow('next.html?p=2', { callback: 'parseList', priority: 5, meta: { depth: 3 } });
  assert.equal(request.url, 'http://example.com/dir/next.html?p=2');
  assert.equal(request.callback, 'parseList');
  assert.equal(request.priority, 5);
  assert.deepEqual(request.meta, { referer: PAGE, depth: 3 });
});

test('follow with an element uses its href, or src for <img>', () => {
  const response = fakeResponse('<base href="/b/"><a class="n" href="n.html">n</a><img src="i.png"><link rel="next" href="/l">');
  assert.equal(response.follow(response.css('a.n')[0]!).url, 'http://example.com/b/n.html');
  assert.equal(response.follow(response.css('img')[0]!).url, 'http://example.com/b/i.png');
  assert.equal(response.follow(response.css('link[rel=next]')[0]!).url, 'http://example.com/l');
});

test('follow with a selection of one element', () => {
  const response = fakeResponse('<ul><li><a href="/1">1</a></li></ul><a class="next" href="?page=2">next</a>');
  const request = response.follow(response.css('a.next'));
  assert.equal(request.url, 'http://example.com/dir/page.html?page=2');
  assert.equal(request.meta.referer, PAGE);
});

test('follow rejects selections of several or no elements', () => {
  const response = fakeResponse('<a href="/1">1</a><a href="/2">2</a>');
  assert.throws(() => response.follow(response.css('a')), hasCode('ERR_FOLLOW_MANY'));
  assert.throws(() => response.follow(response.css('a.missing')), hasCode('ERR_INVALID_URL'));
});

test('follow rejects mailto:, javascript: and tel: links with ERR_UNSUPPORTED_SCHEME', () => {
  const response = fakeResponse('<a href="mailto:me@example.com">m</a><a href="javascript:void(0)">j</a>');
  assert.throws(() => response.follow(response.css('a')[0]!), hasCode('ERR_UNSUPPORTED_SCHEME'));
  assert.throws(() => response.follow(response.$('a').last()), hasCode('ERR_UNSUPPORTED_SCHEME'));
  assert.throws(() => response.follow('tel:+123'), hasCode('ERR_UNSUPPORTED_SCHEME'));
  assert.throws(
    () => response.follow('javascript:alert(1)'),
    (error: unknown) => hasCode('ERR_UNSUPPORTED_SCHEME')(error) && (error as ArachneError).kind === 'drop',
  );
});

test('follow rejects empty and missing hrefs with ERR_INVALID_URL', () => {
  const response = fakeResponse('<a href="">empty</a><a name="anchor">no href</a>');
  assert.throws(() => response.follow(''), hasCode('ERR_INVALID_URL'));
  assert.throws(() => response.follow('   '), hasCode('ERR_INVALID_URL'));
  assert.throws(() => response.follow(response.css('a')[0]!), hasCode('ERR_INVALID_URL'));
  assert.throws(() => response.follow(response.css('a[name]')[0]!), hasCode('ERR_INVALID_URL'));
});

test('follow lets options.meta override the referer', () => {
  assert.equal(fakeResponse('').follow('/x', { meta: { referer: 'http://other/' } }).meta.referer, 'http://other/');
});

test('followAll with a CSS selector skips, dedupes and keeps document order', () => {
  const response = fakeResponse(`
    <a class="p" href="/a">a</a>
    <a class="p" href="mailto:x@example.com">mail</a>
    <a class="p" href="javascript:void(0)">js</a>
    <a class="p">no href</a>
    <a class="p" href="">empty</a>
    <a class="p" href="#top">top</a>
    <a class="p" href="page.html#section">same page</a>
    <a class="p" href="http://EXAMPLE.com:80/a">dup of /a</a>
    <a class="p" href="/a#frag">dup of /a with fragment</a>
    <a class="p" href="b?y=2&amp;x=1">b</a>
    <a class="p" href="b?x=1&y=2">dup of b, other order</a>
    <a class="p" href="http://[::1">invalid</a>
    <a class="p" href="https://other.org/c">c</a>
    <a href="/not-selected">n</a>`);
  const requests = response.followAll('a.p', { callback: 'parseItem' });
  assert.deepEqual(
    requests.map((r) => r.url),
    ['http://example.com/a', 'http://example.com/dir/b?y=2&x=1', 'https://other.org/c'],
  );
  assert.ok(requests.every((r) => r.callback === 'parseItem' && r.meta.referer === PAGE));
});

test('followAll with an array of hrefs and with a selection', () => {
  const response = fakeResponse('<base href="/base/"><img src="1.png"><img src="2.png"><img src="1.png">');
  assert.deepEqual(
    response.followAll(['x', '/y', 'x', 'tel:1', '', 'ftp://files.example.com/f']).map((r) => r.url),
    ['http://example.com/base/x', 'http://example.com/y'],
  );
  assert.deepEqual(
    response.followAll(response.css('img')).map((r) => r.url),
    ['http://example.com/base/1.png', 'http://example.com/base/2.png'],
  );
});

test('followAll keeps a link to the same page that is not fragment-only', () => {
  const response = fakeResponse('<a href="page.html?sort=asc">sorted</a><a href="page.html">self</a>');
  assert.deepEqual(response.followAll('a').map((r) => r.url), ['http://example.com/dir/page.html?sort=asc', PAGE]);
});

test('followAll returns an empty array when nothing matches', () => {
  assert.deepEqual(fakeResponse('<p>no links</p>').followAll('a'), []);
});

test('links on a legacy-encoded page: query in the page encoding, path in UTF-8 (urljoin, follow, followAll)', () => {
  // Scrapy's test_follow_encoding: the same link on a UTF-8 and on a cp1251 page.
  const utf8 = fakeResponse('<html><body><a href="foo?привет">click me</a></body></html>', { 'content-type': 'text/html; charset=utf-8' }, 'http://example.com');
  assert.equal(utf8.follow(utf8.css('a')).url, 'http://example.com/foo?%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82');
  // href="/путь?q=привет" as raw cp1251 bytes.
  const cp1251 = Buffer.from([
    ...Buffer.from('<html><head><meta charset="windows-1251"></head><body><a href="/'),
    0xef, 0xf3, 0xf2, 0xfc, // путь
    ...Buffer.from('?q='),
    0xef, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, // привет in cp1251
    ...Buffer.from('">click me</a></body></html>'),
  ]);
  const page = fakeResponse(cp1251, { 'content-type': 'text/html' }, 'http://example.com/dir/');
  assert.equal(page.encoding, 'windows-1251');
  const expected = 'http://example.com/%D0%BF%D1%83%D1%82%D1%8C?q=%EF%F0%E8%E2%E5%F2';
  assert.equal(page.urljoin(page.css('a::attr(href)').get()!), expected);
  assert.equal(page.follow(page.css('a')).url, expected);
  assert.deepEqual(page.followAll('a').map((r) => r.url), [expected]);
  assert.equal(page.urljoin('?q=€'), 'http://example.com/dir/?q=%88', '€ is 0x88 in windows-1251');

  const latin9 = fakeResponse('<a href="/s?q=€">x</a>', { 'content-type': 'text/html; charset=iso-8859-15' });
  assert.equal(latin9.urljoin('/s?q=€'), 'http://example.com/s?q=%A4');
});
