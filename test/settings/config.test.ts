import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArachneError } from '../../src/errors.js';
import { closestKey, defineConfig, flattenConfig, mergeSettings, parseSettingArgs } from '../../src/settings/config.js';
import { DEFAULTS } from '../../src/settings/defaults.js';
import { thrownCode } from '../helpers/assert-code.js';

test('nested and dotted keys flatten to the same values', () => {
  const nested = flattenConfig(defineConfig({ concurrency: { perDomain: 4 }, userAgent: 'x' }), 'test');
  const dotted = flattenConfig({ 'concurrency.perDomain': 4, userAgent: 'x' }, 'test');
  assert.deepEqual(nested, dotted);
  assert.deepEqual(nested, { 'concurrency.perDomain': 4, userAgent: 'x' });
});

test('priorities: later layers win, defaults fill the rest', () => {
  const values = mergeSettings({ 'concurrency.perDomain': 4, 'download.delayMs': 5 }, { 'concurrency.perDomain': 2 });
  assert.equal(values['concurrency.perDomain'], 2);
  assert.equal(values['download.delayMs'], 5);
  assert.equal(values['concurrency.global'], DEFAULTS['concurrency.global'].default);
});

test('an unknown key names the closest known key', () => {
  assert.equal(closestKey('concurrency.perDomian'), 'concurrency.perDomain');
  try {
    flattenConfig({ concurrency: { perDomian: 3 } }, 'crawl.config.ts');
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof ArachneError);
    assert.equal(error.code, 'ERR_SETTING_UNKNOWN');
    assert.match(error.message, /concurrency\.perDomian.*crawl\.config\.ts/);
    assert.match(error.hint ?? '', /concurrency\.perDomain/);
  }
  assert.equal(thrownCode(() => flattenConfig({ nope: 1 }, 't')), 'ERR_SETTING_UNKNOWN');
  assert.equal(thrownCode(() => parseSettingArgs(['retry.tims=3'])), 'ERR_SETTING_UNKNOWN');
});

test('a wrong-typed value names the key, the expected type and what was given', () => {
  try {
    flattenConfig({ concurrency: { perDomain: 'four' } }, 'crawl.config.ts');
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof ArachneError);
    assert.equal(error.code, 'ERR_SETTING_TYPE');
    assert.match(error.message, /concurrency\.perDomain/);
    assert.match(error.message, /integer >= 1/);
    assert.match(error.message, /string "four"/);
  }
  assert.equal(thrownCode(() => flattenConfig({ concurrency: { perDomain: 0 } }, 't')), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => flattenConfig({ concurrency: { perDomain: 1.5 } }, 't')), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => flattenConfig({ log: { level: 'loud' } }, 't')), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => flattenConfig({ feeds: { 'a.x': { format: 'xml' } } }, 't')), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => flattenConfig('nope', 't')), 'ERR_CONFIG_SHAPE');
});

test('-s parses each type from a string', () => {
  assert.deepEqual(
    parseSettingArgs(['concurrency.perDomain=4', 'download.randomizeDelay=true', 'retry.httpCodes=500,503', 'log.level=debug', 'userAgent=a=b']),
    { 'concurrency.perDomain': 4, 'download.randomizeDelay': true, 'retry.httpCodes': [500, 503], 'log.level': 'debug', userAgent: 'a=b' },
  );
  assert.deepEqual(parseSettingArgs(['defaultHeaders={"x-a":"1"}']), { defaultHeaders: { 'x-a': '1' } });
  assert.equal(thrownCode(() => parseSettingArgs(['concurrency.perDomain=four'])), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => parseSettingArgs(['download.randomizeDelay=maybe'])), 'ERR_SETTING_TYPE');
  assert.equal(thrownCode(() => parseSettingArgs(['noequals'])), 'ERR_CLI_SETTING');
});

test('components are not settings', () => {
  class P {
    process(item: Record<string, unknown>) {
      return item;
    }
  }
  assert.deepEqual(flattenConfig({ pipelines: [P], retry: { times: 1 } }, 't'), { 'retry.times': 1 });
});

test('every default passes its own check and has a doc line', () => {
  for (const [key, spec] of Object.entries(DEFAULTS)) {
    assert.deepEqual((spec as { check(v: unknown): unknown }).check(spec.default), spec.default, key);
    assert.ok(spec.doc.length > 10 && !spec.doc.includes('\n'), `${key} has a one-line doc`);
  }
});
