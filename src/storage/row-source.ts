/**
 * Reading rows of the dataset's 2-D arrays (`traces/`, `raw_headers/`), which are chunked along
 * the row (trace) axis only.
 *
 * Two strategies, chosen per array from its `zarr.json`:
 *
 * - **Direct** (the array's only codec is `bytes` in little-endian order, as for uncompressed
 *   traces and for the raw headers): a chunk file *is* the row-major array of its rows, so the
 *   rows wanted are read with one positional read per chunk straight into the caller's buffer.
 *   zarrita's `get()` would read the whole chunk file, then copy it element-strided into a new
 *   array: for a 1000-trace gather out of an 8 MiB chunk that is twice the bytes and two copies.
 *   Reading only the rows needed is what keeps an uncached gather under ~2 ms. Local chunk files
 *   are read through file handles kept open while in use; chunks in another store by ranged
 *   reads of at most {@link MAX_RANGE_BYTES}, the rows of one gather that lie close together in a
 *   chunk in one read.
 * - **Decoded** (any compressor): zarrita decodes whole chunks; the last few decoded chunks are
 *   kept so that neighbouring gathers, which usually share a chunk, decode it once.
 */
import { readSync } from 'node:fs';
import { CancelledError, DatasetError, StorageError } from '../errors/index.js';
import type { LocalObjectStore, ObjectStore } from '../io/index.js';
import { MAX_CHUNK_BYTES } from './checks.js';
import { localStore, objectLocation } from './dataset-store.js';
import type { TraceRun } from './ensembles.js';
import { LITTLE_ENDIAN_HOST, STORED_ARRAYS } from './samples.js';
import { SharedFile } from './shared-file.js';
import { chunkKey, type DatasetArray } from './zarr.js';

