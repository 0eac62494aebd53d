import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallbackError, CloseSpider, errorCode } from '../../src/errors.js';
import { Request } from '../../src/http/request.js';
import { decodeError, decodeOutput, decodeRequestWire, decodeResponse, encodeError, encodeOutput, encodeRequestWire, encodeResponse, ownBuffer, StartStamps, uncloneablePath } from '../../src/parse/codec.js';
import { fakeResponse } from '../helpers/response.js';

test('a small Buffer on the shared slab is copied into its own ArrayBuffer, never handed over whole', () => {
  const small = Buffer.from('<p>hello</p>');
  assert.ok(small.buffer.byteLength > small.byteLength, 'Buffer.from of a short string sits on the pool slab');
  const own = ownBuffer(small);
  assert.notEqual(own, small.buffer);
  assert.equal(own.byteLength, small.byteLength);
  assert.equal(Buffer.from(own).toString(), '<p>hello</p>');
});

test('a body that owns its ArrayBuffer is transferred as is, and arrives intact on the other side', () => {
  const big = Buffer.alloc(200_000, 'a');
  const transfer: ArrayBuffer[] = [];
  const wire = encodeResponse(fakeResponse(big, { 'content-type': 'text/html' }, 'http://127.0.0.1/a', { callback: 'parseA', cbKwargs: { n: 1 } }), transfer);
  assert.equal(transfer[0], big.buffer);
  const copy = structuredClone(wire, { transfer });
  assert.equal(big.byteLength, 0, 'the main thread copy is detached: moved, not copied');
  const back = decodeResponse(copy);
  assert.equal(back.body.byteLength, 200_000);
  assert.equal(back.request.callback, 'parseA');
  assert.deepEqual(back.request.cbKwargs, { n: 1 });
  assert.equal(back.text.slice(0, 3), 'aaa');
});

test('uncloneablePath names the field a structured clone would reject or flatten', () => {
  assert.equal(uncloneablePath({ a: 1, b: ['x', { c: new Date(0) }], m: new Map([['k', 1]]), u: new Uint8Array(2) }), undefined);
  assert.deepEqual(uncloneablePath({ a: { b: [1, () => 2] } }), { path: 'item.a.b[1]', what: 'the function (anonymous)' });
  class Money {
    amount = 1;
  }
  assert.deepEqual(uncloneablePath({ 'odd key': new Money() }), { path: 'item["odd key"]', what: 'an instance of Money' });
  assert.deepEqual(uncloneablePath({ s: Symbol('x') }), { path: 'item.s', what: 'a symbol' });
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.equal(uncloneablePath(cyclic), undefined, 'cycles survive structured clone');
});

test('encodeOutput: requests go as data and come back as Requests; bad items and request kwargs are coded errors', () => {
  const request = new Request({ url: 'http://127.0.0.1/b', callback: 'parseB', meta: { depth: 2 } });
  const back = decodeOutput(structuredClone(encodeOutput(request, 'http://127.0.0.1/a')), 'http://127.0.0.1/a');
  assert.ok(Request.isRequest(back));
  assert.equal((back as Request).callback, 'parseB');
  assert.equal((back as Request).meta.depth, 2);
  assert.deepEqual(decodeOutput(encodeOutput({ x: 1 }, 'u'), 'u'), { x: 1 });
  assert.throws(() => encodeOutput({ f: Math.max }, 'http://127.0.0.1/a'), (e: unknown) => e instanceof CallbackError && e.code === 'ERR_ITEM_NOT_CLONEABLE' && /item\.f is the function max/.test(e.message) && /http:\/\/127\.0\.0\.1\/a/.test(e.message));
  const withFn = new Request({ url: 'http://127.0.0.1/c', cbKwargs: { cb: () => 1 } });
  assert.throws(() => encodeOutput(withFn, 'u'), /request\.cbKwargs\.cb is the function/);
});

