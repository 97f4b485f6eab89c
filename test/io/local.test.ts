import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import { isRemote, openByteSource, openObjectStore, redactLocation } from '../../src/io/index.js';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-io-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSeisprocError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('local storage', () => {
  it('reads a file by position, short only at its end', async () => {
    const file = path.join(root, 'bytes.bin');
    await fs.writeFile(
      file,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    const source = await openByteSource(file);
    expect(source.location).toBe(file);
    expect(await source.size()).toBe(100);
    expect([...(await source.read(10, 5))]).toEqual([10, 11, 12, 13, 14]);
    const into = new Uint8Array(20);
    const tail = await source.read(90, 20, into);
    expect(tail.length).toBe(10);
    expect(tail.buffer).toBe(into.buffer);
    expect(tail[9]).toBe(99);
    await source.close();
    expect(await codeOf((await openByteSource(path.join(root, 'none'))).size())).toBe('STORAGE_NOT_FOUND');
  });

  it('stores, lists, reads ranges of and deletes objects under a root', async () => {
    const store = await openObjectStore(path.join(root, 'store'));
    expect(store.writable).toBe(true);
    expect(await store.get('zarr.json')).toBeUndefined();
    await store.put('traces/c/0/0', Uint8Array.of(1, 2, 3, 4));
    await store.put('zarr.json', new TextEncoder().encode('{}'));
    expect((await store.list('')).sort()).toEqual(['traces/c/0/0', 'zarr.json']);
    expect(await store.list('traces/')).toEqual(['traces/c/0/0']);
    expect([...(await store.getRange('traces/c/0/0', 1, 2))!]).toEqual([2, 3]);
    expect(await store.getRange('missing', 0, 1)).toBeUndefined();
    expect(await store.size('traces/c/0/0')).toBe(4);
    expect(await store.size('traces')).toBeUndefined();
    await store.delete('traces/c/0/0');
    await store.delete('traces/c/0/0');
    expect(await store.get('traces/c/0/0')).toBeUndefined();
    expect(() => store.source('../outside')).toThrow(/invalid object key/);
  });

  it('assembles a multipart upload in part order, and leaves nothing when aborted', async () => {
    const store = await openObjectStore(path.join(root, 'parts'));
    const upload = await store.createUpload('out.sgy');
    await Promise.all([upload.uploadPart(2, Uint8Array.of(3, 4)), upload.uploadPart(1, Uint8Array.of(1, 2))]);
    await upload.complete();
    expect([...(await store.get('out.sgy'))!]).toEqual([1, 2, 3, 4]);
    const aborted = await store.createUpload('never.sgy');
    await aborted.uploadPart(1, Uint8Array.of(9));
    await aborted.abort();
    expect((await store.list('')).sort()).toEqual(['out.sgy']);
  });

  it('tells URLs from paths and shows URLs without credentials or query', () => {
    expect(isRemote('s3://bucket/line.sgy')).toBe(true);
    expect(isRemote('HTTPS://host/a.seis')).toBe(true);
    expect(isRemote('/data/line.sgy')).toBe(false);
    expect(isRemote('C:\\data\\line.sgy')).toBe(false);
    expect(isRemote('file.sgy')).toBe(false);
    expect(redactLocation('https://user:secret@host/a.sgy?X-Amz-Signature=abc#f')).toBe('https://host/a.sgy');
    expect(redactLocation('/data/line.sgy')).toBe('/data/line.sgy');
  });
});
