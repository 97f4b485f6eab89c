/**
 * The Zarr v3 side of a dataset: the group, the `traces/` and `raw_headers/` arrays, their codecs
 * and whole-chunk writes. Written with zarrita, readable by any Zarr v3 implementation
 * (tensorstore, zarr-python 3): see design.md "Interoperability facts" for why every array gets
 * an explicit fill value and `bytes` codec.
 */
import { promises as fs, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from '@zarrita/storage';
import type FileSystemStore from '@zarrita/storage/fs';
import type * as zarr from 'zarrita';
import { DatasetError, StorageError } from '../errors/index.js';
import type { ObjectStore, StorageOptions } from '../io/index.js';
import { lazy, loadZarrita } from '../lazy.js';
import { checkDatasetMetadata } from './checks.js';
import {
  localStore,
  objectLocation,
  openDatasetStore,
  requireLocalPath,
  ZarrObjectStore,
} from './dataset-store.js';
import { chunkDigest } from './digest.js';
import {
  type CompressionOptions,
  type DatasetMetadata,
  READABLE_DATASET_FORMAT_VERSIONS,
} from './metadata.js';
import {
  elementBytes,
  isStoredSampleArray,
  STORED_SAMPLE_TYPES,
  type StoredSampleArray,
  type StoredSampleType,
  storedSampleArray,
  storedSampleBytes,
} from './samples.js';

/** Names of the two arrays inside a dataset group. */
export const TRACES_ARRAY = 'traces';
export const RAW_HEADERS_ARRAY = 'raw_headers';

/** One entry of a Zarr v3 `codecs` list. */
export type CodecMetadata = { name: string; configuration: Record<string, unknown> };

/** Default ~8 MiB float32 chunks: large enough for fast sequential I/O, small enough for bounded memory. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Traces per chunk giving chunks of about `targetBytes` of samples of `bytesPerSample` bytes
 * (default 4, float32), clamped to [1, traceCount].
 */
export function chooseChunkTraces(
  sampleCount: number,
  traceCount: number,
  targetBytes = DEFAULT_CHUNK_BYTES,
  bytesPerSample = 4,
): number {
  const rows = Math.floor(targetBytes / (Math.max(1, sampleCount) * bytesPerSample));
  return Math.max(1, Math.min(Math.max(1, traceCount), rows));
}

/**
 * The v3 codec chain for the traces array of samples of `sampleType` (blosc shuffles bytes by its
 * element size). Bit rounding is applied by the writer before encoding and is not listed as a
 * codec: decoding it is the identity, and readers that do not know the `bitround` codec
 * (tensorstore) could otherwise not open the array. The metadata records it.
 */
export function traceCodecs(
  compression: CompressionOptions,
  sampleType: StoredSampleType = 'float32',
): CodecMetadata[] {
  const bytes: CodecMetadata = { name: 'bytes', configuration: { endian: 'little' } };
  switch (compression.codec) {
    case 'none':
      return [bytes];
    case 'zstd':
      return [bytes, { name: 'zstd', configuration: { level: compression.level ?? 3, checksum: false } }];
    case 'blosc':
      return [
        bytes,
        {
          name: 'blosc',
          configuration: {
            cname: 'zstd',
            clevel: compression.level ?? 5,
            shuffle: 'shuffle',
            typesize: storedSampleBytes(sampleType),
            blocksize: 0,
          },
        },
      ];
  }
}

const BLOSC_SHUFFLE: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/** What zarrita tells a codec about the chunks it encodes: their data type and shape. */
interface ChunkMeta {
  dataType: string;
  shape: readonly number[];
}

/** Bytes of a decoded chunk (chunk shape × element size); undefined for a data type not listed. */
function decodedChunkBytes(meta: ChunkMeta): number | undefined {
  const element = elementBytes(meta.dataType);
  return element && meta.shape.reduce((product, length) => product * length, element);
}

/**
 * The content size a zstd frame header declares (RFC 8878 3.1.1.1), or undefined when it
 * declares none or is no zstd frame.
 */
export function zstdDeclaredSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    return undefined;
  }
  const descriptor = frame[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const sizeFlag = descriptor >> 6;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fieldBytes = [singleSegment, 2, 4, 8][sizeFlag]!;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (fieldBytes === 0 || frame.length < at + fieldBytes) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + at, fieldBytes);
  if (fieldBytes === 1) return view.getUint8(0);
  if (fieldBytes === 2) return view.getUint16(0, true) + 256;
  if (fieldBytes === 4) return view.getUint32(0, true);
  return Number(view.getBigUint64(0, true));
}

