import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenConfig, parseSettingArgs } from '../../src/settings/config.js';
import { DEFAULTS, SETTING_KEYS } from '../../src/settings/defaults.js';
import { checkSlotRules } from '../../src/settings/slots.js';
import { MAX_TIMER_MS, SpecMismatch } from '../../src/settings/spec.js';
import { rejectsWith } from '../helpers/assert-code.js';

test('every duration setting has a maximum; those that feed a timer stop at 2^31-1 ms', () => {
  const durations = SETTING_KEYS.filter((key) => key.endsWith('Ms'));
  assert.ok(durations.length >= 20);
  for (const key of durations) {
    const spec = DEFAULTS[key];
    assert.match(spec.type, / to \d+$/, `${key} has no maximum: ${spec.type}`);
    assert.ok(!(spec.check(spec.default) instanceof SpecMismatch), key);
    // httpCache.expirationMs is compared with ages, never put in a timer.
    if (key === 'httpCache.expirationMs') continue;
    assert.equal(spec.check(MAX_TIMER_MS), MAX_TIMER_MS, key);
    assert.ok(spec.check(MAX_TIMER_MS + 1) instanceof SpecMismatch, key);
  }
});

test('slots: a delay above the timer maximum and keys of Object.prototype are refused', async () => {
  assert.ok(checkSlotRules({ 'a.example': { delayMs: MAX_TIMER_MS + 1 } }) instanceof SpecMismatch);
  for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.ok(checkSlotRules(JSON.parse(`{"${key}": {"concurrency": 1}}`)) instanceof SpecMismatch, key);
  }
  await rejectsWith(Promise.resolve().then(() => flattenConfig({ toString: 1 }, 'test')), 'ERR_SETTING_UNKNOWN');
});

test('components of the wrong shape, a group given a value, a Promise: coded before the crawl', async () => {
  for (const config of [{ pipelines: 'nope' }, { pipelines: [{}] }, { downloaderMiddlewares: 42 }, { downloaderMiddlewares: [class {}] }]) {
    await rejectsWith(Promise.resolve().then(() => flattenConfig(config, 'crawl.config.ts')), 'ERR_CONFIG_COMPONENT');
  }
  // Accepted shapes: classes, instances, a function of the table.
  flattenConfig({ pipelines: [class { process(i: unknown) { return i; } }, { process: (i: unknown) => i }], downloaderMiddlewares: (d: unknown) => d }, 'test');
  const group = await rejectsWith(Promise.resolve().then(() => flattenConfig({ concurrency: 4 }, 'crawl.config.ts')), 'ERR_SETTING_TYPE');
  assert.match(group.hint ?? '', /concurrency\.perDomain/);
  await rejectsWith(Promise.resolve().then(() => parseSettingArgs(['concurrency=4'])), 'ERR_SETTING_TYPE');
  await rejectsWith(Promise.resolve().then(() => flattenConfig(Promise.resolve({}), 'crawl.config.ts')), 'ERR_CONFIG_SHAPE');
});
