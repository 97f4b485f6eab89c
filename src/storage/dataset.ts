/**
 * Opening a dataset (format version 1 or 2) lazily: `open` reads only `zarr.json` and the array
 * metadata; traces, raw headers, header columns and the gather index are read on demand, range by
 * range, and gathers are assembled from them. Samples are read as float32 unless the stored type
 * is asked for.
 */
import { createHash } from 'node:crypto';
import { CancelledError, DatasetError } from '../errors/index.js';
import { isRemote, type ObjectStore, type StorageOptions } from '../io/index.js';
import { decodeHeaderColumns, type HeaderField, HeaderMapping } from '../segy/index.js';
import { checkArrayGeometry } from './checks.js';
import {
  type DatasetAddress,
  datasetLocation,
  objectLocation,
  openDatasetStore,
  tableByteSource,
} from './dataset-store.js';
import {
  checkEnsembleTable,
  ENSEMBLE_COLUMN_NAMES,
  EnsembleIndex,
  type GatherInfo,
  type TraceRun,
} from './ensembles.js';
import {
  columnBytes,
  type Gather,
  type GatherOptions,
  type GatherSelector,
  normalizeSortKeys,
  permuteColumn,
  permuteRows,
  runTraceIndices,
  ScratchPool,
  type StoredGatherOptions,
  sampleBuffer,
  sortOrder,
} from './gather.js';
import type { DatasetMetadata } from './metadata.js';
import { type ParquetColumnValues, type RowRange, readParquetColumns } from './parquet.js';
import { openRowSource, type RowSource } from './row-source.js';
import {
  convertStoredSamples,
  isStoredSampleArray,
  littleEndianBytes,
  type StoredSampleArray,
  type StoredSampleType,
  storedSampleArray,
  storedSampleBytes,
  storedSampleView,
} from './samples.js';
import { type HeaderColumnStats, ParquetTableReader } from './table-reader.js';
import {
  type DatasetArray,
  openDatasetArray,
  RAW_HEADERS_ARRAY,
  readDatasetMetadata,
  TRACES_ARRAY,
  traceArrayType,
} from './zarr.js';

/** File names of the tables inside a dataset directory. */
export const HEADERS_TABLE = 'headers.parquet';
export const ENSEMBLES_TABLE = 'ensembles.parquet';

/** Rows of `headers.parquet` read at once for a gather's columns outside the header mapping. */
const MAX_SPAN_ROWS = 262_144;

/** Options of {@link Dataset.open}. */
export interface DatasetOpenOptions {
  /** Options of the remote backends, for a dataset at a URL (endpoint, profile, concurrency). */
  storage?: StorageOptions;
  /**
   * Decoded chunks kept for compressed traces (default 2), so that neighbouring gathers, which
   * usually share a chunk, decode it once. Uncompressed traces are read without decoding and
   * keep nothing.
   */
  decodedChunks?: number;
  /**
   * Read uncompressed chunk files with blocking system calls on the calling thread instead of
   * through libuv's thread pool (the methods still return promises). Meant for worker threads
   * that have a core each, where every hand-off to the pool costs context switches that no overlap
   * pays back; never for a thread whose event loop must stay responsive. Default false. Local
   * datasets only: other stores are read through their own requests.
   */
  blockingReads?: boolean;
}

/** Options of {@link Dataset.traces} reading float32 samples (the default). */
export interface TraceReadOptions {
  /** Abort the read (a `CANCELLED` error). */
  signal?: AbortSignal;
  /**
   * Samples as float32 (the default): values stored in a wider type (see
   * {@link Dataset.sampleType}) are rounded to the nearest float32, 64-bit integers through the
   * nearest double, as the sample checksum defines it.
   */
  dtype?: 'float32';
  /** Read into the first values of this array instead of a new one. */
  into?: Float32Array;
}

/** Options of {@link Dataset.traces} reading samples in the traces array's own type. */
export interface StoredTraceReadOptions {
  /** Abort the read (a `CANCELLED` error). */
  signal?: AbortSignal;
  /** Samples unconverted, in the type the traces array stores ({@link Dataset.sampleType}). */
  dtype: 'stored';
  /** Read into the first values of this array (of the stored type) instead of a new one. */
  into?: StoredSampleArray;
}

/**
 * A seisproc dataset opened for reading, from a local directory, a URL or any
 * {@link ObjectStore}. Opening reads the metadata only; traces, headers and the gather index are
 * read on demand, and only the parts asked for.
 */