/**
 * A compressed chunk whose header promises more bytes than the array's chunks hold is damaged:
 * refused before the decoder allocates what the header asks for (numcodecs trusts it).
 */
function refuseOversized(codec: string, declared: number | undefined, meta: ChunkMeta): void {
  const expected = decodedChunkBytes(meta);
  if (declared !== undefined && expected !== undefined && declared > expected) {
    throw new Error(`a ${codec} chunk declares ${declared} bytes, the array's chunks hold ${expected}`);
  }
}

/**
 * The compressors, registered in zarrita's codec registry over numcodecs':
 * - both check a chunk's declared size before decoding it ({@link refuseOversized});
 * - blosc: zarrita hands the v3 configuration straight to numcodecs, which expects the shuffle
 *   mode as a number while Zarr v3 spells it as a string ("shuffle"): without this mapping the
 *   data would be written unshuffled under metadata that says otherwise.
 */
function registerCompressors(zarrita: typeof import('zarrita')): void {
  zarrita.registry.set('blosc', async () => {
    const { default: Blosc } = await import('numcodecs/blosc');
    return {
      fromConfig(config: Record<string, unknown>, meta: ChunkMeta) {
        const shuffle =
          typeof config.shuffle === 'string' ? (BLOSC_SHUFFLE[config.shuffle] ?? 0) : config.shuffle;
        const codec = Blosc.fromConfig({ ...config, shuffle } as never);
        return {
          kind: 'bytes_to_bytes' as const,
          encode: (data: Uint8Array) => codec.encode(data),
          decode: (data: Uint8Array) => {
            // Blosc's header: version, versionlz, flags, typesize, then nbytes (uint32 LE).
            const declared =
              data.length >= 16
                ? new DataView(data.buffer, data.byteOffset + 4, 4).getUint32(0, true)
                : undefined;
            refuseOversized('blosc', declared, meta);
            return codec.decode(data);
          },
        };
      },
    } as never;
  });
  zarrita.registry.set('zstd', async () => {
    const { default: Zstd } = await import('numcodecs/zstd');
    return {
      fromConfig(config: Record<string, unknown>, meta: ChunkMeta) {
        const codec = Zstd.fromConfig(config as never);
        return {
          kind: 'bytes_to_bytes' as const,
          encode: (data: Uint8Array) => codec.encode(data),
          decode: (data: Uint8Array) => {
            refuseOversized('zstd', zstdDeclaredSize(data), meta);
            return codec.decode(data);
          },
        };
      },
    } as never;
  });
}

/**
 * Path of chunk `chunkIndex` of an array chunked along its first axis only, stored in `arrayDir`
 * with the default chunk key encoding (`c/<row chunk>/0`).
 */
export function chunkFilePath(arrayDir: string, chunkIndex: number): string {
  return path.join(arrayDir, 'c', String(chunkIndex), '0');
}

/** Key of chunk `chunkIndex` of array `arrayName` in a dataset's store (see {@link chunkFilePath}). */
export function chunkKey(arrayName: string, chunkIndex: number): string {
  return `${arrayName}/c/${chunkIndex}/0`;
}

/** zarrita, loaded on first use, with the compressors of {@link registerCompressors} registered. */
const loadZarr = lazy(async () => {
  const zarrita = await loadZarrita();
  registerCompressors(zarrita.zarr);
  return zarrita;
});

/** zarrita (see {@link loadZarr}) and the root location of a dataset directory, for writing. */
export async function datasetRoot(dir: string): Promise<{
  zarr: typeof import('zarrita');
  root: zarr.Location<FileSystemStore>;
}> {
  const { zarr, FileSystemStore } = await loadZarr();
  return { zarr, root: zarr.root(new FileSystemStore(dir)) };
}

/** An array of a dataset opened for reading, through its store. */
export type DatasetArray = zarr.Array<zarr.DataType, ZarrObjectStore>;

/**
 * Create the group (with metadata) and the two empty arrays in `dir`, the traces array of
 * `sampleType` (default float32; an import passes `storedSampleType` of its source format). No
 * chunk is written. The fill value 0 is valid for every stored type.
 */
