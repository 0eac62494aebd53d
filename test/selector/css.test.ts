/** CSS selectors with parsel's pseudo-elements: ::text, *::text, ::attr(name); matching descendant-or-self. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGES, PARAGRAPH, sel } from './fixtures/pages.js';

test('::text selects the text children of each match', () => {
  assert.equal(sel(IMAGES).css('title::text').get(), 'Example website');
  assert.deepEqual(sel(IMAGES).css('#images a::text').getall(), [1, 2, 3, 4, 5].map((n) => `Name: My image ${n} `));
  const p = sel(PARAGRAPH);
  assert.deepEqual(p.css('#p-b2::text').getall(), ['guy']);
  assert.deepEqual(p.css('#paragraph::text').getall(), ['lorem ipsum text']);
  assert.deepEqual(p.css('p::text').getall(), ['lorem ipsum text']);
});

test('X ::text and X *::text select every text node under X, X itself included (parsel)', () => {
  const p = sel(PARAGRAPH);
  const all = ['lorem ipsum text', 'hi', 'there', 'guy'];
  assert.deepEqual(p.css('#paragraph ::text').getall(), all);
  assert.deepEqual(p.css('p *::text').getall(), all);
  assert.deepEqual(p.css('#p-b2 ::text').getall(), ['guy']);
  // Nested matches do not repeat their text.
  assert.deepEqual(p.css('div ::text').getall(), all);
  assert.deepEqual(sel('<div>a<div>b</div>c</div>').css('div ::text').getall(), ['a', 'b', 'c']);
});

test('*::text alone is every text node, in document order', () => {
  assert.deepEqual(sel(PARAGRAPH).css('*::text').getall(), ['lorem ipsum text', 'hi', 'there', 'guy']);
  assert.deepEqual(sel(PARAGRAPH).css('::text').getall(), ['lorem ipsum text', 'hi', 'there', 'guy']);
  assert.deepEqual(sel(PARAGRAPH).css('p > ::text').getall(), ['hi', 'there', 'guy']);
});

test('::attr(name) selects attribute values, skipping elements without it', () => {
  const s = sel(IMAGES);
  assert.equal(s.css('base::attr(href)').get(), 'http://example.com/');
  assert.deepEqual(s.css('a[href*=image]::attr(href)').getall(), [1, 2, 3, 4, 5].map((n) => `image${n}.html`));
  assert.deepEqual(s.css('a[href*=image] img::attr(src)').getall(), [1, 2, 3, 4, 5].map((n) => `image${n}_thumb.jpg`));
  assert.deepEqual(sel('<a href="/x">x</a><a>y</a><a href="">z</a>').css('a::attr(href)').getall(), ['/x', '']);
  assert.deepEqual(sel('<a HREF="/x">x</a>').css('a::attr(HREF)').getall(), ['/x'], 'HTML attribute names are case-insensitive');
});

test('a selector list mixing pseudo-elements returns document order', () => {
  const s = sel('<a href="/1">one</a><a href="/2">two</a>');
  assert.deepEqual(s.css('a::text, a::attr(href)').getall(), ['/1', 'one', '/2', 'two']);
  assert.deepEqual(s.css('a::attr(href), a').getall(), ['<a href="/1">one</a>', '/1', '<a href="/2">two</a>', '/2']);
});

test('elements serialize as HTML; other characters stay as they are', () => {
  assert.deepEqual(sel('<p class="x">Café &amp; <b>crème</b></p>').css('p.x').getall(), ['<p class="x">Café &amp; <b>crème</b></p>']);
  assert.equal(sel('<p>a &lt; b</p>').css('p::text').get(), 'a < b', 'text is decoded');
});

test('css on a selection matches the node itself and its descendants (descendant-or-self)', () => {
  const s = sel('<ul><li class="a">1<ul><li>2</li></ul></li></ul>');
  const li = s.css('li.a');
  assert.equal(li.length, 1);
  assert.deepEqual(li.css('li::text').getall(), ['1', '2']);
  assert.equal(s.css('li').length, 2);
  // A text or attribute selection has no elements under it.
  assert.equal(s.css('li::text').css('li').length, 0);
});

test('css-select features work: pseudo-classes, attribute operators, combinators', () => {
  const s = sel('<ul><li>1</li><li class="x y">2</li><li>3</li></ul><p>4</p>');
  assert.deepEqual(s.css('li:nth-child(2n+1)::text').getall(), ['1', '3']);
  assert.deepEqual(s.css('li:not(.x)::text').getall(), ['1', '3']);
  assert.deepEqual(s.css('li.x + li::text').getall(), ['3']);
  assert.deepEqual(s.css('ul ~ p::text').getall(), ['4']);
  assert.deepEqual(s.css('[class~=y]::text').getall(), ['2']);
});
