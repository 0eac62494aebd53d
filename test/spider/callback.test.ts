import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachOutput, outputStream, outputsOf } from '../../src/spider/callback.js';
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

test('eachOutput reads a sync stream in order without for-await: nulls skipped, promises and backpressure awaited', async () => {
  const log: string[] = [];
  function* gen() {
    log.push('start');
    yield { a: 1 };
    yield null;
    yield Promise.resolve({ b: 2 });
    log.push('after b');
    yield { c: 3 };
  }
  const stream = outputStream(gen() as CallbackResult);
  assert.equal(Symbol.iterator in stream, true, 'a sync generator stays a sync stream');
  await eachOutput(stream, (output) => {
    log.push(JSON.stringify(output));
    // The next output is not pulled until this one's wait is over.
    if ('b' in output) return new Promise<void>((resolve) => setImmediate(() => (log.push('b handled'), resolve())));
    return undefined;
  });
  assert.deepEqual(log, ['start', '{"a":1}', '{"b":2}', 'b handled', 'after b', '{"c":3}']);
  // A promise of an iterable (a worker's outputs) and an async stream read the same way.
  const seen: unknown[] = [];
  await eachOutput(Promise.resolve([{ x: 1 }, undefined, { y: 2 }]), (output) => void seen.push(output));
  await eachOutput(outputStream(Promise.resolve([{ z: 3 }]) as CallbackResult), (output) => void seen.push(output));
  async function* agen() {
    yield { w: 4 };
    yield null;
  }
  const asyncStream = agen();
  assert.equal(outputStream(asyncStream as CallbackResult), asyncStream, 'an async generator is read as it is, not wrapped');
  await eachOutput(asyncStream, (output) => void seen.push(output));
  assert.deepEqual(seen, [{ x: 1 }, { y: 2 }, { z: 3 }, { w: 4 }]);
});

test('eachOutput: a throw in the callback, in a yielded promise or in each() ends and closes the generator', async () => {
  for (const where of ['callback', 'promise', 'each'] as const) {
    let closed = false;
    function* failing() {
      try {
        yield { a: 1 };
        if (where === 'callback') throw new Error('boom');
        yield where === 'promise' ? Promise.reject(new Error('boom')) : { b: 2 };
        yield { never: true };
      } finally {
        closed = true;
      }
    }
    const seen: unknown[] = [];
    await assert.rejects(
      eachOutput(outputStream(failing() as CallbackResult), (output) => {
        if (where === 'each' && 'b' in output) throw new Error('boom');
        seen.push(output);
        return undefined;
      }),
      /boom/,
    );
    assert.deepEqual(seen, [{ a: 1 }], where);
    assert.equal(closed, true, `${where}: the generator was closed`);
  }
});
