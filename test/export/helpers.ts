/**
 * Shared pieces of the export tests: synthetic SEG-Y files with known
 * samples and headers, imports, processed copies of datasets made with the storage API, and
 * byte comparisons.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { importSegy } from '../../src/import/index.js';
import {
  type Endianness,
  encodeTraceHeaders,
  type SampleFormatCode,
  type SegyKind,
  SegyWriter,
  sampleFormat,
} from '../../src/segy/index.js';
import {
  createDatasetArrays,
  Dataset,
  DatasetChunkWriter,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
} from '../../src/storage/index.js';

/** Names in `dir` (to prove nothing, not even a temporary file, was left behind). */
export async function filesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

/** Sample values every format can hold exactly: small integers, so int8/uint8 included. */
export function representableSample(format: SampleFormatCode, trace: number, sample: number): number {
  const native = sampleFormat(format).native;
  const base = ((trace * 7 + sample * 3) % 100) + 1;
  if (native.startsWith('uint')) return base;
  if (native === 'int8') return (base % 2 === 0 ? 1 : -1) * (base % 100);
  if (native === 'ibm32' || native.startsWith('float')) return (base - 50) * 0.25;
  return base - 50;
}

/** What {@link writeSyntheticSegy} writes. */
export interface SyntheticSegy {
  kind?: SegyKind;
  traceCount: number;
  sampleCount: number;
  formatCode: SampleFormatCode;
  endianness: Endianness;
  /** Traces per field record (gathers of `fieldRecord`). Default 10. */
  tracesPerRecord?: number;
  /** Sample value of trace t, sample s. Default {@link representableSample}. */
  sample?: (trace: number, sample: number) => number;
}

/** Header values of trace t in synthetic files: distinct per trace, in several field types. */
export function syntheticHeaderValues(traceCount: number, tracesPerRecord: number, sampleCount: number) {
  const ids = Array.from({ length: traceCount }, (_, t) => t);
  return {
    traceSequenceLine: ids.map((t) => t + 1),
    traceSequenceFile: ids.map((t) => t + 1),
    fieldRecord: ids.map((t) => 100 + Math.floor(t / tracesPerRecord)),
    traceNumber: ids.map((t) => (t % tracesPerRecord) + 1),
    cdp: ids.map((t) => 5000 + t * 3),
    offset: ids.map((t) => -1000 + 25 * t),
    scalarCoordinates: -100,
    sourceX: ids.map((t) => 60_000_000 + t),
    groupY: ids.map((t) => -70_000_000 - t),
    sampleCount,
    sampleInterval: 2000,
    inline: ids.map((t) => 10 + (t % 13)),
    crossline: ids.map((t) => 20 + Math.floor(t / 13)),
    sourceEnergyDirectionCrossline: ids.map((t) => (t % 2 ? -7 : 7)),
    sourceMeasurementMantissa: ids.map((t) => 123_456 + t),
  };
}

/**
 * A file large enough (20 000 traces, 16 MB) that an import or export of it in small chunks is still
 * running when a test cancels or interrupts it after it has started writing.
 */
export const LONG_RUNNING_SEGY: SyntheticSegy = {
  traceCount: 20_000,
  sampleCount: 200,
  formatCode: 1,
  endianness: 'big',
};

/** Write a SEG-Y or SU file with known samples and headers. */
export async function writeSyntheticSegy(file: string, spec: SyntheticSegy): Promise<void> {
  const { traceCount, sampleCount, formatCode, endianness } = spec;
  const sample = spec.sample ?? ((t: number, s: number) => representableSample(formatCode, t, s));
  const writer = await SegyWriter.create(file, {
    kind: spec.kind ?? 'segy',
    sampleCount,
    sampleInterval: 2000,
    formatCode,
    endianness,
    traceCount,
    ...(spec.kind === 'su'
      ? {}
      : { textHeader: 'C 1 SYNTHETIC EXPORT TEST FILE', binaryHeader: { jobId: 42, lineNumber: 7 } }),
  });
  const samples = new Float32Array(traceCount * sampleCount);
  for (let t = 0; t < traceCount; t++) {
    for (let s = 0; s < sampleCount; s++) samples[t * sampleCount + s] = sample(t, s);
  }
  const headers = encodeTraceHeaders(
    traceCount,
    syntheticHeaderValues(traceCount, spec.tracesPerRecord ?? 10, sampleCount),
    {
      endianness,
    },
  );
  await writer.writeTraces(0, samples, headers);
  await writer.close();
}

/** Import `file` into `dir/NAME.seis` (in-process for small files, as every test file is). */
export async function importFile(file: string, datasetPath: string, kind?: SegyKind): Promise<Dataset> {
  await importSegy(file, datasetPath, kind ? { kind } : {});
  return Dataset.open(datasetPath);
}

/**
 * A processed copy of a dataset made with the storage API alone: same metadata, raw headers and
 * tables, every sample multiplied by `factor`.
 */
export async function scaledCopy(source: Dataset, targetPath: string, factor: number): Promise<Dataset> {
  await createDatasetArrays(targetPath, { ...source.metadata, compression: { codec: 'none' } });
  const writer = await DatasetChunkWriter.open(targetPath);
  for (let c = 0; c < writer.chunkCount; c++) {
    const { start, end } = writer.chunkRange(c);
    const samples = await source.readTraces(start, end);
    const scaled = samples.map((v) => v * factor);
    await writer.writeChunk(c, scaled, await source.readRawHeaders(start, end));
  }
  for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
    await fs.copyFile(path.join(source.path, table), path.join(targetPath, table));
  }
  return Dataset.open(targetPath);
}

/** Offsets where two byte arrays differ (and the length difference). */
export function differingBytes(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}