export class Dataset {
  private tracesSource: Promise<RowSource> | undefined;
  private rawHeadersSource: Promise<RowSource> | undefined;
  private ensembleIndex: Promise<EnsembleIndex> | undefined;
  private mappedFields: Map<string, HeaderField> | undefined;
  private headerTableReader: ParquetTableReader | undefined;
  private readonly scratch = new ScratchPool();

  /** Where the dataset is: the absolute path of its directory, or its URL without credentials or query. */
  readonly path: string;

  private constructor(
    /** The objects of the dataset, which every read goes through. */
    readonly store: ObjectStore,
    /** How to open the dataset again (another thread): see {@link DatasetAddress}. */
    readonly address: DatasetAddress,
    /** The group metadata (`attributes.seisproc`). */
    readonly metadata: DatasetMetadata,
    /**
     * The data type of the `traces/` array: float32, or (format version 2) the source format's
     * own type where float32 cannot hold it (int32, uint32, int64, uint64, float64).
     */
    readonly sampleType: StoredSampleType,
    private readonly tracesArray: DatasetArray,
    private readonly rawHeadersArray: DatasetArray,
    private readonly options: DatasetOpenOptions,
    /** True when the dataset opened its store (from a path or URL) and so closes it. */
    private readonly ownsStore: boolean,
  ) {
    this.path = datasetLocation(store);
  }

  /**
   * Open a dataset: a local directory, a URL (`https://…`, `s3://bucket/prefix`; see
   * `options.storage`) or the {@link ObjectStore} holding it (which the caller keeps and closes).
   * Reads metadata only. Fails with `DATASET_NOT_FOUND` when there is nothing there,
   * `DATASET_INCOMPLETE` when parts are missing (e.g. an import that never finished; in an object
   * store, a dataset whose root `zarr.json` is not written yet), `DATASET_INVALID` when what is
   * there is not a consistent dataset, and `STORAGE_*` errors when the store cannot be read.
   */
  static async open(source: string | ObjectStore, options: DatasetOpenOptions = {}): Promise<Dataset> {
    const store = await openDatasetStore(source, options.storage);
    try {
      return await Dataset.openStore(store, source, options);
    } catch (error) {
      if (store !== source) await store.close();
      throw error;
    }
  }

  private static async openStore(
    store: ObjectStore,
    source: string | ObjectStore,
    options: DatasetOpenOptions,
  ): Promise<Dataset> {
    const metadata = await readDatasetMetadata(store);
    for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
      if ((await store.size(table)) === undefined) {
        throw new DatasetError('DATASET_INCOMPLETE', `dataset has no ${table}`, {
          path: objectLocation(store, table),
        });
      }
    }
    const traces = await openDatasetArray(store, TRACES_ARRAY);
    const rawHeaders = await openDatasetArray(store, RAW_HEADERS_ARRAY);
    const sampleType = traceArrayType(traces, metadata, store.location);
    if (!rawHeaders.is('uint8')) {
      throw new DatasetError('DATASET_INVALID', 'raw_headers must be uint8', { path: store.location });
    }
    const { trace_count: traceCount, chunk_traces: chunkTraces } = metadata;
    checkArrayGeometry(
      traces,
      { traces: traceCount, width: metadata.sample_count, chunkTraces },
      objectLocation(store, `${TRACES_ARRAY}/zarr.json`),
    );
    checkArrayGeometry(
      rawHeaders,
      { traces: traceCount, width: metadata.trace_header_size, chunkTraces },
      objectLocation(store, `${RAW_HEADERS_ARRAY}/zarr.json`),
    );
    const owned = typeof source === 'string';
    // A URL as given (a query string may carry its access token); a local path made absolute.
    const address: DatasetAddress = {
      pathOrUrl: owned && isRemote(source) ? source : store.location,
      ...(owned && options.storage ? { storage: options.storage } : {}),
    };
    return new Dataset(store, address, metadata, sampleType, traces, rawHeaders, options, owned);
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