export async function createDatasetArrays(
  dir: string,
  metadata: DatasetMetadata,
  sampleType: StoredSampleType = 'float32',
): Promise<void> {
  requireLocalPath(dir, 'a dataset');
  await fs.mkdir(dir, { recursive: true });
  const { zarr, root } = await datasetRoot(dir);
  await zarr.create(root, { attributes: { seisproc: metadata } });
  const rows = Math.max(1, metadata.chunk_traces);
  await zarr.create(root.resolve(TRACES_ARRAY), {
    shape: [metadata.trace_count, metadata.sample_count],
    chunkShape: [rows, Math.max(1, metadata.sample_count)],
    dtype: sampleType,
    fillValue: 0,
    codecs: traceCodecs(metadata.compression, sampleType),
    dimensionNames: ['trace', 'sample'],
  });
  await zarr.create(root.resolve(RAW_HEADERS_ARRAY), {
    shape: [metadata.trace_count, metadata.trace_header_size],
    chunkShape: [rows, metadata.trace_header_size],
    dtype: 'uint8',
    fillValue: 0,
    codecs: [{ name: 'bytes', configuration: {} }],
    dimensionNames: ['trace', 'header_byte'],
  });
}

/**
 * Open array `name` of a dataset for reading: `DATASET_INCOMPLETE` when its `zarr.json` is
 * missing, `DATASET_INVALID` when zarrita cannot make an array of it. A store that fails
 * (`STORAGE_*`) fails the open as it is.
 */
export async function openDatasetArray(store: ObjectStore, name: string): Promise<DatasetArray> {
  const key = `${name}/zarr.json`;
  const file = objectLocation(store, key);
  try {
    const { zarr } = await loadZarr();
    const root = zarr.root(new ZarrObjectStore(store));
    const array = await zarr.open(root.resolve(name), { kind: 'array' });
    // zarrita takes shape and chunk shape as they are written; readers size reads by them.
    if (!isShape(array.shape) || !isShape(array.chunks)) {
      throw new DatasetError('DATASET_INVALID', `array ${name} has no valid shape and chunk shape`, {
        path: file,
      });
    }
    return array;
  } catch (cause) {
    if (cause instanceof DatasetError || cause instanceof StorageError) throw cause;
    const missing = (await store.size(key)) === undefined;
    throw new DatasetError(
      missing ? 'DATASET_INCOMPLETE' : 'DATASET_INVALID',
      missing ? `dataset has no ${name} array` : `unreadable metadata of array ${name}`,
      { path: file, cause },
    );
  }
}

function isShape(value: unknown): boolean {
  return Array.isArray(value) && value.every((n) => Number.isSafeInteger(n) && n >= 0);
}

/**
 * Read the group metadata of a dataset (a directory, a URL, or its store); typed errors when it
 * is missing or not a dataset: `DATASET_NOT_FOUND` when there is nothing, `DATASET_INCOMPLETE`
 * when the root `zarr.json` is missing but the dataset was begun (the directory exists, or in a
 * store, where the root `zarr.json` is written last, an array's metadata exists).
 */
export async function readDatasetMetadata(
  source: string | ObjectStore,
  storage?: StorageOptions,
): Promise<DatasetMetadata> {
  const store = await openDatasetStore(source, storage);
  try {
    return await readGroupMetadata(store);
  } finally {
    if (store !== source) await store.close();
  }
}

async function readGroupMetadata(store: ObjectStore): Promise<DatasetMetadata> {
  const groupFile = objectLocation(store, 'zarr.json');
  const bytes = await store.get('zarr.json');
  if (!bytes) {
    if (!(await datasetBegun(store))) {
      throw new DatasetError('DATASET_NOT_FOUND', `no dataset at ${store.location}`, {
        path: store.location,
      });
    }
    throw new DatasetError('DATASET_INCOMPLETE', 'dataset has no zarr.json', { path: store.location });
  }
  let json: { node_type?: unknown; attributes?: { seisproc?: DatasetMetadata } };
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new DatasetError('DATASET_INVALID', 'zarr.json is not valid JSON', { path: groupFile, cause });
  }
  const metadata = json.attributes?.seisproc;
  if (json.node_type !== 'group' || !metadata || typeof metadata !== 'object') {
    throw new DatasetError('DATASET_INVALID', 'not a seisproc dataset (no attributes.seisproc)', {
      path: groupFile,
    });
  }
  if (!READABLE_DATASET_FORMAT_VERSIONS.includes(metadata.format_version)) {
    throw new DatasetError(
      'DATASET_UNSUPPORTED_VERSION',
      `dataset format version ${JSON.stringify(metadata.format_version)} is not one this seisproc reads ` +
        `(${READABLE_DATASET_FORMAT_VERSIONS.join(', ')}); a newer seisproc may have written it`,
      {
        path: groupFile,
        formatVersion: metadata.format_version,
        readableVersions: [...READABLE_DATASET_FORMAT_VERSIONS],
      },
    );
  }
  checkDatasetMetadata(metadata, groupFile);
  return metadata;
}

