import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openByteSource, openObjectStore } from '../../src/io/index.js';
import { RANGE_IGNORED_LIMIT } from '../../src/io/remote.js';
import { failureOf } from '../helpers/failure.js';
import { type RunningServer, startFileServer } from './servers.js';

let root: string;
let server: RunningServer;
let ignoring: RunningServer;
const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7 + 3) & 0xff);

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-http-'));
  await fs.mkdir(path.join(root, 'line.seis', 'traces', 'c', '0'), { recursive: true });
  await fs.writeFile(path.join(root, 'line.sgy'), bytes);
  await fs.writeFile(path.join(root, 'empty.bin'), new Uint8Array(0));
  await fs.writeFile(path.join(root, 'line.seis', 'zarr.json'), '{"zarr_format":3}');
  await fs.writeFile(path.join(root, 'line.seis', 'traces', 'c', '0', '0'), bytes.subarray(0, 100));
  // Sparse: larger than what a server that ignores Range may send whole, without writing it.
  await fs.writeFile(path.join(root, 'large.sgy'), '');
  await fs.truncate(path.join(root, 'large.sgy'), RANGE_IGNORED_LIMIT + 1);
  server = await startFileServer(root);
  ignoring = await startFileServer(root, { ignoreRange: true });
});
afterAll(async () => {
  await server.close();
  await ignoring.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('HTTP byte source', () => {
  it('reads ranges equal to the file bytes, learns the size, and reads short only at the end', async () => {
    const source = await openByteSource(`${server.origin}/line.sgy`);
    expect(source.location).toBe(`${server.origin}/line.sgy`);
    expect(await source.read(1234, 500)).toEqual(bytes.subarray(1234, 1734));
    expect(await source.size()).toBe(10_000);
    const into = new Uint8Array(300);
    const tail = await source.read(9_900, 300, into);
    expect(tail.buffer).toBe(into.buffer);
    expect(tail).toEqual(bytes.subarray(9_900));
    expect((await source.read(10_000, 10)).length).toBe(0);
    expect((await source.read(5, 0)).length).toBe(0);
    const sent = server.requests.filter((request) => request.url === '/line.sgy').map((r) => r.headers.range);
    // The size came with the first ranged answer: no request of its own.
    expect(sent).toEqual(['bytes=1234-1733', 'bytes=9900-10199', 'bytes=10000-10009']);
    await source.close();
  });

  it('tells the size of an empty file', async () => {
    expect(await (await openByteSource(`${server.origin}/empty.bin`)).size()).toBe(0);
  });

  it('fails a missing file with STORAGE_NOT_FOUND, asking once', async () => {
    const before = server.requests.length;
    const error = await failureOf((await openByteSource(`${server.origin}/none.sgy`)).read(0, 10));
    expect(error.code).toBe('STORAGE_NOT_FOUND');
    expect(error.context.path).toBe(`${server.origin}/none.sgy`);
    expect(server.requests.length - before).toBe(1);
  });

  it('reads a small file from a server that ignores Range once, then from memory', async () => {
    const source = await openByteSource(`${ignoring.origin}/line.sgy`);
    expect(await source.read(100, 50)).toEqual(bytes.subarray(100, 150));
    expect(await source.read(9_990, 50)).toEqual(bytes.subarray(9_990));
    expect(await source.size()).toBe(10_000);
    expect(ignoring.requests.filter((request) => request.url === '/line.sgy').length).toBe(1);
  });

  it('refuses a large file from a server that ignores Range with STORAGE_UNSUPPORTED', async () => {
    const error = await failureOf((await openByteSource(`${ignoring.origin}/large.sgy`)).read(0, 3600));
    expect(error.code).toBe('STORAGE_UNSUPPORTED');
    expect(error.message).toMatch(/ignores Range/);
  });

  it('keeps a presigned query string on the requests and out of locations and messages', async () => {
    const query = 'X-Amz-Signature=deadbeefsecret&X-Amz-Credential=AKIDPRESIGNED';
    const source = await openByteSource(`${server.origin}/line.sgy?${query}`);
    expect(source.location).toBe(`${server.origin}/line.sgy`);
    expect(await source.read(0, 4)).toEqual(bytes.subarray(0, 4));
    expect(server.requests.at(-1)?.url).toBe(`/line.sgy?${query}`);
    const error = await failureOf((await openByteSource(`${server.origin}/gone.sgy?${query}`)).size());
    expect(error.code).toBe('STORAGE_NOT_FOUND');
    expect(server.requests.at(-1)?.url).toBe(`/gone.sgy?${query}`);
    for (const text of [error.message, JSON.stringify(error.toJSON())]) {
      expect(text).not.toMatch(/deadbeef|AKIDPRESIGNED|X-Amz/);
    }
  });

  it('sends user info as Basic authorization, never in the URL or messages', async () => {
    const source = await openByteSource(`http://reader:s3cret@${server.origin.slice(7)}/line.sgy`);
    expect(source.location).toBe(`${server.origin}/line.sgy`);
    await source.read(0, 1);
    const request = server.requests.at(-1);
    expect(request?.headers.authorization).toBe(`Basic ${btoa('reader:s3cret')}`);
    const error = await failureOf(
      (await openByteSource(`http://reader:s3cret@${server.origin.slice(7)}/x`)).size(),
    );
    expect(error.message).not.toMatch(/s3cret|reader/);
  });

  it('keeps to its concurrency limit', async () => {
    const slow = await startFileServer(root, { delayMs: 30 });
    try {
      const source = await openByteSource(`${slow.origin}/line.sgy`, { concurrency: 3 });
      const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => source.read(i * 100, 100)));
      expect(reads.map((read) => read[0])).toEqual(Array.from({ length: 12 }, (_, i) => bytes[i * 100]));
      expect(slow.maxInFlight).toBe(3);
    } finally {
      await slow.close();
    }
  });
});

