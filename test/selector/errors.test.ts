/** A bad CSS selector or XPath expression is ERR_SELECTOR_INVALID naming it, with a hint. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArachneError } from '../../src/errors.js';
import { sel } from './fixtures/pages.js';

function invalid(run: () => unknown, named: string, problem: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ArachneError, String(error));
    assert.equal(error.code, 'ERR_SELECTOR_INVALID');
    assert.equal(error.kind, 'callback');
    assert.ok(error.message.includes(JSON.stringify(named)), error.message);
    assert.match(error.message, problem);
    assert.ok(error.hint && error.hint.length > 10);
    return true;
  });
}

const s = sel('<p>x</p>');

test('bad CSS selectors', () => {
  invalid(() => s.css('div['), 'div[', /CSS selector/);
  invalid(() => s.css('p::foo'), 'p::foo', /unknown pseudo-element ::foo/);
  invalid(() => s.css('p::text b'), 'p::text b', /must be the last/);
  invalid(() => s.css('p::attr()'), 'p::attr()', /needs an attribute name/);
  invalid(() => s.css('p:nope'), 'p:nope', /nope/);
  invalid(() => s.css(''), '', /CSS selector/);
});

test('bad XPath expressions', () => {
  invalid(() => s.xpath('//p['), '//p[', /ends too early/);
  invalid(() => s.xpath('//p]'), '//p]', /unexpected "]"/);
  invalid(() => s.xpath('foo(1)'), 'foo(1)', /unknown function foo\(\)/);
  invalid(() => s.xpath('contains("a")'), 'contains("a")', /takes 2 arguments, got 1/);
  invalid(() => s.xpath('//p/chlid::b'), '//p/chlid::b', /unknown axis chlid::/);
  invalid(() => s.xpath('//p[@]'), '//p[@]', /node test/);
  invalid(() => s.xpath('"unterminated'), '"unterminated', /unterminated string/);
  invalid(() => s.xpath(''), '', /empty expression/);
  invalid(() => s.xpath('//p[$missing]'), '//p[$missing]', /variable \$missing is not defined/);
  invalid(() => s.xpath('"a"/b'), '"a"/b', /needs a node-set/);
  invalid(() => s.xpath('count("a")'), 'count("a")', /expects a node-set/);
  invalid(() => s.xpath('1 | //p'), '1 | //p', /node-sets/);
});

test('a bad selector throws even where nothing would match', () => {
  invalid(() => s.css('nothing').css('div['), 'div[', /CSS selector/);
  invalid(() => s.css('nothing').xpath('//p['), '//p[', /ends too early/);
  invalid(() => s.css('p::text').xpath('//p['), '//p[', /ends too early/);
});