/** True when a dataset without its root `zarr.json` was begun: see {@link readDatasetMetadata}. */
async function datasetBegun(store: ObjectStore): Promise<boolean> {
  const local = localStore(store);
  if (local) return (await fs.stat(local.location).catch(() => undefined)) !== undefined;
  const arrays = await Promise.all(
    [TRACES_ARRAY, RAW_HEADERS_ARRAY].map((name) => store.size(`${name}/zarr.json`)),
  );
  return arrays.some((size) => size !== undefined);
}

/** Replace the metadata of an existing dataset (atomic file replace of `zarr.json`). */
export async function writeDatasetMetadata(dir: string, metadata: DatasetMetadata): Promise<void> {
  requireLocalPath(dir, 'dataset metadata');
  const { writeFileAtomic } = await import('./atomic.js');
  const groupFile = path.join(dir, 'zarr.json');
  const json = JSON.parse(await fs.readFile(groupFile, 'utf8')) as { attributes?: Record<string, unknown> };
  json.attributes = { ...(json.attributes ?? {}), seisproc: metadata };
  await writeFileAtomic(groupFile, JSON.stringify(json, null, 2));
}

/** Keep `keepBits` mantissa bits of every float32, rounding half to even (in place). */
export function bitround(samples: Float32Array, keepBits: number): void {
  if (keepBits >= 23) return;
  const bits = new Uint32Array(samples.buffer, samples.byteOffset, samples.length);
  const drop = 23 - keepBits;
  const halfMinusOne = (1 << (drop - 1)) - 1;
  const mask = ~((1 << drop) - 1) >>> 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    // NaN and infinity keep their bits: rounding could turn a NaN into infinity.
    if ((b & 0x7f800000) === 0x7f800000) continue;
    const lsb = (b >>> drop) & 1;
    bits[i] = ((b + halfMinusOne + lsb) & mask) >>> 0;
  }
}

/** Options of {@link DatasetChunkWriter.open}. */
export interface DatasetChunkWriterOptions {
  /**
   * Write chunk files with blocking system calls on the calling thread instead of through libuv's
   * thread pool (`writeChunk` still returns a promise). Meant for worker threads that have a core
   * each, where every hand-off to the pool costs context switches that no overlap pays back; never
   * for a thread whose event loop must stay responsive. Default false.
   */
  blockingWrites?: boolean;
}

/**
 * Writes whole chunks into the arrays of a dataset directory. Several writers (threads or
 * processes) may fill one dataset at once as long as no two of them write the same chunk.
 */
export class DatasetChunkWriter {
  /** Encoders of whole chunks of `traces/` and `raw_headers/`, built on first write. */
  private encoders: Promise<[ChunkEncoder<StoredSampleArray>, ChunkEncoder<Uint8Array>]> | undefined;

  private constructor(
    private readonly dir: string,
    /** Data type of the traces array. */
    readonly sampleType: StoredSampleType,
    private readonly traces: zarr.Array<StoredSampleType, FileSystemStore>,
    private readonly rawHeaders: zarr.Array<'uint8', FileSystemStore>,
    private readonly metadata: DatasetMetadata,
    private readonly blockingWrites: boolean,
  ) {}

  /** Open the arrays of a dataset directory created by {@link createDatasetArrays}. */
  static async open(dir: string, options: DatasetChunkWriterOptions = {}): Promise<DatasetChunkWriter> {
    requireLocalPath(dir, 'a dataset');
    const metadata = await readDatasetMetadata(dir);
    const { zarr, root } = await datasetRoot(dir);
    const traces = await zarr.open(root.resolve(TRACES_ARRAY), { kind: 'array' });
    const rawHeaders = await zarr.open(root.resolve(RAW_HEADERS_ARRAY), { kind: 'array' });
    const sampleType = traceArrayType(traces, metadata, dir);
    if (!rawHeaders.is('uint8')) {
      throw new DatasetError('DATASET_INVALID', 'raw_headers must be uint8', { path: dir });
    }
    return new DatasetChunkWriter(
      dir,
      sampleType,
      traces as zarr.Array<StoredSampleType, FileSystemStore>,
      rawHeaders,
      metadata,
      options.blockingWrites ?? false,
    );
  }

