/**
 * Gathers read from a dataset: the types, and the helpers that order the traces of a gather by
 * header values and lay them out.
 */
import { ArgumentError } from '../errors/index.js';
import type { GatherInfo, GatherKeyValues } from './ensembles.js';
import type { ParquetColumnValues } from './parquet.js';
import {
  isStoredSampleArray,
  type StoredSampleArray,
  type StoredSampleType,
  storedSampleBytes,
  storedSampleView,
} from './samples.js';

/** A gather by its number in a key set (`3`) or by its key values (`{ cdp: 1234 }`). */
export type GatherSelector = number | GatherKeyValues;

/** A header column to order traces by: its name (ascending) or the name and direction. */
export type SortKey = string | { column: string; descending?: boolean };

/** How to read a gather. */
export interface GatherOptions {
  /** The key set that numbers gathers for a numeric selector (default: the dataset's first). */
  key?: string | readonly string[];
  /**
   * Order the traces by these header columns (first key first; ties keep trace order), e.g.
   * `'offset'` for a CDP gather by offset. Default: trace order.
   */
  sortBy?: SortKey | readonly SortKey[];
  /**
   * Header columns to return: a list, `'all'` (every column of `headers.parquet`) or `'none'`.
   * Default: the gather's key fields and the sort columns.
   */
  headers?: readonly string[] | 'all' | 'none';
  /** Abort the read (a `CANCELLED` error). */
  signal?: AbortSignal;
  /**
   * Samples as float32 (the default): values stored in a wider type (see `Dataset.sampleType`)
   * are rounded to the nearest float32. {@link StoredGatherOptions} reads them unconverted.
   */
  dtype?: 'float32';
  /**
   * Read the samples into this array (its first traceCount × sampleCount values) instead of a new
   * one: a viewer that copies each gather elsewhere (a texture) reuses one buffer and saves the
   * allocation and first-touch cost of 4 MB per gather. The gather's `samples` is then a view of it.
   */
  into?: Float32Array;
}

/** How to read a gather with its samples in the traces array's own type. */
export interface StoredGatherOptions extends Omit<GatherOptions, 'dtype' | 'into'> {
  /** Samples in the type the traces array stores (`Dataset.sampleType`), unconverted. */
  dtype: 'stored';
  /** Read the samples into this array, of the stored type, instead of a new one (see {@link GatherOptions.into}). */
  into?: StoredSampleArray;
}

/**
 * A gather with its samples and header columns. Treat it as read-only: navigators cache and
 * share gather objects.
 */
export interface Gather<Samples extends StoredSampleArray = Float32Array> extends GatherInfo {
  /** Samples per trace. */
  readonly sampleCount: number;
  /** Sample interval in microseconds. */
  readonly sampleInterval: number;
  /** Dataset trace index of each trace of the gather, in the gather's order. */
  readonly traceIndices: Uint32Array;
  /**
   * Samples, trace after trace in the gather's order: traceCount × sampleCount values (float32,
   * or the stored type when read with {@link StoredGatherOptions}).
   */
  readonly samples: Samples;
  /** Header columns by name, one value per trace in the gather's order. */
  readonly headers: Readonly<Record<string, ParquetColumnValues>>;
  /** The sort applied (empty for trace order). */
  readonly sortedBy: ReadonlyArray<{ column: string; descending: boolean }>;
  /** Bytes held by the samples, trace indices and header columns (what a cache accounts for). */
  readonly byteLength: number;
}

/** The samples of trace `i` of a gather (a view, not a copy). */
export function gatherTrace<Samples extends StoredSampleArray>(gather: Gather<Samples>, i: number): Samples {
  if (!Number.isInteger(i) || i < 0 || i >= gather.traceCount) {
    throw new ArgumentError(`trace ${i} outside the gather's ${gather.traceCount} traces`);
  }
  return gather.samples.subarray(i * gather.sampleCount, (i + 1) * gather.sampleCount) as Samples;
}

/** Sort keys in their explicit form. */
export function normalizeSortKeys(
  sortBy: SortKey | readonly SortKey[] | undefined,
): Array<{ column: string; descending: boolean }> {
  if (sortBy === undefined) return [];
  const list: readonly SortKey[] =
    typeof sortBy === 'string' || !Array.isArray(sortBy) ? [sortBy as SortKey] : sortBy;
  return list.map((key) =>
    typeof key === 'string'
      ? { column: key, descending: false }
      : { column: key.column, descending: Boolean(key.descending) },
  );
}

