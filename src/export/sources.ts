/**
 * Where an export reads from: the samples (a seisproc dataset, or any 2-D Zarr v3 array such as
 * one written by zarr-python after processing) and the trace headers (the dataset's
 * `raw_headers/`, or an original SEG-Y/SU file). Each source hands out whole read blocks and keeps
 * only the last one asked for, so a segment walking its traces in order holds the blocks it reads
 * ahead and the one it encodes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type FileSystemStore from '@zarrita/storage/fs';
import type * as zarr from 'zarrita';
import { ArgumentError, DatasetError } from '../errors/index.js';
import { loadZarrita } from '../lazy.js';
import { type Endianness, SegyFile, type SegyOpenOptions } from '../segy/index.js';
import {
  Dataset,
  type DatasetAddress,
  type StoredSampleArray,
  type StoredSampleType,
  storedSampleArray,
} from '../storage/index.js';

/** A half-open range of traces `[start, end)`. */
export interface TraceRange {
  /** First trace. */
  start: number;
  /** One past the last trace. */
  end: number;
}

/** Where the samples of an export come from, in a form that crosses worker threads. */
export type SampleSourceSpec = DatasetSourceSpec | { kind: 'zarr-array'; path: string };

/** Where the trace headers of an export come from, in a form that crosses worker threads. */
export type HeaderSourceSpec =
  | DatasetSourceSpec
  | { kind: 'segy'; path: string; options: SerializableSegyOpenOptions };

/**
 * A dataset read by an export, local or remote: `path` to show (no credentials), `address` to
 * open it again in a writer.
 */
export type DatasetSourceSpec = { kind: 'dataset'; path: string; address: DatasetAddress };

/** The source spec of an opened dataset. */
export function datasetSourceSpec(dataset: Dataset): DatasetSourceSpec {
  return { kind: 'dataset', path: dataset.path, address: dataset.address };
}

/** Open the dataset of a source spec again. */
function reopenDataset(spec: DatasetSourceSpec): Promise<Dataset> {
  const { pathOrUrl, storage } = spec.address;
  return Dataset.open(pathOrUrl, storage ? { storage } : {});
}

/** The {@link SegyOpenOptions} that can be sent to a worker (no header mapping: raw headers need none). */
export type SerializableSegyOpenOptions = Omit<SegyOpenOptions, 'mapping'>;

/**
 * Blocks each of `writers` writers reads ahead of the block it encodes: what fits in libuv's thread
 * pool, which the writers of a process share (`UV_THREADPOOL_SIZE`, default 4 threads) and in which
 * each keeps its reads plus one write in flight; at least one, at most three (each block is a
 * buffer of a stored chunk held). One writer on two cores waited for reads a third of its time
 * with one block ahead. In alternating runs while choosing the depth (not a benchmark row), two
 * blocks ran 12–20 % faster, three another 5–15 %, four no faster; two writers with three each
 * ran 5–25 % slower than with one each, their writes queued behind the reads.
 */
export function readAheadBlocks(writers: number): number {
  const poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(3, Math.floor(poolThreads / Math.max(1, writers)) - 1));
}

/** A block of consecutive traces as read: its range and its values, trace-major. */
interface LoadedBlock<Block> {
  start: number;
  end: number;
  data: Block;
}

/**
 * Reads blocks of consecutive traces, keeping the last block asked for (read or under way), so
 * neighbouring reads, also concurrent ones, share one read.
 */
abstract class BlockCache<Block extends StoredSampleArray | Uint8Array> {
  private cached: { start: number; end: number; loaded: Promise<LoadedBlock<Block>> } | undefined;

  protected constructor(
    /** Values per trace in a block (samples, or header bytes). */
    readonly width: number,
    /** Traces per natural read block of the underlying store. */
    readonly blockTraces: number,
    /** Traces in the source. */
    readonly traceCount: number,
  ) {}

  /** Read the block holding trace `trace`; returns its range and data (trace-major). */
  protected abstract readBlock(start: number, end: number): Promise<Block>;

  /** Allocate an empty array of the block type. */
  protected abstract allocate(length: number): Block;

  /** Where the source is, for error messages. */
  protected abstract readonly location: string;

