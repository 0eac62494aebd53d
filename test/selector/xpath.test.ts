/** XPath 1.0 over the parsed HTML: node tests, attributes, axes, predicates, functions, operators, variables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGES, LISTS, NEXT_PAGE, sel } from './fixtures/pages.js';

const DOC = `<html><head><title>T</title></head><body>
<div id="a" class="box main" lang="en-GB"><p>one</p><!-- note --><p class="x">two <b>bold</b></p><p>three</p></div>
<div id="b"><span data-n="4">4</span><span data-n="10">10</span><span>n/a</span></div>
</body></html>`;

const x = (expr: string, vars?: Record<string, string | number | boolean>): string[] => sel(DOC).xpath(expr, vars).getall();

test('text() and @attr select text and attribute nodes', () => {
  assert.deepEqual(sel(IMAGES).xpath('//title/text()').getall(), ['Example website']);
  assert.equal(sel(IMAGES).xpath('//base/@href').get(), 'http://example.com/');
  assert.deepEqual(x('//span/@data-n'), ['4', '10']);
  assert.deepEqual(x('//div[@id="a"]/@*'), ['a', 'box main', 'en-GB']);
  assert.deepEqual(x('//comment()'), ['<!-- note -->']);
  assert.deepEqual(x('//p[2]//text()'), ['two ', 'bold']);
});

test('// and predicates: //li[1] is the first of each list, (//li)[1] the first of all (parsel docs)', () => {
  const s = sel(LISTS);
  assert.deepEqual(s.xpath('//li[1]').getall(), ['<li>1</li>', '<li>4</li>']);
  assert.deepEqual(s.xpath('(//li)[1]').getall(), ['<li>1</li>']);
  assert.deepEqual(s.xpath('//ul/li[1]').getall(), ['<li>1</li>', '<li>4</li>']);
  assert.deepEqual(s.xpath('(//ul/li)[1]').getall(), ['<li>1</li>']);
  assert.deepEqual(s.xpath('//li[last()]/text()').getall(), ['3', '6']);
  assert.deepEqual(s.xpath('//li[position() > 1 and position() < 3]/text()').getall(), ['2', '5']);
  assert.deepEqual(s.xpath('//li[. > 4]/text()').getall(), ['5', '6']);
  assert.deepEqual(s.xpath('//ul[li = 5]/li[1]/text()').getall(), ['4']);
});

test('axes', () => {
  assert.deepEqual(x('//p[@class="x"]/following-sibling::p/text()'), ['three']);
  assert.deepEqual(x('//p[3]/preceding-sibling::p/text()'), ['one', 'two ']);
  assert.deepEqual(x('//p[3]/preceding-sibling::p[1]/text()'), ['two '], 'reverse axis: [1] is the nearest');
  assert.deepEqual(x('//b/ancestor::*/@id'), ['a']);
  assert.deepEqual(x('name(//b/ancestor::*[2])'), ['div']);
  assert.deepEqual(x('//b/ancestor-or-self::*[1]/text()'), ['bold']);
  assert.deepEqual(x('//b/parent::p/@class'), ['x']);
  assert.deepEqual(x('//b/../../@id'), ['a']);
  assert.deepEqual(x('//div[@id="a"]/descendant::text()'), ['one', 'two ', 'bold', 'three']);
  assert.deepEqual(x('//b/following::span/text()'), ['4', '10', 'n/a']);
  assert.deepEqual(x('//span[1]/preceding::p[1]/text()'), ['three']);
  assert.deepEqual(x('//p[1]/self::p/text()'), ['one']);
  assert.deepEqual(x('count(//p/descendant-or-self::*)'), ['4']);
  assert.deepEqual(x('count(//@data-n/..)'), ['2']);
});

