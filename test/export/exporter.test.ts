/**
 * SEGYExporter and exportDataset: defaults, conversions, selections, headers from an original
 * file, progress events, cancellation, failures, the worker path and the format registry.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { isSeisprocError, type SeisprocError } from '../../src/errors/index.js';
import {
  type ExportFormat,
  type ExportResult,
  exportDataset,
  getExportFormat,
  listExportFormats,
  registerExportFormat,
  SEGYExporter,
  type SegyExportSummary,
} from '../../src/export/index.js';
import type { ProgressEvent, StageEndEvent, StageStartEvent } from '../../src/progress/index.js';
import { decodeHeaderColumns, SegyFile, type SegyKind, TRACE_HEADER_FIELDS } from '../../src/segy/index.js';
import {
  acquireWriteLock,
  createDatasetArrays,
  Dataset,
  DatasetChunkWriter,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  isWriteLocked,
} from '../../src/storage/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { CORPUS_ROOT } from '../segy/corpus-files.js';
import {
  differingBytes,
  filesIn,
  importFile,
  LONG_RUNNING_SEGY,
  scaledCopy,
  writeSyntheticSegy,
} from './helpers.js';

const TRACES = 600;
const SAMPLES = 50;
const WORKER_BUILT = existsSync(new URL('../../dist/export-worker.js', import.meta.url));

let root: string;
let source: string;
let dataset: Dataset;
let outDir: string;
let counter = 0;

/** A fresh output path in an empty directory of its own, so "nothing left" can be checked. */
async function freshOutput(name = 'out.sgy'): Promise<{ dir: string; file: string }> {
  const dir = path.join(outDir, `case-${++counter}`);
  await fs.mkdir(dir);
  return { dir, file: path.join(dir, name) };
}

async function rejection(promise: Promise<unknown>): Promise<SeisprocError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSeisprocError(error)) throw new Error(`expected a SeisprocError, got ${String(error)}`);
  return error;
}

async function readBack(file: string, kind: SegyKind = 'segy') {
  const segy = await SegyFile.open(file, { kind });
  try {
    const samples = await segy.readTraces(0, segy.traceCount);
    const raw = await segy.readRawTraceHeaders(0, segy.traceCount);
    const columns = decodeHeaderColumns(
      raw,
      segy.traceCount,
      segy.traceHeaderSize,
      TRACE_HEADER_FIELDS,
      segy.endianness,
    );
    return { segy, samples, raw, columns };
  } finally {
    await segy.close();
  }
}

