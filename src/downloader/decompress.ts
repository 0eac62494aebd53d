/**
 * Content-Encoding decoding for downloaded bodies, with a cap on the decoded size.
 *
 * Why one-shot calls with `maxOutputLength` rather than a hand-counted stream: Node's async
 * one-shot functions (`zlib.gunzip(buf, opts, cb)` ...) already run the input through a zlib
 * stream in 16 KiB output chunks and stop as soon as the output passes `maxOutputLength`, failing
 * with `ERR_BUFFER_TOO_LARGE` (Node's lib/zlib.js `zlibBufferOnData`). Measured here on Node 20:
 * a 100 MiB gzip bomb (102 KB compressed) is refused at a 1 MiB cap in ~11 ms, against ~1 s to
 * inflate it all. They also run on the libuv thread pool, off the event loop.
 */
import zlib from 'node:zlib';
import type { ResponseHeaders } from '../http/response.js';
import { DropRequestError } from '../errors.js';

type OneShot = (buffer: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions, callback: zlib.CompressCallback) => void;

/** `zlib.zstdDecompress` exists from Node 22.15 / 23.8; @types/node 20 does not declare it. */
const zstdDecompress = (zlib as unknown as { zstdDecompress?: OneShot }).zstdDecompress;

/** Whether this Node can decode `Content-Encoding: zstd`. */
export const ZSTD_SUPPORTED = typeof zstdDecompress === 'function';

/** The `Accept-Encoding` sent on requests that do not set their own. */
export const ACCEPT_ENCODING = ZSTD_SUPPORTED ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br';

export interface DecodeOptions {
  /** The request URL, named in errors. */
  url: string;
  /** Cap on the decoded size in bytes (0 = no cap). */
  maxBytes: number;
}

export interface DecodedBody {
  body: Buffer;
  /**
   * Set when a coding in `Content-Encoding` is one Arachne cannot decode: the body and the
   * headers are then left exactly as received.
   */
  unknownEncoding?: string;
}

/** The error for a body over its cap, raised both for raw bytes and for decoded ones. */
export function responseTooLarge(url: string, maxBytes: number, what: string): DropRequestError {
  return new DropRequestError(
    'ERR_RESPONSE_TOO_LARGE',
    `${what} of ${url} exceeds download.maxResponseBytes (${maxBytes} bytes); download aborted`,
    { hint: 'raise download.maxResponseBytes (or meta.maxResponseBytes for this request); 0 means no cap' },
  );
}

/**
 * RFC 1950 section 2.2: a zlib stream starts with CMF (method 8 = deflate, window <= 32 KiB)
 * and FLG such that CMF*256 + FLG is a multiple of 31. `Content-Encoding: deflate` means this
 * zlib format (RFC 9110 section 8.4.1.2), but some servers send raw deflate (RFC 1951); like
 * curl and browsers we accept both, telling them apart by this header check.
 */
function isZlibWrapped(body: Buffer): boolean {
  if (body.length < 2) return false;
  const cmf = body[0]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | body[1]!) % 31 === 0;
}

function decoderFor(coding: string, body: Buffer): OneShot | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzip;
    case 'deflate':
      return isZlibWrapped(body) ? zlib.inflate : zlib.inflateRaw;
    case 'br':
      return zlib.brotliDecompress as OneShot;
    case 'zstd':
      return zstdDecompress;
    default:
      return undefined;
  }
}

function runDecoder(decoder: OneShot, body: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    decoder(body, options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * Decode `body` according to the response's `Content-Encoding`, then drop `content-encoding` and
 * `content-length` from `headers` (in place, as Scrapy's HttpCompressionMiddleware does) so
 * callbacks see headers that describe the bytes they get. Codings are undone last-applied first
 * (RFC 9110 section 8.4: `gzip, br` means gzip then br). Identity or no coding, and empty bodies
 * (HEAD, 204, 304), are returned untouched.
 *
 * Rejects with `ERR_RESPONSE_TOO_LARGE` when the decoded body passes `maxBytes`, and with
 * `ERR_DECOMPRESSION` when the body is truncated or corrupt.
 */
export async function decodeBody(headers: ResponseHeaders, body: Buffer, options: DecodeOptions): Promise<DecodedBody> {
  const header = headers['content-encoding'];
  if (header === undefined || body.length === 0) return { body };
  const codings = (Array.isArray(header) ? header.join(',') : header).toLowerCase().split(',');

  // Check every coding before decoding any, so an unknown one leaves the body whole.
  const steps: string[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim();
    if (coding === '' || coding === 'identity') continue;
    if (decoderFor(coding, body) === undefined) return { body, unknownEncoding: coding };
    steps.push(coding);
  }
  if (steps.length === 0) return { body };

  const zlibOptions: zlib.ZlibOptions = options.maxBytes > 0 ? { maxOutputLength: options.maxBytes } : {};
  let decoded = body;
  for (const coding of steps) {
    try {
      decoded = await runDecoder(decoderFor(coding, decoded)!, decoded, zlibOptions);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw responseTooLarge(options.url, options.maxBytes, `the ${coding}-decoded body`);
      }
      throw new DropRequestError(
        'ERR_DECOMPRESSION',
        `cannot decode the ${coding} body of ${options.url}: ${(error as Error).message}`,
        { hint: 'the body is truncated or not in the Content-Encoding the server declared', cause: error },
      );
    }
  }
  delete headers['content-encoding'];
  delete headers['content-length'];
  return { body: decoded };
}
