/**
 * Reading what an append (`-o`) finds on disk, so each format can continue the file instead of
 * corrupting it. Scans work on bytes: the ASCII bytes looked for (brackets, whitespace, newlines)
 * never occur inside a UTF-8 multi-byte sequence, so no decoding is needed to find them.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The size of the file at `path`, or undefined when it does not exist. */
export async function existingSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The offset and value of the last non-whitespace byte before `end`, or undefined if none. */
export async function lastNonWhitespace(handle: FileHandle, end: number): Promise<{ offset: number; byte: number } | undefined> {
  const buffer = Buffer.alloc(CHUNK);
  let stop = end;
  while (stop > 0) {
    const start = Math.max(0, stop - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, stop - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      const byte = buffer[i] as number;
      if (!isWhitespace(byte)) return { offset: start + i, byte };
    }
    stop = start;
  }
  return undefined;
}

/** The first non-whitespace byte of the file, or undefined if there is none in its first chunk. */
export async function firstNonWhitespace(handle: FileHandle): Promise<number | undefined> {
  const buffer = Buffer.alloc(CHUNK);
  const { bytesRead } = await handle.read(buffer, 0, CHUNK, 0);
  for (let i = 0; i < bytesRead; i++) {
    const byte = buffer[i] as number;
    if (!isWhitespace(byte)) return byte;
  }
  return undefined;
}

/** The last byte of a non-empty file. */
export async function lastByte(path: string, size: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0] as number;
  } finally {
    await handle.close();
  }
}

/** Up to `maxBytes` from the start of the file, decoded as UTF-8. */
export async function readHead(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The offset just after the last `\n` before `end` (0 when there is none) and the bytes from
 * there to `end`: the last, possibly cut, line of a line-oriented file.
 */
export async function lastLine(path: string, end: number): Promise<{ start: number; text: string }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    const parts: Buffer[] = [];
    let stop = end;
    while (stop > 0) {
      const begin = Math.max(0, stop - CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, stop - begin, begin);
      const newline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline >= 0) {
        parts.unshift(Buffer.from(buffer.subarray(newline + 1, bytesRead)));
        return { start: begin + newline + 1, text: Buffer.concat(parts).toString('utf8') };
      }
      parts.unshift(Buffer.from(buffer.subarray(0, bytesRead)));
      stop = begin;
    }
    return { start: 0, text: Buffer.concat(parts).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * Where the last complete CSV record ends (RFC 4180): the offset after the last line end that is
 * outside quotes. A crawl killed mid-row leaves a cut row (possibly cut inside a quoted field
 * holding a line break), which this finds; the whole file is scanned because only a scan from
 * the start knows whether a quote opens or closes. Doubled quotes toggle twice, so counting
 * every `"` keeps the parity right.
 */
export async function lastCsvRecordEnd(path: string, size: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    let quoted = false;
    let end = 0;
    for (let offset = 0; offset < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - offset), offset);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const byte = buffer[i] as number;
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted) end = offset + i + 1;
      }
      offset += bytesRead;
    }
    return end;
  } finally {
    await handle.close();
  }
}

/** The bytes from `start` to `end`, decoded as UTF-8. */
export async function readRange(path: string, start: number, end: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, end - start));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
