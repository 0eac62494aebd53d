/** Responses built in memory, for unit tests of parsing, selectors, link extraction and spiders. */
import { Request, type RequestInit } from '../../src/http/request.js';
import { Response, type ResponseHeaders } from '../../src/http/response.js';

export const PAGE_URL = 'http://example.com/dir/page.html';

/** A 200 response to a GET of `url` (its request built from `request`), with `body` as received. */
export function fakeResponse(
  body: string | Uint8Array,
  headers: ResponseHeaders = { 'content-type': 'text/html' },
  url = PAGE_URL,
  request: Omit<RequestInit, 'url'> = {},
): Response {
  return new Response({
    url,
    status: 200,
    headers,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    request: new Request({ ...request, url }),
  });
}

/** A response to `request` with this status, headers and body: for middleware tests that never touch a socket. */
export function statusResponse(status: number, request: Request, headers: ResponseHeaders = {}, body: string | Uint8Array = ''): Response {
  return new Response({ url: request.url, status, headers, body: typeof body === 'string' ? Buffer.from(body) : body, request });
}
