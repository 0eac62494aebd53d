import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  charsetFromContentType,
  charsetFromMarkup,
  decodeBody,
  detectEncoding,
  normaliseCharset,
  sniffBom,
} from '../../src/http/encoding.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

test('charsetFromContentType reads quoted, unquoted and absent parameters', () => {
  assert.equal(charsetFromContentType('text/html; charset=ISO-8859-1'), 'ISO-8859-1');
  assert.equal(charsetFromContentType('text/html;charset="utf-8"; foo=bar'), 'utf-8');
  assert.equal(charsetFromContentType('text/html; CHARSET = shift_jis'), 'shift_jis');
  assert.equal(charsetFromContentType('text/html'), undefined);
  assert.equal(charsetFromContentType(undefined), undefined);
});

test('normaliseCharset maps aliases to WHATWG names and unknown labels to undefined', () => {
  assert.equal(normaliseCharset('latin1'), 'windows-1252');
  assert.equal(normaliseCharset(' UTF8 '), 'utf-8');
  assert.equal(normaliseCharset('Shift_JIS'), 'shift_jis');
  assert.equal(normaliseCharset('utf8mb4'), undefined);
  assert.equal(normaliseCharset(''), undefined);
});

test('sniffBom recognises utf-8 and utf-16 marks only', () => {
  assert.equal(sniffBom(bytes(0xef, 0xbb, 0xbf, 0x41)), 'utf-8');
  assert.equal(sniffBom(bytes(0xff, 0xfe, 0x41, 0x00)), 'utf-16le');
  assert.equal(sniffBom(bytes(0xfe, 0xff, 0x00, 0x41)), 'utf-16be');
  assert.equal(sniffBom(bytes(0x3c, 0x68)), undefined);
  assert.equal(sniffBom(bytes()), undefined);
});

test('charsetFromMarkup finds meta charset, http-equiv and the XML declaration', () => {
  assert.equal(charsetFromMarkup(Buffer.from('<html><head><meta charset="windows-1251"></head>')), 'windows-1251');
  assert.equal(charsetFromMarkup(Buffer.from("<meta charset='gbk' />")), 'gbk');
  assert.equal(
    charsetFromMarkup(Buffer.from('<meta name="x" content="y"><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=EUC-JP">')),
    'EUC-JP',
  );
  assert.equal(charsetFromMarkup(Buffer.from('<?xml version="1.0" encoding="ISO-8859-2"?><rss/>')), 'ISO-8859-2');
  assert.equal(charsetFromMarkup(Buffer.from('<html><head><title>x</title></head>')), undefined);
});

test('charsetFromMarkup only looks at the first 2 KB', () => {
  const late = Buffer.from(`<html><!--${'x'.repeat(3000)}--><meta charset="koi8-r">`);
  assert.equal(charsetFromMarkup(late), undefined);
});

test('detectEncoding: BOM, then header, then meta, then utf-8', () => {
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<meta charset="gbk">')]);
  assert.deepEqual(detectEncoding(bom, 'text/html; charset=iso-8859-1'), { encoding: 'utf-8', source: 'bom' });
  const meta = Buffer.from('<meta charset="gbk">');
  assert.deepEqual(detectEncoding(meta, 'text/html; charset=iso-8859-2'), { encoding: 'iso-8859-2', source: 'header' });
  assert.deepEqual(detectEncoding(meta, 'text/html'), { encoding: 'gbk', source: 'meta' });
  assert.deepEqual(detectEncoding(meta, undefined), { encoding: 'gbk', source: 'meta' });
  assert.deepEqual(detectEncoding(Buffer.from('plain'), 'text/html'), { encoding: 'utf-8', source: 'default' });
});

test('detectEncoding ignores meta in non-markup bodies and unknown labels everywhere', () => {
  const json = Buffer.from('{"html": "<meta charset=\\"gbk\\">"}');
  assert.equal(detectEncoding(json, 'application/json').encoding, 'utf-8');
  assert.deepEqual(detectEncoding(Buffer.from('<meta charset="bogus">'), 'text/html; charset=nonsense'), {
    encoding: 'utf-8',
    source: 'default',
  });
});

test('a meta tag declaring utf-16 is read as utf-8, as browsers do', () => {
  assert.equal(detectEncoding(Buffer.from('<meta charset="utf-16">'), 'text/html').encoding, 'utf-8');
});

test('decodeBody decodes windows-1252, shift_jis and utf-16 correctly', () => {
  // 0x80 is the euro sign and 0x93/0x94 are curly quotes in windows-1252 (not in iso-8859-1 proper).
  assert.equal(decodeBody(bytes(0x80, 0x20, 0x93, 0x68, 0x69, 0x94, 0xe9), 'text/plain; charset=iso-8859-1'), '\u20ac \u201chi\u201d\u00e9');
  assert.equal(decodeBody(bytes(0x93, 0xfa, 0x96, 0x7b), 'text/html; charset=shift_jis'), '\u65e5\u672c');
  assert.equal(decodeBody(bytes(0xff, 0xfe, 0x68, 0x00, 0x69, 0x00), undefined), 'hi');
});

test('decodeBody strips a utf-8 BOM and replaces invalid bytes instead of throwing', () => {
  assert.equal(decodeBody(bytes(0xef, 0xbb, 0xbf, 0x61)), 'a');
  assert.equal(decodeBody(bytes(0x61, 0xff, 0x62), 'text/html; charset=utf-8'), 'a\ufffdb');
});

test('windows-1252 maps all of 0x80-0x9F as the WHATWG table says (works around nodejs/node#56542)', () => {
  const expected = [
    0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
    0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
  ];
  const high = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  for (const label of ['windows-1252', 'latin1', 'us-ascii']) {
    const text = decodeBody(high, `text/html; charset=${label}`);
    assert.deepEqual([...text].map((c) => c.codePointAt(0)), expected, label);
  }
  // Outside 0x80-0x9F windows-1252 is ISO-8859-1.
  assert.equal(decodeBody(bytes(0x41, 0xa0, 0xe9, 0xff), 'text/plain; charset=windows-1252'), 'A\u00a0\u00e9\u00ff');
});
