/**
 * Request fingerprints: the fixed-size keys of the seen set (DESIGN.md §4: "the seen set stores
 * fixed-size fingerprints, not URLs").
 *
 * A fingerprint is the SHA-1 of `METHOD \0 canonical-URL \0 body`, as 40 lower-case hex
 * characters. Hex rather than base64url (27 chars) because it is what Scrapy's and most tools'
 * fingerprints look like, is safe in file names, Redis keys and SQL without quoting, and sorts
 * the same everywhere; the 13 extra bytes per entry are not worth a second format. SHA-1 is not
 * used for security here, only as a fast, well-spread 160-bit hash (collisions need 2^80 URLs).
 *
 * The NUL separators keep the parts unambiguous: a method is a token and a canonical URL is
 * percent-encoded, so neither can contain NUL.
 */
import { createHash, hash } from 'node:crypto';
import { Request } from './request.js';
import { canonicalizeParsedHref, canonicalizeUrl } from './url.js';

/** The fields a fingerprint is computed from (a `Request` or its plain-data form). */
export interface FingerprintInput {
  method: string;
  url: string;
  body: string | Uint8Array | null;
}

/** Length of every fingerprint string. */
export const FINGERPRINT_LENGTH = 40;

/**
 * The request's fingerprint: SHA-1 over the upper-cased method, the canonical URL
 * (`canonicalizeUrl`, fragment dropped) and the body; 40 hex characters. An empty body and no
 * body give the same fingerprint. Throws `ERR_INVALID_URL` for a URL that is not absolute.
 */
export function fingerprint(request: FingerprintInput): string {
  const method = request.method.toUpperCase();
  // A Request's URL is parser-made (its constructor checked it): no need to parse it again.
  const url = Request.isRequest(request) ? canonicalizeParsedHref(request.url) : canonicalizeUrl(request.url);
  const body = request.body;
  if (body === null || body.length === 0) {
    // The GET path: one string, one-shot hash (no Hash object to allocate).
    return hash('sha1', `${method}\0${url}\0`, 'hex');
  }
  // update(string) encodes as UTF-8, so a string body and its UTF-8 bytes fingerprint alike.
  return createHash('sha1').update(`${method}\0${url}\0`).update(body).digest('hex');
}
