/**
 * Faults between client and server, injected by a proxy on 127.0.0.1: reset connections, 503s,
 * answers slower than the timeout, bodies cut in half. Operations must end with the right bytes
 * or a typed STORAGE_* error, within bounded attempts and time.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import { openByteSource, openObjectStore, type RetryOptions } from '../../src/io/index.js';
import { failureOf } from '../helpers/failure.js';
import { prng } from '../segy/random.js';
import {
  type Fault,
  type RunningServer,
  S3RVER_CREDENTIALS,
  startFaultProxy,
  startFileServer,
  startS3,
} from './servers.js';

let root: string;
let files: RunningServer;
let s3: Awaited<ReturnType<typeof startS3>>;
const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 13 + (i >> 8)) & 0xff);
/** Short timeouts and backoffs, so that a slow answer (2 s) is a timeout and the tests stay quick. */
const QUICK: RetryOptions = {
  attempts: 8,
  requestTimeoutMs: 400,
  totalTimeoutMs: 10_000,
  baseDelayMs: 5,
  maxDelayMs: 40,
};
const STORAGE_CODES = ['STORAGE_UNAVAILABLE', 'STORAGE_TRUNCATED'];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-faults-'));
  await fs.writeFile(path.join(root, 'line.sgy'), bytes);
  files = await startFileServer(root);
  s3 = await startS3();
});
afterAll(async () => {
  await files.close();
  await s3.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** Faults drawn at random (seeded) with probability `rate`, evenly among the four kinds. */
function randomFaults(seed: number, rate: number): () => Fault {
  const random = prng(seed);
  const kinds: Fault[] = ['reset', 'unavailable', 'slow', 'truncate'];
  return () => (random() < rate ? (kinds[Math.floor(random() * kinds.length)] as Fault) : 'pass');
}

describe('faults between client and server', () => {
  it('reads the right bytes through random faults, or fails with a typed error', async () => {
    const proxy = await startFaultProxy(files.origin, randomFaults(20_260_101, 0.4));
    try {
      const source = await openByteSource(`${proxy.origin}/line.sgy`, { retry: QUICK, concurrency: 4 });
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const offset = (i * 1237) % 49_000;
          try {
            const read = await source.read(offset, 1000);
            expect(read).toEqual(bytes.subarray(offset, offset + 1000));
            return 'ok';
          } catch (error) {
            expect(isSeisprocError(error) && STORAGE_CODES.includes(error.code)).toBe(true);
            return 'failed';
          }
        }),
      );
      // 0.4 faults per attempt and 8 attempts: a read fails with probability 0.4^8 ≈ 7e-4.
      expect(outcomes.filter((outcome) => outcome === 'ok').length).toBeGreaterThanOrEqual(39);
      for (const kind of ['reset', 'unavailable', 'slow', 'truncate'] as const) {
        expect(proxy.faults).toContain(kind);
      }
      expect(proxy.requests.length).toBeLessThanOrEqual(40 * 8);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await proxy.close();
    }
  });

  it('writes, lists and reads S3 objects through random faults', async () => {
    const proxy = await startFaultProxy(s3.endpoint, randomFaults(7, 0.3));
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    try {
      const store = await openObjectStore('s3://test/faulty', {
        endpoint: proxy.origin,
        retry: QUICK,
        listPageSize: 5,
      });
      const keys = Array.from({ length: 20 }, (_, i) => `c/${i}`);
      await Promise.all(keys.map((key, i) => store.put(key, bytes.subarray(i * 100, i * 100 + 2000))));
      expect((await store.list('c/')).sort()).toEqual([...keys].sort());
      for (const [i, key] of keys.entries()) {
        expect(await store.get(key)).toEqual(bytes.subarray(i * 100, i * 100 + 2000));
        expect(await store.getRange(key, 1990, 20)).toEqual(bytes.subarray(i * 100 + 1990, i * 100 + 2000));
      }
      expect(proxy.faults.filter((fault) => fault !== 'pass').length).toBeGreaterThan(10);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await proxy.close();
    }
  });

  it('gives up on a service that keeps answering 503 after the attempts, with STORAGE_UNAVAILABLE', async () => {
    const proxy = await startFaultProxy(files.origin, () => 'unavailable');
    try {
      const source = await openByteSource(`${proxy.origin}/line.sgy?token=SECRET`, {
        retry: { ...QUICK, attempts: 3 },
      });
      const error = await failureOf(source.read(0, 10));
      expect(error.code).toBe('STORAGE_UNAVAILABLE');
      expect(error.message).toBe(`GET failed after 3 attempts: HTTP 503 (file ${proxy.origin}/line.sgy)`);
      expect(error.context.attempts).toBe(3);
      expect(error.context.status).toBe(503);
      expect(proxy.requests.length).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('fails a body cut short on every attempt with STORAGE_TRUNCATED', async () => {
    const proxy = await startFaultProxy(files.origin, () => 'truncate');
    try {
      const source = await openByteSource(`${proxy.origin}/line.sgy`, { retry: { ...QUICK, attempts: 2 } });
      const error = await failureOf(source.read(0, 4000));
      expect(error.code).toBe('STORAGE_TRUNCATED');
      expect(proxy.requests.length).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('stops at the total time even with attempts left, when every answer is too slow', async () => {
    const proxy = await startFaultProxy(files.origin, () => 'slow', 3_000);
    try {
      const retry = {
        attempts: 100,
        requestTimeoutMs: 300,
        totalTimeoutMs: 1_000,
        baseDelayMs: 1,
        maxDelayMs: 1,
      };
      const source = await openByteSource(`${proxy.origin}/line.sgy`, { retry });
      const started = Date.now();
      const error = await failureOf(source.read(0, 10));
      expect(error.code).toBe('STORAGE_UNAVAILABLE');
      expect(error.message).toMatch(/no complete response within \d+ ms/);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(proxy.requests.length).toBeLessThanOrEqual(4);
    } finally {
      await proxy.close();
    }
  });

  it('does not retry a 404 or a 403', async () => {
    const proxy = await startFaultProxy(files.origin, () => 'pass');
    try {
      const error = await failureOf(
        (await openByteSource(`${proxy.origin}/none.sgy`, { retry: QUICK })).read(0, 1),
      );
      expect(error.code).toBe('STORAGE_NOT_FOUND');
      expect(proxy.requests.length).toBe(1);
    } finally {
      await proxy.close();
    }
    const s3Proxy = await startFaultProxy(s3.endpoint, () => 'pass');
    try {
      process.env.AWS_ACCESS_KEY_ID = 'AKIDUNKNOWN';
      process.env.AWS_SECRET_ACCESS_KEY = 'unknown';
      const store = await openObjectStore('s3://test/x', { endpoint: s3Proxy.origin, retry: QUICK });
      expect((await failureOf(store.get('a'))).code).toBe('STORAGE_FORBIDDEN');
      expect(s3Proxy.requests.length).toBe(1);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await s3Proxy.close();
    }
  });
});
