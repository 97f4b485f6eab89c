/**
 * Synthetic multi-gather datasets for tests, written with the storage API alone (no SEG-Y, no
 * import): a 2-D shot-ordered survey of `shots` shots × `channels` channels. Every header value
 * and sample is a known function of the trace, so tests can compute what any read must return.
 *
 * Geometry of trace t = shot s × channels + channel c:
 * - `traceSequenceLine` = `traceSequenceFile` = t + 1, `fieldRecord` = 1000 + s, `traceNumber` = c + 1
 * - `cdp` = 100 + s + ⌊c / 2⌋: each CDP takes 2 traces from each of several shots, so in this
 *   shot-ordered file a CDP value occurs as several runs (an unsorted key)
 * - `offset` = 50 × (channels − c): decreasing along a shot, so sorting by offset reverses it
 * - `scalarCoordinates` = −100 (constant), `sourceX` = 10 000 + 50 s, `groupX` = sourceX + offset
 * - `sampleCount`, `sampleInterval` as the dataset's
 * - `quality` (a Parquet-only FLOAT column, not a SEG-Y field) = t / 4
 * - sample s of trace t = {@link syntheticSample}(t, s) unless `sampleValue` is given.
 *
 * Raw headers are big-endian at the standard byte positions; `ensembles.parquet` indexes
 * `fieldRecord` (sorted: one run per shot) and `cdp` (unsorted: several runs per CDP).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  type CompressionCodec,
  createDatasetArrays,
  DATASET_FORMAT_VERSION,
  DatasetChunkWriter,
  type DatasetMetadata,
  ENSEMBLE_COLUMNS,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  ParquetTableWriter,
} from '../../src/storage/index.js';

/** What to generate. */
export interface SyntheticSpec {
  shots: number;
  channels: number;
  sampleCount: number;
  /** Traces codec (default `none`). */
  codec?: CompressionCodec;
  /** Traces per chunk (default: 2.5 shots, so gathers straddle chunks). */
  chunkTraces?: number;
  /** Rows per Parquet row group of headers.parquet (default 64k). */
  rowGroupSize?: number;
  /** Sample interval in µs (default 2000). */
  sampleIntervalUs?: number;
  /** Sample value of trace t, sample s (default {@link syntheticSample}). */
  sampleValue?: (trace: number, sample: number) => number;
}

/** Sample s of trace t: exact in float32 while t × 1000 + s < 2^24 (sampleCount ≤ 1000, t < 16 000). */
export const syntheticSample = (trace: number, sample: number): number => trace * 1000 + sample;

/** The header columns written to headers.parquet, with their SEG-Y byte and type (quality has no byte). */
export const SYNTHETIC_FIELDS = [
  { key: 'traceSequenceLine', byte: 1, size: 4 },
  { key: 'traceSequenceFile', byte: 5, size: 4 },
  { key: 'fieldRecord', byte: 9, size: 4 },
  { key: 'traceNumber', byte: 13, size: 4 },
  { key: 'cdp', byte: 21, size: 4 },
  { key: 'offset', byte: 37, size: 4 },
  { key: 'scalarCoordinates', byte: 71, size: 2 },
  { key: 'sourceX', byte: 73, size: 4 },
  { key: 'groupX', byte: 81, size: 4 },
  { key: 'sampleCount', byte: 115, size: 2 },
  { key: 'sampleInterval', byte: 117, size: 2 },
] as const;

/** Header values of trace t (every column of headers.parquet). */
export function syntheticHeaders(spec: SyntheticSpec, trace: number): Record<string, number> {
  const shot = Math.floor(trace / spec.channels);
  const channel = trace % spec.channels;
  const offset = 50 * (spec.channels - channel);
  const sourceX = 10_000 + 50 * shot;
  return {
    traceSequenceLine: trace + 1,
    traceSequenceFile: trace + 1,
    fieldRecord: 1000 + shot,
    traceNumber: channel + 1,
    cdp: 100 + shot + Math.floor(channel / 2),
    offset,
    scalarCoordinates: -100,
    sourceX,
    groupX: sourceX + offset,
    sampleCount: spec.sampleCount,
    sampleInterval: spec.sampleIntervalUs ?? 2000,
    quality: trace / 4,
  };
}

/** Runs of consecutive equal values of a column: what ensembles.parquet holds for one key. */
export function runsOf(values: ArrayLike<number>): Array<{ value: number; start: number; count: number }> {
  const runs: Array<{ value: number; start: number; count: number }> = [];
  for (let t = 0; t < values.length; t++) {
    const last = runs[runs.length - 1];
    if (last && last.value === values[t]) last.count++;
    else runs.push({ value: values[t]!, start: t, count: 1 });
  }
  return runs;
}

