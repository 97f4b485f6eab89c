/**
 * Opening a dataset (format version 1) lazily: `open` reads only `zarr.json` and the array
 * metadata; traces, raw headers and header columns are read on demand, range by range.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { DatasetError } from '../errors/index.js';
import type { DatasetMetadata } from './metadata.js';
import { type ParquetColumnValues, type RowRange, readParquetColumns } from './parquet.js';
import { datasetRoot, RAW_HEADERS_ARRAY, readDatasetMetadata, TRACES_ARRAY } from './zarr.js';

/** File names of the tables inside a dataset directory. */
export const HEADERS_TABLE = 'headers.parquet';
export const ENSEMBLES_TABLE = 'ensembles.parquet';

/** A seisproc dataset opened for reading. */
export class Dataset {
  protected constructor(
    /** Absolute path of the dataset directory. */
    readonly path: string,
    /** The group metadata (`attributes.seisproc`). */
    readonly metadata: DatasetMetadata,
    protected readonly tracesArray: zarr.Array<'float32', FileSystemStore>,
    protected readonly rawHeadersArray: zarr.Array<'uint8', FileSystemStore>,
  ) {}

  /**
   * Open a dataset directory. Reads metadata only. Fails with `DATASET_NOT_FOUND` when there is
   * nothing at `datasetPath`, `DATASET_INCOMPLETE` when parts are missing (e.g. an import that
   * never finished), `DATASET_INVALID` when what is there is not a consistent dataset.
   */
  static async open(datasetPath: string): Promise<Dataset> {
    const dir = path.resolve(datasetPath);
    const metadata = await readDatasetMetadata(dir);
    for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
      if (!(await fs.stat(path.join(dir, table)).catch(() => undefined))) {
        throw new DatasetError('DATASET_INCOMPLETE', `dataset has no ${table}`, { path: dir });
      }
    }
    const root = datasetRoot(dir);
    let traces: zarr.Array<zarr.DataType, FileSystemStore>;
    let rawHeaders: zarr.Array<zarr.DataType, FileSystemStore>;
    try {
      traces = await zarr.open(root.resolve(TRACES_ARRAY), { kind: 'array' });
      rawHeaders = await zarr.open(root.resolve(RAW_HEADERS_ARRAY), { kind: 'array' });
    } catch (cause) {
      throw new DatasetError('DATASET_INCOMPLETE', 'dataset arrays are missing or unreadable', {
        path: dir,
        cause,
      });
    }
    if (!traces.is('float32') || !rawHeaders.is('uint8')) {
      throw new DatasetError('DATASET_INVALID', 'traces must be float32 and raw_headers uint8', {
        path: dir,
      });
    }
    const shapeOk =
      traces.shape[0] === metadata.trace_count &&
      traces.shape[1] === metadata.sample_count &&
      rawHeaders.shape[0] === metadata.trace_count &&
      rawHeaders.shape[1] === metadata.trace_header_size;
    if (!shapeOk) {
      throw new DatasetError(
        'DATASET_INVALID',
        `array shapes traces [${traces.shape}] and raw_headers [${rawHeaders.shape}] do not match the metadata ` +
          `(${metadata.trace_count} traces × ${metadata.sample_count} samples, ${metadata.trace_header_size} header bytes)`,
        { path: dir },
      );
    }
    return new Dataset(dir, metadata, traces, rawHeaders);
  }

  /** Number of traces. */
  get traceCount(): number {
    return this.metadata.trace_count;
  }
  /** Samples per trace. */
  get sampleCount(): number {
    return this.metadata.sample_count;
  }
  /** Sample interval in microseconds. */
  get sampleInterval(): number {
    return this.metadata.sample_interval_us;
  }
  /** Traces per stored chunk. */
  get chunkTraces(): number {
    return this.metadata.chunk_traces;
  }
  /** Header bytes per trace in the raw headers. */
  get traceHeaderSize(): number {
    return this.metadata.trace_header_size;
  }
  /** Number of stored chunks along the trace axis. */
  get chunkCount(): number {
    return Math.ceil(this.traceCount / this.chunkTraces);
  }

  /** Samples of traces [start, end), trace after trace: (end − start) × sampleCount values. */
  async readTraces(start: number, end: number): Promise<Float32Array> {
    this.checkRange(start, end);
    if (end === start) return new Float32Array(0);
    const result = await zarr.get(this.tracesArray, [zarr.slice(start, end), null]);
    return result.data as Float32Array;
  }

  /** Raw trace header bytes of traces [start, end): (end − start) × traceHeaderSize bytes. */
  async readRawHeaders(start: number, end: number): Promise<Uint8Array> {
    this.checkRange(start, end);
    if (end === start) return new Uint8Array(0);
    const result = await zarr.get(this.rawHeadersArray, [zarr.slice(start, end), null]);
    return result.data as Uint8Array;
  }

  /** Stored chunk `chunkIndex` of the traces array, trimmed to the traces it holds. */
  async readChunk(chunkIndex: number): Promise<{ start: number; end: number; samples: Float32Array }> {
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= this.chunkCount) {
      throw new DatasetError('DATASET_RANGE', `chunk ${chunkIndex} outside [0, ${this.chunkCount})`, {
        path: this.path,
      });
    }
    const start = chunkIndex * this.chunkTraces;
    const end = Math.min(this.traceCount, start + this.chunkTraces);
    const chunk = await this.tracesArray.getChunk([chunkIndex, 0]);
    const samples = (chunk.data as Float32Array).subarray(0, (end - start) * this.sampleCount);
    return { start, end, samples };
  }

  /**
   * Header columns from `headers.parquet`: only the columns asked for (all by default) and only
   * the row groups overlapping `range`.
   */
  async readHeaderColumns(
    columns?: string[],
    range?: RowRange,
  ): Promise<Record<string, ParquetColumnValues>> {
    if (range) this.checkRange(range.start, range.end);
    return readParquetColumns(path.join(this.path, HEADERS_TABLE), columns, range);
  }

  /** Release resources. Reads after `close` are not supported. */
  async close(): Promise<void> {
    // zarrita's file system store opens files per read; nothing is held open.
  }

  protected checkRange(start: number, end: number): void {
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end < start ||
      end > this.traceCount
    ) {
      throw new DatasetError(
        'DATASET_RANGE',
        `trace range [${start}, ${end}) outside [0, ${this.traceCount})`,
        {
          path: this.path,
          traceIndex: start,
        },
      );
    }
  }
}

/**
 * SHA-256 of every sample as float32 little-endian, trace after trace, read chunk by chunk: the
 * same value as `seisproc checksum FILE` on the source and `samples_sha256_f32le` of the corpus.
 */
export async function datasetChecksum(
  dataset: Dataset,
  onProgress?: (doneTraces: number, totalTraces: number) => void,
): Promise<string> {
  const hash = createHash('sha256');
  for (let i = 0; i < dataset.chunkCount; i++) {
    const { end, samples } = await dataset.readChunk(i);
    hash.update(littleEndianBytes(samples));
    onProgress?.(end, dataset.traceCount);
  }
  return hash.digest('hex');
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a Float32Array in little-endian order (a view on little-endian hosts). */
export function littleEndianBytes(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  if (LITTLE_ENDIAN_HOST) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    swapped[i] = bytes[i + 3]!;
    swapped[i + 1] = bytes[i + 2]!;
    swapped[i + 2] = bytes[i + 1]!;
    swapped[i + 3] = bytes[i]!;
  }
  return swapped;
}
