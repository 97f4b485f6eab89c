import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bitround,
  chooseChunkTraces,
  chunkDigest,
  chunkFilePath,
  commitPath,
  createDatasetArrays,
  DATASET_FORMAT_VERSION,
  Dataset,
  DatasetChunkWriter,
  type DatasetChunkWriterOptions,
  type DatasetMetadata,
  datasetChecksum,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  ParquetTableWriter,
  RAW_HEADERS_ARRAY,
  readParquetColumns,
  storedSampleType,
  TRACES_ARRAY,
  temporarySibling,
  validateDataset,
} from '../../src/storage/index.js';

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-storage-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

function metadataFor(
  traceCount: number,
  sampleCount: number,
  chunkTraces: number,
  codec: 'none' | 'zstd' | 'blosc' = 'none',
): DatasetMetadata {
  return {
    format_version: DATASET_FORMAT_VERSION,
    created_by: 'seisproc test',
    created_at: '2026-12-01T00:00:00.000Z',
    source: null,
    trace_count: traceCount,
    sample_count: sampleCount,
    sample_interval_us: 4000,
    delay_ms: 0,
    source_format: { format_code: 5, endianness: 'big', text_encoding: 'ebcdic', revision: 1, kind: 'segy' },
    text_header: null,
    extended_text_headers: [],
    binary_header: null,
    trace_header_size: 240,
    header_mapping: { fields: [{ key: 'cdp', byte: 21, type: 'int32' }] },
    ensemble_keys: [['cdp']],
    chunk_traces: chunkTraces,
    compression: { codec },
    crs: null,
    provenance: [],
  };
}

/** Sample value of trace t, sample s: distinct per position so misplaced data shows. */
const sampleValue = (t: number, s: number) => t * 1000 + s + 0.25;

async function writeSynthetic(
  dir: string,
  traceCount: number,
  sampleCount: number,
  chunkTraces: number,
  codec: 'none' | 'zstd' | 'blosc',
  writerOptions: DatasetChunkWriterOptions = {},
) {
  const metadata = metadataFor(traceCount, sampleCount, chunkTraces, codec);
  await createDatasetArrays(dir, metadata);
  const writer = await DatasetChunkWriter.open(dir, writerOptions);
  for (let c = 0; c < writer.chunkCount; c++) {
    const { start, end } = writer.chunkRange(c);
    const samples = new Float32Array((end - start) * sampleCount);
    const headers = new Uint8Array((end - start) * 240);
    for (let t = start; t < end; t++) {
      for (let s = 0; s < sampleCount; s++) samples[(t - start) * sampleCount + s] = sampleValue(t, s);
      headers[(t - start) * 240] = t & 0xff;
    }
    await writer.writeChunk(c, samples, headers);
  }
  const table = ParquetTableWriter.create(path.join(dir, HEADERS_TABLE), [{ name: 'cdp', type: 'INT32' }], {
    rowGroupSize: 4,
  });
  const cdp = Int32Array.from({ length: traceCount }, (_, t) => Math.floor(t / 3));
  await table.append({ cdp: cdp.subarray(0, 5) });
  await table.append({ cdp: cdp.subarray(5) });
  await table.close();
  const gathers = Math.ceil(traceCount / 3);
  const index = ParquetTableWriter.create(path.join(dir, ENSEMBLES_TABLE), [
    { name: 'key', type: 'STRING' },
    { name: 'value0', type: 'INT64' },
    { name: 'value1', type: 'INT64' },
    { name: 'first_trace', type: 'INT64' },
    { name: 'trace_count', type: 'INT64' },
  ]);
  await index.append({
    key: Array.from({ length: gathers }, () => 'cdp'),
    value0: Array.from({ length: gathers }, (_, g) => g),
    value1: Array.from({ length: gathers }, () => 0),
    first_trace: Array.from({ length: gathers }, (_, g) => g * 3),
    trace_count: Array.from({ length: gathers }, (_, g) => Math.min(3, traceCount - g * 3)),
  });
  await index.close();
}