  /**
   * Samples of traces [start, end), trace after trace: (end − start) × sampleCount values, in a
   * new array or in the first values of `options.into`: float32 by default, or with
   * `{ dtype: 'stored' }` in the stored type ({@link Dataset.sampleType}), every bit as imported.
   * Fails with `DATASET_RANGE` outside the dataset, `INVALID_ARGUMENT` when `into` is too short or
   * of another type, and `CANCELLED` when `signal` aborts.
   */
  async traces(start: number, end: number, options?: TraceReadOptions): Promise<Float32Array>;
  async traces(start: number, end: number, options: StoredTraceReadOptions): Promise<StoredSampleArray>;
  async traces(
    start: number,
    end: number,
    options: TraceReadOptions | StoredTraceReadOptions = {},
  ): Promise<StoredSampleArray> {
    this.checkRange(start, end);
    const samples = this.sampleArray((end - start) * this.sampleCount, options);
    if (end === start) return samples;
    const rows = await this.traceRows();
    const converting = !isStoredSampleArray(samples, this.sampleType);
    const target = converting ? this.scratch.acquire((end - start) * rows.rowBytes) : bytesOf(samples);
    try {
      await rows.readRows(start, end, target, options.signal);
      if (converting) this.deliverRows(target, samples);
    } finally {
      if (converting) this.scratch.release(target);
    }
    return samples;
  }

  /** Samples of traces [start, end), trace after trace: (end − start) × sampleCount values. */
  async readTraces(start: number, end: number): Promise<Float32Array> {
    return this.traces(start, end);
  }

  /** Raw trace header bytes of traces [start, end): (end − start) × traceHeaderSize bytes. */
  async readRawHeaders(start: number, end: number): Promise<Uint8Array> {
    this.checkRange(start, end);
    const raw = new Uint8Array((end - start) * this.traceHeaderSize);
    if (end > start) await (await this.headerRows()).readRows(start, end, raw);
    return raw;
  }

