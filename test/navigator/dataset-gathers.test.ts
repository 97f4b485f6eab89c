import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, type Gather, gatherTrace } from '../../src/storage/index.js';
import {
  type SyntheticSpec,
  scratchDirectory,
  syntheticHeaders,
  syntheticSample,
  writeSyntheticDataset,
} from '../helpers/synthetic-dataset.js';

const SPEC: SyntheticSpec = { shots: 6, channels: 8, sampleCount: 5, chunkTraces: 20, rowGroupSize: 16 };
const TRACES = SPEC.shots * SPEC.channels;

let scratch: string;
const datasets: Record<string, Dataset> = {};

beforeAll(async () => {
  scratch = await scratchDirectory('gathers');
  for (const codec of ['none', 'zstd', 'blosc'] as const) {
    const dir = path.join(scratch, `${codec}.seis`);
    await writeSyntheticDataset(dir, { ...SPEC, codec });
    datasets[codec] = await Dataset.open(dir);
  }
});
afterAll(async () => {
  for (const dataset of Object.values(datasets)) await dataset.close();
  await fs.rm(scratch, { recursive: true, force: true });
});

/** Every trace of the gather holds the samples and headers of the trace it says it is. */
function expectConsistent(gather: Gather) {
  expect(gather.samples.length).toBe(gather.traceCount * SPEC.sampleCount);
  for (let i = 0; i < gather.traceCount; i++) {
    const trace = gather.traceIndices[i]!;
    expect(Array.from(gatherTrace(gather, i))).toEqual(
      Array.from({ length: SPEC.sampleCount }, (_, s) => syntheticSample(trace, s)),
    );
    const expected = syntheticHeaders(SPEC, trace);
    for (const [name, values] of Object.entries(gather.headers))
      expect(Number(values[i])).toBe(expected[name]);
  }
}

/** Traces whose header `key` equals `value`, in trace order. */
function tracesWith(key: string, value: number): number[] {
  return Array.from({ length: TRACES }, (_, t) => t).filter((t) => syntheticHeaders(SPEC, t)[key] === value);
}