  /** Traces per chunk. */
  get chunkTraces(): number {
    return this.metadata.chunk_traces;
  }
  /** Traces in the dataset. */
  get traceCount(): number {
    return this.metadata.trace_count;
  }
  /** Samples per trace. */
  get sampleCount(): number {
    return this.metadata.sample_count;
  }
  /** Header bytes per trace. */
  get traceHeaderSize(): number {
    return this.metadata.trace_header_size;
  }
  /** Number of chunks along the trace axis. */
  get chunkCount(): number {
    return Math.ceil(this.traceCount / this.chunkTraces);
  }

  /** First and end (exclusive) trace of chunk `chunkIndex`. */
  chunkRange(chunkIndex: number): { start: number; end: number } {
    const start = chunkIndex * this.chunkTraces;
    return { start, end: Math.min(this.traceCount, start + this.chunkTraces) };
  }

  /**
   * Write chunk `chunkIndex` whole: `samples` holds its rows × sampleCount values of the traces
   * array's type ({@link DatasetChunkWriter.sampleType}) and `rawHeaders` its rows ×
   * traceHeaderSize bytes. With `keepBits` set in the compression options, `samples` is
   * bit-rounded in place. Returns the chunk's digest (`chunkDigest` of the samples as stored),
   * from which the dataset's sample digest is combined.
   */
  async writeChunk(
    chunkIndex: number,
    samples: StoredSampleArray,
    rawHeaders: Uint8Array,
  ): Promise<Uint8Array> {
    const { start, end } = this.chunkRange(chunkIndex);
    const rows = end - start;
    if (chunkIndex < 0 || rows <= 0) {
      throw new DatasetError('DATASET_RANGE', `chunk ${chunkIndex} is outside the dataset`, {
        traceIndex: start,
      });
    }
    if (samples.length !== rows * this.sampleCount || rawHeaders.length !== rows * this.traceHeaderSize) {
      throw new DatasetError(
        'DATASET_MISMATCH',
        `chunk ${chunkIndex} needs ${rows} traces of ${this.sampleCount} samples and ${this.traceHeaderSize} header bytes`,
        { traceIndex: start },
      );
    }
    if (!isStoredSampleArray(samples, this.sampleType)) {
      throw new DatasetError(
        'DATASET_MISMATCH',
        `chunk ${chunkIndex} holds a ${samples.constructor.name}, the traces array stores ${this.sampleType}`,
        { traceIndex: start },
      );
    }
    const keepBits = this.metadata.compression.keepBits;
    if (keepBits !== undefined && samples instanceof Float32Array) bitround(samples, keepBits);
    const digest = chunkDigest(samples);
    // Whole chunks are encoded and stored directly: zarr.set would copy them element-range by
    // element-range into a new chunk buffer first (the import's hottest spot by far).
    this.encoders ??= Promise.all([
      ChunkEncoder.create(
        traceCodecs(this.metadata.compression, this.sampleType),
        this.sampleType,
        [this.chunkTraces, this.sampleCount],
        (length) => storedSampleArray(this.sampleType, length),
      ),
      ChunkEncoder.create(
        RAW_HEADER_CODECS,
        'uint8',
        [this.chunkTraces, this.traceHeaderSize],
        (length) => new Uint8Array(length),
      ),
    ]);
    const [traceEncoder, headerEncoder] = await this.encoders;
    const [traceBytes, headerBytes] = await Promise.all([
      traceEncoder.encode(samples),
      headerEncoder.encode(rawHeaders),
    ]);
    await Promise.all([
      this.storeChunk(TRACES_ARRAY, chunkIndex, traceBytes),
      this.storeChunk(RAW_HEADERS_ARRAY, chunkIndex, headerBytes),
    ]);
    return digest;
  }

