import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import { IGNORED_EXTENSIONS, LinkExtractor, compilePatterns } from '../../src/spider/link-extractor.js';
import { fakeResponse } from '../helpers/response.js';


function urls(extractor: LinkExtractor, response: Response): string[] {
  return extractor.extractLinks(response).map((l) => l.url);
}

const MIXED = `<html><body>
  <div id="nav"><a href="/a">A</a> <a href="b">B</a></div>
  <div id="main">
    <a href="http://sub.example.com/c">C</a>
    <a href="http://other.org/d">D</a>
    <area href="/e" alt="E">
    <a href="mailto:x@example.com">mail</a>
    <a href="javascript:void(0)">js</a>
    <a href="/f.pdf">pdf</a>
    <link href="/style">
  </div>
</body></html>`;

describe('LinkExtractor defaults', () => {
  test('a and area hrefs, joined to the page, non-http(s) and ignored extensions skipped, document order', () => {
    assert.deepEqual(urls(new LinkExtractor(), fakeResponse(MIXED)), [
      'http://example.com/a',
      'http://example.com/dir/b',
      'http://sub.example.com/c',
      'http://other.org/d',
      'http://example.com/e',
    ]);
  });

  test('links are joined against <base href>', () => {
    const response = fakeResponse('<html><head><base href="http://cdn.example.com/root/"></head><body><a href="x">x</a></body></html>');
    assert.deepEqual(urls(new LinkExtractor(), response), ['http://cdn.example.com/root/x']);
  });

  test('text is the collapsed text content; nofollow comes from rel; fragment is split off', () => {
    const links = new LinkExtractor().extractLinks(
      fakeResponse('<a href="/x#part-2" rel="external NoFollow">  Read\n <b>more</b>  </a><a href="/y">y</a>'),
    );
    assert.deepEqual(links, [
      { url: 'http://example.com/x', text: 'Read more', fragment: 'part-2', nofollow: true },
      { url: 'http://example.com/y', text: 'y', fragment: '', nofollow: false },
    ]);
  });

  test('unique by default: each URL once (fragments stripped first), the first link wins', () => {
    const links = new LinkExtractor().extractLinks(fakeResponse('<a href="/x#1">one</a><a href="/x#2">two</a><a href="http://EXAMPLE.com/x">three</a>'));
    assert.deepEqual(links.map((l) => [l.url, l.text]), [['http://example.com/x', 'one']]);
  });

  test('an invalid href is skipped, the others kept', () => {
    assert.deepEqual(urls(new LinkExtractor(), fakeResponse('<a href="http://[bad">bad</a><a href="/ok">ok</a>')), ['http://example.com/ok']);
  });

  test('the default denyExtensions is the exported IGNORED_EXTENSIONS list', () => {
    for (const ext of ['jpg', 'pdf', 'zip', 'mp4', 'docx', 'tar.gz']) assert.ok(IGNORED_EXTENSIONS.includes(ext), ext);
    const body = ['a.JPG', 'b.pdf', 'c.tar.gz', 'd.mp3', 'e.html', 'f', 'g.php?x=.png'].map((h) => `<a href="/${h}">x</a>`).join('');
    assert.deepEqual(urls(new LinkExtractor(), fakeResponse(body)), ['http://example.com/e.html', 'http://example.com/f', 'http://example.com/g.php?x=.png']);
  });
});

