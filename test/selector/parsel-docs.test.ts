/**
 * parsel's documented examples ("Using selectors"), each asked once with CSS and once with
 * XPath on the same HTML: both must give parsel's documented answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGES, sel } from './fixtures/pages.js';

const s = sel(IMAGES);
const n = [1, 2, 3, 4, 5];

function both(css: string, xpath: string, expected: string[]): void {
  assert.deepEqual(s.css(css).getall(), expected, css);
  assert.deepEqual(s.xpath(xpath).getall(), expected, xpath);
}

test('text nodes', () => {
  both('title::text', '//title/text()', ['Example website']);
  both('#images a::text', '//div[@id="images"]/a/text()', n.map((i) => `Name: My image ${i} `));
  assert.equal(s.css('title::text').get(), 'Example website');
  assert.equal(s.xpath('//title/text()').get(), 'Example website');
});

test('attributes: ::attr(), @attr and .attrib', () => {
  both('base::attr(href)', '//base/@href', ['http://example.com/']);
  both('a[href*=image]::attr(href)', '//a[contains(@href, "image")]/@href', n.map((i) => `image${i}.html`));
  both('a[href*=image] img::attr(src)', '//a[contains(@href, "image")]/img/@src', n.map((i) => `image${i}_thumb.jpg`));
  assert.equal(s.css('base').attrib.href, 'http://example.com/');
  assert.equal(s.xpath('//base').attrib.href, 'http://example.com/');
  assert.equal(s.css('img').attrib.src, 'image1_thumb.jpg', 'SelectorList.attrib is the first element’s');
  assert.deepEqual(s.xpath('//img')[1]!.attrib, { src: 'image2_thumb.jpg', alt: 'image2' });
  assert.deepEqual(s.css('title::text').attrib, {});
});

test('get(default) and an empty result', () => {
  assert.equal(s.css('#not-exists::text').get(), undefined);
  assert.equal(s.xpath('//div[@id="not-exists"]/text()').get(), undefined);
  assert.equal(s.css('#not-exists::text').get('not-found'), 'not-found');
  assert.equal(s.xpath('//div[@id="not-exists"]/text()').get('not-found'), 'not-found');
  assert.deepEqual(s.css('#not-exists').getall(), []);
});

test('nested selections: each link, then its own href and image', () => {
  for (const links of [s.css('a[href*=image]'), s.xpath('//a[contains(@href, "image")]')]) {
    const found = links.map((link) => [link.xpath('@href').get(), link.css('img::attr(src)').get()]);
    assert.deepEqual(found, n.map((i) => [`image${i}.html`, `image${i}_thumb.jpg`]));
  }
  assert.deepEqual(s.css('img').xpath('@src').getall(), n.map((i) => `image${i}_thumb.jpg`));
  assert.deepEqual(s.xpath('//a').css('img').xpath('@alt').getall(), n.map((i) => `image${i}`));
});

test('re() and reFirst()', () => {
  const names = n.map((i) => `My image ${i} `);
  assert.deepEqual(s.xpath('//a[contains(@href, "image")]/text()').re(/Name:\s*(.*)/), names);
  assert.deepEqual(s.css('a[href*=image]::text').re(/Name:\s*(.*)/), names);
  assert.equal(s.xpath('//a[contains(@href, "image")]/text()').reFirst(/Name:\s*(.*)/), 'My image 1 ');
  assert.equal(s.css('a[href*=image]::text').reFirst('Name:\\s*(.*)'), 'My image 1 ');
  assert.equal(s.css('a::text').reFirst(/Nope (\d)/, 'none'), 'none');
});

test('relative XPath: ./ and .// start at the selection, // at the document', () => {
  const div = s.xpath('//div[@id="images"]')[0]!;
  assert.equal(div.xpath('.//img').length, 5);
  assert.equal(div.xpath('./a').length, 5);
  assert.equal(div.xpath('img').length, 0, 'img is not a child of the div');
  const link = s.css('a')[2]!;
  assert.equal(link.xpath('//img').length, 5, '// searches the whole document, as in parsel');
  assert.equal(link.xpath('.//img/@src').get(), 'image3_thumb.jpg');
});

test('*::text: every text node under the matches', () => {
  const texts = s.css('#images *::text').getall();
  assert.deepEqual(texts.filter((t) => t.trim() !== ''), n.map((i) => `Name: My image ${i} `));
  assert.deepEqual(texts, s.xpath('//*[@id="images"]/descendant-or-self::*/text()').getall());
});
