/**
 * A request as one row of text in a job store: `Request.toData()` as JSON, with a binary body as
 * base64 (JSON has no bytes) and the per-attempt `meta.proxyId` left out (the frontier picks a
 * proxy again when the request leaves after a resume).
 *
 * `cbKwargs` and `userData` must be JSON-serialisable to survive a restart; they already cross
 * threads by structured clone, which is a superset, so a job dir is where a Date or a Map in them
 * would first lose its type.
 */
import { Request, type RequestData } from '../../http/request.js';

interface RequestJson extends Omit<RequestData, 'body'> {
  body: string | null;
  /** Set when `body` is the base64 of bytes rather than a string. */
  bodyBase64?: true;
}

export function encodeRequest(request: Request): string {
  const data = request.toData();
  const { proxyId: _proxyId, ...meta } = data.meta;
  const stored: RequestJson = { ...data, meta, body: null };
  if (typeof data.body === 'string') stored.body = data.body;
  else if (data.body) {
    stored.body = Buffer.from(data.body.buffer, data.body.byteOffset, data.body.byteLength).toString('base64');
    stored.bodyBase64 = true;
  }
  return JSON.stringify(stored);
}

export function decodeRequest(text: string): Request {
  const { bodyBase64, ...stored } = JSON.parse(text) as RequestJson;
  const body = bodyBase64 && stored.body !== null ? new Uint8Array(Buffer.from(stored.body, 'base64')) : stored.body;
  return Request.fromData({ ...stored, body });
}
