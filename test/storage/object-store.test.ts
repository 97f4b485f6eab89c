/**
 * Datasets read through an object store that is not the local disk (an in-memory store that
 * counts its requests): every reader gives what the local path gives, with a bounded number of
 * requests, and a store without its root `zarr.json` holds an incomplete dataset.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors/index.js';
import { exportDataset } from '../../src/export/index.js';
import { importSegy } from '../../src/import/index.js';
import { GatherNavigator } from '../../src/navigator/index.js';
import { ChunkedProcessor, processors } from '../../src/process/index.js';
import {
  acquireWriteLock,
  createDatasetArrays,
  Dataset,
  datasetChecksum,
  validateDataset,
} from '../../src/storage/index.js';
import { MemoryObjectStore } from '../helpers/memory-store.js';
import {
  type SyntheticSpec,
  scratchDirectory,
  syntheticMetadata,
  syntheticSample,
  writeSyntheticDataset,
} from '../helpers/synthetic-dataset.js';

/** 12 shots × 10 channels, chunks of 25 traces: shot gathers straddle chunks, CDPs are runs in several chunks. */
const SPEC: SyntheticSpec = { shots: 12, channels: 10, sampleCount: 50, chunkTraces: 25, rowGroupSize: 32 };
const CODECS = ['none', 'zstd'] as const;
/** The most ranged reads a direct read has in flight at once (`READS_IN_FLIGHT`). */
const READS_IN_FLIGHT = 8;

let scratch: string;
const local: Record<string, Dataset> = {};
const remote: Record<string, Dataset> = {};
const stores: Record<string, MemoryObjectStore> = {};

beforeAll(async () => {
  scratch = await scratchDirectory('object-store');
  for (const codec of CODECS) {
    const dir = path.join(scratch, `${codec}.seis`);
    await writeSyntheticDataset(dir, { ...SPEC, codec });
    local[codec] = await Dataset.open(dir);
    stores[codec] = await MemoryObjectStore.fromDirectory(dir, `memory://bucket/${codec}.seis`);
    remote[codec] = await Dataset.open(stores[codec]!);
  }
});
afterAll(async () => {
  for (const dataset of [...Object.values(local), ...Object.values(remote)]) await dataset.close();
  await fs.rm(scratch, { recursive: true, force: true });
});

/** Chunks of `chunkTraces` traces that hold any trace of `runs`. */
function chunksOf(runs: ReadonlyArray<{ start: number; count: number }>, chunkTraces: number): Set<number> {
  const chunks = new Set<number>();
  for (const run of runs) {
    for (let c = Math.floor(run.start / chunkTraces); c * chunkTraces < run.start + run.count; c++)
      chunks.add(c);
  }
  return chunks;
}

