/**
 * Charset detection for response bodies. Pure functions; `Response.text` uses `decodeBody`.
 *
 * Order of evidence (`detectEncoding`):
 * 1. a byte-order mark: unambiguous, and it wins even over the header, as in the WHATWG Encoding
 *    standard's "decode" (BOM sniffing) and w3lib's `html_to_unicode`; a UTF-16 body served as
 *    `charset=iso-8859-1` is common enough on old servers and would otherwise decode to garbage;
 * 2. the `charset` parameter of the Content-Type header;
 * 3. for HTML/XML (or an untyped body): `<meta charset>`, `<meta http-equiv="content-type">` or an
 *    `<?xml encoding?>` declaration within the first 2 KB (the WHATWG prescan looks at 1024 bytes;
 *    real pages put long comments or scripts first, so we look a little further);
 * 4. utf-8.
 *
 * Labels are resolved by `TextDecoder` itself (Node ships full ICU: windows-1252, iso-8859-x,
 * shift_jis, gbk, big5...), so every WHATWG alias works; an unknown label is ignored, never thrown.
 */
import { TextDecoder } from 'node:util';

/** Where `detectEncoding` found the charset. */
export type EncodingSource = 'bom' | 'header' | 'meta' | 'default';

export interface DetectedEncoding {
  /** The WHATWG encoding name (`utf-8`, `windows-1252`, `shift_jis`...). */
  encoding: string;
  source: EncodingSource;
}

/** How many leading bytes the meta prescan looks at. */
export const META_SCAN_BYTES = 2048;

// One decoder per encoding name: `TextDecoder.decode` without `stream` keeps no state between
// calls, so a cached decoder is safe to share, and the label lookup happens once per label.
const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      // RangeError: not a WHATWG label (e.g. "utf8mb4", "none"). Remember the miss too.
      decoder = null;
    }
    // Labels come from the network: bound the cache so hostile pages cannot grow it forever.
    if (decoders.size < 256) decoders.set(key, decoder);
  }
  return decoder;
}

/**
 * The WHATWG name of a charset label, or `undefined` when the label is unknown.
 * `normaliseCharset('latin1')` is `'windows-1252'`, as browsers decode it.
 */
export function normaliseCharset(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  return decoderFor(label)?.encoding;
}

/** The raw `charset` parameter of a Content-Type value (`text/html; charset="UTF-8"` gives `UTF-8`). */
export function charsetFromContentType(contentType: string | undefined | null): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType);
  const value = match?.[1] ?? match?.[2];
  return value ? value.trim() : undefined;
}

/** The encoding announced by a byte-order mark at the start of `bytes`, if any. */
export function sniffBom(bytes: Uint8Array): string | undefined {
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return 'utf-8';
  if (b0 === 0xff && b1 === 0xfe) return 'utf-16le';
  if (b0 === 0xfe && b1 === 0xff) return 'utf-16be';
  return undefined;
}

// `[^>]*?` cannot backtrack past a tag's `>`, so each `<meta` costs at most the tag's length.
const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:-]+)/i;
const XML_DECL = /^<\?xml\b[^>]*?\bencoding\s*=\s*["']([a-z0-9_.:-]+)["']/i;

/**
 * The charset declared in the markup's first `META_SCAN_BYTES` bytes: `<meta charset="...">`,
 * `<meta http-equiv="Content-Type" content="text/html; charset=...">` or `<?xml encoding="..."?>`.
 * Returns the raw label (unvalidated), or `undefined`.
 */
export function charsetFromMarkup(bytes: Uint8Array): string | undefined {
  // latin1 maps each byte to one code unit: declarations are ASCII in every encoding we can
  // meet here (UTF-16 bodies carry a BOM and never reach this), so no decoding guess is needed.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, META_SCAN_BYTES)).toString('latin1');
  const xml = XML_DECL.exec(head);
  if (xml) return xml[1];
  const meta = META_CHARSET.exec(head);
  return meta?.[1];
}

/** True when a Content-Type (or its absence) allows looking for a charset inside the markup. */
function isMarkupType(contentType: string | undefined | null): boolean {
  if (!contentType) return true;
  const type = contentType.toLowerCase();
  return type.includes('html') || type.includes('xml');
}

/**
 * Find the encoding of a body: BOM, then the Content-Type charset, then the markup's own
 * declaration (only for HTML/XML or untyped bodies), else `utf-8`. Unknown labels are skipped.
 */
export function detectEncoding(bytes: Uint8Array, contentType?: string | null): DetectedEncoding {
  const bom = sniffBom(bytes);
  if (bom) return { encoding: bom, source: 'bom' };
  const fromHeader = normaliseCharset(charsetFromContentType(contentType));
  if (fromHeader) return { encoding: fromHeader, source: 'header' };
  if (isMarkupType(contentType)) {
    let fromMeta = normaliseCharset(charsetFromMarkup(bytes));
    // WHATWG "prescan": a meta tag is ASCII-compatible by construction, so a declared UTF-16
    // is a lie the page told; browsers read it as utf-8 (and x-user-defined as windows-1252).
    if (fromMeta === 'utf-16le' || fromMeta === 'utf-16be') fromMeta = 'utf-8';
    else if (fromMeta === 'x-user-defined') fromMeta = 'windows-1252';
    if (fromMeta) return { encoding: fromMeta, source: 'meta' };
  }
  return { encoding: 'utf-8', source: 'default' };
}

// WHATWG windows-1252 for bytes 0x80-0x9F (the rest is ISO-8859-1). Five bytes are undefined in
// cp1252 and map to the C1 control of the same number, as the Encoding standard says.
const WINDOWS_1252_C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';
const C1_RANGE = /[\x80-\x9f]/g;
// Node 20.18.3+ and 22.13+ decode windows-1252 (and so `latin1`, `iso-8859-1`, `ascii`, which
// are its aliases) as plain ISO-8859-1: 0x80-0x9F come out as C1 controls instead of € “ ” –
// (nodejs/node#56542, #60888). Probe once, so a fixed Node skips the repair.
const WINDOWS_1252_BROKEN = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80)) !== '\u20ac';

/**
 * Decode a body to a string with `encoding` (a WHATWG name; an unknown one means utf-8).
 * Malformed bytes become U+FFFD rather than throwing; a BOM matching the encoding is stripped.
 */
export function decodeWith(bytes: Uint8Array, encoding: string): string {
  const decoder = decoderFor(encoding) ?? (decoderFor('utf-8') as TextDecoder);
  const text = decoder.decode(bytes);
  if (WINDOWS_1252_BROKEN && decoder.encoding === 'windows-1252') {
    return text.replace(C1_RANGE, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]);
  }
  return text;
}

/** Detect the body's encoding (see `detectEncoding`) and decode it. */
export function decodeBody(bytes: Uint8Array, contentType?: string | null): string {
  return decodeWith(bytes, detectEncoding(bytes, contentType).encoding);
}