  private async storeChunk(array: string, chunkIndex: number, bytes: Uint8Array): Promise<void> {
    const file = chunkFilePath(path.join(this.dir, array), chunkIndex);
    try {
      if (this.blockingWrites) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      } else {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, bytes);
      }
    } catch (cause) {
      throw new DatasetError('IO_ERROR', `cannot write chunk ${chunkIndex} of ${array}`, {
        path: file,
        chunkIndex,
        cause,
      });
    }
  }

  /**
   * The digest of chunk `chunkIndex` (as {@link writeChunk} returns it) when the chunk of both
   * arrays exists and decodes to the full chunk shape; undefined otherwise. Used to verify, not
   * trust, the chunks of an interrupted import before resuming it.
   */
  async validChunkDigest(chunkIndex: number): Promise<Uint8Array | undefined> {
    const coords = [chunkIndex, 0];
    const { start, end } = this.chunkRange(chunkIndex);
    try {
      const chunks = [];
      for (const array of [this.traces, this.rawHeaders] as const) {
        const key = array.resolve(`c/${coords.join('/')}`).path;
        if (!(await array.store.has(key))) return undefined;
        const chunk = await array.getChunk(coords);
        if (chunk.data.length !== array.chunks[0]! * array.chunks[1]!) return undefined;
        chunks.push(chunk.data);
      }
      const samples = chunks[0] as StoredSampleArray;
      // The last chunk is stored padded to the full chunk shape; its digest covers its traces only.
      return chunkDigest(samples.subarray(0, (end - start) * this.sampleCount));
    } catch {
      return undefined;
    }
  }
}

/**
 * The data type of an opened traces array, checked against the dataset's format version: float32
 * in version 1, a stored sample type in version 2. `DATASET_INVALID` otherwise.
 */
export function traceArrayType(
  traces: zarr.Array<zarr.DataType, Readable>,
  metadata: DatasetMetadata,
  dir: string,
): StoredSampleType {
  const type = traces.dtype;
  const allowed: readonly string[] = metadata.format_version === 1 ? ['float32'] : STORED_SAMPLE_TYPES;
  if (!allowed.includes(type)) {
    throw new DatasetError(
      'DATASET_INVALID',
      `traces are ${type}; a version ${metadata.format_version} dataset stores ${allowed.join(', ')}`,
      { path: dir },
    );
  }
  return type as StoredSampleType;
}

/** Codec chain of the `raw_headers/` array. */
const RAW_HEADER_CODECS: CodecMetadata[] = [{ name: 'bytes', configuration: {} }];

type ChunkData = StoredSampleArray | Uint8Array;
type ChunkCodec = { encode(value: unknown): unknown };

/**
 * Encodes whole chunks through an array's codec chain, built from zarrita's public codec
 * registry. Partial chunks (the last one of an array) are padded with the fill value 0, as Zarr
 * stores every chunk at full size. Added to storage by the import: see ParallelImportCoordinator.
 */
class ChunkEncoder<T extends ChunkData> {
  private constructor(
    private readonly codecs: ChunkCodec[],
    private readonly shape: [number, number],
    private readonly allocate: (length: number) => T,
  ) {}

  static async create<T extends ChunkData>(
    codecs: CodecMetadata[],
    dataType: StoredSampleType | 'uint8',
    shape: [number, number],
    allocate: (length: number) => T,
  ): Promise<ChunkEncoder<T>> {
    const { zarr } = await loadZarr();
    const chain = await Promise.all(
      codecs.map(async (meta) => {
        const entry = await zarr.registry.get(meta.name)?.();
        if (!entry) throw new DatasetError('DATASET_INVALID', `unknown codec ${meta.name}`);
        return entry.fromConfig(meta.configuration, { dataType, shape, codecs, fillValue: 0 }) as ChunkCodec;
      }),
    );
    return new ChunkEncoder(chain, shape, allocate);
  }

  /** Encode the values of one chunk (`values.length` ≤ the chunk size). */
  async encode(values: T): Promise<Uint8Array> {
    const size = this.shape[0] * this.shape[1];
    // The bytes codec encodes the whole buffer of its input (and may return a view of it): pass
    // an array that spans its own buffer, copied (and padded) only when the caller's does not.
    let data = values;
    if (values.length !== size || values.byteOffset !== 0 || values.buffer.byteLength !== values.byteLength) {
      data = this.allocate(size);
      (data as { set(values: T): void }).set(values);
    }
    let encoded: unknown = { data, shape: this.shape, stride: [this.shape[1], 1] };
    for (const codec of this.codecs) encoded = await codec.encode(encoded);
    return encoded as Uint8Array;
  }
}
