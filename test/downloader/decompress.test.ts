import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ACCEPT_ENCODING, ZSTD_SUPPORTED, decodeBody } from '../../src/downloader/decompress.js';
import { Request } from '../../src/http/request.js';
import type { ResponseHeaders } from '../../src/http/response.js';
import { rejectsWith } from '../helpers/assert-code.js';
import { serve } from '../helpers/http-server.js';
import { transport } from '../helpers/transport.js';

const TEXT = Buffer.from('<html><body>' + 'Arachne crawls politely. '.repeat(400) + '</body></html>');
const MiB = 1024 * 1024;

const ENCODERS: Record<string, (input: Buffer) => Buffer> = {
  gzip: (input) => zlib.gzipSync(input),
  'x-gzip': (input) => zlib.gzipSync(input),
  deflate: (input) => zlib.deflateSync(input),
  'deflate (raw)': (input) => zlib.deflateRawSync(input),
  br: (input) => zlib.brotliCompressSync(input),
};

for (const [name, encode] of Object.entries(ENCODERS)) {
  test(`decodeBody: ${name} is decoded and the encoding headers dropped`, async () => {
    const encoded = encode(TEXT);
    const headers: ResponseHeaders = {
      'content-encoding': name.split(' ')[0],
      'content-length': String(encoded.length),
      'content-type': 'text/html',
    };
    const { body, unknownEncoding } = await decodeBody(headers, encoded, { url: 'http://x.test/', maxBytes: MiB });
    assert.ok(body.equals(TEXT));
    assert.equal(unknownEncoding, undefined);
    assert.deepEqual(headers, { 'content-type': 'text/html' });
  });
}

test('decodeBody: stacked codings are undone last first', async () => {
  const encoded = zlib.brotliCompressSync(zlib.gzipSync(TEXT));
  const headers: ResponseHeaders = { 'content-encoding': 'gzip, br' };
  const { body } = await decodeBody(headers, encoded, { url: 'http://x.test/', maxBytes: 0 });
  assert.ok(body.equals(TEXT));
  assert.equal(headers['content-encoding'], undefined);
});

test('decodeBody: identity, absent and unknown codings pass the body through', async () => {
  const identity: ResponseHeaders = { 'content-encoding': 'identity', 'content-length': String(TEXT.length) };
  assert.equal((await decodeBody(identity, TEXT, { url: 'http://x.test/', maxBytes: 0 })).body, TEXT);
  assert.equal(identity['content-length'], String(TEXT.length));

  assert.equal((await decodeBody({}, TEXT, { url: 'http://x.test/', maxBytes: 0 })).body, TEXT);

  const gzipped = zlib.gzipSync(TEXT);
  const unknown: ResponseHeaders = { 'content-encoding': 'gzip, compress' };
  const result = await decodeBody(unknown, gzipped, { url: 'http://x.test/', maxBytes: 0 });
  assert.equal(result.unknownEncoding, 'compress');
  assert.equal(result.body, gzipped);
  assert.equal(unknown['content-encoding'], 'gzip, compress');
});

test('decodeBody: an empty body (HEAD, 304) is left alone', async () => {
  const headers: ResponseHeaders = { 'content-encoding': 'gzip', 'content-length': '1234' };
  const { body } = await decodeBody(headers, Buffer.alloc(0), { url: 'http://x.test/', maxBytes: 0 });
  assert.equal(body.length, 0);
  assert.equal(headers['content-length'], '1234');
});

test('decodeBody: truncated or corrupt bodies are ERR_DECOMPRESSION naming the URL', async () => {
  const gzipped = zlib.gzipSync(TEXT);
  const truncated = await rejectsWith(
    decodeBody({ 'content-encoding': 'gzip' }, gzipped.subarray(0, gzipped.length >> 1), { url: 'http://x.test/t', maxBytes: 0 }),
    'ERR_DECOMPRESSION',
  );
  assert.equal(truncated.kind, 'drop');
  assert.match(truncated.message, /http:\/\/x\.test\/t/);
  await rejectsWith(decodeBody({ 'content-encoding': 'br' }, Buffer.from('not brotli at all'), { url: 'http://x.test/', maxBytes: 0 }), 'ERR_DECOMPRESSION');
  await rejectsWith(decodeBody({ 'content-encoding': 'deflate' }, Buffer.from('garbage!!'), { url: 'http://x.test/', maxBytes: 0 }), 'ERR_DECOMPRESSION');
});

test('decodeBody: a body exactly at the cap passes, one byte over fails', async () => {
  const exact = zlib.gzipSync(Buffer.alloc(4096));
  assert.equal((await decodeBody({ 'content-encoding': 'gzip' }, exact, { url: 'http://x.test/', maxBytes: 4096 })).body.length, 4096);
  await rejectsWith(decodeBody({ 'content-encoding': 'gzip' }, exact, { url: 'http://x.test/', maxBytes: 4095 }), 'ERR_RESPONSE_TOO_LARGE');
});

