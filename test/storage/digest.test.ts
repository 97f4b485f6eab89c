import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import {
  ChunkDigestSet,
  chunkDigest,
  Dataset,
  DatasetChunkWriter,
  DIGEST_BYTES,
  datasetDigest,
  datasetDigestParts,
} from '../../src/storage/index.js';
import { writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

let scratch: string;
let dir: string;

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-digest-'));
  dir = path.join(scratch, 'digest.seis');
  await writeSyntheticDataset(dir, {
    shots: 7,
    channels: 10,
    sampleCount: 33,
    chunkTraces: 16,
    sampleValue: (t, s) => Math.sin(t * 0.7 + s) * (t + 1),
  });
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

describe('sample digest', () => {
  it('is the SHA-256 of the SHA-256s of the stored chunks in order, for any chunking', async () => {
    const dataset = await Dataset.open(dir);
    const all = await dataset.traces(0, dataset.traceCount);
    for (const chunkTraces of [16, 7, 70, 1000]) {
      const parts: Buffer[] = [];
      for (let first = 0; first < dataset.traceCount; first += chunkTraces) {
        const rows = all.subarray(first * 33, Math.min(dataset.traceCount, first + chunkTraces) * 33);
        parts.push(sha256(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength)));
      }
      const expected = sha256(Buffer.concat(parts)).toString('hex');
      expect(await datasetDigest(dataset, { chunkTraces })).toEqual({ chunkTraces, sha256: expected });
    }
  });

  it('combines parts computed apart into the digest of the whole', async () => {
    const dataset = await Dataset.open(dir);
    const set = new ChunkDigestSet(5, 16);
    // Out of order, as writers finish.
    set.set(3, await datasetDigestParts(dataset, 3, 5));
    expect(set.missing()).toEqual([0, 1, 2]);
    set.set(0, await datasetDigestParts(dataset, 0, 3));
    expect(set.combine()).toEqual(await datasetDigest(dataset));
  });

  it('is what the chunk writer returns for each chunk it writes', async () => {
    const dataset = await Dataset.open(dir);
    const { samples, end } = await dataset.readChunk(2);
    const writer = await DatasetChunkWriter.open(dir);
    const written = await writer.writeChunk(2, samples.slice(), await dataset.readRawHeaders(32, end));
    expect(Buffer.from(written)).toEqual(
      sha256(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)),
    );
    expect(written).toEqual(chunkDigest(samples));
    expect(written).toHaveLength(DIGEST_BYTES);
  });

  it('refuses to combine when a chunk has no digest, and parts that do not fit', () => {
    const set = new ChunkDigestSet(3, 10);
    set.set(0, new Uint8Array(2 * DIGEST_BYTES));
    let error: unknown;
    try {
      set.combine();
    } catch (caught) {
      error = caught;
    }
    expect(isSeisprocError(error, 'DATASET_INCOMPLETE')).toBe(true);
    expect((error as { context: { chunkIndex: number } }).context.chunkIndex).toBe(2);
    expect(() => set.set(2, new Uint8Array(2 * DIGEST_BYTES))).toThrow(RangeError);
    expect(() => set.set(0, new Uint8Array(5))).toThrow(RangeError);
  });

  it('hashes values as little-endian bytes whatever their width', () => {
    const wide = new Float64Array([1.5, -2.25]);
    const bytes = Buffer.alloc(16);
    bytes.writeDoubleLE(1.5, 0);
    bytes.writeDoubleLE(-2.25, 8);
    expect(Buffer.from(chunkDigest(wide))).toEqual(sha256(bytes));
  });
});