test('a link followed from the page crosses as a marked string and gets its referer back; other referers travel as meta', () => {
  const page = 'http://127.0.0.1/list?p=1';
  const followed = new Request({ url: 'http://127.0.0.1/item/1', meta: { referer: page } });
  const wire = encodeOutput(followed, page);
  assert.equal(typeof wire, 'string');
  const back = decodeOutput(structuredClone(wire), page) as Request;
  assert.equal(back.url, 'http://127.0.0.1/item/1');
  assert.deepEqual(back.meta, { referer: page });
  const other = new Request({ url: 'http://127.0.0.1/item/2', meta: { referer: 'http://elsewhere/' } });
  assert.deepEqual((decodeOutput(structuredClone(encodeOutput(other, page)), page) as Request).meta, { referer: 'http://elsewhere/' });
  const more = new Request({ url: 'http://127.0.0.1/item/3', meta: { referer: page, depth: 3 } });
  assert.deepEqual((decodeOutput(structuredClone(encodeOutput(more, page)), page) as Request).meta, { referer: page, depth: 3 });
  const plain = new Request('http://127.0.0.1/item/4');
  assert.deepEqual((decodeOutput(encodeOutput(plain, page), page) as Request).meta, {});
});

test('a request with default fields crosses as its URL; every non-default field survives the trip', () => {
  const plain = new Request('http://127.0.0.1/plain');
  assert.equal(encodeRequestWire(plain), 'http://127.0.0.1/plain');
  assert.deepEqual(decodeRequestWire(structuredClone(encodeRequestWire(plain))).toData(), plain.toData());
  const full = new Request({
    url: 'http://127.0.0.1/full',
    method: 'post',
    headers: { 'x-a': '1' },
    body: 'a=1',
    priority: -3,
    dontFilter: true,
    callback: 'parseFull',
    errback: 'onError',
    cbKwargs: { n: 1 },
    meta: { depth: 4 },
    userData: { tag: 'x' },
  });
  const wire = encodeRequestWire(full);
  assert.equal(typeof wire, 'object');
  assert.deepEqual(decodeRequestWire(structuredClone(wire)).toData(), full.toData());
  // Each decoded request gets its own meta: the framework writes to it in place.
  const a = decodeRequestWire('http://127.0.0.1/x');
  const b = decodeRequestWire('http://127.0.0.1/x');
  a.meta.depth = 1;
  assert.equal(b.meta.depth, undefined);
});

test('errors keep their code and hint across the boundary; CloseSpider keeps its reason', () => {
  const coded = decodeError(structuredClone(encodeError(new CallbackError('ERR_X', 'boom', { hint: 'do y' }))));
  assert.equal(coded.code, 'ERR_X');
  assert.equal(coded.hint, 'do y');
  const plain = decodeError(structuredClone(encodeError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))));
  assert.equal(errorCode(plain), 'ECONNRESET');
  const close = decodeError(structuredClone(encodeError(new CloseSpider('enough'))));
  assert.ok(close instanceof CloseSpider);
  assert.equal((close as CloseSpider).reason, 'enough');
});

test('start stamps: a task reads as started only once its own id is stamped in its slot, through a second view of the memory', () => {
  const runner = StartStamps.create(4);
  const worker = new StartStamps(runner.buffer);
  assert.equal(runner.slots, 4);
  assert.equal(runner.startedAt(2, 7), undefined, 'not started yet');
  worker.stamp(2, 6, 1000);
  assert.equal(runner.startedAt(2, 7), undefined, 'an earlier task that used the slot');
  worker.stamp(2, 7, 1234.5);
  assert.equal(runner.startedAt(2, 7), 1234.5);
  assert.equal(runner.startedAt(1, 7), undefined, 'another slot');
});

test('ownBuffer copies a view into a larger buffer into an ArrayBuffer of exactly its bytes', () => {
  const big = new Uint8Array(100).map((_, i) => i);
  const own = ownBuffer(big.subarray(10, 40));
  assert.equal(own.byteLength, 30);
  assert.deepEqual([...new Uint8Array(own)], [...big.subarray(10, 40)]);
});