test('decodeBody: a gzip bomb is stopped at the cap without inflating it all', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(100 * MiB), { level: 9 });
  assert.ok(bomb.length < 200 * 1024, `bomb is ${bomb.length} bytes`);

  // Reference: CPU time to inflate the whole bomb, measured in this run.
  let before = process.cpuUsage();
  assert.equal(zlib.gunzipSync(bomb).length, 100 * MiB);
  const full = process.cpuUsage(before);

  before = process.cpuUsage();
  const error = await rejectsWith(decodeBody({ 'content-encoding': 'gzip' }, bomb, { url: 'http://x.test/bomb', maxBytes: MiB }), 'ERR_RESPONSE_TOO_LARGE');
  const capped = process.cpuUsage(before);
  assert.match(error.message, /http:\/\/x\.test\/bomb/);
  assert.match(error.message, /download\.maxResponseBytes/);
  // Inflating 1 MiB of 100 costs ~1% of the full run; a quarter leaves room for noise.
  const cost = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;
  assert.ok(cost(capped) < cost(full) / 4, `capped ${cost(capped)} us vs full ${cost(full)} us`);
});

test('accept-encoding is sent unless the request sets its own', async (t) => {
  const { url } = await serve(t, (req, res) => res.end(req.headers['accept-encoding'] ?? '(none)'));
  const tr = transport(t);
  const sent = await tr.fetch(new Request(url));
  assert.equal(Buffer.from(sent.body).toString(), ACCEPT_ENCODING);
  assert.match(ACCEPT_ENCODING, /gzip, deflate, br/);
  const own = await tr.fetch(new Request({ url, headers: { 'Accept-Encoding': 'identity' } }));
  assert.equal(Buffer.from(own.body).toString(), 'identity');
});

test('transport: gzip, deflate, raw deflate and br bodies are decoded and headers stripped', async (t) => {
  const { url } = await serve(t, (req, res) => {
    const name = decodeURIComponent(req.url!.slice(1));
    const encoded = ENCODERS[name]!(TEXT);
    res.writeHead(200, { 'content-encoding': name.split(' ')[0], 'content-length': encoded.length, 'x-name': name });
    res.end(encoded);
  });
  const tr = transport(t);
  for (const name of Object.keys(ENCODERS)) {
    const response = await tr.fetch(new Request(`${url}/${encodeURIComponent(name)}`));
    assert.ok(Buffer.from(response.body).equals(TEXT), name);
    assert.equal(response.headers['content-encoding'], undefined, name);
    assert.equal(response.headers['content-length'], undefined, name);
    assert.equal(response.headers['x-name'], name);
    assert.deepEqual(response.flags, []);
  }
});

test('transport: zstd is advertised and decoded where zlib has it, passed through flagged where not', async (t) => {
  const compress = (zlib as unknown as { zstdCompressSync?: (input: Buffer) => Buffer }).zstdCompressSync;
  // Where this Node has no zstd, a zstd body cannot be made here: the server sends stand-in bytes.
  const payload = compress ? compress(TEXT) : Buffer.from('not decodable here');
  let accepted = '';
  const { url } = await serve(t, (req, res) => {
    accepted = String(req.headers['accept-encoding']);
    res.writeHead(200, { 'content-encoding': 'zstd' }).end(payload);
  });
  const response = await transport(t).fetch(new Request(url));
  assert.equal(accepted.includes('zstd'), ZSTD_SUPPORTED);
  if (ZSTD_SUPPORTED) {
    assert.ok(Buffer.from(response.body).equals(TEXT));
    assert.deepEqual(response.flags, []);
  } else {
    assert.ok(Buffer.from(response.body).equals(payload));
    assert.deepEqual(response.flags, ['undecoded']);
  }
});

test('transport: an unknown coding passes through, flagged', async (t) => {
  const { url } = await serve(t, (_req, res) => res.writeHead(200, { 'content-encoding': 'compress' }).end('LZW?'));
  const response = await transport(t).fetch(new Request(url));
  assert.equal(Buffer.from(response.body).toString(), 'LZW?');
  assert.equal(response.headers['content-encoding'], 'compress');
  assert.deepEqual(response.flags, ['undecoded']);
});

test('transport: a gzip bomb is cut at a 1 MB cap', async (t) => {
  const bomb = zlib.gzipSync(Buffer.alloc(100 * MiB), { level: 9 });
  const { url } = await serve(t, (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb));
  const error = await rejectsWith(transport(t, { maxResponseBytes: MiB }).fetch(new Request(`${url}/bomb`)), 'ERR_RESPONSE_TOO_LARGE');
  assert.match(error.message, /\/bomb/);
  assert.match(error.message, new RegExp(String(MiB)));
});

test('transport: a truncated gzip body is ERR_DECOMPRESSION', async (t) => {
  const gzipped = zlib.gzipSync(TEXT);
  const { url } = await serve(t, (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipped.subarray(0, 40)));
  const error = await rejectsWith(transport(t).fetch(new Request(`${url}/cut`)), 'ERR_DECOMPRESSION');
  assert.match(error.message, /\/cut/);
});