test('string functions', () => {
  assert.deepEqual(sel(NEXT_PAGE).xpath('//a//text()').getall(), ['Click here to go to the ', 'Next Page']);
  assert.deepEqual(sel(NEXT_PAGE).xpath('string(//a[1]//text())').getall(), ['Click here to go to the ']);
  assert.deepEqual(sel(NEXT_PAGE).xpath('string(//a[1])').getall(), ['Click here to go to the Next Page']);
  assert.deepEqual(sel(NEXT_PAGE).xpath("//a[contains(.//text(), 'Next Page')]").getall(), []);
  assert.deepEqual(sel(NEXT_PAGE).xpath("//a[contains(., 'Next Page')]/@href").getall(), ['#']);
  assert.deepEqual(x('normalize-space("  a \n b  ")'), ['a b']);
  assert.deepEqual(x('concat("a", 1, true())'), ['a1true']);
  assert.deepEqual(x('substring("12345", 2, 3)'), ['234']);
  assert.deepEqual(x('substring("12345", 1.5, 2.6)'), ['234'], 'XPath rounds positions (§4.2)');
  assert.deepEqual(x('substring-before("a=b", "=")'), ['a']);
  assert.deepEqual(x('substring-after("a=b", "=")'), ['b']);
  assert.deepEqual(x('translate("bar", "abc", "AB")'), ['BAr']);
  assert.deepEqual(x('string-length("Café")'), ['4']);
  assert.deepEqual(x('//p[starts-with(., "tw")]/@class'), ['x']);
  assert.deepEqual(x('local-name(//p[2])'), ['p']);
});

test('numbers, booleans and node-set comparisons', () => {
  assert.deepEqual(x('count(//p)'), ['3']);
  assert.deepEqual(x('sum(//span/@data-n)'), ['14']);
  assert.deepEqual(x('sum(//span)'), ['NaN'], '"n/a" is not a number');
  assert.deepEqual(x('1 div 4'), ['0.25']);
  assert.deepEqual(x('7 mod 3 + -1 * 2'), ['-1']);
  assert.deepEqual(x('floor(2.5) + ceiling(2.5) + round(2.5) + round(-2.5)'), ['6']);
  assert.deepEqual(x('//span[@data-n > 5]/text()'), ['10']);
  assert.deepEqual(x('//span[@data-n != 4]/text()'), ['10']);
  assert.deepEqual(x('//span[not(@data-n)]/text()'), ['n/a']);
  assert.deepEqual(x('count(//p) = 3'), ['1'], 'a boolean result reads "1" / "0", as in parsel');
  assert.deepEqual(x('boolean(//table)'), ['0']);
  assert.deepEqual(x('//p = "three"'), ['1']);
  assert.deepEqual(x('number("12") + number(" 3 ")'), ['15']);
});

test('union, has-class(), re:test(), lang(), id()', () => {
  assert.deepEqual(x('//title/text() | //span[1]/text()'), ['T', '4']);
  assert.deepEqual(x('//*[has-class("box")]/@id'), ['a']);
  assert.deepEqual(x('//*[has-class("box", "main")]/@id'), ['a']);
  assert.deepEqual(x('//*[has-class("box", "nope")]/@id'), []);
  assert.deepEqual(x('//span[re:test(@data-n, "^\\d{2}$")]/text()'), ['10']);
  assert.deepEqual(x('//p[lang("en")][1]/text()'), ['one']);
  assert.deepEqual(x('id("b")/span[2]/text()'), ['10']);
});

test('variables bind $name', () => {
  assert.equal(sel(IMAGES).xpath('//div[@id=$val]/a/text()', { val: 'images' }).get(), 'Name: My image 1 ');
  assert.equal(sel(IMAGES).xpath('//div[count(a)=$cnt]/@id', { cnt: 5 }).get(), 'images');
  assert.deepEqual(x('//p[$on]/text()', { on: false }), []);
});

test('element names are matched as the parser wrote them (lower case), as lxml does', () => {
  assert.equal(sel('<DIV ID="u">x</DIV>').xpath('//div/@id').get(), 'u');
  assert.equal(sel('<DIV>x</DIV>').xpath('//DIV').length, 0);
});

test('the root and the document: / and //', () => {
  assert.equal(x('count(/html/body/div)')[0], '2');
  assert.equal(x('name(/*)')[0], 'html');
  assert.equal(x('count(//node()[not(parent::*)])')[0], '1', 'the doctype is not a node; <html> is the only child of the root');
  assert.equal(sel(DOC).xpath('/').length, 1);
});
