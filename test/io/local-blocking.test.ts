/** The local source's extras: blocking reads for worker threads, and the modification time. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import { LocalByteSource } from '../../src/io/index.js';

let root: string;
let file: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-io-blocking-'));
  file = path.join(root, 'bytes.bin');
  await fs.writeFile(
    file,
    Uint8Array.from({ length: 100 }, (_, i) => i),
  );
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isSeisprocError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('LocalByteSource', () => {
  it('reads with blocking calls once open, short only at the end of the file', async () => {
    const source = new LocalByteSource(file);
    expect(codeOf(() => source.readSync(0, 4))).toBe('STORAGE_IO');
    expect(await source.size()).toBe(100);
    expect([...source.readSync(10, 5)]).toEqual([10, 11, 12, 13, 14]);
    const into = new Uint8Array(20);
    const tail = source.readSync(90, 20, into);
    expect(tail.length).toBe(10);
    expect(tail.buffer).toBe(into.buffer);
    expect(tail[9]).toBe(99);
    await source.close();
    expect(codeOf(() => source.readSync(0, 4))).toBe('STORAGE_IO');
  });

  it('tells when the file last changed', async () => {
    const source = new LocalByteSource(file);
    const when = new Date('2025-01-02T03:04:05.000Z');
    await fs.utimes(file, when, when);
    expect((await source.lastModified()).toISOString()).toBe(when.toISOString());
    await source.close();
  });
});