/** Metadata of a synthetic dataset. */
export function syntheticMetadata(spec: SyntheticSpec): DatasetMetadata {
  const traceCount = spec.shots * spec.channels;
  return {
    format_version: DATASET_FORMAT_VERSION,
    created_by: 'seisproc test helper',
    created_at: '2026-01-01T00:00:00.000Z',
    source: null,
    trace_count: traceCount,
    sample_count: spec.sampleCount,
    sample_interval_us: spec.sampleIntervalUs ?? 2000,
    delay_ms: 0,
    source_format: { format_code: 5, endianness: 'big', text_encoding: 'ebcdic', revision: 1, kind: 'segy' },
    text_header: null,
    extended_text_headers: [],
    binary_header: null,
    trace_header_size: 240,
    header_mapping: { fields: [] },
    ensemble_keys: [['fieldRecord'], ['cdp']],
    chunk_traces: Math.max(1, Math.min(traceCount, spec.chunkTraces ?? Math.ceil(spec.channels * 2.5))),
    compression: { codec: spec.codec ?? 'none' },
    crs: null,
    provenance: [],
  };
}

/** Write a synthetic dataset at `dir` (which must not exist) and return its metadata. */
export async function writeSyntheticDataset(dir: string, spec: SyntheticSpec): Promise<DatasetMetadata> {
  const metadata = syntheticMetadata(spec);
  const traceCount = metadata.trace_count;
  const sampleValue = spec.sampleValue ?? syntheticSample;
  await createDatasetArrays(dir, metadata);
  const writer = await DatasetChunkWriter.open(dir);
  const columns = [...SYNTHETIC_FIELDS.map((f) => f.key), 'quality'];
  const tableWriter = ParquetTableWriter.create(
    path.join(dir, HEADERS_TABLE),
    columns.map((name) => ({ name, type: name === 'quality' ? ('FLOAT' as const) : ('INT32' as const) })),
    { rowGroupSize: spec.rowGroupSize ?? 65_536 },
  );
  // Whole columns, appended at the end so that every row group holds exactly rowGroupSize rows.
  const table: Record<string, Float32Array | Int32Array> = {};
  for (const name of columns)
    table[name] = name === 'quality' ? new Float32Array(traceCount) : new Int32Array(traceCount);
  for (let chunk = 0; chunk < writer.chunkCount; chunk++) {
    const { start, end } = writer.chunkRange(chunk);
    const rows = end - start;
    const samples = new Float32Array(rows * spec.sampleCount);
    const raw = new Uint8Array(rows * 240);
    const view = new DataView(raw.buffer);
    for (let t = start; t < end; t++) {
      const row = t - start;
      for (let s = 0; s < spec.sampleCount; s++) samples[row * spec.sampleCount + s] = sampleValue(t, s);
      const headers = syntheticHeaders(spec, t);
      for (const field of SYNTHETIC_FIELDS) {
        const at = row * 240 + field.byte - 1;
        if (field.size === 4) view.setInt32(at, headers[field.key]!, false);
        else view.setInt16(at, headers[field.key]!, false);
      }
      for (const name of columns) table[name]![t] = headers[name]!;
    }
    await writer.writeChunk(chunk, samples, raw);
  }
  await tableWriter.append(table);
  await tableWriter.close();
  await writeEnsembles(dir, [
    ['fieldRecord', runsOf(table.fieldRecord!)],
    ['cdp', runsOf(table.cdp!)],
  ]);
  return metadata;
}

async function writeEnsembles(
  dir: string,
  keys: Array<[string, Array<{ value: number; start: number; count: number }>]>,
): Promise<void> {
  const rows = keys.flatMap(([key, runs]) => runs.map((run) => ({ key, ...run })));
  const index = ParquetTableWriter.create(path.join(dir, ENSEMBLES_TABLE), ENSEMBLE_COLUMNS);
  await index.append({
    key: rows.map((r) => r.key),
    value0: rows.map((r) => r.value),
    value1: rows.map(() => 0),
    first_trace: rows.map((r) => r.start),
    trace_count: rows.map((r) => r.count),
  });
  await index.close();
}

/** A fresh scratch directory under the OS temp dir; remove it with `fs.rm(dir, { recursive: true })`. */
export async function scratchDirectory(tag: string): Promise<string> {
  const os = await import('node:os');
  return fs.mkdtemp(path.join(os.tmpdir(), `seisproc-${tag}-`));
}
