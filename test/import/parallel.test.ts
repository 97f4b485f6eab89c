/**
 * The parallel import: identical datasets whatever the path and worker count, segment
 * boundaries inside chunks and row groups, the gather index and compression.
 *
 * Worker threads load the built worker (`dist/import-worker.js`): run `npm run build` first.
 */
import { promises as fs } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportControl } from '../../src/import/control.js';
import { type ImportConfig, type ImportResult, ParallelImportCoordinator } from '../../src/import/index.js';
import { WorkDirectory } from '../../src/import/layout.js';
import { OutputMerger } from '../../src/import/merger.js';
import { HeaderMapping } from '../../src/segy/index.js';
import { bitround, Dataset, datasetDigest, readParquetColumns } from '../../src/storage/index.js';
import { WORKER_BUILT, WORKER_URL } from '../helpers/built.js';
import { differingFiles } from './dataset-files.js';
import { syntheticHeaders, syntheticTrace, writeSyntheticSegy } from './synthetic-segy.js';

let dir: string;
let input: string;
const TRACES = 40_000;
const SAMPLES = 10;
const GATHER = 37;
const CHUNK = 1000;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-parallel-'));
  input = path.join(dir, 'prestack.sgy');
  await writeSyntheticSegy(input, { traces: TRACES, samples: SAMPLES, gatherSize: GATHER, formatCode: 5 });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Run an import and record the total of each stage. */
async function runImport(name: string, config: Partial<ImportConfig>) {
  const output = path.join(dir, `${name}.seis`);
  const coordinator = new ParallelImportCoordinator({
    input,
    output,
    chunkTraces: CHUNK,
    workerUrl: WORKER_URL,
    ...config,
  });
  const totals: Record<string, number> = {};
  coordinator.on('stage-start', (e) => {
    totals[e.stage] = e.total;
  });
  const result: ImportResult = await coordinator.run();
  return { output, result, totals };
}

