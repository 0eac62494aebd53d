/** get/getall/re/reFirst/attrib on selections and lists, and on computed values. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Selector, SelectorList } from '../../src/selector/selector.js';
import { sel } from './fixtures/pages.js';

test('get() on each kind of selection', () => {
  const s = sel('<p class="a" title="x &amp; y">Hi <!-- c --><b>there</b></p>');
  assert.equal(s.css('p').get(), '<p class="a" title="x &amp; y">Hi <!-- c --><b>there</b></p>');
  assert.equal(s.css('p::text').get(), 'Hi ');
  assert.equal(s.css('p::attr(title)').get(), 'x & y');
  assert.equal(s.xpath('//comment()').get(), '<!-- c -->');
  assert.equal(s.xpath('count(//b)').get(), '1');
  assert.equal(s.xpath('string(//p/@class)').get(), 'a');
  assert.equal(s.xpath('1 = 1').get(), '1');
  assert.deepEqual(s.css('b').getall(), ['<b>there</b>']);
  assert.deepEqual(s.css('b')[0]!.getall(), ['<b>there</b>']);
});

test('re(): whole matches, groups, a group named extract, entities', () => {
  const s = sel('<p>Price: 10.50 EUR, was 12.00 EUR</p><p>Ref: A-1 &amp;gt;</p>');
  const p = s.css('p::text');
  assert.deepEqual(p.re(/\d+\.\d+/), ['10.50', '12.00']);
  assert.deepEqual(p.re(/(\d+)\.(\d+)/), ['10', '50', '12', '00'], 'every group, flattened');
  assert.deepEqual(p.re(/(?<extract>\d+)\.\d+/), ['10'], 'extract: the first match only (per selection)');
  assert.deepEqual(p.re('Ref: (\\w-\\d)'), ['A-1']);
  assert.deepEqual(s.css('p')[1]!.re(/Ref: .*?(&\w+;)/), ['&amp;'], 'entities other than &lt; and &amp; are replaced');
  assert.deepEqual(sel('<p>a &gt; b</p>').css('p').re(/a (.*) b/), ['>']);
  assert.deepEqual(sel('<p>a &gt; b</p>').css('p').re(/a (.*) b/, { replaceEntities: false }), ['&gt;']);
  assert.deepEqual(sel('<p>x</p>').css('p::text').re(/y?/), ['', ''], 'empty matches end');
});

test('reFirst() and its fallback', () => {
  const s = sel('<p>a1</p><p>b2</p>');
  assert.equal(s.css('p::text').reFirst(/\d/), '1');
  assert.equal(s.css('p::text').reFirst(/z/), undefined);
  assert.equal(s.css('p::text').reFirst(/z/, 'none'), 'none');
  assert.equal(s.css('p::text')[1]!.reFirst(/[a-z]/), 'b');
});

test('a SelectorList is an Array: index, iterate, length, spread; map returns a plain array', () => {
  const list = sel('<a>1</a><a>2</a><a>3</a>').css('a::text');
  assert.ok(list instanceof SelectorList && Array.isArray(list));
  assert.equal(list.length, 3);
  assert.ok(list[0] instanceof Selector);
  const seen: string[] = [];
  for (const item of list) seen.push(item.get());
  assert.deepEqual(seen, ['1', '2', '3']);
  const mapped = list.map((item) => item.get());
  assert.ok(!(mapped instanceof SelectorList));
  assert.deepEqual(mapped, ['1', '2', '3']);
  assert.deepEqual([...list].length, 3);
});

test('a Selector made from an HTML string, or from a computed value', () => {
  assert.equal(new Selector('<h1>x</h1>').css('h1::text').get(), 'x');
  const value = Selector.of('plain');
  assert.equal(value.get(), 'plain');
  assert.equal(value.css('p').length, 0);
  assert.equal(value.xpath('//p').length, 0);
  assert.deepEqual(value.attrib, {});
  assert.equal(Selector.of(2.5).get(), '2.5');
  assert.equal(Selector.of(false).get(), '0');
});
