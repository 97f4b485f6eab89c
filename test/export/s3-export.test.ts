/**
 * Export into S3-compatible storage (s3rver on 127.0.0.1): the object equals the local export
 * byte for byte and is sent as one multipart upload of several parts; a cancelled or failing
 * export aborts its upload and leaves neither an object nor parts; the built CLI exports to an
 * s3:// URL; no credential appears in a message.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/index.js';
import { partSizeFor } from '../../src/export/part-upload.js';
import { importSegy } from '../../src/import/index.js';
import { MAX_PARTS, type ObjectStore, openObjectStore, type StorageOptions } from '../../src/io/index.js';
import type { ProgressEvent } from '../../src/progress/index.js';
import { runCli, WORKER_BUILT } from '../helpers/built.js';
import { failureOf } from '../helpers/failure.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { writeSyntheticSegy } from '../import/synthetic-segy.js';
import { type RunningS3, S3RVER_CREDENTIALS, startS3 } from '../io/servers.js';

/** 5000 traces of 500 IBM samples: 11.2 MB, two parts of the 8 MiB part size. */
const TRACES = 5000;
const SAMPLES = 500;
const CHUNK_TRACES = 500;
/** A session token that must never be printed (s3rver ignores it). */
const SESSION_TOKEN = 'SESSION-TOKEN-THAT-MUST-NOT-LEAK';

let root: string;
let local: string;
let localExport: Uint8Array;
let s3: RunningS3;
let storage: StorageOptions;
let bucket: ObjectStore;

beforeAll(async () => {
  root = await scratchDirectory('s3-export');
  const segy = path.join(root, 'line.sgy');
  await writeSyntheticSegy(segy, { traces: TRACES, samples: SAMPLES, gatherSize: 50, formatCode: 1 });
  local = path.join(root, 'line.seis');
  await importSegy(segy, local, { chunkTraces: CHUNK_TRACES });
  const exported = path.join(root, 'export.sgy');
  await exportDataset(local, exported);
  localExport = new Uint8Array(await fs.readFile(exported));
  s3 = await startS3();
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
  storage = { endpoint: s3.endpoint };
  bucket = await openObjectStore('s3://test', storage);
}, 120_000);

afterAll(async () => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('part size', () => {
  it('is 8 MiB for small outputs and keeps huge ones within 10 000 parts', () => {
    expect(partSizeFor(0)).toBe(8 * 1024 * 1024);
    expect(partSizeFor(11_200_000)).toBe(8 * 1024 * 1024);
    const huge = 200 * 1024 ** 3;
    expect(partSizeFor(huge)).toBe(Math.ceil(huge / MAX_PARTS));
    expect(Math.ceil(huge / partSizeFor(huge))).toBeLessThanOrEqual(MAX_PARTS);
  });
});

describe('export to s3://', () => {
  it('writes the local export byte for byte, in several parts, with export and finalize progress', async () => {
    expect(localExport.byteLength).toBeGreaterThan(partSizeFor(localExport.byteLength));
    const events: ProgressEvent[] = [];
    const result = await exportDataset(local, 's3://test/out/line.sgy', {
      storage,
      onProgress: (e) => events.push(e),
    });
    expect(result).toMatchObject({
      outputPath: 's3://test/out/line.sgy',
      bytes: localExport.byteLength,
      traceCount: TRACES,
      workers: 1,
    });
    const stored = await bucket.get('out/line.sgy');
    expect(stored?.byteLength).toBe(localExport.byteLength);
    expect(Buffer.compare(Buffer.from(stored!), Buffer.from(localExport))).toBe(0);
    expect(events.filter((e) => e.stage === 'export').at(-1)).toMatchObject({ done: TRACES, total: TRACES });
    expect(events.filter((e) => e.stage === 'finalize').at(-1)).toMatchObject({
      done: localExport.byteLength,
    });
    expect(await s3.uploads()).toEqual([]);
  });

  it('refuses an existing object unless overwrite is set', async () => {
    await bucket.put('exists.sgy', new Uint8Array([1, 2, 3]));
    const refused = await failureOf(exportDataset(local, 's3://test/exists.sgy', { storage }));
    expect(refused.code).toBe('DATASET_EXISTS');
    expect(refused.context.path).toBe('s3://test/exists.sgy');
    expect(await bucket.get('exists.sgy')).toEqual(new Uint8Array([1, 2, 3]));
    await exportDataset(local, 's3://test/exists.sgy', { storage, overwrite: true });
    expect((await bucket.get('exists.sgy'))?.byteLength).toBe(localExport.byteLength);
  });

  it('writes Seismic Unix as the local SU export', async () => {
    const suFile = path.join(root, 'export.su');
    await exportDataset(local, suFile, { format: 'su' });
    await exportDataset(local, 's3://test/out/line.su', { storage, format: 'su' });
    const stored = await bucket.get('out/line.su');
    expect(Buffer.compare(Buffer.from(stored!), await fs.readFile(suFile))).toBe(0);
  });

  it('aborts the upload when cancelled: no object, no parts left', async () => {
    const controller = new AbortController();
    let cancelledAt = -1;
    const error = await failureOf(
      exportDataset(local, 's3://test/cancelled.sgy', {
        storage,
        chunkTraces: 100,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 'export' && e.done > 0 && cancelledAt < 0) {
            cancelledAt = e.done;
            controller.abort();
          }
        },
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(await bucket.size('cancelled.sgy')).toBeUndefined();
    expect(await s3.uploads()).toEqual([]);
  });

  it('aborts the upload when a chunk after the first part is damaged, with the typed error', async () => {
    const damagedPath = path.join(root, 'damaged.seis');
    await fs.cp(local, damagedPath, { recursive: true });
    // Chunk 8 holds traces 4000…4499, past the first 8 MiB part (trace ~3740).
    const chunk = path.join(damagedPath, 'traces', 'c', '8', '0');
    await fs.writeFile(chunk, new Uint8Array(12));
    const error = await failureOf(exportDataset(damagedPath, 's3://test/damaged.sgy', { storage }));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toContain(chunk);
    expect(error.context).toMatchObject({ traceIndex: 8 * CHUNK_TRACES });
    expect(await bucket.size('damaged.sgy')).toBeUndefined();
    expect(await s3.uploads()).toEqual([]);
  });

  it('refuses an HTTP output before writing anything', async () => {
    const error = await failureOf(exportDataset(local, 'http://127.0.0.1:9/out.sgy'));
    expect(error.code).toBe('STORAGE_UNSUPPORTED');
    expect(error.message).toContain('http://127.0.0.1:9/out.sgy');
  });

  it('names the object but no credential when the bucket does not exist', async () => {
    const error = await failureOf(exportDataset(local, 's3://missing-bucket/out.sgy', { storage }));
    expect(error.message).toContain('s3://missing-bucket/');
    for (const secret of [SESSION_TOKEN, S3RVER_CREDENTIALS.secretAccessKey]) {
      expect(JSON.stringify(error.toJSON())).not.toContain(secret);
    }
  });

  it.runIf(WORKER_BUILT)('exports from the built CLI to an s3:// URL', async () => {
    const run = await runCli('export', local, 's3://test/cli/line.sgy', '--endpoint', s3.endpoint);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`exported ${TRACES} traces to s3://test/cli/line.sgy`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(SESSION_TOKEN);
    const stored = await bucket.get('cli/line.sgy');
    expect(Buffer.compare(Buffer.from(stored!), Buffer.from(localExport))).toBe(0);
  });
});
