import type { Request } from './request.js';

/** Response headers as undici gives them: lower-case names; repeated headers (set-cookie) as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** When each phase of a download happened, in ms from `performance.timeOrigin` (`performance.now()`). */
export interface Timings {
  /** The request left the frontier. */
  dispatchedAt: number;
  /** Response headers arrived. */
  headersAt?: number;
  /** The last body byte arrived. */
  doneAt?: number;
}

export interface ResponseInit {
  /** Final URL (after redirects handled by Arachne, this is the URL of this hop). */
  url: string;
  status: number;
  headers: ResponseHeaders;
  /** The decoded (decompressed) body bytes. */
  body: Uint8Array;
  request: Request;
  /** The remote address the body came from. */
  ip?: string;
  timings?: Timings;
  /** True when the socket had carried an earlier request (a kept-alive connection). */
  reusedConnection?: boolean;
  /** Markers such as `cached`. */
  flags?: string[];
}

export class Response {
  readonly url: string;
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Uint8Array;
  readonly request: Request;
  readonly ip: string | undefined;
  readonly timings: Timings;
  readonly reusedConnection: boolean | undefined;
  readonly flags: string[];

  constructor(init: ResponseInit) {
    this.url = init.url;
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.request = init.request;
    this.ip = init.ip;
    this.timings = init.timings ?? { dispatchedAt: 0 };
    this.reusedConnection = init.reusedConnection;
    this.flags = init.flags ?? [];
  }

  /** First value of a header (lower-case name). */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
}
