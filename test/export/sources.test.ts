/** The sample source of an export: blocks read ahead into reused buffers, one read per block. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSampleSource, readAheadBlocks, type SampleSource } from '../../src/export/sources.js';
import { chunkFilePath, Dataset, TRACES_ARRAY } from '../../src/storage/index.js';
import { scratchDirectory, syntheticSample, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const SPEC = { shots: 8, channels: 10, sampleCount: 6, chunkTraces: 10 };
let scratch: string;
let datasetPath: string;

beforeAll(async () => {
  scratch = await scratchDirectory('export-sources');
  datasetPath = path.join(scratch, 'source.seis');
  await writeSyntheticDataset(datasetPath, SPEC);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await fs.rm(scratch, { recursive: true, force: true });
});

const expectTraces = (values: ArrayLike<number | bigint>, start: number, end: number) =>
  expect(Array.from(values)).toEqual(
    Array.from({ length: (end - start) * SPEC.sampleCount }, (_, i) =>
      syntheticSample(start + Math.floor(i / SPEC.sampleCount), i % SPEC.sampleCount),
    ),
  );

describe('export sample source', () => {
  const readAhead = 3;
  let source: SampleSource;
  beforeAll(async () => {
    source = await openSampleSource(
      { kind: 'dataset', path: datasetPath, address: { pathOrUrl: datasetPath } },
      readAhead,
    );
  });
  afterAll(async () => {
    await source.close();
  });

  it('reads each block once for concurrent requests, and keeps a block while the next ones are read', async () => {
    const reads = vi.spyOn(Dataset.prototype, 'traces');
    // A writer encodes block k while it reads blocks k + 1 … k + readAhead; two of its write
    // blocks may lie in one source block.
    const encoding = await source.read(0, 10);
    const ahead = [source.read(10, 15), source.read(15, 20)];
    for (let k = 2; k <= readAhead; k++) ahead.push(source.read(k * 10, k * 10 + 10));
    const [first, second, ...rest] = await Promise.all(ahead);
    expectTraces(encoding, 0, 10);
    expectTraces(first!, 10, 15);
    expectTraces(second!, 15, 20);
    for (const [i, block] of rest.entries()) expectTraces(block, (i + 2) * 10, (i + 3) * 10);
    expect(reads.mock.calls.map(([start]) => start)).toEqual(
      Array.from({ length: readAhead + 1 }, (_, k) => k * 10),
    );
    reads.mockRestore();
  });

  it('reads ahead what fits in the thread pool shared by the writers, one to three blocks', () => {
    const poolThreads = process.env.UV_THREADPOOL_SIZE;
    try {
      delete process.env.UV_THREADPOOL_SIZE;
      expect([1, 2, 3, 4, 8].map(readAheadBlocks)).toEqual([3, 1, 1, 1, 1]);
      process.env.UV_THREADPOOL_SIZE = '16';
      expect([1, 2, 4, 8, 16].map(readAheadBlocks)).toEqual([3, 3, 3, 1, 1]);
    } finally {
      if (poolThreads === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = poolThreads;
    }
  });

  it('reads a failed block again instead of keeping the failure', async () => {
    const file = chunkFilePath(path.join(datasetPath, TRACES_ARRAY), 6);
    const bytes = await fs.readFile(file);
    await fs.truncate(file, 8);
    await expect(source.read(60, 70)).rejects.toMatchObject({ code: 'DATASET_INVALID' });
    await fs.writeFile(file, bytes);
    expectTraces(await source.read(60, 70), 60, 70);
  });
});