describe('dataset storage', () => {
  it.each(['none', 'zstd', 'blosc'] as const)(
    'writes and reads back traces, raw headers and columns (%s)',
    async (codec) => {
      const dir = path.join(scratch, `roundtrip-${codec}.seis`);
      await writeSynthetic(dir, 23, 7, 5, codec);
      const dataset = await Dataset.open(dir);
      expect(dataset.traceCount).toBe(23);
      expect(dataset.chunkCount).toBe(5);
      const traces = await dataset.readTraces(4, 12);
      expect(traces.length).toBe(8 * 7);
      expect(traces[0]).toBe(sampleValue(4, 0));
      expect(traces[8 * 7 - 1]).toBe(sampleValue(11, 6));
      const raw = await dataset.readRawHeaders(20, 23);
      expect([raw[0], raw[240], raw[480]]).toEqual([20, 21, 22]);
      const last = await dataset.readChunk(4);
      expect([last.start, last.end, last.samples.length]).toEqual([20, 23, 21]);
      const columns = await dataset.headers(['cdp'], { start: 3, end: 9 });
      expect(Array.from(columns.cdp as Int32Array)).toEqual([1, 1, 1, 2, 2, 2]);
      const report = await validateDataset(dir);
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    },
  );

  it('writes and reads chunk files alike with blocking calls and through the thread pool', async () => {
    const pooled = path.join(scratch, 'pooled-io.seis');
    const blocking = path.join(scratch, 'blocking-io.seis');
    await writeSynthetic(pooled, 23, 7, 5, 'none');
    await writeSynthetic(blocking, 23, 7, 5, 'none', { blockingWrites: true });
    for (const array of [TRACES_ARRAY, RAW_HEADERS_ARRAY]) {
      for (let chunk = 0; chunk < 5; chunk++) {
        const written = await fs.readFile(chunkFilePath(path.join(blocking, array), chunk));
        // Whole chunks of 5 rows, the last one padded with the fill value.
        expect(written.length).toBe(5 * (array === TRACES_ARRAY ? 7 * 4 : 240));
        expect(written.equals(await fs.readFile(chunkFilePath(path.join(pooled, array), chunk)))).toBe(true);
      }
    }
    const dataset = await Dataset.open(blocking, { blockingReads: true });
    const traces = await dataset.readTraces(4, 12);
    expect(Array.from(traces)).toEqual(
      Array.from({ length: 8 * 7 }, (_, i) => sampleValue(4 + Math.floor(i / 7), i % 7)),
    );
    const raw = await dataset.readRawHeaders(20, 23);
    expect([raw[0], raw[240], raw[480]]).toEqual([20, 21, 22]);
  });

  it.each([false, true])(
    'fails with IO_ERROR naming the chunk file it cannot write (blocking writes: %s)',
    async (blockingWrites) => {
      const dir = path.join(scratch, `unwritable-${blockingWrites}.seis`);
      await writeSynthetic(dir, 23, 7, 5, 'none');
      const chunkDir = path.join(dir, TRACES_ARRAY, 'c', '2');
      await fs.rm(chunkDir, { recursive: true });
      await fs.writeFile(chunkDir, 'a file where the chunk directory belongs');
      const writer = await DatasetChunkWriter.open(dir, { blockingWrites });
      await expect(
        writer.writeChunk(2, new Float32Array(5 * 7), new Uint8Array(5 * 240)),
      ).rejects.toMatchObject({
        name: 'DatasetError',
        code: 'IO_ERROR',
        context: { path: chunkFilePath(path.join(dir, TRACES_ARRAY), 2), chunkIndex: 2 },
      });
    },
  );

  it('checksums samples as float32 little-endian in trace order', async () => {
    const dir = path.join(scratch, 'checksum.seis');
    await writeSynthetic(dir, 10, 4, 3, 'zstd');
    const expected = createHash('sha256');
    const all = Float32Array.from({ length: 40 }, (_, i) => sampleValue(Math.floor(i / 4), i % 4));
    expected.update(new Uint8Array(all.buffer));
    const progress: number[] = [];
    expect(await datasetChecksum(await Dataset.open(dir), (done) => progress.push(done))).toBe(
      expected.digest('hex'),
    );
    expect(progress).toEqual([3, 6, 9, 10]);

    const stop = new AbortController();
    const stopped: number[] = [];
    const cancelled = datasetChecksum(
      await Dataset.open(dir),
      (done) => {
        stopped.push(done);
        stop.abort();
      },
      stop.signal,
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(stopped).toEqual([3]);
  });

  it('reads Parquet row ranges across row groups, INT64 as bigint and strings', async () => {
    const file = path.join(scratch, 'table.parquet');
    const writer = ParquetTableWriter.create(
      file,
      [
        { name: 'a', type: 'INT64' },
        { name: 's', type: 'STRING' },
        { name: 'f', type: 'DOUBLE' },
      ],
      { rowGroupSize: 3 },
    );
    await writer.append({
      a: [1n, 2n, 3n, 4n],
      s: ['w', 'x', 'y', 'z'],
      f: Float64Array.of(0.5, 1.5, 2.5, 3.5),
    });
    await writer.append({ a: [5, 6], s: ['u', 'v'], f: [4.5, 5.5] });
    await writer.close();
    expect(writer.rowCount).toBe(6);
    const some = await readParquetColumns(file, ['a', 's'], { start: 2, end: 5 });
    expect(Array.from(some.a as BigInt64Array)).toEqual([3n, 4n, 5n]);
    expect(Array.from(some.s as string[])).toEqual(['y', 'z', 'u']);
    const all = await readParquetColumns(file);
    expect(Object.keys(all)).toEqual(['a', 's', 'f']);
    expect(Array.from(all.f as Float64Array)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    await expect(readParquetColumns(file, ['nope'])).rejects.toMatchObject({ code: 'DATASET_INVALID' });
  });

  it('refuses a missing, incomplete or foreign dataset with typed errors', async () => {
    await expect(Dataset.open(path.join(scratch, 'absent.seis'))).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
    });
    const empty = path.join(scratch, 'empty.seis');
    await fs.mkdir(empty);
    await expect(Dataset.open(empty)).rejects.toMatchObject({ code: 'DATASET_INCOMPLETE' });
    const foreign = path.join(scratch, 'foreign.seis');
    await fs.mkdir(foreign);
    await fs.writeFile(
      path.join(foreign, 'zarr.json'),
      '{"zarr_format":3,"node_type":"group","attributes":{}}',
    );
    await expect(Dataset.open(foreign)).rejects.toMatchObject({ code: 'DATASET_INVALID' });
    const partial = path.join(scratch, 'partial.seis');
    await createDatasetArrays(partial, metadataFor(4, 2, 2));
    await expect(Dataset.open(partial)).rejects.toMatchObject({ code: 'DATASET_INCOMPLETE' });
  });

  it('validate names missing chunks, short header tables and index gaps', async () => {
    const dir = path.join(scratch, 'damaged.seis');
    await writeSynthetic(dir, 12, 3, 4, 'none');
    await fs.rm(path.join(dir, 'traces', 'c', '1', '0'));
    const table = ParquetTableWriter.create(path.join(dir, HEADERS_TABLE), [{ name: 'cdp', type: 'INT32' }]);
    await table.append({ cdp: Int32Array.of(1, 2) });
    await table.close();
    const report = await validateDataset(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'traces: 1 of 3 chunks missing (first: chunk 1)',
      'headers.parquet: 2 rows for 12 traces',
    ]);
    const reportMissing = await validateDataset(path.join(scratch, 'nothing.seis'));
    expect(reportMissing.problems[0]).toMatch(/^DATASET_NOT_FOUND/);
  });

  it('rejects a chunk of the wrong size and ranges outside the dataset', async () => {
    const dir = path.join(scratch, 'strict.seis');
    await writeSynthetic(dir, 6, 2, 4, 'none');
    const writer = await DatasetChunkWriter.open(dir);
    await expect(writer.writeChunk(0, new Float32Array(3), new Uint8Array(240 * 4))).rejects.toMatchObject({
      code: 'DATASET_MISMATCH',
    });
    await expect(writer.writeChunk(2, new Float32Array(0), new Uint8Array(0))).rejects.toMatchObject({
      code: 'DATASET_RANGE',
    });
    expect(await writer.validChunkDigest(1)).toEqual(
      chunkDigest((await (await Dataset.open(dir)).readChunk(1)).samples),
    );
    await fs.writeFile(path.join(dir, 'traces', 'c', '1', '0'), new Uint8Array(5));
    expect(await writer.validChunkDigest(1)).toBeUndefined();
    const dataset = await Dataset.open(dir);
    await expect(dataset.readTraces(5, 7)).rejects.toMatchObject({ code: 'DATASET_RANGE' });
    await expect(dataset.readChunk(2)).rejects.toMatchObject({ code: 'DATASET_RANGE' });
  });

  it('bit-rounds to the nearest value with the kept mantissa bits, ties to even, NaN untouched', () => {
    const values = Float32Array.of(
      1.2345678,
      -3.75,
      1 + 2 ** -10 + 2 ** -11,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      0,
    );
    bitround(values, 10);
    expect(values[0]).toBe(Math.fround(1 + Math.round(0.2345678 * 1024) / 1024));
    expect(values[1]).toBe(-3.75);
    // 1 + 1.5 ulp(10 bits) rounds to the even neighbour 1 + 2 ulp.
    expect(values[2]).toBe(1 + 2 ** -9);
    expect(Number.isNaN(values[3])).toBe(true);
    expect(values[4]).toBe(Number.POSITIVE_INFINITY);
    expect(values[5]).toBe(0);
  });

  it('chooses ~8 MiB chunks within the trace count', () => {
    expect(chooseChunkTraces(1000, 1_000_000)).toBe(2097);
    expect(chooseChunkTraces(1000, 50)).toBe(50);
    expect(chooseChunkTraces(10_000_000, 10)).toBe(1);
  });

  it('commits atomically and refuses to overwrite unless asked', async () => {
    const final = path.join(scratch, 'out.txt');
    const temp = temporarySibling(final);
    expect(path.dirname(temp)).toBe(path.dirname(final));
    await fs.writeFile(temp, 'one');
    await commitPath(temp, final);
    const second = temporarySibling(final);
    await fs.writeFile(second, 'two');
    await expect(commitPath(second, final)).rejects.toMatchObject({ code: 'DATASET_EXISTS' });
    await commitPath(second, final, { overwrite: true });
    expect(await fs.readFile(final, 'utf8')).toBe('two');
    expect((await fs.readdir(scratch)).filter((n) => n.startsWith('.out.txt'))).toEqual([]);
  });
});

