/** Cases from w3lib's tests/test_html.py (TestGetMetaRefresh), held to Arachne's `findMetaRefresh`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findMetaRefresh } from '../../src/http/meta-refresh.js';

const find = (text: string, base = 'http://example.org', encoding?: string) => {
  const found = findMetaRefresh(text, base, encoding);
  return found && [found.delayMs / 1000, found.url];
};

test('meta refresh: the usual forms, attribute order, case, lines, floats, entities, relative URLs', () => {
  assert.deepEqual(find('<html><head><title>Dummy</title><meta http-equiv="refresh" content="5;url=http://example.org/newpage" /></head><body>blahablsdfsal&amp;</body></html>'), [5, 'http://example.org/newpage']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="5;url=newpage"</head>'), [5, 'http://example.org/newpage'], 'unterminated tag');
  assert.deepEqual(find('<meta http-equiv="refresh" content="5;url=newpage"'), [5, 'http://example.org/newpage']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="5;\n            url=http://example.org/newpage" /></head>'), [5, 'http://example.org/newpage']);
  assert.deepEqual(find('<html><head>\n  <META\n  HTTP-EQUIV="Refresh"\n  CONTENT="1; URL=http://example.org/newpage">'), [1, 'http://example.org/newpage']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="3; url=&#39;http://www.example.com/other&#39;">'), [3, 'http://www.example.com/other']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="3; url=other.html">', 'http://example.com/page/this.html'), [3, 'http://example.com/page/other.html']);
  assert.deepEqual(find('<meta http-equiv="refresh" content=".1;URL=index.html" />', 'http://example.com'), [0.1, 'http://example.com/index.html']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="3.1;URL=index.html" />', 'http://example.com'), [3.1, 'http://example.com/index.html']);
  assert.deepEqual(find('<head><meta http-equiv="refresh" content="0; URL=\nhttp://www.example.org/index.php" /></head>'), [0, 'http://www.example.org/index.php']);
  assert.deepEqual(find('<meta content="0;url=dummy.html" http-equiv="refresh">', 'http://localhost:8000'), [0, 'http://localhost:8000/dummy.html']);
  assert.deepEqual(find('<meta name="viewport" content="width=device-width"><meta charset="utf-8"><meta http-equiv="refresh" content="2; url=/next">'), [2, 'http://example.org/next']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="0;url=/a?b=1&amp;c=2">'), [0, 'http://example.org/a?b=1&c=2']);
  // The HTML standard's refresh steps make `url=` optional (w3lib requires it).
  assert.deepEqual(find('<meta http-equiv="refresh" content="0; /next">'), [0, 'http://example.org/next']);
  assert.deepEqual(find('<meta http-equiv=refresh content="2,url=/comma">'), [2, 'http://example.org/comma']);
});

test('meta refresh: not a redirect without a URL, in another tag, or with a non-ASCII delay', () => {
  assert.equal(find('<meta http-equiv="refresh" content="5" />'), undefined);
  assert.equal(find('<metafoo http-equiv="refresh" content="5;url=http://example.org/newpage" />'), undefined);
  assert.equal(find('<meta http-equiv="refresh" content="٥; url=http://example.org/x">'), undefined);
  assert.equal(find('<meta name="refresh" content="0; url=http://example.org/x">'), undefined, 'http-equiv, not name');
});

test('meta refresh inside comments, <script> and <noscript> is ignored; visible ones next to them count', () => {
  assert.equal(find('<!--<meta http-equiv="refresh" content="3; url=http://example.com/">-->'), undefined);
  assert.deepEqual(find('<!-- commented --><meta http-equiv="refresh" content="3; url=http://example.com/">-->'), [3, 'http://example.com/']);
  assert.equal(find('<html><head><noscript><meta http-equiv="refresh" content="0;url=http://example.org/javascript_required" /></noscript></head></html>'), undefined);
  assert.equal(find(`<head><script>if(!foobar()){ $('<meta http-equiv="refresh" content="0;url=http://example.org/foobar_required" />').appendTo('body'); }</script></head>`), undefined);
  assert.equal(find(`<script>var x = '<meta http-equiv="refresh" content="0;url=http://evil.example/">';</script >`, 'http://good.example/'), undefined);
  assert.equal(find('<NOSCRIPT type="x"><meta http-equiv="refresh" content="0;url=/x"></NOSCRIPT>'), undefined, 'any case, attributes on the tag');
  assert.equal(find('<script><meta http-equiv="refresh" content="0;url=/x">'), undefined, 'an unterminated script hides the rest');
  assert.deepEqual(find('<noscript>enable js</noscript><meta http-equiv="refresh" content="1;url=/y">'), [1, 'http://example.org/y']);
});

test('meta refresh: non-ASCII URLs keep UTF-8 paths; the query takes the page encoding', () => {
  assert.deepEqual(find('<meta http-equiv="refresh" content="3; url=http://example.com/to\u00a3">', 'http://example.com'), [3, 'http://example.com/to%C2%A3']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="3; url=http://example.com/to\u00a3">', 'http://example.com', 'windows-1252'), [3, 'http://example.com/to%C2%A3']);
  assert.deepEqual(find('<meta http-equiv="refresh" content="3; url=http://example.com/to\u00a3?unit=\u00b5">', 'http://example.com', 'windows-1252'), [3, 'http://example.com/to%C2%A3?unit=%B5']);
});

test('meta refresh: linear on hostile input (w3lib catastrophic backtracking cases)', () => {
  const start = performance.now();
  assert.equal(find('<meta '.repeat(80_000)), undefined);
  assert.deepEqual(find(`${'<meta '.repeat(80_000)}<meta http-equiv="refresh" content="3; url=http://example.org/next/">`), [3, 'http://example.org/next/']);
  assert.equal(find(`<meta ${'http-equiv refresh '.repeat(50_000)}>`), undefined);
  assert.equal(find(`<script>${'<script>'.repeat(50_000)}`), undefined);
  assert.ok(performance.now() - start < 2000, 'well under two seconds');
});