describe.each(CODECS)('a %s dataset read through an object store', (codec) => {
  it('opens with the same metadata, located at the store', () => {
    const dataset = remote[codec]!;
    expect(dataset.path).toBe(`memory://bucket/${codec}.seis`);
    expect(dataset.address).toEqual({ pathOrUrl: `memory://bucket/${codec}.seis` });
    expect(dataset.metadata).toEqual(local[codec]!.metadata);
    expect(dataset.sampleType).toBe('float32');
    expect(dataset.traceCount).toBe(SPEC.shots * SPEC.channels);
  });

  it('gives the gathers of the local path, by number and by key, sorted, with every header', async () => {
    const index = await remote[codec]!.ensembles();
    for (const key of ['fieldRecord', 'cdp']) {
      for (let i = 0; i < index.count(key); i++) {
        const options = { key, sortBy: 'offset', headers: 'all' } as const;
        const [mine, theirs] = await Promise.all([
          remote[codec]!.gather(i, options),
          local[codec]!.gather(i, options),
        ]);
        expect(mine.samples).toEqual(theirs.samples);
        expect(mine.traceIndices).toEqual(theirs.traceIndices);
        expect(mine.headers).toEqual(theirs.headers);
      }
    }
    const byKey = await remote[codec]!.gather({ cdp: 105 });
    expect(byKey.runs.length).toBeGreaterThan(1);
    expect(byKey.samples).toEqual((await local[codec]!.gather({ cdp: 105 })).samples);
    expect(byKey.samples[SPEC.sampleCount + 3]).toBe(syntheticSample(byKey.traceIndices[1]!, 3));
  });

  it('gives the same header columns, statistics, traces, checksum and validation report', async () => {
    const [dataset, reference] = [remote[codec]!, local[codec]!];
    expect(await dataset.headers()).toEqual(await reference.headers());
    expect(await dataset.headers(['offset', 'quality'], { start: 30, end: 70 })).toEqual(
      await reference.headers(['offset', 'quality'], { start: 30, end: 70 }),
    );
    for (const column of await reference.headerColumnNames()) {
      expect(await dataset.headerStats(column)).toEqual(await reference.headerStats(column));
    }
    expect(await dataset.traces(17, 93)).toEqual(await reference.traces(17, 93));
    expect(await dataset.readRawHeaders(0, dataset.traceCount)).toEqual(
      await reference.readRawHeaders(0, reference.traceCount),
    );
    expect(await datasetChecksum(dataset)).toBe(await datasetChecksum(reference));
    const [report, localReport] = [
      await validateDataset(stores[codec]!),
      await validateDataset(reference.path),
    ];
    expect(report).toEqual(localReport);
    expect(report.ok).toBe(true);
  });

  it('navigates gathers as the local path does', async () => {
    const navigator = new GatherNavigator(remote[codec]!, { prefetchDepth: 1 });
    const reference = new GatherNavigator(local[codec]!, { prefetchDepth: 0 });
    expect((await navigator.goTo(3)).samples).toEqual((await reference.goTo(3)).samples);
    expect((await navigator.next()).samples).toEqual((await reference.next()).samples);
    expect((await navigator.goToKey({ fieldRecord: 1010 })).index).toBe(10);
    await navigator.whenIdle();
    navigator.release();
    reference.release();
  });
});

describe('requests of a dataset in an object store', () => {
  it('reads a gather with one ranged read per chunk it touches and array', async () => {
    const [dataset, store] = [remote.none!, stores.none!];
    const gather = await dataset.gatherInfo({ cdp: 106 });
    await dataset.gather(gather.index, { key: 'cdp' }); // sizes of the chunks asked once, kept
    store.resetCounts();
    await dataset.gather(gather.index, { key: 'cdp' });
    const chunks = chunksOf(gather.runs, dataset.chunkTraces);
    expect(gather.runs.length).toBeGreaterThan(chunks.size); // several runs of one chunk, read together
    // Samples and the raw headers the key column is decoded from: one read per chunk each.
    expect(store.requests).toEqual({
      get: 0,
      getRange: 2 * chunks.size,
      size: 0,
      list: 0,
      put: 0,
      delete: 0,
    });
    expect(store.maxInFlight).toBeLessThanOrEqual(2 * READS_IN_FLIGHT);
  });

  it('reads a compressed chunk whole, once for neighbouring gathers', async () => {
    const [dataset, store] = [remote.zstd!, stores.zstd!];
    await dataset.releaseCaches();
    store.resetCounts();
    await dataset.gather(0);
    await dataset.gather(1);
    // Shots 0 and 1 (traces 0–19) lie in chunk 0: decoded from one whole get; the raw headers
    // (uncompressed) are ranged reads.
    expect(store.gets.filter((key) => key.includes('/c/'))).toEqual(['traces/c/0/0']);
    expect(store.ranges.map((range) => range.key)).toEqual(['raw_headers/c/0/0', 'raw_headers/c/0/0']);
  });

  it('cuts reads of whole chunks into ranges of at most 4 MiB, a few in flight', async () => {
    const dir = path.join(scratch, 'large.seis');
    // 1200 traces × 1000 samples × 4 bytes: one chunk of 4.8 MB.
    const spec: SyntheticSpec = { shots: 4, channels: 300, sampleCount: 1000, chunkTraces: 1200 };
    await writeSyntheticDataset(dir, spec);
    const store = await MemoryObjectStore.fromDirectory(dir);
    const dataset = await Dataset.open(store);
    store.resetCounts();
    const samples = await dataset.traces(0, 1200);
    expect(samples[1199 * 1000 + 999]).toBe(syntheticSample(1199, 999));
    expect(store.ranges.map(({ offset, length }) => [offset, length])).toEqual([
      [0, 4 * 1024 * 1024],
      [4 * 1024 * 1024, 4_800_000 - 4 * 1024 * 1024],
    ]);
    expect(store.requests.size).toBe(1);
    await dataset.close();
  });
});

