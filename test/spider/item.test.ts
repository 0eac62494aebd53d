import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { isItem, pickFields } from '../../src/spider/item.js';

test('isItem accepts plain objects, including null-prototype and other-realm ones', () => {
  assert.equal(isItem({ a: 1 }), true);
  assert.equal(isItem(Object.create(null)), true);
  assert.equal(isItem(runInNewContext('({ a: 1 })')), true);
});

test('isItem rejects requests, arrays, class instances and primitives', () => {
  class Thing {}
  const requestLike = Object.create(Object.defineProperty({}, Symbol.for('arachne.request'), { value: true }));
  assert.equal(isItem(requestLike), false);
  assert.equal(isItem([1]), false);
  assert.equal(isItem(new Date()), false);
  assert.equal(isItem(new Thing()), false);
  assert.equal(isItem(null), false);
  assert.equal(isItem('a'), false);
});

test('pickFields keeps the given fields in order and skips absent ones', () => {
  assert.deepEqual(Object.keys(pickFields({ a: 1, b: 2, c: 3 }, ['c', 'a', 'z'])), ['c', 'a']);
  const item = { a: 1 };
  assert.equal(pickFields(item, undefined), item);
});