  /** Stored chunk `chunkIndex` of the traces array as float32, trimmed to the traces it holds. */
  async readChunk(chunkIndex: number): Promise<{ start: number; end: number; samples: Float32Array }> {
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= this.chunkCount) {
      throw new DatasetError('DATASET_RANGE', `chunk ${chunkIndex} outside [0, ${this.chunkCount})`, {
        path: this.path,
      });
    }
    const start = chunkIndex * this.chunkTraces;
    const end = Math.min(this.traceCount, start + this.chunkTraces);
    return { start, end, samples: await this.traces(start, end) };
  }

  /**
   * Header columns from `headers.parquet`: only the columns asked for (all by default) and only
   * the row groups overlapping `range` are read. An unknown column is `INVALID_ARGUMENT`.
   */
  async headers(columns?: readonly string[], range?: RowRange): Promise<Record<string, ParquetColumnValues>> {
    if (range) this.checkRange(range.start, range.end);
    return this.headerTable.read(columns, range);
  }

  /** Names of the header columns in `headers.parquet` (reads the table's footer once). */
  async headerColumnNames(): Promise<string[]> {
    return this.headerTable.columnNames();
  }

  /**
   * Minimum, maximum, count and (where cheap and exact) distinct count of a header column,
   * from the Parquet statistics: the column itself is read only for row groups without
   * statistics. For a gather key the distinct count comes from the gather index.
   */
  async headerStats(column: string): Promise<HeaderColumnStats> {
    const stats = await this.headerTable.stats(column);
    if (stats.distinct === undefined) {
      const index = await this.ensembles();
      const keySet = index.keys.find((key) => key.length === 1 && key[0] === column);
      if (keySet) stats.distinct = index.count(keySet);
    }
    return stats;
  }

  /** The gather index (`ensembles.parquet`), read once and kept: it is small. */
  ensembles(): Promise<EnsembleIndex> {
    const table = tableByteSource(this.store, ENSEMBLES_TABLE);
    const tablePath = table.location;
    const keySets = this.metadata.ensemble_keys;
    // Each run holds at least one trace, so a key set has at most one row per trace.
    const maxRows = this.traceCount * keySets.length;
    this.ensembleIndex ??= readParquetColumns(table, ENSEMBLE_COLUMN_NAMES, undefined, maxRows).then(
      (table) => {
        checkEnsembleTable(table, keySets, this.traceCount, tablePath);
        return EnsembleIndex.fromTable(this.path, keySets, table);
      },
      (error: unknown) => {
        this.ensembleIndex = undefined;
        throw error;
      },
    );
    return this.ensembleIndex;
  }

  /**
   * Where a gather is: by number in a key set (`options.key`, default the dataset's first) or
   * by key values. `GATHER_NOT_FOUND` when there is no such gather.
   */
  async gatherInfo(selector: GatherSelector, key?: string | readonly string[]): Promise<GatherInfo> {
    const index = await this.ensembles();
    return typeof selector === 'number' ? index.get(selector, key) : index.find(selector);
  }

  /**
   * A gather with its samples and header columns: by number (`gather(12)`, `gather(12, { key:
   * 'cdp' })`) or by key values (`gather({ cdp: 1234 })`), every run of its traces in trace order,
   * optionally ordered by header columns (`{ sortBy: 'offset' }`).
   *
   * Header columns of fields in the dataset's header mapping are decoded from the raw trace
   * headers of the gather's traces (the same values as `headers.parquet`, in the field's own
   * type, e.g. `Int16Array` for a 16-bit field): a few hundred kilobytes instead of whole Parquet
   * row groups. Other columns are read from `headers.parquet`.
   *
   * Samples are float32; `{ dtype: 'stored' }` reads them in the stored type
   * ({@link Dataset.sampleType}).
   */
  async gather(selector: GatherSelector, options?: GatherOptions): Promise<Gather>;
  async gather(selector: GatherSelector, options: StoredGatherOptions): Promise<Gather<StoredSampleArray>>;
  async gather(
    selector: GatherSelector,
    options: GatherOptions | StoredGatherOptions = {},
  ): Promise<Gather<StoredSampleArray>> {
    return this.readGather(await this.gatherInfo(selector, options.key), options as StoredGatherOptions);
  }

  /** Read the gather described by `info` (from {@link Dataset.ensembles} of this dataset). */
  async readGather(info: GatherInfo, options?: GatherOptions): Promise<Gather>;
  async readGather(info: GatherInfo, options: StoredGatherOptions): Promise<Gather<StoredSampleArray>>;
  async readGather(
    info: GatherInfo,
    options: GatherOptions | StoredGatherOptions = {},
  ): Promise<Gather<StoredSampleArray>> {
    const sortedBy = normalizeSortKeys(options.sortBy);
    const returned =
      options.headers === 'none'
        ? []
        : options.headers === 'all'
          ? await this.headerColumnNames()
          : (options.headers ?? unique([...info.key, ...sortedBy.map((key) => key.column)]));
    const needed = unique([...returned, ...sortedBy.map((key) => key.column)]);
    const samples = this.sampleArray(info.traceCount * this.sampleCount, options);
    const traceRows = await this.traceRows();
    // Samples and headers are read at the same time. With a sort, the order is known only once
    // the headers are in, so the samples go to a scratch buffer and are reordered from there;
    // samples converted from their stored type go there too.
    const sorting = sortedBy.length > 0;
    const staged = sorting || !isStoredSampleArray(samples, this.sampleType);
    const target = staged ? this.scratch.acquire(info.traceCount * traceRows.rowBytes) : bytesOf(samples);
    let columns: Record<string, ParquetColumnValues>;
    let order: Uint32Array | undefined;
    try {
      // allSettled: a scratch buffer goes back to the pool only once no read writes into it.
      const [headerRead, sampleRead] = await Promise.allSettled([
        this.runHeaderColumns(info.runs, info.traceCount, needed, options.signal),
        traceRows.readRuns(info.runs, target, options.signal),
      ]);
      if (headerRead.status === 'rejected') throw headerRead.reason;
      if (sampleRead.status === 'rejected') throw sampleRead.reason;
      columns = headerRead.value;
      order = sortOrder(info.traceCount, sortedBy, columns);
      if (staged) this.deliverRows(target, samples, order);
    } finally {
      if (staged) this.scratch.release(target);
    }

    let traceIndices = runTraceIndices(info);
    const headers: Record<string, ParquetColumnValues> = {};
    for (const name of returned)
      headers[name] = order ? permuteColumn(columns[name]!, order) : columns[name]!;
    if (order) traceIndices = permuteColumn(traceIndices, order) as Uint32Array;
    let byteLength = samples.byteLength + traceIndices.byteLength;
    for (const values of Object.values(headers)) byteLength += columnBytes(values);
    return {
      ...info,
      sampleCount: this.sampleCount,
      sampleInterval: this.sampleInterval,
      traceIndices,
      samples,
      headers,
      sortedBy,
      byteLength,
    };
  }

  /**
   * Release what reading holds: open chunk and table files, decoded chunks, scratch buffers.
   * The dataset stays usable: the next read reopens what it needs. The gather index is kept.
   */
  async releaseCaches(): Promise<void> {
    const sources = [this.tracesSource, this.rawHeadersSource];
    this.tracesSource = undefined;
    this.rawHeadersSource = undefined;
    this.scratch.clear();
    await Promise.all([
      ...sources.map(async (source) => (await source?.catch(() => undefined))?.release()),
      this.headerTable.release(),
    ]);
  }

  /**
   * Release resources (see {@link Dataset.releaseCaches}) and, when the dataset opened its store
   * itself (from a path or URL), the store's; a later read reopens what it needs.
   */
  async close(): Promise<void> {
    await this.releaseCaches();
    if (this.ownsStore) await this.store.close();
  }

  /** The array a read of `count` samples fills: float32, or the stored type when asked for. */
  private sampleArray(count: number, options: TraceReadOptions | StoredTraceReadOptions): StoredSampleArray {
    return sampleBuffer(count, options.dtype === 'stored' ? this.sampleType : 'float32', options.into);
  }

  /**
   * Copy stored rows read into `staged` to `samples`, converting them to float32 when `samples`
   * is not of the stored type; row `i` of `samples` is stored row `order[i]` (all rows in order
   * without `order`).
   */
  private deliverRows(staged: Uint8Array, samples: StoredSampleArray, order?: Uint32Array): void {
    const rowBytes = this.sampleCount * storedSampleBytes(this.sampleType);
    if (isStoredSampleArray(samples, this.sampleType)) {
      if (order) permuteRows(staged, bytesOf(samples), rowBytes, order);
      else bytesOf(samples).set(staged);
      return;
    }
    const stored = storedSampleView(this.sampleType, staged);
    const out = samples as Float32Array;
    if (!order) {
      convertStoredSamples(stored, out);
      return;
    }
    const n = this.sampleCount;
    for (let i = 0; i < order.length; i++) {
      const from = order[i]! * n;
      convertStoredSamples(stored.subarray(from, from + n), out.subarray(i * n, (i + 1) * n));
    }
  }

  private get headerTable(): ParquetTableReader {
    this.headerTableReader ??= new ParquetTableReader(
      tableByteSource(this.store, HEADERS_TABLE),
      this.traceCount,
    );
    return this.headerTableReader;
  }

  private traceRows(): Promise<RowSource> {
    this.tracesSource ??= openRowSource(this.store, this.tracesArray, this.options);
    return this.tracesSource;
  }

  private headerRows(): Promise<RowSource> {
    this.rawHeadersSource ??= openRowSource(this.store, this.rawHeadersArray, this.options);
    return this.rawHeadersSource;
  }

  /** The header mapping's fields by column name; empty when the stored mapping is unusable. */
  private fieldsByColumn(): Map<string, HeaderField> {
    if (!this.mappedFields) {
      this.mappedFields = new Map();
      try {
        for (const field of HeaderMapping.fromJSON(this.metadata.header_mapping).fields) {
          this.mappedFields.set(field.key, field);
        }
      } catch {
        // Without a usable mapping every column is read from headers.parquet.
      }
    }
    return this.mappedFields;
  }

  /** Header columns for the traces of `runs`, in trace order: mapped fields from raw headers, others from Parquet. */
  private async runHeaderColumns(
    runs: readonly TraceRun[],
    count: number,
    columns: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Record<string, ParquetColumnValues>> {
    if (!columns.length) return {};
    const mapped = this.fieldsByColumn();
    const fields = columns.flatMap((name) => mapped.get(name) ?? []);
    const fromTable = columns.filter((name) => !mapped.has(name));
    const out: Record<string, ParquetColumnValues> = {};
    if (fields.length) {
      const stride = this.traceHeaderSize;
      const raw = this.scratch.acquire(count * stride);
      try {
        await (await this.headerRows()).readRuns(runs, raw, signal);
        Object.assign(
          out,
          decodeHeaderColumns(raw, count, stride, fields, this.metadata.source_format.endianness),
        );
      } finally {
        this.scratch.release(raw);
      }
    }
    if (fromTable.length) Object.assign(out, await this.tableColumnsOfRuns(runs, count, fromTable));
    return out;
  }

  /**
   * Columns of `headers.parquet` for the traces of `runs`, in trace order. Nearby runs are read
   * together (one Parquet read decodes whole pages, so reading run by run would decode the same
   * row group again and again), in spans of at most {@link MAX_SPAN_ROWS} rows read one after
   * the other, so a gather spread over a whole file never holds whole columns.
   */
  private async tableColumnsOfRuns(
    runs: readonly TraceRun[],
    count: number,
    columns: readonly string[],
  ): Promise<Record<string, ParquetColumnValues>> {
    const spans: Array<{ start: number; end: number; runs: TraceRun[] }> = [];
    for (const run of runs) {
      const last = spans[spans.length - 1];
      if (last && run.start + run.count - last.start <= MAX_SPAN_ROWS) {
        last.end = run.start + run.count;
        last.runs.push(run);
      } else {
        spans.push({ start: run.start, end: run.start + run.count, runs: [run] });
      }
    }
    const out: Record<string, { [i: number]: unknown }> = {};
    let at = 0;
    for (const span of spans) {
      const piece = await this.headerTable.read(columns, { start: span.start, end: span.end });
      for (const name of columns) {
        const values = piece[name]!;
        out[name] ??= ArrayBuffer.isView(values)
          ? new (values.constructor as new (n: number) => { [i: number]: unknown })(count)
          : new Array<unknown>(count);
        let to = at;
        for (const run of span.runs) {
          for (let i = run.start - span.start, end = i + run.count; i < end; i++)
            out[name]![to++] = values[i];
        }
      }
      at += span.runs.reduce((sum, run) => sum + run.count, 0);
    }
    return out as unknown as Record<string, ParquetColumnValues>;
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

function bytesOf(samples: StoredSampleArray): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/** Which chunks {@link readChunksAhead} reads, and how. */
export interface ChunkReadOptions {
  /** First chunk read. */
  firstChunk: number;
  /** Chunk after the last read. */
  endChunk: number;
  /** Traces per chunk (default: the dataset's own chunk size). */
  chunkTraces?: number;
  /** Samples in the stored type instead of float32. */
  stored?: boolean;
  /** Stops with `CANCELLED` between two chunks. */
  signal?: AbortSignal;
}

/**
 * The samples of chunks `[firstChunk, endChunk)`, in order, each read while the one before is
 * used, into two buffers used in turn (a fresh array per chunk cost more than the read itself):
 * a chunk's samples are valid until the next is asked for. `end` is its end trace.
 */
export async function* readChunksAhead(
  dataset: Dataset,
  options: ChunkReadOptions,
): AsyncGenerator<{ chunk: number; end: number; samples: StoredSampleArray }> {
  const { firstChunk, endChunk, signal } = options;
  const chunkTraces = options.chunkTraces ?? dataset.chunkTraces;
  const { traceCount, sampleCount } = dataset;
  const type = options.stored ? dataset.sampleType : 'float32';
  const length = Math.min(chunkTraces, traceCount) * sampleCount;
  const buffers = [storedSampleArray(type, length), storedSampleArray(type, length)] as const;
  const endOf = (chunk: number) => Math.min(traceCount, (chunk + 1) * chunkTraces);
  const read = (chunk: number) =>
    options.stored
      ? dataset.traces(chunk * chunkTraces, endOf(chunk), { dtype: 'stored', into: buffers[chunk % 2] })
      : dataset.traces(chunk * chunkTraces, endOf(chunk), { into: buffers[chunk % 2] as Float32Array });
  let next = firstChunk < endChunk ? read(firstChunk) : undefined;
  try {
    for (let chunk = firstChunk; chunk < endChunk; chunk++) {
      if (signal?.aborted) throw new CancelledError();
      const samples = await next!;
      next = chunk + 1 < endChunk ? read(chunk + 1) : undefined;
      // A read-ahead failing while this chunk is used is reported when it is awaited.
      next?.catch(() => undefined);
      yield { chunk, end: endOf(chunk), samples };
    }
  } finally {
    // Nothing may still read into a buffer once the caller has stopped.
    await next?.catch(() => undefined);
  }
}

/**
 * SHA-256 of every sample as float32 little-endian, trace after trace, read chunk by chunk: the
 * same value as `seisproc checksum FILE` on the source and `samples_sha256_f32le` of the corpus.
 * Fails with `CANCELLED` between two chunks once `signal` aborts.
 */
export async function datasetChecksum(
  dataset: Dataset,
  onProgress?: (doneTraces: number, totalTraces: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  const chunks = readChunksAhead(dataset, {
    firstChunk: 0,
    endChunk: dataset.chunkCount,
    ...(signal ? { signal } : {}),
  });
  for await (const { end, samples } of chunks) {
    hash.update(littleEndianBytes(samples));
    onProgress?.(end, dataset.traceCount);
  }
  return hash.digest('hex');
}
