/**
 * Samples float32 cannot hold (32-bit integers beyond 2^24, 64-bit integers beyond 2^53, float64
 * values with more than 24 mantissa bits, a NaN payload) survive import → dataset → export: the
 * dataset stores them in their own type, readers get float32 by default and the stored values on
 * request, and an export in the source format is the source byte for byte, through the shared
 * chunk pieces of a two-worker import too. Sample bytes are written with DataView, independently
 * of the library's codecs.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/index.js';
import { importSegy } from '../../src/import/index.js';
import { ChunkedProcessor, processors } from '../../src/process/index.js';
import { checksumFile, type Endianness, type SampleFormatCode, SegyFile } from '../../src/segy/index.js';
import {
  Dataset,
  datasetChecksum,
  datasetDigest,
  type StoredSampleType,
  TRACES_ARRAY,
  validateDataset,
} from '../../src/storage/index.js';
import { WORKER_BUILT, WORKER_URL } from '../helpers/built.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { differingBytes, writeSyntheticSegy } from './helpers.js';

const TRACES = 37;
const SAMPLES = 11;
const TRACES_PER_RECORD = 10;
/** Chunks of 8 traces: a segment boundary at a gather (a multiple of 10) cuts a chunk. */
const CHUNK_TRACES = 8;

/** A stored type, how its samples are written, and values float32 cannot hold among them. */
interface StoredCase {
  formatCode: SampleFormatCode;
  type: StoredSampleType;
  bytes: number;
  values: ReadonlyArray<number | bigint>;
  write(view: DataView, at: number, value: number | bigint, little: boolean): void;
}

const CASES: StoredCase[] = [
  {
    formatCode: 2,
    type: 'int32',
    bytes: 4,
    values: [2 ** 31 - 1, -(2 ** 31), 2 ** 24 + 1, -(2 ** 24 + 3), 123_456_789, 0, -1],
    write: (view, at, value, little) => view.setInt32(at, Number(value), little),
  },
  {
    formatCode: 10,
    type: 'uint32',
    bytes: 4,
    values: [2 ** 32 - 1, 2 ** 24 + 1, 4_000_000_001, 0, 7],
    write: (view, at, value, little) => view.setUint32(at, Number(value), little),
  },
  {
    formatCode: 9,
    type: 'int64',
    bytes: 8,
    values: [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 3n), 2n ** 24n + 1n, 0n, -5n],
    write: (view, at, value, little) => view.setBigInt64(at, BigInt(value), little),
  },
  {
    formatCode: 12,
    type: 'uint64',
    bytes: 8,
    values: [2n ** 64n - 1n, 2n ** 53n + 1n, 18_446_744_073_709_551_557n, 0n, 9n],
    write: (view, at, value, little) => view.setBigUint64(at, BigInt(value), little),
  },
  {
    formatCode: 6,
    type: 'float64',
    // 0x7ff8000000000123 is a NaN with a payload, written as raw bits; -0 keeps its sign.
    bytes: 8,
    values: [0.1, Math.PI, 1e300, -1e-300, 5e-324, -0, 0x7ff8000000000123n, 2 ** 53 + 2],
    write: (view, at, value, little) =>
      typeof value === 'bigint' ? view.setBigUint64(at, value, little) : view.setFloat64(at, value, little),
  },
];

/** The stored value of sample s of trace t (a bigint NaN pattern stands for its float64 value). */
function storedValue(c: StoredCase, t: number, s: number): number | bigint {
  return c.values[(t * SAMPLES + s) % c.values.length]!;
}

/** What the float32 reads give: the nearest float32 of the nearest double. */
function asFloat32(c: StoredCase, value: number | bigint): number {
  if (c.type === 'float64' && typeof value === 'bigint') return Number.NaN;
  return Math.fround(Number(value));
}