describe('what a reader checks in an object store', () => {
  async function storeOf(codec: 'none' | 'zstd'): Promise<MemoryObjectStore> {
    return MemoryObjectStore.fromDirectory(path.join(scratch, `${codec}.seis`));
  }

  it('refuses a dataset whose root zarr.json is not written yet (the commit marker) as incomplete', async () => {
    const store = await storeOf('none');
    store.objects.delete('zarr.json');
    await expect(Dataset.open(store)).rejects.toMatchObject({
      code: 'DATASET_INCOMPLETE',
      context: { path: store.location },
    });
    expect((await validateDataset(store)).problems).toEqual([
      `DATASET_INCOMPLETE: dataset has no zarr.json (file ${store.location})`,
    ]);
    await expect(Dataset.open(new MemoryObjectStore())).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    const tableless = await storeOf('none');
    tableless.objects.delete('ensembles.parquet');
    await expect(Dataset.open(tableless)).rejects.toMatchObject({
      code: 'DATASET_INCOMPLETE',
      context: { path: `${tableless.location}/ensembles.parquet` },
    });
  });

  it('reads a missing chunk as the fill value and refuses one of the wrong size', async () => {
    const store = await storeOf('none');
    store.objects.delete('traces/c/1/0');
    const dataset = await Dataset.open(store);
    const samples = await dataset.traces(20, 30);
    expect(samples[0]).toBe(syntheticSample(20, 0));
    expect(samples.subarray(5 * SPEC.sampleCount).every((value) => value === 0)).toBe(true);
    expect((await validateDataset(store)).problems).toEqual([
      'traces: 1 of 5 chunks missing (first: chunk 1)',
    ]);
    store.objects.set('traces/c/2/0', store.objects.get('traces/c/2/0')!.subarray(0, 100));
    await expect(dataset.traces(50, 51)).rejects.toMatchObject({
      code: 'DATASET_INVALID',
      context: { path: `${store.location}/traces/c/2/0` },
    });
  });

  it('refuses a damaged Parquet footer and gives the store’s own failure as it is', async () => {
    const store = await storeOf('zstd');
    const table = store.objects.get('headers.parquet')!;
    table.fill(0xff, table.length - 8, table.length - 4);
    const dataset = await Dataset.open(store);
    await expect(dataset.headers(['offset'])).rejects.toMatchObject({ code: 'DATASET_INVALID' });
    store.get = async () => {
      throw new StorageError('STORAGE_UNAVAILABLE', 'service unavailable');
    };
    await expect(dataset.gather(0)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });
});

describe('writers and URLs', () => {
  it('refuse to write at a URL before writing anything', async () => {
    const refused = { code: 'STORAGE_UNSUPPORTED' };
    const metadata = syntheticMetadata(SPEC);
    await expect(createDatasetArrays('https://example.invalid/out.seis', metadata)).rejects.toMatchObject(
      refused,
    );
    await expect(acquireWriteLock('s3://bucket/out.seis')).rejects.toMatchObject(refused);
    await expect(
      Promise.resolve().then(() => importSegy('in.sgy', 's3://bucket/out.seis')),
    ).rejects.toMatchObject(refused);
    await expect(
      new ChunkedProcessor().run(
        local.none!,
        processors.create('scale', { factor: 2 }),
        's3://bucket/out.seis',
      ),
    ).rejects.toMatchObject(refused);
    await expect(exportDataset(local.none!, 'https://example.invalid/out.sgy')).rejects.toMatchObject(
      refused,
    );
    for (const name of ['https:', 's3:']) {
      await expect(fs.stat(path.resolve(name))).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});