  /**
   * Values of traces `[start, end)`, trace after trace. A range inside one block is a view of the
   * block read (valid until the source refills its buffer); a range across blocks is assembled
   * into a new array.
   */
  async read(start: number, end: number): Promise<Block> {
    const first = await this.blockOf(start);
    if (end <= first.end) {
      return first.data.subarray(
        (start - first.start) * this.width,
        (end - first.start) * this.width,
      ) as Block;
    }
    const out = this.allocate((end - start) * this.width);
    let at = start;
    while (at < end) {
      const block = await this.blockOf(at);
      const stop = Math.min(end, block.end);
      (out as { set(values: Block, offset: number): void }).set(
        block.data.subarray((at - block.start) * this.width, (stop - block.start) * this.width) as Block,
        (at - start) * this.width,
      );
      at = stop;
    }
    return out;
  }

  private blockOf(trace: number): Promise<LoadedBlock<Block>> {
    const cached = this.cached;
    if (cached && trace >= cached.start && trace < cached.end) return cached.loaded;
    const start = Math.floor(trace / this.blockTraces) * this.blockTraces;
    const end = Math.min(this.traceCount, start + this.blockTraces);
    const loaded = this.load(start, end);
    this.cached = { start, end, loaded };
    // A failed read is not kept: the next request for the block reads it again.
    loaded.catch(() => {
      if (this.cached?.loaded === loaded) this.cached = undefined;
    });
    return loaded;
  }

  private async load(start: number, end: number): Promise<LoadedBlock<Block>> {
    const data = await this.readBlock(start, end);
    // A damaged store (a truncated chunk file) must fail here, not be written out as garbage.
    if (data.length !== (end - start) * this.width) {
      throw new DatasetError(
        'DATASET_INVALID',
        `traces [${start}, ${end}) hold ${data.length} values, ${(end - start) * this.width} expected`,
        { path: this.location, traceIndex: start },
      );
    }
    return { start, end, data };
  }
}

/**
 * Samples of an export, in the type the source stores them in ({@link SampleSource.sampleType}):
 * a dataset's stored type, so that samples float32 cannot hold are encoded from their exact
 * values; float32 for a bare Zarr array.
 */
export abstract class SampleSource extends BlockCache<StoredSampleArray> {
  /** Data type of the samples handed out. */
  abstract readonly sampleType: StoredSampleType;

  /** Samples per trace. */
  get sampleCount(): number {
    return this.width;
  }

  protected allocate(length: number): StoredSampleArray {
    return storedSampleArray(this.sampleType, length);
  }

  /** Release what the source holds open. */
  abstract close(): Promise<void>;
}

class DatasetSampleSource extends SampleSource {
  protected readonly location: string;
  /**
   * Block buffers filled in turn, one per block a writer may hold: fresh 4–8 MiB arrays cost more
   * than the read itself (the kernel maps and zeroes their pages). A writer reads at most
   * `readAhead` blocks ahead of the one it encodes, in order, each block once, and each write block
   * lies within one source block: so the buffer refilled is never one still being encoded or read.
   */
  private readonly buffers: StoredSampleArray[] = [];
  private turn = 0;
  readonly sampleType: StoredSampleType;

  constructor(
    private readonly dataset: Dataset,
    private readonly readAhead: number,
  ) {
    super(dataset.sampleCount, dataset.chunkTraces, dataset.traceCount);
    this.location = dataset.path;
    this.sampleType = dataset.sampleType;
  }

  protected readBlock(start: number, end: number): Promise<StoredSampleArray> {
    // Blocks are whole stored chunks: each chunk is read (and decompressed) once.
    this.buffers[this.turn] ??= this.allocate(this.blockTraces * this.width);
    const into = this.buffers[this.turn]!;
    this.turn = (this.turn + 1) % (this.readAhead + 1);
    return this.dataset.traces(start, end, { dtype: 'stored', into });
  }

  async close(): Promise<void> {
    await this.dataset.close();
  }
}

