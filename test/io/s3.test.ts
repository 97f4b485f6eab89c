import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openByteSource, openObjectStore, type StorageOptions } from '../../src/io/index.js';
import { MIN_PART_BYTES } from '../../src/io/parts.js';
import { failureOf } from '../helpers/failure.js';
import { type RunningServer, S3RVER_CREDENTIALS, startFaultProxy, startS3 } from './servers.js';

let s3: Awaited<ReturnType<typeof startS3>>;
/** A pass-through proxy in front of s3rver, to see what goes on the wire. */
let wire: RunningServer;
let options: StorageOptions;

beforeAll(async () => {
  s3 = await startS3();
  wire = await startFaultProxy(s3.endpoint, () => 'pass');
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  options = { endpoint: wire.origin };
});
afterAll(async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  await wire.close();
  await s3.close();
});

/** The upload id of the last part request the proxy passed on. */
function uploadId(server: RunningServer): string | null | undefined {
  const part = server.requests.filter((request) => request.url.includes('partNumber=')).at(-1);
  return part && new URL(part.url, 'http://x').searchParams.get('uploadId');
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed + (i >> 11)) & 0xff);
}

describe('S3 object store on s3rver', () => {
  it('puts, gets, reads ranges of, sizes and deletes objects under a prefix', async () => {
    const store = await openObjectStore('s3://test/lines/line.seis', options);
    expect(store.location).toBe('s3://test/lines/line.seis/');
    expect(store.writable).toBe(true);
    const bytes = pattern(70_000, 1);
    await store.put('traces/c/0/0', bytes);
    await store.put('zarr.json', new TextEncoder().encode('{"zarr_format":3}'));
    await store.put('odd name (1)+é.json', Uint8Array.of(7));
    expect(await store.get('traces/c/0/0')).toEqual(bytes);
    expect(await store.getRange('traces/c/0/0', 69_990, 100)).toEqual(bytes.subarray(69_990));
    expect(await store.size('traces/c/0/0')).toBe(70_000);
    expect(await store.get('odd name (1)+é.json')).toEqual(Uint8Array.of(7));
    expect((await store.list('')).sort()).toEqual(['odd name (1)+é.json', 'traces/c/0/0', 'zarr.json']);
    expect(await store.list('traces/')).toEqual(['traces/c/0/0']);
    const source = store.source('traces/c/0/0');
    expect(await source.read(1000, 10)).toEqual(bytes.subarray(1000, 1010));
    expect(await source.size()).toBe(70_000);

    // The objects are where the URL says, path style on a custom endpoint.
    const direct = await openByteSource('s3://test/lines/line.seis/traces/c/0/0', options);
    expect(await direct.read(0, 5)).toEqual(bytes.subarray(0, 5));
    expect(wire.requests.at(-1)?.url.split('?')[0]).toBe('/test/lines/line.seis/traces/c/0/0');

    await store.delete('traces/c/0/0');
    await store.delete('traces/c/0/0');
    expect(await store.get('traces/c/0/0')).toBeUndefined();
    expect(await store.getRange('traces/c/0/0', 0, 1)).toBeUndefined();
    expect(await store.size('traces/c/0/0')).toBeUndefined();
    expect((await failureOf(openByteSource('s3://test/none', options).then((s) => s.read(0, 1)))).code).toBe(
      'STORAGE_NOT_FOUND',
    );
  });

  it('signs its writes with the payload hash and sends the SHA-256 checksum', async () => {
    const store = await openObjectStore('s3://test/signed', options);
    const bytes = pattern(1000, 2);
    await store.put('a.bin', bytes);
    const put = wire.requests.filter((request) => request.method === 'PUT').at(-1);
    const digest = createHash('sha256').update(bytes).digest();
    expect(put?.headers['x-amz-content-sha256']).toBe(digest.toString('hex'));
    expect(put?.headers['x-amz-checksum-sha256']).toBe(digest.toString('base64'));
    await store.get('a.bin');
    const get = wire.requests.at(-1);
    expect(get?.headers['accept-encoding']).toBe('identity');
    expect(get?.headers.authorization).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
    expect(put?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('lists past one page with continuation tokens', async () => {
    const store = await openObjectStore('s3://test/many', options);
    const keys = Array.from({ length: 1005 }, (_, i) => `k/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, Uint8Array.of(1))));
    }
    const before = wire.requests.length;
    expect((await store.list('k/')).sort()).toEqual(keys);
    const pages = wire.requests.slice(before).map((request) => new URL(request.url, 'http://x').searchParams);
    expect(pages.length).toBe(2);
    expect(pages[1]?.get('continuation-token')).toBeTruthy();

    const small = await openObjectStore('s3://test/many', { ...options, listPageSize: 100 });
    const start = wire.requests.length;
    expect((await small.list('k/00')).sort()).toEqual(keys.slice(0, 100));
    expect((await small.list('')).length).toBe(1005);
    expect(wire.requests.length - start).toBe(1 + 11);
  });

  it('uploads 5 MiB parts concurrently and completes them into one object', async () => {
    const store = await openObjectStore('s3://test/multi', options);
    const parts = [
      pattern(MIN_PART_BYTES, 3),
      pattern(MIN_PART_BYTES, 4),
      pattern(MIN_PART_BYTES, 5),
      pattern(1234, 6),
    ];
    const upload = await store.createUpload('out.sgy');
    await Promise.all([3, 1, 4, 2].map((n) => upload.uploadPart(n, parts[n - 1] as Uint8Array)));
    await upload.complete();
    const whole = new Uint8Array(3 * MIN_PART_BYTES + 1234);
    for (const [i, part] of parts.entries()) whole.set(part, i * MIN_PART_BYTES);
    const stored = await store.get('out.sgy');
    expect(stored?.length).toBe(whole.length);
    expect(Buffer.from(stored as Uint8Array).equals(whole)).toBe(true);
    expect(await store.getRange('out.sgy', MIN_PART_BYTES - 2, 4)).toEqual(
      whole.subarray(MIN_PART_BYTES - 2, MIN_PART_BYTES + 2),
    );
  });

  it('leaves no object when an upload is aborted, and refuses parts S3 would refuse', async () => {
    const store = await openObjectStore('s3://test/aborted', options);
    const upload = await store.createUpload('never.sgy');
    await upload.uploadPart(1, pattern(1000, 7));
    await upload.uploadPart(2, pattern(1000, 8));
    const small = await failureOf(upload.complete());
    expect(small.code).toBe('INVALID_ARGUMENT');
    expect(small.message).toMatch(/part 1 has 1000 bytes/);
    expect(await s3.uploads()).toContain(uploadId(wire));
    await upload.abort();
    expect(await s3.uploads()).not.toContain(uploadId(wire));
    expect(await store.list('')).toEqual([]);
    expect(await store.get('never.sgy')).toBeUndefined();
    expect((await failureOf(upload.uploadPart(10_001, Uint8Array.of(1)))).code).toBe('INVALID_ARGUMENT');
    expect((await failureOf(upload.uploadPart(0, Uint8Array.of(1)))).code).toBe('INVALID_ARGUMENT');
    const empty = await store.createUpload('nothing.sgy');
    expect((await failureOf(empty.complete())).message).toMatch(/at least one part/);
    await empty.abort();
  });

  it('fails a missing bucket with STORAGE_NOT_FOUND rather than as a missing object', async () => {
    const store = await openObjectStore('s3://no-such-bucket/x', options);
    expect((await failureOf(store.get('a'))).code).toBe('STORAGE_NOT_FOUND');
    expect((await failureOf(store.list(''))).message).toMatch(/no such bucket/);
  });

  it('fails refused credentials with STORAGE_FORBIDDEN, and never shows the secret', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYTOPSECRET';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDUNKNOWN';
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    process.env.AWS_SESSION_TOKEN = 'SESSIONTOKENSECRET';
    try {
      const store = await openObjectStore('s3://test/lines', options);
      for (const operation of [
        () => store.get('a'),
        () => store.put('a', Uint8Array.of(1)),
        () => store.list(''),
      ]) {
        const error = await failureOf(operation());
        expect(error.code).toBe('STORAGE_FORBIDDEN');
        expect(error.message).toMatch(/InvalidAccessKeyId/);
        for (const text of [error.message, JSON.stringify(error.toJSON())]) {
          expect(text).not.toMatch(/TOPSECRET|SESSIONTOKENSECRET|Signature=|AKIDUNKNOWN/);
        }
      }
    } finally {
      process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
      delete process.env.AWS_SESSION_TOKEN;
    }
  });

  it('sends anonymous requests unsigned', async () => {
    const store = await openObjectStore('s3://test/lines/line.seis', { ...options, anonymous: true });
    expect(new TextDecoder().decode(await store.get('zarr.json'))).toBe('{"zarr_format":3}');
    expect(wire.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
});