describe('HTTP object store', () => {
  it('reads the objects under a base URL, with or without its trailing slash', async () => {
    for (const base of [`${server.origin}/line.seis/`, `${server.origin}/line.seis`]) {
      const store = await openObjectStore(base);
      expect(store.location).toBe(`${server.origin}/line.seis/`);
      expect(store.writable).toBe(false);
      expect(new TextDecoder().decode(await store.get('zarr.json'))).toBe('{"zarr_format":3}');
      expect(await store.getRange('traces/c/0/0', 10, 5)).toEqual(bytes.subarray(10, 15));
      expect(await store.size('traces/c/0/0')).toBe(100);
      expect(await store.source('traces/c/0/0').read(95, 10)).toEqual(bytes.subarray(95, 100));
      expect(await store.get('missing.json')).toBeUndefined();
      expect(await store.getRange('missing', 0, 1)).toBeUndefined();
      expect(await store.size('missing')).toBeUndefined();
    }
  });

  it('keeps the base query string on every key, and reads ranges of objects from servers that ignore Range', async () => {
    const store = await openObjectStore(`${ignoring.origin}/line.seis/?sig=abc`);
    expect(store.location).toBe(`${ignoring.origin}/line.seis/`);
    expect(await store.getRange('traces/c/0/0', 98, 10)).toEqual(bytes.subarray(98, 100));
    expect(ignoring.requests.at(-1)?.url).toBe('/line.seis/traces/c/0/0?sig=abc');
  });

  it('refuses writes with STORAGE_READ_ONLY and listing with STORAGE_UNSUPPORTED', async () => {
    const store = await openObjectStore(`${server.origin}/line.seis/`);
    expect((await failureOf(store.put('a', Uint8Array.of(1)))).code).toBe('STORAGE_READ_ONLY');
    expect((await failureOf(store.delete('a'))).code).toBe('STORAGE_READ_ONLY');
    expect((await failureOf(store.createUpload('a'))).code).toBe('STORAGE_READ_ONLY');
    const listing = await failureOf(store.list(''));
    expect(listing.code).toBe('STORAGE_UNSUPPORTED');
    expect(listing.message).toMatch(/cannot list/);
    expect(() => store.source('../outside')).toThrow(/invalid object key/);
    expect((await failureOf(openObjectStore('http://[bad/'))).code).toBe('STORAGE_INVALID_URL');
    expect((await failureOf(openByteSource('https://exa mple.com/a?sig=1'))).message).toBe(
      'invalid URL "https://exa mple.com/a"',
    );
  });
});