beforeAll(async () => {
  root = await scratchDirectory('export-exporter');
  source = path.join(root, 'source.sgy');
  await writeSyntheticSegy(source, {
    traceCount: TRACES,
    sampleCount: SAMPLES,
    formatCode: 1,
    endianness: 'big',
  });
  dataset = await importFile(source, path.join(root, 'source.seis'));
  outDir = path.join(root, 'out');
  await fs.mkdir(outDir);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('exportDataset with defaults', () => {
  it('writes a byte-identical copy of the imported file and says what it wrote', async () => {
    const { dir, file } = await freshOutput();
    const result = (await exportDataset(dataset, file)) as ExportResult<SegyExportSummary>;
    expect(await fs.readFile(file)).toEqual(await fs.readFile(source));
    expect(result).toMatchObject({
      format: 'segy',
      kind: 'segy',
      formatCode: 1,
      endianness: 'big',
      traceCount: TRACES,
      sampleCount: SAMPLES,
      bytes: (await fs.stat(source)).size,
      workers: 1,
      outputPath: file,
    });
    expect(await filesIn(dir)).toEqual(['out.sgy']);
  });

  it('accepts a dataset path and reports progress through onProgress', async () => {
    const { file } = await freshOutput();
    const events: ProgressEvent[] = [];
    await exportDataset(dataset.path, file, { onProgress: (e) => events.push(e) });
    const exportEvents = events.filter((e) => e.stage === 'export');
    expect(exportEvents.at(-1)).toMatchObject({ done: TRACES, total: TRACES, unit: 'traces', etaMs: 0 });
    expect(events.at(-1)).toMatchObject({ stage: 'finalize', unit: 'bytes' });
    expect(events.at(-1)!.done).toBe(events.at(-1)!.total);
  });
});

describe('SEGYExporter events', () => {
  it('emits stage-start, throttled progress with rate and ETA, stage-end and done, in stage order', async () => {
    const { file } = await freshOutput();
    const exporter = new SEGYExporter();
    const log: string[] = [];
    const progress: ProgressEvent[] = [];
    let done: ExportResult | undefined;
    exporter.on('stage-start', (e: StageStartEvent) => log.push(`start ${e.stage} ${e.total} ${e.unit}`));
    exporter.on('stage-end', (e: StageEndEvent) => log.push(`end ${e.stage}`));
    exporter.on('progress', (e) => progress.push(e));
    exporter.on('done', (result) => {
      done = result;
    });
    const result = await exporter.exportDataset(dataset, file, { chunkTraces: 16 });
    const bytes = (await fs.stat(file)).size;
    expect(log).toEqual([
      `start export ${TRACES} traces`,
      'end export',
      `start finalize ${bytes} bytes`,
      'end finalize',
    ]);
    expect(done).toBe(result);
    const exportProgress = progress.filter((e) => e.stage === 'export');
    expect(exportProgress.every((e, i) => i === 0 || e.done >= exportProgress[i - 1]!.done)).toBe(true);
    const last = exportProgress.at(-1)!;
    expect(last).toMatchObject({ done: TRACES, total: TRACES, etaMs: 0 });
    expect(last.rate).toBeGreaterThan(0);
    // Throttled: not one event per block of 16 traces.
    expect(exportProgress.length).toBeLessThan(TRACES / 16 + 3);
  });
});

describe('conversions', () => {
  const cases: Array<{ formatCode: 1 | 2 | 3 | 5 | 6 | 8 | 16; endianness: 'big' | 'little' }> = [
    { formatCode: 5, endianness: 'big' },
    { formatCode: 5, endianness: 'little' },
    { formatCode: 1, endianness: 'little' },
    { formatCode: 2, endianness: 'little' },
    { formatCode: 3, endianness: 'big' },
    { formatCode: 6, endianness: 'little' },
    { formatCode: 8, endianness: 'big' },
  ];
  it.each(cases)(
    'format $formatCode, $endianness-endian: same samples and header values, consistent binary header',
    async ({ formatCode, endianness }) => {
      const { file } = await freshOutput();
      const result = (await exportDataset(dataset, file, {
        formatCode,
        endianness,
      })) as ExportResult<SegyExportSummary>;
      expect(result).toMatchObject({ formatCode, endianness });
      const original = await readBack(source);
      const back = await readBack(file);
      expect(back.segy.formatCode).toBe(formatCode);
      expect(back.segy.endianness).toBe(endianness);
      expect(back.segy.traceCount).toBe(TRACES);
      // Integer formats round: the synthetic IBM samples are multiples of 0.25.
      const expected = [2, 3, 8].includes(formatCode)
        ? original.samples.map((v) => (v < 0 ? -Math.round(-v) : Math.round(v)) || 0)
        : original.samples;
      expect(back.samples).toEqual(expected);
      expect(back.columns).toEqual(original.columns);
      expect(back.segy.binaryHeader).toMatchObject({
        jobId: 42,
        lineNumber: 7,
        formatCode,
        sampleCount: SAMPLES,
        sampleInterval: 2000,
        ...(endianness === 'little' || formatCode === 6 ? { byteOrder: 0x01020304 } : {}),
      });
      expect(back.segy.textHeaderRaw).toEqual(original.segy.textHeaderRaw);
    },
  );
});

describe('multi-chunk datasets', () => {
  it.each([undefined, 7, 4096, 1_000_000])(
    'write every trace in place with chunkTraces %s',
    async (chunkTraces) => {
      const big = await bigDataset();
      expect(big.chunkCount).toBeGreaterThan(1);
      const { file } = await freshOutput();
      await exportDataset(big, file, chunkTraces === undefined ? {} : { chunkTraces });
      const [written, source] = [await fs.readFile(file), await fs.readFile(path.join(root, 'big.sgy'))];
      expect(written.length).toBe(source.length);
      // Offsets, not a deep comparison: the files are 16 MB.
      expect(differingBytes(source, written).slice(0, 10)).toEqual([]);
    },
  );
});

describe('selections', () => {
  it('writes a trace range, with its headers and samples', async () => {
    const { file } = await freshOutput();
    await exportDataset(dataset, file, { range: { start: 15, end: 37 } });
    const back = await readBack(file);
    expect(back.segy.traceCount).toBe(22);
    expect(back.samples).toEqual(await dataset.readTraces(15, 37));
    expect(back.raw).toEqual(await dataset.readRawHeaders(15, 37));
  });

  it('writes gathers in the order asked', async () => {
    const { file } = await freshOutput();
    const result = await exportDataset(dataset, file, {
      gathers: [{ fieldRecord: 103 }, { fieldRecord: 101 }],
    });
    expect(result.traceCount).toBe(20);
    const back = await readBack(file);
    expect(Array.from(back.columns.fieldRecord as Int32Array)).toEqual([
      ...Array(10).fill(103),
      ...Array(10).fill(101),
    ]);
    const expected = new Float32Array(20 * SAMPLES);
    expected.set(await dataset.readTraces(30, 40), 0);
    expected.set(await dataset.readTraces(10, 20), 10 * SAMPLES);
    expect(back.samples).toEqual(expected);
  });

  it('refuses bad selections before writing anything', async () => {
    const { dir, file } = await freshOutput();
    const outside = await rejection(exportDataset(dataset, file, { range: { start: 10, end: TRACES + 1 } }));
    expect(outside.code).toBe('INVALID_ARGUMENT');
    const empty = await rejection(exportDataset(dataset, file, { range: { start: 10, end: 10 } }));
    expect(empty.code).toBe('INVALID_ARGUMENT');
    const both = await rejection(
      exportDataset(dataset, file, { range: { start: 0, end: 1 }, gathers: [{ fieldRecord: 100 }] }),
    );
    expect(both.code).toBe('INVALID_ARGUMENT');
    const missing = await rejection(exportDataset(dataset, file, { gathers: [{ fieldRecord: 99 }] }));
    expect(missing.code).toBe('GATHER_NOT_FOUND');
    expect(await filesIn(dir)).toEqual([]);
  });
});

describe('Seismic Unix', () => {
  it('writes SU (little-endian floats, 240-byte headers) from a SEG-Y dataset', async () => {
    const { file } = await freshOutput('out.su');
    const result = (await exportDataset(dataset, file, { su: true })) as ExportResult<SegyExportSummary>;
    expect(result).toMatchObject({ format: 'su', kind: 'su', formatCode: 5, endianness: 'little' });
    const back = await readBack(file, 'su');
    const original = await readBack(source);
    expect(back.segy.endianness).toBe('little');
    expect(back.samples).toEqual(original.samples);
    expect(back.columns).toEqual(original.columns);
    expect((await fs.stat(file)).size).toBe(TRACES * (240 + SAMPLES * 4));
  });

  it('exports a dataset imported from SU to SU by default, byte for byte', async () => {
    const suFile = path.join(root, 'source.su');
    await writeSyntheticSegy(suFile, {
      kind: 'su',
      traceCount: 40,
      sampleCount: 30,
      formatCode: 5,
      endianness: 'big',
    });
    const suDataset = await importFile(suFile, path.join(root, 'source-su.seis'), 'su');
    const { file } = await freshOutput('back.su');
    const result = await exportDataset(suDataset, file);
    expect(result.format).toBe('su');
    expect(await fs.readFile(file)).toEqual(await fs.readFile(suFile));
  });

  it('writes SEG-Y from an SU dataset with a made-up textual header and a binary header that says what is there', async () => {
    const suDataset = await Dataset.open(path.join(root, 'source-su.seis'));
    const { file } = await freshOutput();
    await exportDataset(suDataset, file, { format: 'segy' });
    const back = await readBack(file);
    expect(back.segy).toMatchObject({
      formatCode: 5,
      endianness: 'big',
      sampleCount: 30,
      traceCount: 40,
      sampleInterval: 2000,
    });
    expect(back.segy.textHeader).toContain('SEISPROC');
    expect(back.samples).toEqual(await suDataset.readTraces(0, 40));
  });

  it('refuses a sample format other than IEEE float for SU', async () => {
    const { dir, file } = await freshOutput('out.su');
    const error = await rejection(exportDataset(dataset, file, { su: true, formatCode: 1 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await filesIn(dir)).toEqual([]);
  });
});

describe('trace header extensions (rev 2)', () => {
  const corpusFile = path.join(CORPUS_ROOT, 'segyio/trace-header-extension1.sgy');

  it.runIf(existsSync(corpusFile))(
    'keeps them, warns that they stay in the source byte order, and drops them for SU (which needs the sample count in every header)',
    async () => {
      const extended = await importFile(corpusFile, path.join(root, 'extension.seis'));
      expect(extended.traceHeaderSize).toBe(480);
      const original = await readBack(corpusFile);

      const little = await freshOutput();
      const exporter = new SEGYExporter();
      const warnings: string[] = [];
      exporter.on('warning', (w) => warnings.push(w.message));
      await exporter.exportDataset(extended, little.file, { endianness: 'little' });
      expect(warnings).toEqual([
        expect.stringContaining(
          'bytes 241–480 have no field table and are copied in the source byte order (big)',
        ),
      ]);
      const back = await readBack(little.file);
      expect(back.segy.traceHeaderSize).toBe(480);
      expect(back.columns).toEqual(original.columns);
      expect(back.samples).toEqual(original.samples);

      const su = await freshOutput('out.su');
      const suWarnings: string[] = [];
      const suExporter = new SEGYExporter();
      suExporter.on('warning', (w) => suWarnings.push(w.message));
      await suExporter.exportDataset(extended, su.file, { su: true });
      expect(suWarnings).toEqual([
        expect.stringContaining('bytes 241–480 of each trace header (rev-2 extensions) are not written'),
      ]);
      const suBack = await readBack(su.file, 'su');
      expect(suBack.segy.traceHeaderSize).toBe(240);
      // Seismic Unix takes the sample count from every trace header: the source's 0 becomes 4.
      expect(Array.from(original.columns.sampleCount as Uint16Array)).toEqual(Array(6).fill(0));
      expect(suBack.columns).toEqual({ ...original.columns, sampleCount: new Uint16Array(6).fill(4) });
    },
  );
});

describe('processed datasets', () => {
  it('rewrites the sample count in the binary and every trace header when it changed', async () => {
    const trimmedPath = path.join(root, 'trimmed.seis');
    const kept = 20;
    await createDatasetArrays(trimmedPath, { ...dataset.metadata, sample_count: kept });
    const writer = await DatasetChunkWriter.open(trimmedPath);
    for (let c = 0; c < writer.chunkCount; c++) {
      const { start, end } = writer.chunkRange(c);
      const all = await dataset.readTraces(start, end);
      const trimmed = new Float32Array((end - start) * kept);
      for (let t = 0; t < end - start; t++)
        trimmed.set(all.subarray(t * SAMPLES, t * SAMPLES + kept), t * kept);
      await writer.writeChunk(c, trimmed, await dataset.readRawHeaders(start, end));
    }
    for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
      await fs.copyFile(path.join(dataset.path, table), path.join(trimmedPath, table));
    }
    const { file } = await freshOutput();
    await exportDataset(trimmedPath, file);
    const back = await readBack(file);
    expect(back.segy.sampleCount).toBe(kept);
    expect(back.segy.binaryHeader.sampleCount).toBe(kept);
    expect(Array.from(back.columns.sampleCount as Uint16Array).every((ns) => ns === kept)).toBe(true);
    expect(back.samples.subarray(0, kept)).toEqual((await dataset.readTraces(0, 1)).subarray(0, kept));
    const original = await readBack(source);
    expect(back.columns.cdp).toEqual(original.columns.cdp);
  });
});

describe('exportFromZarrChunked', () => {
  it('writes processed samples with the original file headers, chunk by chunk', async () => {
    const processed = await scaledCopy(dataset, path.join(root, 'gain.seis'), 2.5);
    const { file } = await freshOutput();
    const exporter = new SEGYExporter();
    const result = await exporter.exportFromZarrChunked({
      outputPath: file,
      originalSegyPath: source,
      dataset: processed,
      chunkTraces: 64,
    });
    expect(result).toMatchObject({ traceCount: TRACES, formatCode: 1, endianness: 'big' });
    const original = await readBack(source);
    const back = await readBack(file);
    expect(back.samples).toEqual(original.samples.map((v) => v * 2.5));
    expect(back.raw).toEqual(original.raw);
    const [a, b] = [await fs.readFile(source), await fs.readFile(file)];
    expect(b.subarray(0, 3600)).toEqual(a.subarray(0, 3600));
  });

  it('reads samples from a bare 2-D Zarr array (e.g. written by zarr-python)', async () => {
    const arrayPath = path.join(root, 'bare.zarr');
    const array = await zarr.create(zarr.root(new FileSystemStore(arrayPath)), {
      shape: [TRACES, SAMPLES],
      chunkShape: [128, 25],
      dtype: 'float64',
      fillValue: 0,
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    });
    const values = new Float64Array(TRACES * SAMPLES).map((_, i) => (i % 97) - 48);
    await zarr.set(array, null, { data: values, shape: [TRACES, SAMPLES], stride: [SAMPLES, 1] });
    const { file } = await freshOutput();
    await new SEGYExporter().exportFromZarrChunked({
      outputPath: file,
      originalSegyPath: source,
      zarrPath: arrayPath,
    });
    const back = await readBack(file);
    expect(back.samples).toEqual(Float32Array.from(values));
    expect(back.raw).toEqual((await readBack(source)).raw);
  });

  it('refuses a dimension mismatch before writing anything, naming both shapes', async () => {
    const arrayPath = path.join(root, 'short.zarr');
    await zarr.create(zarr.root(new FileSystemStore(arrayPath)), {
      shape: [TRACES - 1, SAMPLES],
      chunkShape: [100, SAMPLES],
      dtype: 'float32',
      fillValue: 0,
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    });
    const { dir, file } = await freshOutput();
    const error = await rejection(
      new SEGYExporter().exportFromZarrChunked({
        outputPath: file,
        originalSegyPath: source,
        zarrPath: arrayPath,
      }),
    );
    expect(error.code).toBe('EXPORT_DIMENSION_MISMATCH');
    expect(error.message).toContain(`${TRACES} traces × ${SAMPLES} samples`);
    expect(error.message).toContain(`${TRACES - 1} traces × ${SAMPLES} samples`);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('needs exactly one sample source', async () => {
    const { dir, file } = await freshOutput();
    const error = await rejection(
      new SEGYExporter().exportFromZarrChunked({ outputPath: file, originalSegyPath: source }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(await filesIn(dir)).toEqual([]);
  });
});

describe('safety', () => {
  it('refuses to replace an existing file unless asked', async () => {
    const { file } = await freshOutput();
    await fs.writeFile(file, 'keep me');
    const error = await rejection(exportDataset(dataset, file));
    expect(error.code).toBe('DATASET_EXISTS');
    expect(await fs.readFile(file, 'utf8')).toBe('keep me');
    await exportDataset(dataset, file, { overwrite: true });
    expect(await fs.readFile(file)).toEqual(await fs.readFile(source));
  });

  it('cancels on cancel() in the middle and leaves nothing behind', async () => {
    const { dir, file } = await freshOutput();
    const exporter = new SEGYExporter();
    let cancelledAt = -1;
    exporter.on('progress', (e) => {
      if (e.stage === 'export' && e.done > 0 && cancelledAt < 0) {
        cancelledAt = e.done;
        exporter.cancel();
      }
    });
    const big = await bigDataset();
    const error = await rejection(exporter.exportDataset(big, file, { chunkTraces: 8, workers: 1 }));
    expect(error.code).toBe('CANCELLED');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(cancelledAt).toBeLessThan(big.traceCount);
    expect(await filesIn(dir)).toEqual([]);
  });

  it('cancels on an AbortSignal, also one aborted before the start', async () => {
    const { dir, file } = await freshOutput();
    const error = await rejection(exportDataset(dataset, file, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELLED');
    const controller = new AbortController();
    const running = exportDataset(await bigDataset(), file, {
      signal: controller.signal,
      chunkTraces: 8,
      onProgress: (e) => {
        if (e.done > 0) controller.abort();
      },
    });
    expect((await rejection(running)).code).toBe('CANCELLED');
    expect(await filesIn(dir)).toEqual([]);
  });

  it('fails on a damaged dataset chunk with a typed error and leaves nothing behind', async () => {
    const damagedPath = path.join(root, 'damaged.seis');
    await fs.cp(dataset.path, damagedPath, { recursive: true });
    const damaged = await Dataset.open(damagedPath);
    expect(damaged.chunkCount).toBeGreaterThan(0);
    await fs.writeFile(path.join(damagedPath, 'traces', 'c', '0', '0'), new Uint8Array(12));
    const { dir, file } = await freshOutput();
    const error = await rejection(exportDataset(damaged, file));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toContain(path.join(damagedPath, 'traces', 'c', '0', '0'));
    expect(error.context).toMatchObject({ traceIndex: 0, segmentId: 0 });
    expect(await filesIn(dir)).toEqual([]);
  });

  it('refuses an output whose write lock another writer holds, and releases its own lock', async () => {
    const { dir, file } = await freshOutput();
    const held = await acquireWriteLock(file);
    const error = await rejection(exportDataset(dataset, file));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(error.context.path).toBe(path.join(await fs.realpath(dir), 'out.sgy'));
    expect(error.context.lockPath).toBe(held.lockPath);
    expect(await filesIn(dir)).toEqual(['out.sgy.lock']);
    await held.release();

    await exportDataset(dataset, file);
    expect(await isWriteLocked(file)).toBe(false);
    expect(await filesIn(dir)).toEqual(['out.sgy']);
    // Released after a failure too (here: the output exists).
    expect((await rejection(exportDataset(dataset, file))).code).toBe('DATASET_EXISTS');
    expect(await isWriteLocked(file)).toBe(false);
    expect(await filesIn(dir)).toEqual(['out.sgy']);
  });

  it('lets one of two exports into the same file run; the other fails with DATASET_LOCKED', async () => {
    const { dir, file } = await freshOutput();
    let second: Promise<SeisprocError> | undefined;
    // A format that starts the second export while the first holds the lock, and writes SEG-Y
    // only once the second has failed: the overlap is certain, not a matter of timing.
    registerExportFormat({
      name: 'segy-after-second',
      description: 'SEG-Y, written after a competing export into the same file was refused',
      extensions: ['.sgy'],
      async write(context) {
        second = rejection(exportDataset(dataset, file, { overwrite: true }));
        await second;
        return getExportFormat('segy').write(context);
      },
    });
    await exportDataset(dataset, file, { format: 'segy-after-second' });
    const refused = await second!;
    expect(refused.code).toBe('DATASET_LOCKED');
    expect(refused.context.path).toBe(path.join(await fs.realpath(dir), 'out.sgy'));
    expect(await fs.readFile(file)).toEqual(await fs.readFile(source));
    expect(await filesIn(dir)).toEqual(['out.sgy']);
  });
});

let big: Dataset | undefined;
/** A dataset with enough blocks that an export is still running when its first progress arrives. */
async function bigDataset(): Promise<Dataset> {
  if (big) return big;
  const file = path.join(root, 'big.sgy');
  await writeSyntheticSegy(file, LONG_RUNNING_SEGY);
  big = await importFile(file, path.join(root, 'big.seis'));
  return big;
}

describe.runIf(WORKER_BUILT)('worker threads (dist/export-worker.js)', () => {
  it('write the same bytes as the calling thread', async () => {
    const { file } = await freshOutput();
    const result = await exportDataset(dataset, file, { workers: 2, inProcessThreshold: 0, chunkTraces: 32 });
    expect(result.workers).toBe(2);
    expect(await fs.readFile(file)).toEqual(await fs.readFile(source));
  });

  it('default to one writer per two cores', async () => {
    const { file } = await freshOutput();
    const result = await exportDataset(dataset, file, { inProcessThreshold: 0, chunkTraces: 32 });
    expect(result.workers).toBe(Math.max(1, Math.floor(os.availableParallelism() / 2)));
    expect(await fs.readFile(file)).toEqual(await fs.readFile(source));
  });

  it('convert byte order and format in parallel like in one thread', async () => {
    const [one, two] = [await freshOutput(), await freshOutput()];
    await exportDataset(dataset, one.file, { workers: 1, formatCode: 5, endianness: 'little' });
    await exportDataset(dataset, two.file, {
      workers: 2,
      inProcessThreshold: 0,
      chunkTraces: 50,
      formatCode: 5,
      endianness: 'little',
    });
    expect(await fs.readFile(two.file)).toEqual(await fs.readFile(one.file));
  });

  it('cancel and leave nothing behind', async () => {
    const { dir, file } = await freshOutput();
    const exporter = new SEGYExporter();
    exporter.on('progress', (e) => {
      if (e.stage === 'export' && e.done > 0) exporter.cancel();
    });
    const error = await rejection(
      exporter.exportDataset(await bigDataset(), file, { workers: 2, inProcessThreshold: 0, chunkTraces: 8 }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(await filesIn(dir)).toEqual([]);
  });

  it('fail with the worker error, its code and context, and leave nothing behind', async () => {
    const damagedPath = path.join(root, 'damaged-late.seis');
    const source = await bigDataset();
    await fs.cp(source.path, damagedPath, { recursive: true });
    const lastChunk = source.chunkCount - 1;
    await fs.writeFile(path.join(damagedPath, 'traces', 'c', String(lastChunk), '0'), new Uint8Array(12));
    const { dir, file } = await freshOutput();
    const error = await rejection(exportDataset(damagedPath, file, { workers: 2, inProcessThreshold: 0 }));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.context.traceIndex).toBe(lastChunk * source.chunkTraces);
    expect(error.message).toContain(path.join(damagedPath, 'traces', 'c', String(lastChunk), '0'));
    expect(await filesIn(dir)).toEqual([]);
  });
});

describe('export format registry', () => {
  it('lists the built-in formats with their extensions', () => {
    const formats = listExportFormats();
    expect(formats.map((f) => f.name).slice(0, 2)).toEqual(['segy', 'su']);
    expect(getExportFormat('segy').extensions).toContain('.sgy');
    expect(getExportFormat('su').extensions).toEqual(['.su']);
    expect(() => getExportFormat('nope')).toThrowError(/unknown export format "nope"; registered: segy, su/);
  });

  it('runs a registered format with a temporary file, progress and an atomic commit', async () => {
    const csv: ExportFormat = {
      name: 'first-samples-csv',
      description: 'first sample of each trace, one per line',
      extensions: ['.csv'],
      async write(context) {
        const stage = context.startStage('export', context.dataset.traceCount, 'traces');
        const samples = await context.dataset.readTraces(0, context.dataset.traceCount);
        const lines = Array.from({ length: context.dataset.traceCount }, (_, t) =>
          String(samples[t * context.dataset.sampleCount]),
        );
        const text = `${lines.join('\n')}\n`;
        expect(path.dirname(context.temporaryPath)).toBe(path.dirname(context.outputPath));
        await fs.writeFile(context.temporaryPath, text);
        stage.end();
        return { traceCount: lines.length, bytes: Buffer.byteLength(text), workers: 1 };
      },
    };
    registerExportFormat(csv);
    expect(listExportFormats().map((f) => f.name)).toContain('first-samples-csv');
    expect(() => registerExportFormat(csv)).toThrowError(/already registered/);
    expect(() => registerExportFormat({ ...csv, name: 'Bad Name' })).toThrowError(/lower case/);
    registerExportFormat({ ...csv, description: 'replaced' }, { replace: true });
    expect(getExportFormat('first-samples-csv').description).toBe('replaced');

    const { dir, file } = await freshOutput('first.csv');
    const result = await exportDataset(dataset, file, { format: 'first-samples-csv' });
    expect(result).toMatchObject({ format: 'first-samples-csv', traceCount: TRACES });
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n').map(Number);
    const samples = await dataset.readTraces(0, 3);
    expect(lines.slice(0, 3)).toEqual([samples[0], samples[SAMPLES], samples[2 * SAMPLES]]);
    expect(await filesIn(dir)).toEqual(['first.csv']);
  });

  it('removes the temporary file of a format that fails', async () => {
    registerExportFormat({
      name: 'always-fails',
      description: 'writes half a file, then fails',
      extensions: ['.bin'],
      async write(context) {
        await fs.writeFile(context.temporaryPath, 'partial');
        throw new Error('disk on fire');
      },
    });
    const { dir, file } = await freshOutput('x.bin');
    const error = await rejection(exportDataset(dataset, file, { format: 'always-fails' }));
    expect(error.code).toBe('EXPORT_FAILED');
    expect(error.message).toContain('disk on fire');
    expect(await filesIn(dir)).toEqual([]);
  });
});