/**
 * The permutation that orders `count` traces by the sort keys (stable), or undefined when the
 * traces are already in that order.
 */
export function sortOrder(
  count: number,
  keys: ReadonlyArray<{ column: string; descending: boolean }>,
  columns: Readonly<Record<string, ParquetColumnValues>>,
): Uint32Array | undefined {
  if (!keys.length) return undefined;
  const sortColumns = keys.map((key) => ({ values: columns[key.column]!, sign: key.descending ? -1 : 1 }));
  const compare = (a: number, b: number): number => {
    for (const { values, sign } of sortColumns) {
      const x = values[a]!;
      const y = values[b]!;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  };
  let sorted = true;
  for (let i = 1; i < count && sorted; i++) if (compare(i - 1, i) > 0) sorted = false;
  if (sorted) return undefined;
  // Array.prototype.sort is stable: ties keep trace order.
  const order = Array.from({ length: count }, (_, i) => i).sort(compare);
  return Uint32Array.from(order);
}

/** `values` reordered by `order` (a new array of the same kind). */
export function permuteColumn(values: ParquetColumnValues, order: Uint32Array): ParquetColumnValues {
  const out = ArrayBuffer.isView(values)
    ? new (values.constructor as new (n: number) => { [i: number]: unknown; length: number })(order.length)
    : new Array<unknown>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]!];
  return out as unknown as ParquetColumnValues;
}

/** Rows of `rowBytes` bytes copied from `source` into `target` in the order `order`. */
export function permuteRows(
  source: Uint8Array,
  target: Uint8Array,
  rowBytes: number,
  order: Uint32Array,
): void {
  for (let i = 0; i < order.length; i++) {
    const from = order[i]! * rowBytes;
    target.set(source.subarray(from, from + rowBytes), i * rowBytes);
  }
}

/** Bytes a column holds (typed arrays exactly, other arrays estimated at 8 bytes a value). */
export function columnBytes(values: ParquetColumnValues): number {
  return ArrayBuffer.isView(values) ? values.byteLength : values.length * 8;
}

/** Trace indices of the runs of a gather, in trace order. */
export function runTraceIndices(gather: GatherInfo): Uint32Array {
  const indices = new Uint32Array(gather.traceCount);
  let at = 0;
  for (const run of gather.runs) for (let t = 0; t < run.count; t++) indices[at++] = run.start + t;
  return indices;
}

/**
 * Reusable scratch buffers for reads that are reordered before they are returned. At most
 * `keep` buffers are kept; a buffer is never handed to two readers at once.
 */
export class ScratchPool {
  private readonly free: Uint8Array[] = [];

  constructor(private readonly keep = 2) {}

  /** A buffer of at least `bytes` bytes (contents undefined), to give back with {@link ScratchPool.release}. */
  acquire(bytes: number): Uint8Array {
    const i = this.free.findIndex((buffer) => buffer.byteLength >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0]!.subarray(0, bytes);
    return new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes);
  }

  /** Give a buffer back for reuse. */
  release(buffer: Uint8Array): void {
    const whole = new Uint8Array(buffer.buffer, 0, buffer.buffer.byteLength);
    this.free.push(whole);
    this.free.sort((a, b) => a.byteLength - b.byteLength);
    // Keep the largest buffers: they serve every smaller request too.
    while (this.free.length > this.keep) this.free.shift();
  }

  /** Drop every kept buffer. */
  clear(): void {
    this.free.length = 0;
  }
}

/**
 * Where `count` samples of `type` go: the first `count` values of `into` when given
 * (`INVALID_ARGUMENT` if it is too short or of another type), else a fresh, unzeroed buffer that
 * every read then fills whole.
 */
export function sampleBuffer(
  count: number,
  type: StoredSampleType,
  into?: StoredSampleArray,
): StoredSampleArray {
  if (into) {
    if (!isStoredSampleArray(into, type)) {
      throw new ArgumentError(
        `the output array is a ${into.constructor.name}, the read gives ${type} samples`,
      );
    }
    if (into.length < count) {
      throw new ArgumentError(`the output array holds ${into.length} samples, the read needs ${count}`);
    }
    return into.subarray(0, count);
  }
  const bytes = count * storedSampleBytes(type);
  return storedSampleView(type, new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes));
}