/** Rows [start, end) of a row-chunked array, read into a byte buffer. */
export interface RowSource {
  /** True when chunk files are read directly (no decoding). */
  readonly direct: boolean;
  /** Bytes per row. */
  readonly rowBytes: number;
  /**
   * Copy rows [start, end) into `into` (at least (end − start) × rowBytes bytes), from its
   * first byte. Rows of chunks that were never written hold the array's fill value.
   */
  readRows(start: number, end: number, into: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Copy the rows of every run into `into`, one run after the other. A gather of an unsorted
   * key can have thousands of runs (a CDP of a shot-ordered survey).
   */
  readRuns(runs: readonly TraceRun[], into: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Close open files and drop decoded chunks; later reads reopen what they need. */
  release(): Promise<void>;
}

/** What the array's `zarr.json` says that matters for reading rows. */
interface ArrayLayout {
  /** The array's name in the dataset (`traces`, `raw_headers`). */
  name: string;
  rows: number;
  rowsPerChunk: number;
  rowBytes: number;
  /** Bytes of every chunk once decoded: Zarr stores each chunk whole, the last one padded. */
  chunkBytes: number;
  bytesPerElement: number;
  /** One element of the fill value, as stored. */
  fillBytes: Uint8Array;
  direct: boolean;
}

/** Typed arrays of the data types of the dataset's arrays (a little-endian host writes them). */
type ElementArray = {
  new (values: ReadonlyArray<number | bigint>): ArrayBufferView;
  BYTES_PER_ELEMENT: number;
};
/** Typed arrays of the data types of a dataset's arrays: the stored sample types and raw headers' uint8. */
const ELEMENT_ARRAYS = { uint8: Uint8Array, ...STORED_ARRAYS } as unknown as Record<string, ElementArray>;

/** Decoded chunks kept by default for compressed arrays: a gather that straddles two chunks needs both. */
export const DEFAULT_DECODED_CHUNKS = 2;

/** Positional reads in flight at once per call: enough to keep the disk busy, few open files. */
export const READS_IN_FLIGHT = 8;

/**
 * Largest ranged read of a chunk in a store other than the local disk: a few MiB keep a request's
 * latency small against its transfer time, and a failed request cheap to repeat.
 */
export const MAX_RANGE_BYTES = 4 * 1024 * 1024;

/**
 * Rows of one chunk with at most this many bytes between them are fetched in one ranged read:
 * below about a round trip's worth of transfer, reading the gap costs less than another request.
 */
export const RANGE_GAP_BYTES = 256 * 1024;

/**
 * Run `task` on every item, at most `limit` at a time. Rejects with the first error, but only once
 * every started task has settled, so no task still writes into a caller's buffer afterwards.
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Chunk files kept open per array (while in use or recently used, closed after 1 s idle): the
 * chunks around the current gather and a few jumps away; an open costs more than a 4 MB read.
 */
const MAX_OPEN_FILES = 32;

/** How {@link openRowSource} reads. */
export interface RowSourceOptions {
  /** Decoded chunks kept for a compressed array. */
  decodedChunks?: number;
  /** Read chunk files with blocking calls (see `DatasetOpenOptions.blockingReads`). */
  blockingReads?: boolean;
}

/**
 * Open a row source for array `array` (opened from `store`) of a dataset: read directly when it
 * is uncompressed (local chunk files through kept file handles, other stores by ranged reads),
 * through zarrita when it is compressed.
 */
export async function openRowSource(
  store: ObjectStore,
  array: DatasetArray,
  options: RowSourceOptions = {},
): Promise<RowSource> {
  const layout = await readLayout(store, arrayName(array));
  if (!layout.direct)
    return new DecodedRowSource(layout, store, array, options.decodedChunks ?? DEFAULT_DECODED_CHUNKS);
  const local = localStore(store);
  return local
    ? new LocalRowSource(layout, local, options.blockingReads ?? false)
    : new StoreRowSource(layout, store);
}

/**
 * The size every chunk of array `arrayName` of the dataset in `store` must have when its chunks
 * are stored uncompressed (read directly); undefined for compressed arrays, whose chunks vary.
 */
export async function uncompressedChunkBytes(
  store: ObjectStore,
  arrayName: string,
): Promise<number | undefined> {
  const layout = await readLayout(store, arrayName);
  return layout.direct ? layout.chunkBytes : undefined;
}

/** The name of a dataset array in its store: zarrita's path without its leading `/`. */
function arrayName(array: DatasetArray): string {
  return array.path.slice(1);
}

async function readLayout(store: ObjectStore, name: string): Promise<ArrayLayout> {
  const file = objectLocation(store, `${name}/zarr.json`);
  let json: {
    shape?: number[];
    data_type?: string;
    chunk_grid?: { name?: string; configuration?: { chunk_shape?: number[] } };
    chunk_key_encoding?: { name?: string; configuration?: { separator?: string } };
    codecs?: Array<{ name?: string; configuration?: { endian?: string } }>;
    fill_value?: unknown;
  };
  const bytes = await store.get(`${name}/zarr.json`);
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new DatasetError('DATASET_INVALID', 'unreadable array metadata', { path: file, cause });
  }
  const [rows, width] = json.shape ?? [];
  const chunkShape = json.chunk_grid?.configuration?.chunk_shape ?? [];
  const elements = Object.hasOwn(ELEMENT_ARRAYS, json.data_type ?? '')
    ? ELEMENT_ARRAYS[json.data_type!]
    : undefined;
  if (rows === undefined || width === undefined || !elements || !chunkShape[0]) {
    throw new DatasetError('DATASET_INVALID', 'array is not a 2-D array of a dataset data type', {
      path: file,
    });
  }
  const bytesPerElement = elements.BYTES_PER_ELEMENT;
  if (
    !isCount(rows) ||
    !isCount(width) ||
    !isCount(chunkShape[0]) ||
    chunkShape[0] * width * bytesPerElement > MAX_CHUNK_BYTES
  ) {
    throw new DatasetError(
      'DATASET_INVALID',
      `array shape [${rows}, ${width}] or chunk shape [${chunkShape}] out of bounds`,
      { path: file },
    );
  }
  const codecs = json.codecs ?? [];
  const endian = codecs[0]?.configuration?.endian;
  const encoding = json.chunk_key_encoding;
  const direct =
    codecs.length === 1 &&
    codecs[0]?.name === 'bytes' &&
    (bytesPerElement === 1 || (endian === 'little' && LITTLE_ENDIAN_HOST)) &&
    json.chunk_grid?.name === 'regular' &&
    chunkShape[1] === width &&
    encoding?.name === 'default' &&
    (encoding.configuration?.separator ?? '/') === '/';
  return {
    name,
    rows,
    rowsPerChunk: chunkShape[0],
    rowBytes: width * bytesPerElement,
    chunkBytes: chunkShape[0] * width * bytesPerElement,
    bytesPerElement,
    fillBytes: fillBytesOf(json.fill_value, json.data_type!, elements),
    direct,
  };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function fillBytesOf(value: unknown, dataType: string, elements: ElementArray): Uint8Array {
  let fill: number | bigint = 0;
  if (typeof value === 'number') fill = value;
  else if (value === 'NaN') fill = Number.NaN;
  else if (value === 'Infinity') fill = Number.POSITIVE_INFINITY;
  else if (value === '-Infinity') fill = Number.NEGATIVE_INFINITY;
  if (dataType.endsWith('int64')) fill = BigInt(Number.isInteger(fill) ? fill : 0);
  const element = new elements([fill]);
  return new Uint8Array(element.buffer, element.byteOffset, element.byteLength);
}

/** The pieces of rows [start, end) that fall into each chunk. */
function* chunkPieces(layout: ArrayLayout, start: number, end: number) {
  for (let row = start; row < end; ) {
    const chunk = Math.floor(row / layout.rowsPerChunk);
    const chunkStart = chunk * layout.rowsPerChunk;
    const pieceEnd = Math.min(end, chunkStart + layout.rowsPerChunk);
    yield { chunk, rowInChunk: row - chunkStart, rows: pieceEnd - row, outRow: row - start };
    row = pieceEnd;
  }
}

function fillRows(layout: ArrayLayout, into: Uint8Array, byteOffset: number, byteLength: number): void {
  const target = into.subarray(byteOffset, byteOffset + byteLength);
  const pattern = layout.fillBytes;
  if (pattern.every((byte) => byte === 0)) {
    target.fill(0);
    return;
  }
  for (let i = 0; i < target.length; i++) target[i] = pattern[i % layout.bytesPerElement]!;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('read cancelled');
}

/**
 * Rows of every run into `into`, one run after the other, `inFlight` runs at a time: direct reads
 * go a few at a time, compressed runs one at a time, because each may decode a whole chunk and a
 * gather spread over the file must not decode every chunk at once.
 */
async function readRunsInOrder(
  source: RowSource,
  runs: readonly TraceRun[],
  into: Uint8Array,
  signal: AbortSignal | undefined,
  inFlight: number,
): Promise<void> {
  let offset = 0;
  const placed = runs.map((run) => {
    const bytes = run.count * source.rowBytes;
    const target = into.subarray(offset, offset + bytes);
    offset += bytes;
    return { run, target };
  });
  await inParallel(placed, inFlight, ({ run, target }) =>
    source.readRows(run.start, run.start + run.count, target, signal),
  );
}

/** Direct reads of local chunk files, through handles kept open while in use. */
class LocalRowSource implements RowSource {
  readonly direct = true;
  /** Chunk files by chunk index, least recently used first. */
  private readonly files = new Map<number, SharedFile>();

  constructor(
    private readonly layout: ArrayLayout,
    private readonly store: LocalObjectStore,
    private readonly blocking: boolean,
  ) {}

  get rowBytes(): number {
    return this.layout.rowBytes;
  }

  async readRows(start: number, end: number, into: Uint8Array, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await inParallel([...chunkPieces(this.layout, start, end)], READS_IN_FLIGHT, (piece) => {
      throwIfAborted(signal);
      return this.readPiece(piece, into);
    });
    throwIfAborted(signal);
  }

  readRuns(runs: readonly TraceRun[], into: Uint8Array, signal?: AbortSignal): Promise<void> {
    return readRunsInOrder(this, runs, into, signal, READS_IN_FLIGHT);
  }

  private readPiece(
    piece: { chunk: number; rowInChunk: number; rows: number; outRow: number },
    into: Uint8Array,
  ): Promise<void> {
    const { rowBytes } = this.layout;
    const byteLength = piece.rows * rowBytes;
    const byteOffset = piece.outRow * rowBytes;
    const file = this.chunkFile(piece.chunk);
    return file.use(async (handle) => {
      if (!handle) {
        fillRows(this.layout, into, byteOffset, byteLength);
        return;
      }
      const position = piece.rowInChunk * rowBytes;
      const bytesRead = this.blocking
        ? readSync(handle.fd, into, byteOffset, byteLength, position)
        : (await handle.read(into, byteOffset, byteLength, position)).bytesRead;
      if (bytesRead !== byteLength) {
        throw new DatasetError(
          'DATASET_INVALID',
          `chunk file holds ${position + bytesRead} bytes, rows need ${position + byteLength}`,
          { path: file.path },
        );
      }
    });
  }

  private chunkFile(chunk: number): SharedFile {
    let file = this.files.get(chunk);
    if (file) this.files.delete(chunk);
    else {
      const filePath = this.store.filePath(chunkKey(this.layout.name, chunk));
      file = new SharedFile(filePath, true, this.layout.chunkBytes);
    }
    this.files.set(chunk, file);
    for (const [oldChunk, oldFile] of this.files) {
      if (this.files.size <= MAX_OPEN_FILES) break;
      if (!oldFile.idle) continue;
      this.files.delete(oldChunk);
      void oldFile.close();
    }
    return file;
  }

  async release(): Promise<void> {
    const files = [...this.files.values()];
    this.files.clear();
    await Promise.all(files.map((file) => file.close()));
  }
}

/** One ranged read of a chunk and the rows it delivers. */
interface RangeRead {
  chunk: number;
  /** Byte range in the chunk. */
  offset: number;
  length: number;
  /** Pieces of rows inside the range: byte offset in the range, in the output, and length. */
  pieces: Array<{ from: number; to: number; length: number }>;
}

/**
 * Direct reads of chunks in a store other than the local disk (HTTP, S3): ranged reads of at
 * most {@link MAX_RANGE_BYTES}, rows that lie within {@link RANGE_GAP_BYTES} of each other in a
 * chunk fetched together, {@link READS_IN_FLIGHT} reads at a time. A chunk's size is asked once
 * (and kept): a missing chunk reads as the fill value, one of the wrong size is refused, as a
 * local chunk file is.
 */
class StoreRowSource implements RowSource {
  readonly direct = true;
  /** Sizes of the chunks asked for (undefined: no such chunk). */
  private readonly chunkSizes = new Map<number, Promise<number | undefined>>();

  constructor(
    private readonly layout: ArrayLayout,
    private readonly store: ObjectStore,
  ) {}

  get rowBytes(): number {
    return this.layout.rowBytes;
  }

  readRows(start: number, end: number, into: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.readRuns([{ start, count: end - start }], into, signal);
  }

  async readRuns(runs: readonly TraceRun[], into: Uint8Array, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await inParallel(this.planRanges(runs), READS_IN_FLIGHT, async (range) => {
      throwIfAborted(signal);
      await this.readRange(range, into);
    });
    throwIfAborted(signal);
  }

  /** The ranged reads that deliver the rows of `runs`, in order. */
  private planRanges(runs: readonly TraceRun[]): RangeRead[] {
    const { rowBytes } = this.layout;
    const ranges: RangeRead[] = [];
    let outRow = 0;
    for (const run of runs) {
      for (const piece of chunkPieces(this.layout, run.start, run.start + run.count)) {
        let offset = piece.rowInChunk * rowBytes;
        let to = (outRow + piece.outRow) * rowBytes;
        let left = piece.rows * rowBytes;
        while (left > 0) {
          const last = ranges[ranges.length - 1];
          const end = last ? last.offset + last.length : 0;
          if (
            last?.chunk === piece.chunk &&
            offset >= end &&
            offset - end <= RANGE_GAP_BYTES &&
            offset - last.offset < MAX_RANGE_BYTES
          ) {
            const length = Math.min(left, last.offset + MAX_RANGE_BYTES - offset);
            last.pieces.push({ from: offset - last.offset, to, length });
            last.length = offset + length - last.offset;
            offset += length;
            to += length;
            left -= length;
            continue;
          }
          const length = Math.min(left, MAX_RANGE_BYTES);
          ranges.push({ chunk: piece.chunk, offset, length, pieces: [{ from: 0, to, length }] });
          offset += length;
          to += length;
          left -= length;
        }
      }
      outRow += run.count;
    }
    return ranges;
  }

  private async readRange(range: RangeRead, into: Uint8Array): Promise<void> {
    const key = chunkKey(this.layout.name, range.chunk);
    const size = await this.chunkSize(range.chunk);
    if (size === undefined) {
      for (const piece of range.pieces) fillRows(this.layout, into, piece.to, piece.length);
      return;
    }
    const bytes = await this.store.getRange(key, range.offset, range.length);
    if (bytes?.length !== range.length) {
      throw new DatasetError(
        'DATASET_INVALID',
        `chunk ${range.chunk} gave ${bytes?.length ?? 0} of the ${range.length} bytes at ${range.offset}`,
        { path: objectLocation(this.store, key) },
      );
    }
    for (const piece of range.pieces) {
      into.set(bytes.subarray(piece.from, piece.from + piece.length), piece.to);
    }
  }

  private chunkSize(chunk: number): Promise<number | undefined> {
    let size = this.chunkSizes.get(chunk);
    if (!size) {
      const key = chunkKey(this.layout.name, chunk);
      size = this.store.size(key).then((bytes) => {
        if (bytes !== undefined && bytes !== this.layout.chunkBytes) {
          throw new DatasetError(
            'DATASET_INVALID',
            `chunk holds ${bytes} bytes, its metadata says ${this.layout.chunkBytes}`,
            { path: objectLocation(this.store, key) },
          );
        }
        return bytes;
      });
      size.catch(() => this.chunkSizes.delete(chunk));
      this.chunkSizes.set(chunk, size);
    }
    return size;
  }

  async release(): Promise<void> {
    this.chunkSizes.clear();
  }
}

class DecodedRowSource implements RowSource {
  readonly direct = false;
  /** Decoded chunks by index, least recently used first; promises so concurrent reads decode once. */
  private readonly decoded = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly layout: ArrayLayout,
    private readonly store: ObjectStore,
    private readonly array: DatasetArray,
    private readonly keepChunks: number,
  ) {}

  get rowBytes(): number {
    return this.layout.rowBytes;
  }

  async readRows(start: number, end: number, into: Uint8Array, signal?: AbortSignal): Promise<void> {
    const { rowBytes } = this.layout;
    for (const piece of chunkPieces(this.layout, start, end)) {
      throwIfAborted(signal);
      const chunk = await this.decodedChunk(piece.chunk);
      const from = piece.rowInChunk * rowBytes;
      into.set(chunk.subarray(from, from + piece.rows * rowBytes), piece.outRow * rowBytes);
    }
    throwIfAborted(signal);
  }

  readRuns(runs: readonly TraceRun[], into: Uint8Array, signal?: AbortSignal): Promise<void> {
    return readRunsInOrder(this, runs, into, signal, 1);
  }

  private decodedChunk(chunk: number): Promise<Uint8Array> {
    let pending = this.decoded.get(chunk);
    if (pending) {
      this.decoded.delete(chunk);
    } else {
      const file = objectLocation(this.store, chunkKey(this.layout.name, chunk));
      const expected = this.layout.chunkBytes;
      pending = this.array
        .getChunk([chunk, 0])
        .then((result) => {
          const data = result.data as ArrayBufferView;
          if (data.byteLength !== expected) {
            throw new DatasetError(
              'DATASET_INVALID',
              `chunk ${chunk} decodes to ${data.byteLength} bytes, its array's chunks hold ${expected}`,
              { path: file },
            );
          }
          return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        })
        .catch((cause: unknown) => {
          this.decoded.delete(chunk);
          if (cause instanceof DatasetError || cause instanceof StorageError) throw cause;
          throw new DatasetError('DATASET_INVALID', `chunk ${chunk} cannot be decoded`, {
            path: file,
            cause,
          });
        });
    }
    this.decoded.set(chunk, pending);
    while (this.decoded.size > Math.max(1, this.keepChunks)) {
      const oldest = this.decoded.keys().next().value as number;
      this.decoded.delete(oldest);
    }
    return pending;
  }

  async release(): Promise<void> {
    this.decoded.clear();
  }
}