describe.runIf(WORKER_BUILT)('parallel import', () => {
  let reference: Awaited<ReturnType<typeof runImport>>;

  beforeAll(async () => {
    reference = await runImport('in-process', { inProcessThreshold: Number.POSITIVE_INFINITY });
  });

  it('imports in process below the threshold, as one segment', () => {
    expect(reference.result).toMatchObject({
      inProcess: true,
      workers: 0,
      segments: 1,
      traceCount: TRACES,
      blockingIO: false,
    });
    // Row groups of 16 chunks (16, 16 and 8 chunks), no shared chunk.
    expect(reference.totals.merge).toBe(3);
  });

  it('records the sample digest of the chunks as written, equal to reading them back', async () => {
    const dataset = await Dataset.open(reference.output);
    const digest = await datasetDigest(dataset);
    expect(digest.chunkTraces).toBe(CHUNK);
    expect(reference.result.sampleDigest).toEqual(digest);
    expect(dataset.metadata.sample_digest).toEqual({ chunk_traces: CHUNK, sha256: digest.sha256 });
  });

  it.each([
    [1, false],
    [1, true],
    [2, false],
    [2, true],
    [4, false],
    [4, true],
  ])(
    'writes the same dataset with %i worker(s), blocking I/O %s, as in process',
    async (workers, blockingIO) => {
      const run = await runImport(`workers-${workers}-${blockingIO}`, {
        workers,
        inProcessThreshold: 0,
        blockingIO,
      });
      expect(run.result).toMatchObject({
        inProcess: false,
        workers,
        segments: workers,
        traceCount: TRACES,
        blockingIO,
      });
      // Segment boundaries fall on gather starts (multiples of 37), inside chunks of 1000 traces;
      // the workers assemble the shared chunks, the merge stage splices the three row groups.
      expect(run.totals.merge).toBe(3);
      // zarr.json included: the digest combined from the workers' chunks (shared ones assembled
      // by whichever worker wrote their last piece) is the in-process one.
      expect(await differingFiles(reference.output, run.output)).toEqual([]);
      expect(run.result.sampleDigest).toEqual(reference.result.sampleDigest);
    },
  );

  it('blocks on I/O by default only when the workers take every core', async () => {
    const cores = availableParallelism();
    for (const workers of [1, 2]) {
      const run = await runImport(`default-io-${workers}`, { workers, inProcessThreshold: 0 });
      expect(run.result).toMatchObject({ workers, blockingIO: workers >= cores });
      expect(await differingFiles(reference.output, run.output)).toEqual([]);
    }
    const all = await runImport('default-io-all', { workers: cores, inProcessThreshold: 0 });
    expect(all.result.blockingIO).toBe(all.result.workers >= cores);
  });

  it('assembles a chunk shared by more than two segments', async () => {
    const run = await runImport('tiny-segments', {
      workers: 4,
      inProcessThreshold: 0,
      chunkTraces: 40_000,
    });
    const inProcess = await runImport('tiny-segments-reference', {
      inProcessThreshold: Number.POSITIVE_INFINITY,
      chunkTraces: 40_000,
    });
    // One chunk, written from four pieces, and one row group, encoded from four pieces, by the
    // worker that wrote the last piece of each; the merge stage splices the one row group.
    expect(run.totals.merge).toBe(1);
    expect(await differingFiles(inProcess.output, run.output)).toEqual([]);
    const dataset = await Dataset.open(run.output);
    const traces = await dataset.readTraces(9_990 - 2, 9_990 + 2);
    for (let t = 0; t < 4; t++) {
      expect(Array.from(traces.subarray(t * SAMPLES, (t + 1) * SAMPLES))).toEqual(
        Array.from(syntheticTrace(9_988 + t, SAMPLES)),
      );
    }
  });

  it('assembles the shared chunks and row groups in the workers, before the merge stage', async () => {
    const output = path.join(dir, 'assembled-in-workers.seis');
    const coordinator = new ParallelImportCoordinator({
      input,
      output,
      chunkTraces: CHUNK,
      workerUrl: WORKER_URL,
      workers: 4,
      inProcessThreshold: 0,
    });
    await coordinator.runParallelImport();
    const work = path.join(dir, '.assembled-in-workers.seis.import');
    const pieces = await fs.readdir(path.join(work, 'parts'));
    const unitsOf = (kind: string) =>
      [
        ...new Set(pieces.filter((p) => p.startsWith(`${kind}-`)).map((p) => Number(p.split('-').at(-3)))),
      ].sort((a, b) => a - b);
    // Boundaries near traces 10 000, 20 000 and 30 000: three shared chunks; the last two
    // boundaries cut the same row group (16 000–32 000), which has three pieces.
    expect(unitsOf('chunk')).toEqual([9, 19, 29]);
    expect(unitsOf('row-group')).toEqual([0, 1]);
    for (const chunk of unitsOf('chunk')) {
      await expect(
        fs.stat(path.join(work, 'dataset', 'traces', 'c', String(chunk), '0')),
      ).resolves.toBeTruthy();
    }
    for (const group of unitsOf('row-group')) {
      await expect(fs.stat(path.join(work, 'row-groups', `row-group-${group}.bin`))).resolves.toBeTruthy();
    }
    // The merge stage relies on the workers' marks: without them it refuses to splice.
    const plan = JSON.parse(await fs.readFile(path.join(work, 'plan.json'), 'utf8'));
    const unmarked = new OutputMerger(
      new WorkDirectory(output),
      plan.geometry,
      plan.segments,
      HeaderMapping.standard().fields,
      'big',
      new ImportControl({ segments: 4, sharedUnits: 5 }),
    );
    await expect(
      unmarked.mergeHeaders({ onUnit: () => undefined, checkCancelled: () => undefined }),
    ).rejects.toMatchObject({
      code: 'DATASET_INCOMPLETE',
      message: expect.stringContaining('chunk 9'),
    });
    await coordinator.runMergeHeaders();
    await coordinator.runBuildIndex();
    await coordinator.runCleanup();
    expect(await differingFiles(reference.output, output)).toEqual([]);
  });

  it('writes the gather index for one and two keys', async () => {
    const run = await runImport('index', {
      workers: 2,
      inProcessThreshold: 0,
      ensembleKeys: [['cdp'], ['inline', 'crossline'], ['FieldRecord']],
    });
    const gathers = Math.ceil(TRACES / GATHER);
    expect(run.result.gatherCounts).toEqual({
      cdp: gathers,
      'inline,crossline': gathers,
      fieldRecord: Math.ceil(gathers / 3),
    });
    expect(run.result.gatherCount).toBe(gathers);
    const table = await readParquetColumns(path.join(run.output, 'ensembles.parquet'));
    expect(table.key!.length).toBe(2 * gathers + Math.ceil(gathers / 3));
    const last = gathers - 1;
    expect(table.key![last]).toBe('cdp');
    expect(table.value0![last]).toBe(BigInt(1000 + last));
    expect(table.first_trace![last]).toBe(BigInt(last * GATHER));
    expect(table.trace_count![last]).toBe(BigInt(TRACES - last * GATHER));
    const composite = gathers + 45;
    const expectedHeaders = syntheticHeaders(45 * GATHER, GATHER);
    expect([table.key![composite], table.value0![composite], table.value1![composite]]).toEqual([
      'inline,crossline',
      BigInt(expectedHeaders.inline),
      BigInt(expectedHeaders.crossline),
    ]);
    const metadata = (await Dataset.open(run.output)).metadata;
    expect(metadata.ensemble_keys).toEqual([['cdp'], ['inline', 'crossline'], ['fieldRecord']]);
  });

  it('stores header columns in trace order across segment boundaries', async () => {
    const dataset = await Dataset.open(reference.output);
    const columns = await dataset.headers(['cdp', 'offset', 'traceSequenceFile'], {
      start: 32_990,
      end: 33_010,
    });
    for (let i = 0; i < 20; i++) {
      const expected = syntheticHeaders(32_990 + i, GATHER);
      expect([columns.cdp![i], columns.offset![i], Number(columns.traceSequenceFile![i])]).toEqual([
        expected.cdp,
        expected.offset,
        expected.traceSequenceFile,
      ]);
    }
  });

  it.each([
    ['zstd', { codec: 'zstd', level: 5 }],
    ['blosc', { codec: 'blosc' }],
  ] as const)('compresses losslessly with %s', async (name, compression) => {
    const run = await runImport(`compressed-${name}`, { workers: 2, inProcessThreshold: 0, compression });
    const dataset = await Dataset.open(run.output);
    expect(dataset.metadata.compression.codec).toBe(name);
    const expected = await (await Dataset.open(reference.output)).readTraces(0, TRACES);
    expect(await dataset.readTraces(0, TRACES)).toEqual(expected);
    const arrayMeta = JSON.parse(await fs.readFile(path.join(run.output, 'traces', 'zarr.json'), 'utf8'));
    expect(arrayMeta.codecs.map((c: { name: string }) => c.name)).toEqual(['bytes', name]);
    const sizeOf = async (p: string) => (await fs.stat(path.join(p, 'traces', 'c', '0', '0'))).size;
    expect(await sizeOf(run.output)).toBeLessThan(await sizeOf(reference.output));
  });

  it('rounds samples to keepBits mantissa bits when asked', async () => {
    const run = await runImport('keep-bits', {
      workers: 2,
      inProcessThreshold: 0,
      compression: { codec: 'zstd', keepBits: 7 },
    });
    const rounded = await (await Dataset.open(reference.output)).readTraces(0, TRACES);
    bitround(rounded, 7);
    const dataset = await Dataset.open(run.output);
    expect(dataset.metadata.compression).toEqual({ codec: 'zstd', level: 3, keepBits: 7 });
    expect(await dataset.readTraces(0, TRACES)).toEqual(rounded);
  });
});
