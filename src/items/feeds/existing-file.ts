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