let root: string;
beforeAll(async () => {
  root = await scratchDirectory('export-lossless');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A SEG-Y file of the case's format whose samples are the case's values, written byte by byte. */
async function writeSource(c: StoredCase, endianness: Endianness, file: string): Promise<void> {
  await writeSyntheticSegy(file, {
    traceCount: TRACES,
    sampleCount: SAMPLES,
    formatCode: c.formatCode,
    endianness,
    tracesPerRecord: TRACES_PER_RECORD,
  });
  const bytes = await fs.readFile(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const traceSize = 240 + SAMPLES * c.bytes;
  for (let t = 0; t < TRACES; t++) {
    for (let s = 0; s < SAMPLES; s++) {
      c.write(view, 3600 + t * traceSize + 240 + s * c.bytes, storedValue(c, t, s), endianness === 'little');
    }
  }
  await fs.writeFile(file, bytes);
}

/** Stored values as comparable numbers: bigints as they are, float64 by their bits. */
function comparable(c: StoredCase, values: ArrayLike<number | bigint>): Array<number | bigint> {
  if (c.type !== 'float64') return Array.from(values);
  const bits = new BigUint64Array(new Float64Array(values as ArrayLike<number>).buffer);
  return Array.from(bits);
}

function expectedStored(c: StoredCase): Array<number | bigint> {
  const values = Array.from({ length: TRACES * SAMPLES }, (_, i) =>
    storedValue(c, Math.floor(i / SAMPLES), i % SAMPLES),
  );
  if (c.type !== 'float64') return values.map((v) => (c.bytes === 8 ? BigInt(v) : Number(v)));
  const view = new DataView(new ArrayBuffer(8));
  return values.map((v) => {
    if (typeof v === 'bigint') return v;
    view.setFloat64(0, v);
    return view.getBigUint64(0);
  });
}

describe.each(CASES)('format $formatCode stored as $type', (c) => {
  it.each(['big', 'little'] as Endianness[])(
    '%s-endian: import, float32 and stored reads, byte-identical export, both byte orders',
    async (endianness) => {
      const dir = path.join(root, `${c.formatCode}-${endianness}`);
      await fs.mkdir(dir);
      const source = path.join(dir, 'source.sgy');
      await writeSource(c, endianness, source);
      const datasetPath = path.join(dir, 'd.seis');
      const imported = await importSegy(source, datasetPath, { chunkTraces: CHUNK_TRACES });

      const arrayMeta = JSON.parse(
        await fs.readFile(path.join(datasetPath, TRACES_ARRAY, 'zarr.json'), 'utf8'),
      );
      expect(arrayMeta).toMatchObject({ data_type: c.type, fill_value: 0 });
      expect(arrayMeta.codecs).toEqual([{ name: 'bytes', configuration: { endian: 'little' } }]);
      const dataset = await Dataset.open(datasetPath);
      try {
        expect(dataset.metadata.format_version).toBe(2);
        expect(dataset.sampleType).toBe(c.type);
        const stored = await dataset.traces(0, TRACES, { dtype: 'stored' });
        expect(stored.constructor.name).toBe(
          {
            int32: 'Int32Array',
            uint32: 'Uint32Array',
            int64: 'BigInt64Array',
            uint64: 'BigUint64Array',
            float64: 'Float64Array',
          }[c.type as string],
        );
        expect(comparable(c, stored)).toEqual(expectedStored(c));
        // The sample digest is taken over the stored values, as written and as read back.
        expect(imported.sampleDigest).toEqual(await datasetDigest(dataset));
        const chunkHashes = [];
        for (let first = 0; first < TRACES; first += CHUNK_TRACES) {
          const rows = stored.subarray(first * SAMPLES, Math.min(TRACES, first + CHUNK_TRACES) * SAMPLES);
          chunkHashes.push(createHash('sha256').update(rows).digest());
        }
        expect(imported.sampleDigest).toEqual({
          chunkTraces: CHUNK_TRACES,
          sha256: createHash('sha256').update(Buffer.concat(chunkHashes)).digest('hex'),
        });
        const floats = await dataset.traces(0, TRACES);
        expect(floats).toBeInstanceOf(Float32Array);
        expect(Array.from(floats)).toEqual(
          Array.from({ length: TRACES * SAMPLES }, (_, i) =>
            asFloat32(c, storedValue(c, Math.floor(i / SAMPLES), i % SAMPLES)),
          ),
        );
        // The float32 checksum of the dataset is the source file's.
        expect(await datasetChecksum(dataset)).toBe((await checksumFile(source)).sha256);
        expect((await validateDataset(datasetPath)).ok).toBe(true);
      } finally {
        await dataset.close();
      }

      const back = path.join(dir, 'back.sgy');
      await exportDataset(datasetPath, back);
      const sourceBytes = await fs.readFile(source);
      expect(differingBytes(sourceBytes, await fs.readFile(back))).toEqual([]);
      expect((await fs.stat(back)).size).toBe(sourceBytes.length);

      // Through the other byte order and back: the unconverted copy swaps bytes both ways.
      const other: Endianness = endianness === 'big' ? 'little' : 'big';
      const swapped = path.join(dir, 'swapped.sgy');
      await exportDataset(datasetPath, swapped, { endianness: other });
      await importSegy(swapped, path.join(dir, 'swapped.seis'), { chunkTraces: CHUNK_TRACES });
      const again = path.join(dir, 'again.sgy');
      await exportDataset(path.join(dir, 'swapped.seis'), again, { endianness });
      expect(differingBytes(sourceBytes, await fs.readFile(again))).toEqual([]);
    },
  );
});

describe('stored samples through other paths', () => {
  const int64 = CASES.find((c) => c.type === 'int64')!;
  const int32 = CASES.find((c) => c.type === 'int32')!;

  it.runIf(WORKER_BUILT)(
    'a two-worker import assembles shared chunk pieces in the stored type, byte-identical to the in-process one',
    async () => {
      const dir = path.join(root, 'workers');
      await fs.mkdir(dir);
      const source = path.join(dir, 'source.sgy');
      await writeSource(int64, 'big', source);
      const options = { chunkTraces: CHUNK_TRACES };
      await importSegy(source, path.join(dir, 'one.seis'), options);
      const result = await importSegy(source, path.join(dir, 'two.seis'), {
        ...options,
        workers: 2,
        inProcessThreshold: 0,
        workerUrl: WORKER_URL,
      });
      expect(result).toMatchObject({ workers: 2, segments: 2 });
      for (const chunk of [0, 1, 2, 3, 4]) {
        const file = (name: string) => path.join(dir, name, TRACES_ARRAY, 'c', String(chunk), '0');
        expect(await fs.readFile(file('two.seis'))).toEqual(await fs.readFile(file('one.seis')));
      }
      const back = path.join(dir, 'back.sgy');
      await exportDataset(path.join(dir, 'two.seis'), back);
      expect(differingBytes(await fs.readFile(source), await fs.readFile(back))).toEqual([]);
    },
  );

  it('reads gathers as float32 by default and in the stored type on request, sorted too', async () => {
    const dir = path.join(root, 'gathers');
    await fs.mkdir(dir);
    const source = path.join(dir, 'source.sgy');
    await writeSource(int64, 'little', source);
    await importSegy(source, path.join(dir, 'd.seis'), { chunkTraces: CHUNK_TRACES });
    const dataset = await Dataset.open(path.join(dir, 'd.seis'));
    try {
      // Gather 1 is field record 101, traces 10–19, straddling chunks 1 and 2; offsets rise with the trace.
      const sortBy = { column: 'offset', descending: true };
      const stored = await dataset.gather(1, { dtype: 'stored', sortBy });
      const floats = await dataset.gather(1, { sortBy });
      const into = new BigInt64Array(10 * SAMPLES + 5);
      const intoGather = await dataset.gather(1, { dtype: 'stored', into });
      expect(stored.samples).toBeInstanceOf(BigInt64Array);
      expect(floats.samples).toBeInstanceOf(Float32Array);
      expect(intoGather.samples.buffer).toBe(into.buffer);
      expect(Array.from(stored.traceIndices)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
      const storedSamples = stored.samples as BigInt64Array;
      const intoSamples = intoGather.samples as BigInt64Array;
      const expectedRows = (trace: number) =>
        Array.from({ length: SAMPLES }, (_, s) => storedValue(int64, trace, s));
      for (const [i, trace] of stored.traceIndices.entries()) {
        const row = Array.from(storedSamples.subarray(i * SAMPLES, (i + 1) * SAMPLES));
        expect(row).toEqual(expectedRows(trace));
        expect(Array.from(floats.samples.subarray(i * SAMPLES, (i + 1) * SAMPLES))).toEqual(
          expectedRows(trace).map((v) => asFloat32(int64, v)),
        );
        expect(Array.from(intoSamples.subarray((trace - 10) * SAMPLES, (trace - 9) * SAMPLES))).toEqual(
          expectedRows(trace),
        );
      }
      await expect(
        dataset.traces(0, 2, { dtype: 'stored', into: new Float64Array(2 * SAMPLES) }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(
        dataset.traces(0, 2, { dtype: 'stored', into: new BigInt64Array(SAMPLES) }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect((await dataset.readChunk(1)).samples).toEqual(await dataset.traces(8, 16));
    } finally {
      await dataset.close();
    }
  });

  it('exports to other formats from the stored values: int32 to int64 exactly, int64 to float32 and IBM rounded', async () => {
    const dir = path.join(root, 'convert');
    await fs.mkdir(dir);
    const int32Source = path.join(dir, 'int32.sgy');
    await writeSource(int32, 'big', int32Source);
    await importSegy(int32Source, path.join(dir, 'int32.seis'));
    const asInt64 = path.join(dir, 'as-int64.sgy');
    await exportDataset(path.join(dir, 'int32.seis'), asInt64, { formatCode: 9 });
    const wide = await SegyFile.open(asInt64);
    try {
      expect(wide.formatCode).toBe(9);
      const block = await wide.readTraceBlock(0, TRACES);
      const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
      const values = Array.from({ length: TRACES * SAMPLES }, (_, i) =>
        view.getBigInt64(Math.floor(i / SAMPLES) * wide.traceSize + 240 + (i % SAMPLES) * 8, false),
      );
      expect(values).toEqual(
        Array.from({ length: TRACES * SAMPLES }, (_, i) =>
          BigInt(storedValue(int32, Math.floor(i / SAMPLES), i % SAMPLES)),
        ),
      );
    } finally {
      await wide.close();
    }

    const int64Source = path.join(dir, 'int64.sgy');
    await writeSource(int64, 'big', int64Source);
    await importSegy(int64Source, path.join(dir, 'int64.seis'));
    const dataset = await Dataset.open(path.join(dir, 'int64.seis'));
    const floats = await dataset.traces(0, TRACES);
    await dataset.close();
    for (const formatCode of [5, 1] as const) {
      const out = path.join(dir, `as-${formatCode}.sgy`);
      await exportDataset(path.join(dir, 'int64.seis'), out, { formatCode });
      const file = await SegyFile.open(out);
      try {
        expect(file.formatCode).toBe(formatCode);
        const read = await file.readTraces(0, TRACES);
        // The float32 values of these integers (powers of two, small integers) are IBM values too.
        expect(Array.from(read)).toEqual(Array.from(floats));
      } finally {
        await file.close();
      }
    }
  });

  it('processes an int32 dataset from float32 reads into a float32 dataset of format version 2', async () => {
    const dir = path.join(root, 'process');
    await fs.mkdir(dir);
    const source = path.join(dir, 'source.sgy');
    await writeSource(int32, 'big', source);
    await importSegy(source, path.join(dir, 'in.seis'), { chunkTraces: CHUNK_TRACES });
    const output = path.join(dir, 'out.seis');
    await new ChunkedProcessor().run(
      path.join(dir, 'in.seis'),
      processors.create('scale', { factor: 1 }),
      output,
      {
        inProcess: true,
      },
    );
    const input = await Dataset.open(path.join(dir, 'in.seis'));
    const processed = await Dataset.open(output);
    try {
      expect(processed.metadata.format_version).toBe(2);
      expect(processed.sampleType).toBe('float32');
      expect(await processed.traces(0, TRACES)).toEqual(await input.traces(0, TRACES));
      // The step's input digest is the int32 dataset's, over its stored values, as the import recorded it.
      const [step] = processed.metadata.provenance as Array<{ input: { digest: unknown } }>;
      expect(step!.input.digest).toEqual(await datasetDigest(input));
      expect(input.metadata.sample_digest?.sha256).toBe((await datasetDigest(input)).sha256);
    } finally {
      await Promise.all([input.close(), processed.close()]);
    }
  });
});
