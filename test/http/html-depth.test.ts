import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHtmlDepth, DEPTH_SCAN_MIN_CHARS, estimateHtmlDepth, MAX_HTML_DEPTH } from '../../src/http/html-depth.js';

test('the depth estimate counts nesting, not void elements or tags HTML closes by itself', () => {
  assert.equal(estimateHtmlDepth('<div><span><a>x</a></span></div><div></div>'), 3);
  assert.equal(estimateHtmlDepth('<div>' + '<p>a<br><img src=x><li>b'.repeat(50_000) + '</div>'), 1);
  assert.equal(estimateHtmlDepth('</div></div><div>'), 1, 'stray end tags never go below zero');
});

test('a long page nested deeper than the cap is ERR_HTML_TOO_DEEP; short or flat pages pass', () => {
  const deep = '<div>'.repeat(MAX_HTML_DEPTH + 1) + ' '.repeat(DEPTH_SCAN_MIN_CHARS);
  assert.throws(() => checkHtmlDepth(deep, 'http://a.example/'), { code: 'ERR_HTML_TOO_DEEP' });
  assert.doesNotThrow(() => checkHtmlDepth('<div>'.repeat(MAX_HTML_DEPTH), 'http://a.example/'));
  assert.doesNotThrow(() => checkHtmlDepth('<div></div>'.repeat(DEPTH_SCAN_MIN_CHARS), 'http://a.example/'));
});
