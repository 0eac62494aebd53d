/**
 * `response.$` without a class per page (src/selector/cheerio-page.ts): every call a spider makes
 * gives what `cheerio.load` gives on the same page, selections keep their own page's root and base
 * URL, and pages share one selection class (the point: no hidden classes made per page).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load, type CheerioAPI } from 'cheerio/slim';
import { loadHtml, parseHtml } from '../../src/selector/cheerio-page.js';

const PAGE = `<!doctype html><html><head><title>Shop &amp; more</title><base href="http://shop.test/cat/"></head>
<body><h1 id="top">Books</h1>
<div class="list"><ul class="items"><li class="book"><a href="b1.html">One</a> <span class="price">1.50</span></li>
<li class="book sale"><a href="/b2.html">Two</a> <span class="price">2.00</span></li>
<li class="book"><a href="../b3.html">Three</a></li></ul></div>
<p>First <b>bold</b> text</p><p class="note">Second</p>
<img src="cover.png"><!-- a comment --></body></html>`;
const BASE = 'http://shop.test/cat/';

/** Each probe runs on both `$`s; its result must be equal (strings, numbers, arrays of those). */
const PROBES: Record<string, ($: CheerioAPI) => unknown> = {
  'a selector': ($) => $('li.book a').map((_, a) => $(a).text()).get(),
  'prop(href) resolved against the base': ($) => $('a').map((_, a) => $(a).prop('href')).get(),
  'prop(href) after a traversal (first, last, eq)': ($) => [$('a').first().prop('href'), $('a').last().prop('href'), $('a').eq(1).prop('href')],
  'prop(src)': ($) => $('img').prop('src'),
  'filter with a child combinator (uses the root)': ($) => $('li').filter('ul.items > li.sale').length,
  'is / not / has': ($) => [$('li').first().is('ul > li'), $('li').not('.sale').length, $('li').has('span').length],
  'closest and parents': ($) => [$('a').first().closest('div').attr('class'), $('span').parents('ul').length],
  'find from a selection': ($) => $('ul').find('li:last-child a').text(),
  'string context': ($) => $('a', 'li.sale').text(),
  'html context': ($) => $('i', '<p><i>x</i><i>y</i></p>').length,
  'element and array context': ($) => [$('a', $('li')[1]).text(), $('a', [$('li')[0], $('li')[2]]).length],
  'selection context': ($) => $('span', $('li.sale')).text(),
  'a node and an array of nodes': ($) => [$($('h1')[0]).attr('id'), $([$('p')[0], $('p')[1]]).length],
  'an html string': ($) => $('<p class="n">new <b>one</b></p>').find('b').text(),
  'empty $()': ($) => [$().length, $(undefined).length, $('').length],
  'add and end': ($) => [$('h1').add('p').length, $('h1').add('a', 'li.sale').length, $('li').find('a').end().length],
  'siblings, next, children, contents': ($) => [$('li.sale').siblings().length, $('h1').next().attr('class'), $('ul').children().length, $('p').first().contents().length],
  'text and html of a selection': ($) => [$('p').first().text(), $('p').first().html()],
  'manipulation': ($) => {
    $('p.note').append('<em>!</em>').addClass('done');
    $('ul').prepend($('<li>zero</li>'));
    $('h1').wrap('<header></header>');
    return [$('p.note').html(), $('li').first().text(), $('header > h1').length, $('p.note').attr('class')];
  },
  'static html, xml, text': ($) => [$.html().length > 100, $.html($('h1')), $.xml($('img')), $.text($('li.sale')).trim()],
  'static root and extract': ($) => [$.root().find('title').text(), $.root()[0]!.type, JSON.stringify($.extract({ title: 'title', books: ['li.book a'], links: [{ selector: 'a', value: 'href' }] }))],
  'static contains, merge, parseHTML': ($) => [$.contains($('ul')[0]!, $('a')[0]!), $.merge([1], [2]), ($.parseHTML('<i>a</i><b>b</b>') ?? []).length],
  'instanceof and the cheerio marker': ($) => [$('a') instanceof $, ($('a') as unknown as { cheerio: string }).cheerio],
  'iteration and toArray': ($) => [[...$('span')].length, $('span').toArray().length, $('span').get(0)?.name],
  'each and map with this': ($) => {
    const seen: string[] = [];
    $('a').each(function (this: unknown) {
      seen.push($(this as never).text());
    });
    return seen;
  },
  'val, data, attr on inputs': ($) => {
    $('body').append('<form><input name="q" value="v" data-x="1"><select name="s"><option selected>o</option></select></form>');
    return [$('input').val(), $('input').data('x'), $('select').val(), $('form').serialize()];
  },
  'clone and replaceWith': ($) => {
    $('span').first().replaceWith('<strong>1.5</strong>');
    return [$('strong').text(), $('h1').clone().attr('id'), $('li').length];
  },
};

for (const [name, probe] of Object.entries(PROBES)) {
  test(`$ over one page gives what cheerio.load gives: ${name}`, () => {
    const expected = probe(load(PAGE, { xml: { xmlMode: false, decodeEntities: true }, baseURI: BASE }));
    const actual = probe(loadHtml(PAGE, BASE));
    assert.deepEqual(actual, expected);
  });
}

test('selections keep their own page: its root, its base URL, its document', () => {
  const a = loadHtml('<div><a href="x.html">a</a></div>', 'http://a.test/dir/');
  const b = loadHtml('<section><a href="y.html">b</a></section>', 'http://b.test/other/');
  assert.equal(a('a').first().prop('href'), 'http://a.test/dir/x.html');
  assert.equal(b('a').first().prop('href'), 'http://b.test/other/y.html');
  assert.equal(a('a').filter('div > a').length, 1, "a's filter looks in a's tree");
  assert.equal(b('a').filter('div > a').length, 0, "b's tree has no div");
  assert.equal(a.root().find('section').length, 0);
  assert.equal(b('a').parents().last()[0]!.type, 'tag');
  assert.match(a.html(), /x\.html/);
  assert.doesNotMatch(a.html(), /y\.html/);
});

test('every page shares one selection class (cheerio.load declares one per page)', () => {
  const one = loadHtml('<p>1</p>');
  const two = loadHtml('<p>2</p>');
  assert.equal(Object.getPrototypeOf(one('p')), Object.getPrototypeOf(two('p').first()));
  assert.equal(one.fn, two.fn);
  assert.notEqual(Object.getPrototypeOf(load('<p>1</p>')('p')), Object.getPrototypeOf(load('<p>2</p>')('p')), 'the difference this file exists for');
});

test('a page without a base URL resolves nothing, as cheerio does', () => {
  assert.equal(loadHtml('<a href="x.html">x</a>')('a').prop('href'), load('<a href="x.html">x</a>', { xml: { xmlMode: false, decodeEntities: true } })('a').prop('href'));
});

test('parseHtml gives the document $ would select from', () => {
  const document = parseHtml('<ul><li>a</li><li>b &amp; c</li></ul>');
  assert.equal(document.type, 'root');
  const $ = loadHtml('<ul><li>a</li><li>b &amp; c</li></ul>');
  assert.equal($(document).find('li').last().text(), 'b & c');
  assert.equal($.html(document.children), $.html());
});

test('malformed HTML is parsed leniently, never thrown', () => {
  const html = '<div><p>open <b>bold <i>both</div></p><td>stray</td><a href="x">unclosed';
  const expected = load(html, { xml: { xmlMode: false, decodeEntities: true } });
  const actual = loadHtml(html);
  assert.equal(actual.html(), expected.html());
  assert.equal(actual('a').text(), 'unclosed');
});