/** The part of a group's `zarr.json` the version tests change. */
type GroupJson = { attributes: { seisproc: { format_version: number } } };

/** Rewrite one JSON file of a dataset. */
async function editJson<T>(file: string, edit: (json: T) => void): Promise<void> {
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as T;
  edit(json);
  await fs.writeFile(file, JSON.stringify(json));
}

describe('dataset format versions and stored sample types', () => {
  it('stores float32 for formats float32 holds exactly and the own type of 2, 6, 9, 10 and 12', () => {
    const types = Object.fromEntries(
      [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16].map((f) => [f, storedSampleType(f)]),
    );
    expect(types).toEqual({
      1: 'float32',
      2: 'int32',
      3: 'float32',
      5: 'float32',
      6: 'float64',
      7: 'float32',
      8: 'float32',
      9: 'int64',
      10: 'uint32',
      11: 'float32',
      12: 'uint64',
      15: 'float32',
      16: 'float32',
    });
    // Bit rounding works on float32 mantissas: asking for it stores float32.
    expect(storedSampleType(9, 12)).toBe('float32');
    expect(() => storedSampleType(4)).toThrow(expect.objectContaining({ code: 'SEGY_BAD_FORMAT_CODE' }));
  });

  it('reads and validates a version-1 dataset (float32 traces, format_version 1)', async () => {
    const dir = path.join(scratch, 'version-1.seis');
    await writeSynthetic(dir, 9, 4, 4, 'none');
    await editJson<GroupJson>(path.join(dir, 'zarr.json'), (json) => {
      json.attributes.seisproc.format_version = 1;
    });
    const dataset = await Dataset.open(dir);
    expect(dataset.metadata.format_version).toBe(1);
    expect(dataset.sampleType).toBe('float32');
    const floats = await dataset.traces(2, 5);
    const stored = await dataset.traces(2, 5, { dtype: 'stored' });
    expect(stored).toBeInstanceOf(Float32Array);
    expect(stored).toEqual(floats);
    expect(floats[0]).toBe(sampleValue(2, 0));
    await dataset.close();
    const report = await validateDataset(dir);
    expect(report.problems).toEqual([]);
    expect(report.checked).toContain('format version 1: float32 samples');

    // Version 1 had float32 traces only.
    await editJson<{ data_type: string }>(path.join(dir, TRACES_ARRAY, 'zarr.json'), (json) => {
      json.data_type = 'int32';
    });
    await expect(Dataset.open(dir)).rejects.toMatchObject({
      code: 'DATASET_INVALID',
      message: expect.stringMatching(/^traces are int32; a version 1 dataset stores float32/),
    });
  });

  it('refuses a dataset of an unknown format version with DATASET_UNSUPPORTED_VERSION', async () => {
    const dir = path.join(scratch, 'version-3.seis');
    await writeSynthetic(dir, 6, 2, 3, 'none');
    await editJson<GroupJson>(path.join(dir, 'zarr.json'), (json) => {
      json.attributes.seisproc.format_version = 3;
    });
    await expect(Dataset.open(dir)).rejects.toMatchObject({
      code: 'DATASET_UNSUPPORTED_VERSION',
      context: { formatVersion: 3, readableVersions: [1, 2], path: path.join(dir, 'zarr.json') },
    });
    const report = await validateDataset(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^DATASET_UNSUPPORTED_VERSION: dataset format version 3 is not one this seisproc reads \(1, 2\)/,
      ),
    ]);
  });

  it.each(['none', 'zstd', 'blosc'] as const)(
    'writes and reads back int64 chunks beyond 2^53 exactly, float32 on default reads (%s)',
    async (codec) => {
      const dir = path.join(scratch, `int64-${codec}.seis`);
      const metadata = metadataFor(5, 3, 2, codec);
      await createDatasetArrays(dir, metadata, 'int64');
      const arrayJson = JSON.parse(await fs.readFile(path.join(dir, TRACES_ARRAY, 'zarr.json'), 'utf8'));
      expect(arrayJson).toMatchObject({ data_type: 'int64', fill_value: 0 });
      if (codec === 'blosc') expect(arrayJson.codecs[1].configuration.typesize).toBe(8);
      const writer = await DatasetChunkWriter.open(dir);
      expect(writer.sampleType).toBe('int64');
      await expect(writer.writeChunk(0, new Float32Array(6), new Uint8Array(480))).rejects.toMatchObject({
        code: 'DATASET_MISMATCH',
        message: expect.stringMatching(/^chunk 0 holds a Float32Array, the traces array stores int64/),
      });
      const value = (t: number, s: number) => (2n ** 53n + BigInt(t * 10 + s)) * (s % 2 ? -1n : 1n);
      for (let c = 0; c < writer.chunkCount; c++) {
        const { start, end } = writer.chunkRange(c);
        const samples = BigInt64Array.from({ length: (end - start) * 3 }, (_, i) =>
          value(start + Math.floor(i / 3), i % 3),
        );
        await writer.writeChunk(c, samples, new Uint8Array((end - start) * 240));
      }
      // Tables of a readable dataset (writeSynthetic writes them for 5 traces).
      const tables = path.join(scratch, `int64-${codec}-tables.seis`);
      await writeSynthetic(tables, 5, 3, 2, 'none');
      for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE])
        await fs.copyFile(path.join(tables, table), path.join(dir, table));
      const dataset = await Dataset.open(dir);
      const stored = await dataset.traces(1, 5, { dtype: 'stored' });
      expect(stored).toBeInstanceOf(BigInt64Array);
      expect(Array.from(stored as BigInt64Array)).toEqual(
        Array.from({ length: 12 }, (_, i) => value(1 + Math.floor(i / 3), i % 3)),
      );
      const floats = await dataset.traces(1, 5);
      expect(Array.from(floats)).toEqual(
        Array.from({ length: 12 }, (_, i) => Math.fround(Number(value(1 + Math.floor(i / 3), i % 3)))),
      );
      const hash = createHash('sha256')
        .update(new Uint8Array((await dataset.traces(0, 5)).buffer))
        .digest('hex');
      expect(await datasetChecksum(dataset)).toBe(hash);
      await dataset.close();
    },
  );
});
