import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputsOf } from '../../src/spider/callback.js';
import type { CallbackResult } from '../../src/spider/spider.js';

async function collect(result: unknown): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const output of outputsOf(result as CallbackResult)) out.push(output);
  return out;
}

test('outputsOf flattens sync generators and arrays, awaiting yielded promises and skipping null', async () => {
  function* gen() {
    yield { a: 1 };
    yield null;
    yield Promise.resolve({ b: 2 });
    yield Promise.resolve(undefined);
    yield undefined;
    yield { c: 3 };
  }
  assert.deepEqual(await collect(gen()), [{ a: 1 }, { b: 2 }, { c: 3 }]);
  assert.deepEqual(await collect([{ x: 1 }, null, { y: 2 }]), [{ x: 1 }, { y: 2 }]);
  assert.deepEqual(await collect(Promise.resolve([{ z: 1 }])), [{ z: 1 }]);
  assert.deepEqual(await collect({ one: 1 }), [{ one: 1 }]);
  assert.deepEqual(await collect(undefined), []);
});

test('outputsOf keeps async generators, and a rejected yielded promise ends the sync generator', async () => {
  async function* agen() {
    yield { a: 1 };
    yield null;
    yield { b: 2 };
  }
  assert.deepEqual(await collect(agen()), [{ a: 1 }, { b: 2 }]);
  let closed = false;
  function* failing() {
    try {
      yield { a: 1 };
      yield Promise.reject(new Error('boom'));
      yield { never: true };
    } finally {
      closed = true;
    }
  }
  const seen: unknown[] = [];
  await assert.rejects(async () => {
    for await (const output of outputsOf(failing() as CallbackResult)) seen.push(output);
  }, /boom/);
  assert.deepEqual(seen, [{ a: 1 }]);
  assert.equal(closed, true, 'the generator was closed');
  await assert.rejects(collect(42), (e: { code?: string }) => e.code === 'ERR_CALLBACK_RESULT');
});