describe('LinkExtractor options', () => {
  test('allow: string or RegExp, one or many, searched in the absolute URL', () => {
    assert.deepEqual(urls(new LinkExtractor({ allow: 'example\\.com/[ae]$' }), fakeResponse(MIXED)), ['http://example.com/a', 'http://example.com/e']);
    assert.deepEqual(urls(new LinkExtractor({ allow: [/\/c$/, 'other'] }), fakeResponse(MIXED)), ['http://sub.example.com/c', 'http://other.org/d']);
  });

  test('a global RegExp is not stateful across links', () => {
    const body = '<a href="/item/1">1</a><a href="/item/2">2</a><a href="/item/3">3</a>';
    assert.equal(urls(new LinkExtractor({ allow: /item/g }), fakeResponse(body)).length, 3);
  });

  test('deny wins over allow', () => {
    assert.deepEqual(urls(new LinkExtractor({ allow: /example\.com/, deny: ['/dir/', /sub\./] }), fakeResponse(MIXED)), [
      'http://example.com/a',
      'http://example.com/e',
    ]);
  });

  test('allowDomains covers subdomains; denyDomains removes them', () => {
    assert.deepEqual(urls(new LinkExtractor({ allowDomains: 'example.com' }), fakeResponse(MIXED)), [
      'http://example.com/a',
      'http://example.com/dir/b',
      'http://sub.example.com/c',
      'http://example.com/e',
    ]);
    assert.deepEqual(urls(new LinkExtractor({ allowDomains: ['other.org', 'EXAMPLE.com:8080'], denyDomains: ['sub.example.com'] }), fakeResponse(MIXED)), [
      'http://example.com/a',
      'http://example.com/dir/b',
      'http://other.org/d',
      'http://example.com/e',
    ]);
    // A domain does not cover a host that merely ends with its text.
    assert.deepEqual(urls(new LinkExtractor({ allowDomains: 'ample.com' }), fakeResponse(MIXED)), []);
  });

  test('restrictCss: only links inside the regions, a region that is a link included, nested regions counted once', () => {
    assert.deepEqual(urls(new LinkExtractor({ restrictCss: '#nav' }), fakeResponse(MIXED)), ['http://example.com/a', 'http://example.com/dir/b']);
    const nested = '<div class="r"><div class="r"><a href="/n">n</a></div></div><a class="r" href="/self">self</a><a href="/out">out</a>';
    assert.deepEqual(urls(new LinkExtractor({ restrictCss: ['.r', 'div.r'], unique: false }), fakeResponse(nested)), ['http://example.com/n', 'http://example.com/self']);
  });

  test('restrictText: only links whose text matches', () => {
    assert.deepEqual(urls(new LinkExtractor({ restrictText: [/^[AC]$/] }), fakeResponse(MIXED)), ['http://example.com/a', 'http://sub.example.com/c']);
  });

  test('tags and attrs choose where links are read from', () => {
    const body = '<img src="/i.gif"><img data-src="/lazy"><script src="/s"></script><a href="/a" data-alt="/alt">a</a><link href="/l">';
    assert.deepEqual(urls(new LinkExtractor({ tags: ['link'] }), fakeResponse(body)), ['http://example.com/l']);
    assert.deepEqual(urls(new LinkExtractor({ tags: ['IMG', 'script'], attrs: ['src', 'DATA-SRC'], denyExtensions: [] }), fakeResponse(body)), [
      'http://example.com/i.gif',
      'http://example.com/lazy',
      'http://example.com/s',
    ]);
    assert.deepEqual(urls(new LinkExtractor({ attrs: ['href', 'data-alt'] }), fakeResponse(body)), ['http://example.com/a', 'http://example.com/alt']);
    assert.deepEqual(urls(new LinkExtractor({ tags: [] }), fakeResponse(body)), []);
  });

  test('denyExtensions: a custom list replaces the default, with or without dots; [] keeps everything', () => {
    const body = '<a href="/a.pdf">a</a><a href="/b.php">b</a><a href="/c.html">c</a>';
    assert.deepEqual(urls(new LinkExtractor({ denyExtensions: ['.php'] }), fakeResponse(body)), ['http://example.com/a.pdf', 'http://example.com/c.html']);
    assert.equal(urls(new LinkExtractor({ denyExtensions: [] }), fakeResponse(body)).length, 3);
  });

  test('canonicalize: URLs in canonical form (sorted query, normalised escapes); off by default', () => {
    const body = '<a href="/p?b=2&a=1&amp;c=%7e">p</a>';
    assert.deepEqual(urls(new LinkExtractor(), fakeResponse(body)), ['http://example.com/p?b=2&a=1&c=%7e']);
    assert.deepEqual(urls(new LinkExtractor({ canonicalize: true }), fakeResponse(body)), ['http://example.com/p?a=1&b=2&c=~']);
  });

  test('unique: false keeps repeated links', () => {
    const body = '<a href="/x">1</a><a href="/x">2</a>';
    assert.equal(urls(new LinkExtractor({ unique: false }), fakeResponse(body)).length, 2);
    assert.equal(urls(new LinkExtractor(), fakeResponse(body)).length, 1);
  });

  test('stripFragments: false keeps the fragment in the URL, and links differing by it stay distinct', () => {
    const links = new LinkExtractor({ stripFragments: false }).extractLinks(fakeResponse('<a href="/x#1">1</a><a href="/x#2">2</a>'));
    assert.deepEqual(links.map((l) => [l.url, l.fragment]), [['http://example.com/x#1', '1'], ['http://example.com/x#2', '2']]);
    const kept = new LinkExtractor({ stripFragments: false, canonicalize: true }).extractLinks(fakeResponse('<a href="/x?b=1&a=2#f">1</a>'));
    assert.equal(kept[0].url, 'http://example.com/x?a=2&b=1#f');
  });

  test('strip: whitespace around values is trimmed unless strip is false', () => {
    const body = '<a href="  /x  ">x</a>';
    assert.deepEqual(new LinkExtractor({ processValue: (v) => (v === '/x' ? '/trimmed' : '/raw') }).extractLinks(fakeResponse(body)).map((l) => l.url), ['http://example.com/trimmed']);
    assert.deepEqual(new LinkExtractor({ strip: false, processValue: (v) => (v === '/x' ? '/trimmed' : '/raw') }).extractLinks(fakeResponse(body)).map((l) => l.url), ['http://example.com/raw']);
  });

  test('processValue maps each value; null or undefined drops the link', () => {
    const body = `<a href="javascript:goTo('/article/7')">7</a><a href="/drop-me">d</a><a href="/keep">k</a>`;
    const extractor = new LinkExtractor({
      processValue: (value) => {
        const match = /goTo\('([^']+)'\)/.exec(value);
        if (match) return match[1];
        return value.includes('drop') ? null : value;
      },
    });
    assert.deepEqual(urls(extractor, fakeResponse(body)), ['http://example.com/article/7', 'http://example.com/keep']);
  });

  test('a bad pattern string is a coded config error naming the option and the pattern', () => {
    assert.throws(
      () => new LinkExtractor({ deny: ['ok', '(unclosed'] }),
      (error: Error & { code?: string; kind?: string }) =>
        error.code === 'ERR_BAD_PATTERN' && error.kind === 'config' && error.message.includes('deny') && error.message.includes('(unclosed'),
    );
    assert.throws(() => compilePatterns('[', 'x'), { code: 'ERR_BAD_PATTERN' });
  });

  test('matches() applies the URL filters to a URL', () => {
    const extractor = new LinkExtractor({ allow: /\/docs\//, denyDomains: 'bad.example.com' });
    assert.equal(extractor.matches('http://example.com/docs/a'), true);
    assert.equal(extractor.matches('http://bad.example.com/docs/a'), false);
    assert.equal(extractor.matches('http://example.com/blog/a'), false);
    assert.equal(extractor.matches('ftp://example.com/docs/a'), false);
    assert.equal(extractor.matches('not a url'), false);
  });

  test('links on a legacy-encoded page: query in the page encoding, path in UTF-8 (Scrapy test_restrict_xpaths_with_html_entities)', () => {
    const response = new Response({
      url: 'http://example.org/somepage/index.html',
      status: 200,
      headers: { 'content-type': 'text/html; charset=iso-8859-15' },
      body: Buffer.from('<html><body><p><a href="/&hearts;/you?c=&euro;">text</a></p></body></html>'),
      request: new Request('http://example.org/somepage/index.html'),
    });
    assert.deepEqual(urls(new LinkExtractor(), response), ['http://example.org/%E2%99%A5/you?c=%A4']);
    const cp1251 = new Response({
      url: 'http://example.org/',
      status: 200,
      headers: { 'content-type': 'text/html; charset=windows-1251' },
      // href="/каталог?q=книги" in cp1251 bytes
      body: Buffer.from([...Buffer.from('<a href="/'), 0xea, 0xe0, 0xf2, 0xe0, 0xeb, 0xee, 0xe3, ...Buffer.from('?q='), 0xea, 0xed, 0xe8, 0xe3, 0xe8, ...Buffer.from('">x</a>')]),
      request: new Request('http://example.org/'),
    });
    assert.deepEqual(urls(new LinkExtractor(), cp1251), ['http://example.org/%D0%BA%D0%B0%D1%82%D0%B0%D0%BB%D0%BE%D0%B3?q=%EA%ED%E8%E3%E8']);
  });
});
