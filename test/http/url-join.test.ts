/** Cases from w3lib's tests/test_url.py (safe_url_string / canonicalize_url with an encoding). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeQuery, headerUrl, joinUrl } from '../../src/http/url-join.js';

test('joinUrl: the path is always UTF-8, the query takes the page encoding, the fragment UTF-8', () => {
  assert.equal(joinUrl('https://example.com/©', undefined, 'iso-8859-1'), 'https://example.com/%C2%A9');
  assert.equal(joinUrl('https://example.com?©', undefined, 'iso-8859-1'), 'https://example.com/?%A9');
  assert.equal(joinUrl('https://example.com#©', undefined, 'iso-8859-1'), 'https://example.com/#%C2%A9');
  assert.equal(joinUrl('http://www.example.com/£?unit=µ', undefined), 'http://www.example.com/%C2%A3?unit=%C2%B5');
  assert.equal(joinUrl('http://www.example.com/£?unit=µ', undefined, 'utf-8'), 'http://www.example.com/%C2%A3?unit=%C2%B5');
  assert.equal(joinUrl('http://www.example.com/£?unit=µ', undefined, 'windows-1252'), 'http://www.example.com/%C2%A3?unit=%B5');
  assert.equal(joinUrl('http://www.example.com/résumé?q=résumé', undefined, 'windows-1252'), 'http://www.example.com/r%C3%A9sum%C3%A9?q=r%E9sum%E9');
  assert.equal(joinUrl('http://www.example.com/résumé?country=Россия', undefined, 'windows-1251'), 'http://www.example.com/r%C3%A9sum%C3%A9?country=%D0%EE%F1%F1%E8%FF');
  assert.equal(joinUrl('foo?привет', 'http://example.com', 'windows-1251'), 'http://example.com/foo?%EF%F0%E8%E2%E5%F2');
  assert.equal(joinUrl('foo?привет', 'http://example.com', 'utf-8'), 'http://example.com/foo?%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82');
  assert.equal(joinUrl('/s?q=€', 'http://example.com', 'iso-8859-15'), 'http://example.com/s?q=%A4');
  assert.equal(joinUrl('/s?q=検索', 'http://example.jp', 'shift_jis'), 'http://example.jp/s?q=%8C%9F%8D%F5');
  assert.equal(joinUrl('/s?q=한국', 'http://example.kr', 'euc-kr'), 'http://example.kr/s?q=%C7%D1%B1%B9');
  assert.equal(joinUrl('/s?q=中文', 'http://example.cn', 'gbk'), 'http://example.cn/s?q=%D6%D0%CE%C4');
});

test('joinUrl: UTF-16 pages link in UTF-8; characters the encoding lacks become &#N; (WHATWG)', () => {
  assert.equal(joinUrl('/s?q=é', 'http://example.com', 'utf-16le'), 'http://example.com/s?q=%C3%A9');
  assert.equal(joinUrl('/s?currency=€', 'http://example.com', 'iso-8859-2'), 'http://example.com/s?currency=%26%238364%3B');
  assert.equal(joinUrl('/s?q=😀', 'http://example.com', 'windows-1252'), 'http://example.com/s?q=%26%23128512%3B');
  assert.equal(joinUrl('/s?q=%E9&r=é', 'http://example.com', 'windows-1252'), 'http://example.com/s?q=%E9&r=%E9', 'existing escapes are kept');
  assert.equal(joinUrl('/s?q=a b', 'http://example.com', 'windows-1252'), 'http://example.com/s?q=a%20b');
  assert.equal(encodeQuery('/p#f?é', 'windows-1252'), '/p#f?é', 'a ? in the fragment is no query');
  assert.equal(joinUrl('/p#f?é', 'http://example.com', 'windows-1252'), 'http://example.com/p#f?%C3%A9');
  assert.equal(encodeQuery('/é?a=b', 'windows-1252'), '/é?a=b', 'nothing to do, same string');
  assert.equal(encodeQuery('/?é', 'no-such-charset'), '/?é', 'an unknown encoding means UTF-8');
});

test('headerUrl: UTF-8 bytes decode as UTF-8; other bytes above 0x7F are percent-encoded as they are', () => {
  const latin1Of = (bytes: Buffer) => bytes.toString('latin1');
  assert.equal(headerUrl(latin1Of(Buffer.from('/ação', 'utf8'))), '/ação');
  assert.equal(headerUrl(latin1Of(Buffer.from('/ação', 'latin1'))), '/a%E7%E3o');
  assert.equal(new URL(headerUrl(latin1Of(Buffer.from('/ação', 'utf8'))), 'http://scrapytest.org/first').href, 'http://scrapytest.org/a%C3%A7%C3%A3o');
  assert.equal(new URL(headerUrl(latin1Of(Buffer.from('/ação', 'latin1'))), 'http://scrapytest.org/first').href, 'http://scrapytest.org/a%E7%E3o');
  assert.equal(headerUrl('/plain?a=1'), '/plain?a=1');
  assert.equal(headerUrl('/ação-€'), '/ação-€', 'text with a character above U+00FF is already text');
});
