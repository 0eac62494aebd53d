import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_KEYS_PER_FAMILY, Stats } from '../src/stats.js';

test('incPer lists the first MAX_KEYS_PER_FAMILY names of a family, then counts the rest under (other)', () => {
  const stats = new Stats();
  for (let i = 0; i < MAX_KEYS_PER_FAMILY + 5; i++) stats.incPer('connections/new_by_host', `h${i}.test`);
  stats.incPer('connections/new_by_host', 'h0.test', 2);
  stats.incPer('other/family', 'x');
  const keys = Object.keys(stats.toJSON()).filter((k) => k.startsWith('connections/new_by_host/'));
  assert.equal(keys.length, MAX_KEYS_PER_FAMILY + 1);
  assert.equal(stats.count('connections/new_by_host/h0.test'), 3, 'a listed name keeps counting');
  assert.equal(stats.count(`connections/new_by_host/h${MAX_KEYS_PER_FAMILY - 1}.test`), 1);
  assert.equal(stats.count(`connections/new_by_host/h${MAX_KEYS_PER_FAMILY}.test`), 0);
  assert.equal(stats.count('connections/new_by_host/(other)'), 5);
  assert.equal(stats.count('other/family/x'), 1, 'families are capped apart');
});