describe('Dataset gathers', () => {
  it.each(['none', 'zstd', 'blosc'] as const)(
    'reads a shot gather by index and by key value (%s)',
    async (codec) => {
      const dataset = datasets[codec]!;
      const byIndex = await dataset.gather(2);
      expect(byIndex.key).toEqual(['fieldRecord']);
      expect(byIndex.values).toEqual([1002]);
      expect(byIndex.runs).toEqual([{ start: 16, count: 8 }]);
      expect(Array.from(byIndex.traceIndices)).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
      expect(Object.keys(byIndex.headers)).toEqual(['fieldRecord']);
      expectConsistent(byIndex);
      const byKey = await dataset.gather({ fieldRecord: 1002 });
      expect(Array.from(byKey.samples)).toEqual(Array.from(byIndex.samples));
      expect(byIndex.byteLength).toBe(8 * 5 * 4 + 8 * 4 + 8 * 4);
    },
  );

  it('collects every run of an unsorted key, in trace order', async () => {
    const gather = await datasets.none!.gather({ cdp: 105 });
    const expected = tracesWith('cdp', 105);
    expect(Array.from(gather.traceIndices)).toEqual(expected);
    expect(gather.runs.length).toBeGreaterThan(1);
    expect(gather.runs.map((r) => r.start)).toEqual(expected.filter((t, i) => t - 1 !== expected[i - 1]));
    expectConsistent(gather);
    const index = await datasets.none!.ensembles();
    expect(index.keys).toEqual([['fieldRecord'], ['cdp']]);
    expect(index.count('cdp')).toBe(
      new Set(Array.from({ length: TRACES }, (_, t) => syntheticHeaders(SPEC, t).cdp)).size,
    );
    expect(index.get(gather.index, 'cdp').values).toEqual([105]);
  });

  it.each(['none', 'zstd'] as const)(
    'orders a CDP gather by offset, ascending and descending (%s)',
    async (codec) => {
      const dataset = datasets[codec]!;
      const ascending = await dataset.gather({ cdp: 106 }, { sortBy: 'offset', headers: 'all' });
      const offsets = Array.from(ascending.headers.offset as ArrayLike<number>);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(ascending.traceIndices)).toEqual(new Set(tracesWith('cdp', 106)));
      expect(Object.keys(ascending.headers)).toContain('quality');
      expectConsistent(ascending);
      const descending = await dataset.gather(
        { cdp: 106 },
        { sortBy: [{ column: 'offset', descending: true }, 'sourceX'] },
      );
      const down = Array.from(descending.headers.offset as ArrayLike<number>);
      expect(down).toEqual([...offsets].reverse().sort((a, b) => b - a));
      expect(Object.keys(descending.headers)).toEqual(['cdp', 'offset', 'sourceX']);
      expectConsistent(descending);
    },
  );

  it('reads header columns of a row range across row groups, and stats from the footer', async () => {
    const dataset = datasets.none!;
    const columns = await dataset.headers(['offset', 'quality'], { start: 10, end: 40 });
    expect(Array.from(columns.offset as Int32Array)).toEqual(
      Array.from({ length: 30 }, (_, i) => syntheticHeaders(SPEC, 10 + i).offset),
    );
    expect(Array.from(columns.quality as Float32Array)).toEqual(
      Array.from({ length: 30 }, (_, i) => (10 + i) / 4),
    );
    expect(await dataset.headerColumnNames()).toContain('groupX');

    for (const column of ['offset', 'cdp', 'fieldRecord', 'scalarCoordinates', 'groupX', 'quality']) {
      const values = Array.from({ length: TRACES }, (_, t) => syntheticHeaders(SPEC, t)[column]!);
      const stats = await dataset.headerStats(column);
      expect(stats).toMatchObject({
        column,
        count: TRACES,
        nullCount: 0,
        min: Math.min(...values),
        max: Math.max(...values),
        source: 'statistics',
      });
      if (stats.distinct !== undefined) expect(stats.distinct).toBe(new Set(values).size);
    }
    expect((await dataset.headerStats('scalarCoordinates')).distinct).toBe(1);
    expect((await dataset.headerStats('cdp')).distinct).toBe(new Set(tracesWithAll('cdp')).size);
    expect((await dataset.headerStats('fieldRecord')).distinct).toBe(SPEC.shots);
    // Dictionary pages of row groups with disjoint value ranges give an exact distinct count.
    expect((await dataset.headerStats('sourceX')).distinct).toBe(SPEC.shots);
  });

  it('computes stats by reading row groups that have no statistics', async () => {
    const dir = path.join(scratch, 'nostats.seis');
    await writeSyntheticDataset(dir, SPEC);
    const offsets = Int32Array.from({ length: TRACES }, (_, t) => syntheticHeaders(SPEC, t).offset!);
    const writer = new ParquetWriter({
      writer: fileWriter(path.join(dir, 'headers.parquet')),
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'offset', type: 'INT32', repetition_type: 'REQUIRED' },
      ],
      statistics: false,
    });
    writer.write({ columnData: [{ name: 'offset', data: offsets }], rowGroupSize: 20 });
    writer.finish();
    const dataset = await Dataset.open(dir);
    expect(await dataset.headerStats('offset')).toEqual({
      column: 'offset',
      count: TRACES,
      nullCount: 0,
      min: 50,
      max: 50 * SPEC.channels,
      source: 'scan',
    });
    await dataset.close();
  });

  it('reads traces fast path and decoded path identically to the stored values', async () => {
    for (const codec of ['none', 'zstd', 'blosc'] as const) {
      const samples = await datasets[codec]!.traces(15, 45);
      expect(samples[0]).toBe(syntheticSample(15, 0));
      expect(samples[30 * 5 - 1]).toBe(syntheticSample(44, 4));
      const legacy = await datasets[codec]!.readTraces(0, TRACES);
      expect(legacy.length).toBe(TRACES * 5);
      expect(legacy[TRACES * 5 - 1]).toBe(syntheticSample(TRACES - 1, 4));
      expect((await datasets[codec]!.traces(7, 7)).length).toBe(0);
    }
    const raw = await datasets.none!.readRawHeaders(3, 5);
    expect(new DataView(raw.buffer).getInt32(240 + 4, false)).toBe(5);
  });

  it('reads into a caller-owned buffer when asked', async () => {
    const buffer = new Float32Array(100).fill(-1);
    const gather = await datasets.none!.gather({ cdp: 103 }, { into: buffer, sortBy: 'offset' });
    expect(gather.samples.buffer).toBe(buffer.buffer);
    expectConsistent(gather);
    expect(buffer[gather.traceCount * SPEC.sampleCount]).toBe(-1);
    const traces = await datasets.zstd!.traces(2, 4, { into: buffer });
    expect(Array.from(traces)).toEqual(
      Array.from({ length: 10 }, (_, i) => syntheticSample(2 + Math.floor(i / 5), i % 5)),
    );
    await expect(datasets.none!.gather(0, { into: new Float32Array(39) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('keeps working after its caches are released', async () => {
    const dataset = datasets.zstd!;
    const before = await dataset.gather(1, { headers: 'all' });
    await dataset.releaseCaches();
    const after = await dataset.gather(1, { headers: 'all' });
    expect(Array.from(after.samples)).toEqual(Array.from(before.samples));
    expect(Array.from(after.headers.quality!)).toEqual(Array.from(before.headers.quality!));
  });

  it('fails with typed errors', async () => {
    const dataset = datasets.none!;
    await expect(dataset.gather(6)).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(dataset.gather(-1)).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(dataset.gather({ cdp: 99 })).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(dataset.gather({ inline: 1 })).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(dataset.gather(0, { key: 'inline' })).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(dataset.gather(0, { sortBy: 'nope' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(dataset.traces(40, 49)).rejects.toMatchObject({ code: 'DATASET_RANGE' });
    await expect(dataset.traces(5, 4)).rejects.toMatchObject({ code: 'DATASET_RANGE' });
    await expect(dataset.headers(['offset'], { start: 0, end: 49 })).rejects.toMatchObject({
      code: 'DATASET_RANGE',
    });
    await expect(dataset.headers(['nope'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(dataset.headerStats('nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const aborted = AbortSignal.abort();
    await expect(dataset.gather(0, { signal: aborted })).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(datasets.zstd!.traces(0, 10, { signal: aborted })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('fills never-written chunks and refuses truncated chunk files', async () => {
    const dir = path.join(scratch, 'damaged.seis');
    await writeSyntheticDataset(dir, SPEC);
    await fs.rm(path.join(dir, 'traces', 'c', '1', '0'));
    await fs.truncate(path.join(dir, 'traces', 'c', '2', '0'), 10);
    const dataset = await Dataset.open(dir);
    const filled = await dataset.traces(18, 22);
    expect(Array.from(filled)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => syntheticSample(18 + Math.floor(i / 5), i % 5)),
      ...Array.from({ length: 10 }, () => 0),
    ]);
    await expect(dataset.traces(40, 41)).rejects.toMatchObject({ code: 'DATASET_INVALID' });
    await dataset.close();
  });
});

function tracesWithAll(key: string): number[] {
  return Array.from({ length: TRACES }, (_, t) => syntheticHeaders(SPEC, t)[key]!);
}
