import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenConfig } from '../../src/settings/config.js';
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
