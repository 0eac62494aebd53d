import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Response } from '../../src/http/response.js';
import { InProcessRunner } from '../../src/parse/in-process.js';
import { eachOutput } from '../../src/spider/callback.js';
import { Spider } from '../../src/spider/spider.js';
import { fakeResponse } from '../helpers/response.js';

/** A response whose callback is `callback`, lent a fake live page that records its close. */
function lentPage(callback: string): { response: Response; closed: () => boolean } {
  let closed = false;
  const page = fakeResponse('<p>x</p>', undefined, 'http://example.com/p', { callback });
  const response = new Response({ url: page.url, status: 200, headers: page.headers, body: page.body, request: page.request, browser: { page: { close: async () => void (closed = true) } } as never });
  return { response, closed: () => closed };
}

class Shapes extends Spider {
  static override name = 'shapes';
  parse() {
    return undefined;
  }
  *syncGen() {
    yield { a: 1 };
    yield null;
    yield Promise.resolve({ b: 2 });
  }
  async *asyncGen() {
    yield { c: 3 };
  }
  array() {
    return [{ d: 4 }, undefined];
  }
  throwsAtOnce(): never {
    throw new Error('at once');
  }
  *throwsInside() {
    yield { e: 5 };
    throw new Error('inside');
  }
}

async function run(runner: InProcessRunner, response: Response): Promise<unknown[]> {
  const out: unknown[] = [];
  await eachOutput(runner.callback(response), (output) => void out.push(output));
  return out;
}

test('InProcessRunner: every callback shape gives its outputs in order, counted as running while read', async () => {
  const runner = new InProcessRunner(new Shapes(), 0);
  const expected: Record<string, unknown[]> = { syncGen: [{ a: 1 }, { b: 2 }], asyncGen: [{ c: 3 }], array: [{ d: 4 }] };
  for (const [name, outputs] of Object.entries(expected)) {
    const { response, closed } = lentPage(name);
    const stream = runner.callback(response);
    const seen: unknown[] = [];
    await eachOutput(stream, (output) => {
      assert.equal(runner.saturated, true, `${name}: running while its outputs are read (maxQueue 0)`);
      seen.push(output);
      return undefined;
    });
    assert.deepEqual(seen, outputs, name);
    assert.equal(runner.saturated, false, `${name}: no longer running`);
    assert.equal(closed(), true, `${name}: the lent page is closed when the callback ends`);
  }
});

test('InProcessRunner: a callback that throws, at once or while yielding, fails its read and still closes the lent page', async () => {
  const runner = new InProcessRunner(new Shapes(), 0);
  for (const name of ['throwsAtOnce', 'throwsInside']) {
    const { response, closed } = lentPage(name);
    await assert.rejects(run(runner, response), /at once|inside/, name);
    assert.equal(closed(), true, `${name}: page closed`);
    assert.equal(runner.saturated, false, `${name}: not left counted as running`);
  }
  await runner.close();
});