/** Zarr data types a bare array may have; all are converted to float32 on read. */
const NUMERIC_DTYPES = new Set(['float32', 'float64', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32']);

class ZarrArraySampleSource extends SampleSource {
  readonly sampleType = 'float32';

  constructor(
    private readonly zarr: typeof import('zarrita'),
    private readonly array: zarr.Array<zarr.DataType, FileSystemStore>,
    protected readonly location: string,
  ) {
    super(array.shape[1]!, array.chunks[0]!, array.shape[0]!);
  }

  protected async readBlock(start: number, end: number): Promise<Float32Array> {
    const result = await this.zarr.get(this.array, [this.zarr.slice(start, end), null]);
    const data = result.data as ArrayLike<number> & { BYTES_PER_ELEMENT: number };
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }

  async close(): Promise<void> {
    // zarrita's file system store opens files per read; nothing is held open.
  }
}

/** What a path handed to an export as the sample source is. */
export async function sampleSourceSpecOf(samplesPath: string): Promise<SampleSourceSpec> {
  const dir = path.resolve(samplesPath);
  const groupFile = path.join(dir, 'zarr.json');
  let json: { node_type?: unknown; attributes?: { seisproc?: unknown } };
  try {
    json = JSON.parse(await fs.readFile(groupFile, 'utf8'));
  } catch (cause) {
    const exists = await fs.stat(dir).catch(() => undefined);
    throw new DatasetError(
      exists ? 'DATASET_INVALID' : 'DATASET_NOT_FOUND',
      exists ? 'not a Zarr v3 group or array (no readable zarr.json)' : `nothing at ${dir}`,
      { path: dir, cause },
    );
  }
  if (json.node_type === 'group' && json.attributes?.seisproc) {
    return { kind: 'dataset', path: dir, address: { pathOrUrl: dir } };
  }
  if (json.node_type === 'array') return { kind: 'zarr-array', path: dir };
  throw new DatasetError(
    'DATASET_INVALID',
    'expected a seisproc dataset or a 2-D Zarr v3 array of samples [trace, sample]',
    { path: dir },
  );
}

/** Open a sample source: a seisproc dataset or a bare 2-D numeric Zarr v3 array. */
export async function openSampleSource(spec: SampleSourceSpec, readAhead = 1): Promise<SampleSource> {
  if (spec.kind === 'dataset') return new DatasetSampleSource(await reopenDataset(spec), readAhead);
  const { zarr, FileSystemStore } = await loadZarrita();
  let array: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    array = await zarr.open(zarr.root(new FileSystemStore(spec.path)), { kind: 'array' });
  } catch (cause) {
    throw new DatasetError('DATASET_INVALID', 'cannot open the Zarr array', { path: spec.path, cause });
  }
  if (array.shape.length !== 2 || !NUMERIC_DTYPES.has(array.dtype)) {
    throw new DatasetError(
      'DATASET_INVALID',
      `expected a 2-D numeric array [trace, sample], found ${array.dtype} [${array.shape.join(', ')}]`,
      { path: spec.path },
    );
  }
  return new ZarrArraySampleSource(zarr, array, spec.path);
}

/** Trace headers of an export, raw bytes as stored (in the byte order of their source). */
export abstract class HeaderSource extends BlockCache<Uint8Array> {
  /** Byte order of the header bytes. */
  abstract readonly endianness: Endianness;

  /** Header bytes per trace (240, or more with rev-2 trace header extensions). */
  get traceHeaderSize(): number {
    return this.width;
  }

  protected allocate(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  /** Release what the source holds open. */
  abstract close(): Promise<void>;
}

class DatasetHeaderSource extends HeaderSource {
  readonly endianness: Endianness;
  protected readonly location: string;

  constructor(private readonly dataset: Dataset) {
    super(dataset.traceHeaderSize, dataset.chunkTraces, dataset.traceCount);
    this.endianness = dataset.metadata.source_format.endianness;
    this.location = dataset.path;
  }

  protected readBlock(start: number, end: number): Promise<Uint8Array> {
    return this.dataset.readRawHeaders(start, end);
  }

  async close(): Promise<void> {
    await this.dataset.close();
  }
}

/** Traces per header read from an original file: headers are 240 bytes, so this is ~1 MiB. */
const SEGY_HEADER_BLOCK_TRACES = 4096;

class SegyHeaderSource extends HeaderSource {
  readonly endianness: Endianness;
  protected readonly location: string;

  constructor(private readonly file: SegyFile) {
    super(file.traceHeaderSize, SEGY_HEADER_BLOCK_TRACES, file.traceCount);
    this.endianness = file.endianness;
    this.location = file.path;
  }

  protected readBlock(start: number, end: number): Promise<Uint8Array> {
    return this.file.readRawTraceHeaders(start, end);
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

/** Open a header source: a dataset's raw headers or an original SEG-Y/SU file. */
export async function openHeaderSource(spec: HeaderSourceSpec): Promise<HeaderSource> {
  if (spec.kind === 'dataset') return new DatasetHeaderSource(await reopenDataset(spec));
  return new SegyHeaderSource(await SegyFile.open(spec.path, spec.options));
}

/** Validate a trace range against a trace count. */
export function checkTraceRange(range: TraceRange, traceCount: number, what: string): void {
  const { start, end } = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > traceCount) {
    throw new ArgumentError(
      `${what} [${start}, ${end}) lies outside the ${traceCount} traces [0, ${traceCount})`,
      {
        range: { start, end },
      },
    );
  }
}
