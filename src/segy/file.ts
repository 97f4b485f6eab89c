/**
 * {@link SegyFile}: a SEG-Y or Seismic Unix file opened for positional reading.
 *
 * Nothing reads the whole file: opening reads the file headers and the first trace header, and
 * every later read is a positional read of the bytes asked for. No buffer is sized from a header
 * value before that value has been checked against the file size. Every read goes through a
 * `ByteSource`, so the file may be local, behind HTTP(S) or in object storage.
 *
 * @module
 */
import { SegyError } from '../errors/index.js';
import { type ByteSource, LocalByteSource, openByteSource, type StorageOptions } from '../io/index.js';
import {
  decodeSampleRuns,
  decodeSampleRunsNative,
  type Endianness,
  type NativeRunArray,
  type SampleRuns,
} from './codecs.js';
import { copyRecords } from './columns.js';
import { type SampleFormatCode, sampleFormat } from './formats.js';
import {
  decodeBinaryHeader,
  decodeHeaderColumns,
  type HeaderColumn,
  HeaderMapping,
  type HeaderMappingJSON,
  readHeaderValue,
} from './headers.js';
import type { IbmDecoding } from './ibm.js';
import {
  DEFAULT_SAMPLE_INTERVAL,
  decideSampleInterval,
  detectEndianness,
  EXTENDED_HEADER_SIZE,
  FILE_HEADER_SIZE,
  parseRevision,
  type SampleIntervalSource,
  sampleCountCandidates,
  solveTraceLayout,
  TRACE_HEADER_SIZE,
  type TraceLayout,
} from './layout.js';
import { decodeText, decodeTextHeader, isEndTextStanza, type TextEncoding } from './text.js';

/** SEG-Y proper, or Seismic Unix (240-byte trace headers, no file headers). */
export type SegyKind = 'segy' | 'su';

/** Options of {@link SegyFile.open}. */
export interface SegyOpenOptions {
  /** Byte order; overrides detection. */
  endianness?: Endianness;
  /** Sample format; overrides the binary header. */
  formatCode?: SampleFormatCode;
  /** Trace header fields to use (custom byte positions); default the standard table. */
  mapping?: HeaderMapping | HeaderMappingJSON;
  /** Drop an incomplete last trace instead of failing with `SEGY_TRUNCATED`. */
  ignoreTruncated?: boolean;
  /** `su` for Seismic Unix; default `su` for `*.su` files, else `segy`. */
  kind?: SegyKind;
  /** Sample interval (µs) when the headers give none or contradict each other; default 4000. */
  fallbackSampleInterval?: number;
  /**
   * IBM float decoding: `exact` (default) or `segyio`, which reproduces segyio's values for
   * un-normalised IBM floats (see `ibmToIeeeBitsSegyio`).
   */
  ibm?: IbmDecoding;
  /**
   * Read local files with blocking system calls on the calling thread instead of through libuv's
   * thread pool (the methods still return promises). Meant for worker threads that have a core
   * each: every hand-off to the pool costs context switches, and with no core to spare no overlap
   * pays them back. Never on a thread whose event loop must stay responsive. Other sources are
   * read asynchronously whatever this says.
   */
  blockingReads?: boolean;
  /** Options of the remote backends, for a URL given to {@link SegyFile.open} (ignored for local paths). */
  storage?: StorageOptions;
}

/** One chunk of consecutive traces from {@link SegyFile.chunks}. */
export interface TraceChunk {
  /** First trace index (inclusive). */
  start: number;
  /** Last trace index (exclusive). */
  end: number;
  /** `(end - start) * sampleCount` samples, trace after trace. */
  samples: Float32Array;
  /** `(end - start) * traceHeaderSize` raw header bytes, trace after trace. */
  rawHeaders: Uint8Array;
}

/** Largest buffer one call may allocate; beyond it callers must use {@link SegyFile.chunks}. */
const MAX_CALL_BYTES = 2 ** 31 - 1;
/** Working buffer size for reading whole traces when only part of them is wanted. */
const WORK_BYTES = 8 << 20;
/**
 * Most extended textual headers accepted (13 MB): real files carry a handful, and a garbage count
 * must not make opening a large file read and decode thousands of blocks.
 */
const MAX_EXTENDED_HEADERS = 4096;
/** Traces up to this size have their headers read as part of whole-trace blocks. */
const SMALL_TRACE_BYTES = 16384;
/**
 * The same for sources other than local files: there each request costs a round trip in which
 * megabytes could have been read, so reading whole traces pays off for much larger traces.
 */
const SMALL_TRACE_BYTES_REMOTE = 1 << 20;
/** Concurrent positional reads when reading headers of large traces one by one. */
const HEADER_READ_CONCURRENCY = 32;

/** Everything {@link SegyFile.open} works out before the file object exists. */
interface Description {
  kind: SegyKind;
  fileSize: number;
  endianness: Endianness;
  textEncoding: TextEncoding | null;
  textHeaderBlank: boolean;
  formatCode: SampleFormatCode;
  revision: number;
  dataOffset: number;
  layout: TraceLayout;
  sampleInterval: number;
  sampleIntervalSource: SampleIntervalSource;
  textHeader: string;
  textHeaderRaw: Uint8Array;
  extendedTextHeaders: string[];
  extendedTextHeadersRaw: Uint8Array[];
  binaryHeader: Record<string, number | bigint>;
  binaryHeaderRaw: Uint8Array;
  notes: string[];
}

/**
 * A SEG-Y (rev 0, 1, 2, 2.1) or Seismic Unix file, open for positional reads: a local file, an
 * `http(s)://` URL or an `s3://bucket/key` object, or any {@link ByteSource}.
 *
 * @example
 * ```ts
 * const file = await SegyFile.open('line.sgy');
 * const headers = await file.readTraceHeaders(0, file.traceCount, ['cdp', 'offset']);
 * for await (const { start, samples } of file.chunks()) process(start, samples);
 * await file.close();
 * ```
 */
export class SegyFile {
  /**
   * Where the file is, for messages and metadata: the source's `location`, an absolute path or a
   * URL without credentials or query string.
   */
  readonly path: string;
  /** `segy` or `su`. */
  readonly kind: SegyKind;
  /** File size in bytes. */
  readonly fileSize: number;
  /** Byte order of headers and samples. */
  readonly endianness: Endianness;
  /** Encoding of the textual header; `null` for SU. */
  readonly textEncoding: TextEncoding | null;
  /** True when the textual header holds no text (only NUL bytes or blanks). */
  readonly textHeaderBlank: boolean;
  /** Sample format code in use. */
  readonly formatCode: SampleFormatCode;
  /** Bytes per sample of {@link SegyFile.formatCode}. */
  readonly bytesPerSample: number;
  /** Samples per trace. */
  readonly sampleCount: number;
  /** Sample interval in µs (or Hz, m, ft for non-time data). */
  readonly sampleInterval: number;
  /** Where {@link SegyFile.sampleInterval} came from. */
  readonly sampleIntervalSource: SampleIntervalSource;
  /** Number of traces. */
  readonly traceCount: number;
  /** SEG-Y revision, e.g. 0, 1, 2, 2.1 (0 for SU). */
  readonly revision: number;
  /** Byte offset of the first trace (3600 + 3200 × extended headers for SEG-Y, 0 for SU). */
  readonly dataOffset: number;
  /** Bytes of headers per trace: 240 × (1 + trace header extensions). */
  readonly traceHeaderSize: number;
  /** Bytes per trace, headers included. */
  readonly traceSize: number;
  /** Decoded textual header (40 lines of 80 characters); empty for SU. */
  readonly textHeader: string;
  /** The 3200 raw bytes of the textual header; empty for SU. */
  readonly textHeaderRaw: Uint8Array;
  /** Decoded extended textual headers. */
  readonly extendedTextHeaders: string[];
  /** Raw extended textual headers, 3200 bytes each. */
  readonly extendedTextHeadersRaw: Uint8Array[];
  /** Binary header fields by key (see `BINARY_HEADER_FIELDS`); empty for SU. */
  readonly binaryHeader: Record<string, number | bigint>;
  /** The 400 raw bytes of the binary header; empty for SU. */
  readonly binaryHeaderRaw: Uint8Array;
  /** Trace header fields in use. */
  readonly mapping: HeaderMapping;
  /** Things worth telling a user about how the file was read (fallbacks, oddities). */
  readonly notes: readonly string[];
  /** How IBM float samples are decoded. */
  readonly ibmDecoding: IbmDecoding;

  /** The bytes of the file; undefined once closed. */
  #source: ByteSource | undefined;
  /** True when {@link SegyFile.open} opened the source, so that closing the file closes it. */
  readonly #ownsSource: boolean;
  /** The source when it is a local file to be read with blocking calls (`blockingReads`). */
  readonly #blockingSource: LocalByteSource | undefined;
  /** Traces up to this size have their headers read in whole-trace blocks. */
  readonly #smallTraceBytes: number;
  /**
   * The block buffer of {@link readRawTraceHeaders} for small traces, kept between calls (a fresh
   * one per call cost more than the read); a call that finds it taken by another allocates its own.
   */
  #headerBlock: Uint8Array | undefined;

  private constructor(
    source: ByteSource,
    ownsSource: boolean,
    d: Description,
    mapping: HeaderMapping,
    options: SegyOpenOptions,
  ) {
    this.path = source.location;
    this.ibmDecoding = options.ibm ?? 'exact';
    this.#source = source;
    this.#ownsSource = ownsSource;
    const local = source instanceof LocalByteSource;
    this.#blockingSource = local && options.blockingReads ? source : undefined;
    this.#smallTraceBytes = local ? SMALL_TRACE_BYTES : SMALL_TRACE_BYTES_REMOTE;
    this.kind = d.kind;
    this.fileSize = d.fileSize;
    this.endianness = d.endianness;
    this.textEncoding = d.textEncoding;
    this.textHeaderBlank = d.textHeaderBlank;
    this.formatCode = d.formatCode;
    this.bytesPerSample = sampleFormat(d.formatCode).bytesPerSample;
    this.sampleCount = d.layout.sampleCount;
    this.sampleInterval = d.sampleInterval;
    this.sampleIntervalSource = d.sampleIntervalSource;
    this.traceCount = d.layout.traceCount;
    this.revision = d.revision;
    this.dataOffset = d.dataOffset;
    this.traceHeaderSize = d.layout.traceHeaderSize;
    this.traceSize = d.layout.traceSize;
    this.textHeader = d.textHeader;
    this.textHeaderRaw = d.textHeaderRaw;
    this.extendedTextHeaders = d.extendedTextHeaders;
    this.extendedTextHeadersRaw = d.extendedTextHeadersRaw;
    this.binaryHeader = d.binaryHeader;
    this.binaryHeaderRaw = d.binaryHeaderRaw;
    this.mapping = mapping;
    this.notes = Object.freeze([...d.notes]);
  }

  /**
   * Open a SEG-Y or SU file and work out its layout.
   *
   * @param source - a local path or a URL (`https://…`, `http://…`, `s3://bucket/key`, opened
   * with `options.storage`; the file closes what it opened), or a {@link ByteSource} opened by the
   * caller (a Blob-backed one in a browser, say), which stays the caller's to close after the file.
   * @throws SegyError with codes `SEGY_TOO_SHORT`, `SEGY_TRUNCATED`, `SEGY_BAD_FORMAT_CODE`,
   * `SEGY_BAD_SAMPLE_COUNT`, `SEGY_BAD_TEXT_HEADER`, `SEGY_BAD_EXTENDED_HEADERS`,
   * `SEGY_VARIABLE_LENGTH`, `SEGY_NO_TRACES`, `SEGY_BAD_MAPPING`; StorageError (`STORAGE_*`)
   * when the bytes cannot be read (`STORAGE_NOT_FOUND` for a missing file).
   */
  static async open(source: string | ByteSource, options: SegyOpenOptions = {}): Promise<SegyFile> {
    const mapping =
      options.mapping === undefined
        ? HeaderMapping.standard()
        : options.mapping instanceof HeaderMapping
          ? options.mapping
          : HeaderMapping.fromJSON(options.mapping);
    const ownsSource = typeof source === 'string';
    const bytes = ownsSource ? await openByteSource(source, options.storage) : source;
    try {
      const kind = options.kind ?? (/\.su$/i.test(bytes.location) ? 'su' : 'segy');
      const reader = new SourceReader(bytes, await bytes.size());
      const description =
        kind === 'su' ? await describeSu(reader, options) : await describeSegy(reader, options);
      return new SegyFile(bytes, ownsSource, description, mapping, options);
    } catch (error) {
      if (ownsSource) await bytes.close();
      throw error;
    }
  }

  get #reader(): SourceReader {
    if (!this.#source) throw new SegyError('IO_ERROR', 'file is closed', { path: this.path });
    return new SourceReader(this.#source, this.fileSize, this.#blockingSource);
  }

  /** Keep `block` for the next {@link readRawTraceHeaders}, unless a larger one is kept already. */
  #keepHeaderBlock(block: Uint8Array): void {
    if (!this.#headerBlock || this.#headerBlock.byteLength < block.byteLength) this.#headerBlock = block;
  }

  #checkRange(start: number, end: number): void {
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end < start ||
      end > this.traceCount
    ) {
      throw new SegyError('SEGY_RANGE', `trace range ${start}:${end} is outside 0:${this.traceCount}`, {
        path: this.path,
        traceIndex: start,
      });
    }
  }

  #checkCallSize(bytes: number, start: number): void {
    if (bytes > MAX_CALL_BYTES) {
      throw new SegyError('SEGY_RANGE', `a read of ${bytes} bytes is too large for one call; use chunks()`, {
        path: this.path,
        traceIndex: start,
      });
    }
  }

  /** Byte offset of trace `index` in the file. */
  traceOffset(index: number): number {
    return this.dataOffset + index * this.traceSize;
  }

  /**
   * Raw bytes of whole traces `[start, end)` (headers and samples as stored).
   *
   * @param into - optional destination of at least `(end - start) * traceSize` bytes.
   */
  async readTraceBlock(start: number, end: number, into?: Uint8Array): Promise<Uint8Array> {
    this.#checkRange(start, end);
    const bytes = (end - start) * this.traceSize;
    this.#checkCallSize(bytes, start);
    if (into && into.byteLength < bytes) {
      throw new SegyError('SEGY_RANGE', `destination holds ${into.byteLength} bytes, ${bytes} are needed`, {
        path: this.path,
      });
    }
    const target = into ? into.subarray(0, bytes) : new Uint8Array(bytes);
    await this.#reader.readInto(target, this.traceOffset(start), start);
    return target;
  }

  /**
   * Samples of traces `[start, end)` as float32, trace after trace (`(end - start) * sampleCount`
   * values).
   *
   * @param out - optional destination of at least that many values.
   */
  async readTraces(start: number, end: number, out?: Float32Array): Promise<Float32Array> {
    this.#checkRange(start, end);
    const values = (end - start) * this.sampleCount;
    this.#checkCallSize(values * 4, start);
    if (out && out.length < values) {
      throw new SegyError('SEGY_RANGE', `output holds ${out.length} samples, ${values} are needed`, {
        path: this.path,
      });
    }
    const target = out ?? new Float32Array(values);
    const perBatch = Math.max(1, Math.floor(WORK_BYTES / this.traceSize));
    const work = new Uint8Array(Math.min(end - start, perBatch) * this.traceSize);
    for (let first = start; first < end; first += perBatch) {
      const last = Math.min(end, first + perBatch);
      const block = await this.readTraceBlock(first, last, work);
      this.decodeBlock(block, last - first, target.subarray((first - start) * this.sampleCount));
    }
    return target;
  }

  /**
   * Decode the samples of `count` whole traces held in `block` (as returned by
   * {@link SegyFile.readTraceBlock}) into `out`.
   */
  decodeBlock(block: Uint8Array, count: number, out: Float32Array): Float32Array {
    return decodeSampleRuns(block, this.formatCode, this.endianness, out, this.blockRuns(count), {
      ibm: this.ibmDecoding,
    });
  }

  /**
   * Decode the samples of `count` whole traces held in `block` into `out`, a typed array of the
   * format's own type, unconverted (see `decodeSampleRunsNative`).
   */
  decodeBlockNative<T extends NativeRunArray>(block: Uint8Array, count: number, out: T): T {
    return decodeSampleRunsNative(block, this.formatCode, this.endianness, out, this.blockRuns(count));
  }

  /** Where the samples of `count` whole traces lie in a block read by {@link SegyFile.readTraceBlock}. */
  private blockRuns(count: number): SampleRuns {
    return { runLength: this.sampleCount, runs: count, stride: this.traceSize, offset: this.traceHeaderSize };
  }

  /** Raw trace headers of traces `[start, end)`: `(end - start) * traceHeaderSize` bytes. */
  async readRawTraceHeaders(start: number, end: number): Promise<Uint8Array> {
    this.#checkRange(start, end);
    const hs = this.traceHeaderSize;
    const out = new Uint8Array((end - start) * hs);
    const reader = this.#reader;
    // Small traces: reading whole traces in large blocks beats one small read per header.
    if (this.traceSize <= this.#smallTraceBytes) {
      const perBatch = Math.max(1, Math.floor(WORK_BYTES / this.traceSize));
      const needed = Math.min(end - start, perBatch) * this.traceSize;
      const kept = this.#headerBlock;
      this.#headerBlock = undefined;
      const work = kept && kept.byteLength >= needed ? kept : new Uint8Array(needed);
      try {
        for (let first = start; first < end; first += perBatch) {
          const last = Math.min(end, first + perBatch);
          const block = await this.readTraceBlock(first, last, work);
          copyRecords(block, this.traceSize, out.subarray((first - start) * hs), hs, hs, last - first);
        }
      } finally {
        this.#keepHeaderBlock(work);
      }
      return out;
    }
    // Large traces: read only the header bytes of each trace, a few reads in flight at a time.
    let next = start;
    const worker = async () => {
      while (next < end) {
        const index = next++;
        await reader.readInto(
          out.subarray((index - start) * hs, (index - start + 1) * hs),
          this.traceOffset(index),
          index,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEADER_READ_CONCURRENCY, end - start) }, worker));
    return out;
  }

  /**
   * Trace header values of traces `[start, end)` as columns of typed arrays.
   *
   * @param fields - field keys or aliases (default: every field of the mapping); the result is
   * keyed by the names asked for.
   */
  async readTraceHeaders(
    start: number,
    end: number,
    fields?: readonly string[],
  ): Promise<Record<string, HeaderColumn>> {
    const selected = (fields ?? this.mapping.fields.map((f) => f.key)).map((name) => ({
      name,
      field: this.mapping.field(name),
    }));
    const raw = await this.readRawTraceHeaders(start, end);
    const columns = decodeHeaderColumns(
      raw,
      end - start,
      this.traceHeaderSize,
      selected.map((s) => s.field),
      this.endianness,
    );
    const out: Record<string, HeaderColumn> = {};
    for (const { name, field } of selected) out[name] = columns[field.key]!;
    return out;
  }

  /** One trace header value, read with one small positional read. */
  async readHeaderValue(traceIndex: number, key: string): Promise<number | bigint> {
    this.#checkRange(traceIndex, traceIndex + 1);
    const field = this.mapping.field(key);
    const header = new Uint8Array(TRACE_HEADER_SIZE);
    await this.#reader.readInto(header, this.traceOffset(traceIndex), traceIndex);
    return readHeaderValue(new DataView(header.buffer), field, this.endianness);
  }

  /**
   * Read traces `[start, end)` in chunks of `chunkTraces` traces (default: about 8 MiB of file
   * per chunk). The next chunk is read while the caller works on the current one.
   *
   * With `reuseBuffers: true` the chunks' `samples` and `rawHeaders` live in two sets of buffers
   * used in turn: a chunk's arrays stay valid until the loop asks for the next chunk (whose
   * successor is then read into them), so copy what you keep. It saves allocating and first
   * touching ~8 MiB per chunk, which costs more than the read (about 2× the throughput of a
   * whole-file scan).
   */
  async *chunks(
    options: { chunkTraces?: number; start?: number; end?: number; reuseBuffers?: boolean } = {},
  ): AsyncGenerator<TraceChunk> {
    const start = options.start ?? 0;
    const end = options.end ?? this.traceCount;
    this.#checkRange(start, end);
    const chunkTraces = options.chunkTraces ?? Math.max(1, Math.floor(WORK_BYTES / this.traceSize));
    if (!Number.isInteger(chunkTraces) || chunkTraces < 1) {
      throw new SegyError('SEGY_RANGE', `chunkTraces must be a positive integer, got ${chunkTraces}`, {
        path: this.path,
      });
    }
    this.#checkCallSize(Math.min(chunkTraces, end - start) * this.traceSize, start);
    // One read is in flight at a time and each chunk is decoded out of the block before the next
    // read starts, so a single block buffer serves every chunk.
    const work = new Uint8Array(Math.min(chunkTraces, end - start) * this.traceSize);
    // Chunk k decodes into set k % 2: the caller holds chunk k - 1 while chunk k is read.
    const reused = options.reuseBuffers
      ? [0, 1].map(() => ({
          samples: new Float32Array(Math.min(chunkTraces, end - start) * this.sampleCount),
          rawHeaders: new Uint8Array(Math.min(chunkTraces, end - start) * this.traceHeaderSize),
        }))
      : undefined;
    const readChunk = async (first: number): Promise<TraceChunk> => {
      const last = Math.min(end, first + chunkTraces);
      const count = last - first;
      const buffers = reused?.[Math.floor((first - start) / chunkTraces) % 2];
      const block = await this.readTraceBlock(first, last, work);
      const samples = this.decodeBlock(
        block,
        count,
        buffers
          ? buffers.samples.subarray(0, count * this.sampleCount)
          : new Float32Array(count * this.sampleCount),
      );
      const hs = this.traceHeaderSize;
      const rawHeaders = buffers ? buffers.rawHeaders.subarray(0, count * hs) : new Uint8Array(count * hs);
      copyRecords(block, this.traceSize, rawHeaders, hs, hs, count);
      return { start: first, end: last, samples, rawHeaders };
    };
    let pending = start < end ? readChunk(start) : undefined;
    while (pending) {
      const chunk = await pending;
      pending = chunk.end < end ? readChunk(chunk.end) : undefined;
      try {
        yield chunk;
      } finally {
        // A consumer that stops early must not leave a read rejected and unobserved.
        if (pending) pending.catch(() => {});
      }
    }
  }

  /**
   * Close the file, and the source when {@link SegyFile.open} opened it. Further reads fail with
   * `IO_ERROR`.
   */
  async close(): Promise<void> {
    const source = this.#source;
    this.#source = undefined;
    if (this.#ownsSource) await source?.close();
  }
}

/** Full positional reads of a source with typed errors. */
class SourceReader {
  readonly path: string;

  constructor(
    private readonly source: ByteSource,
    readonly size: number,
    /** The source itself when it is to be read with blocking calls. */
    private readonly blocking?: LocalByteSource,
  ) {
    this.path = source.location;
  }

  /** Fill `target` from `position`; a source that ends first is `SEGY_TRUNCATED`. */
  async readInto(target: Uint8Array, position: number, traceIndex?: number): Promise<void> {
    const length = target.byteLength;
    const read = this.blocking
      ? this.blocking.readSync(position, length, target)
      : await this.source.read(position, length, target);
    if (read.byteLength < length) {
      throw new SegyError('SEGY_TRUNCATED', `file ends before ${length} bytes could be read`, {
        path: this.path,
        byteOffset: position + read.byteLength,
        traceIndex,
      });
    }
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(out, position);
    return out;
  }
}

async function describeSegy(reader: SourceReader, options: SegyOpenOptions): Promise<Description> {
  const { path, size } = reader;
  if (size < FILE_HEADER_SIZE) {
    throw new SegyError(
      'SEGY_TOO_SHORT',
      `file has ${size} bytes, a SEG-Y file needs at least ${FILE_HEADER_SIZE}`,
      { path },
    );
  }
  const head = await reader.read(0, FILE_HEADER_SIZE);
  const textHeaderRaw = head.slice(0, 3200);
  const binaryHeaderRaw = head.slice(3200, 3600);
  const text = decodeTextHeader(textHeaderRaw, { path, byteOffset: 0 });
  const endianness = options.endianness ?? detectEndianness(binaryHeaderRaw);
  const le = endianness === 'little';
  const binaryHeader = decodeBinaryHeader(binaryHeaderRaw, endianness);
  const formatCode = options.formatCode ?? (binaryHeader.formatCode as number);
  try {
    sampleFormat(formatCode);
  } catch (error) {
    throw new SegyError('SEGY_BAD_FORMAT_CODE', (error as SegyError).message, {
      path,
      byteOffset: 3224,
      formatCode,
    });
  }
  const { bytesPerSample } = sampleFormat(formatCode);
  const revision = parseRevision(binaryHeaderRaw, le);
  const notes: string[] = [];

  const extended = await readExtendedHeaders(reader, binaryHeader.extendedTextHeaderCount as number);
  const dataOffset = FILE_HEADER_SIZE + EXTENDED_HEADER_SIZE * extended.raw.length;
  if (dataOffset >= size) {
    throw new SegyError('SEGY_NO_TRACES', 'file holds headers but no traces', {
      path,
      byteOffset: dataOffset,
    });
  }

  let dataLength = size - dataOffset;
  const trailers = binaryHeader.trailerStanzaCount as number;
  if (revision >= 2 && trailers > 0 && trailers * EXTENDED_HEADER_SIZE < dataLength) {
    dataLength -= trailers * EXTENDED_HEADER_SIZE;
    notes.push(`${trailers} data trailer stanza(s) after the traces`);
  }

  const firstHeader =
    size - dataOffset >= TRACE_HEADER_SIZE ? await reader.read(dataOffset, TRACE_HEADER_SIZE) : undefined;
  const firstView = firstHeader && new DataView(firstHeader.buffer);
  const traceSamples = firstView?.getUint16(114, le);
  const traceInterval = firstView?.getInt16(116, le);

  const binarySamples = binaryHeader.sampleCount as number;
  const extendedSamples = binaryHeader.extSampleCount as number;
  const sampleCounts = sampleCountCandidates(binarySamples, extendedSamples, traceSamples, revision);
  if (sampleCounts.length === 0) {
    throw new SegyError(
      'SEGY_BAD_SAMPLE_COUNT',
      'the binary header and the first trace header give no sample count',
      {
        path,
        byteOffset: 3220,
      },
    );
  }
  const declaredExtensions = binaryHeader.additionalTraceHeaderCount as number;
  const extensionCounts = revision >= 2 && declaredExtensions > 0 ? [declaredExtensions, 0] : [0];
  const layout = solveTraceLayout({ dataLength, bytesPerSample, sampleCounts, extensionCounts });
  checkLayout(layout, dataLength, dataOffset, path, options, notes, {
    variableLength: revision >= 2 && binaryHeader.fixedLengthTraceFlag === 0,
  });
  if (layout.sampleCount !== binarySamples) {
    notes.push(
      `sample count ${layout.sampleCount} taken from ${layout.sampleCount === extendedSamples ? 'the rev-2 extended field (3269)' : 'the first trace header (115)'}; binary header field 3221 says ${binarySamples}`,
    );
  }
  if (layout.extensionCount > 0) {
    notes.push(`${layout.extensionCount} trace header extension(s) per trace`);
    await checkExtensionNames(reader, dataOffset, layout, text.encoding, extended.text);
  }

  const extendedInterval = binaryHeader.extSampleInterval as number;
  const binaryInterval =
    revision >= 2 && extendedInterval > 0 && Number.isFinite(extendedInterval)
      ? extendedInterval
      : (binaryHeader.sampleInterval as number);
  const interval = decideSampleInterval(
    binaryInterval,
    traceInterval,
    options.fallbackSampleInterval ?? DEFAULT_SAMPLE_INTERVAL,
  );
  if (interval.source === 'default') {
    notes.push(
      `sample interval ${interval.sampleInterval} µs is the fallback: binary header says ${binaryInterval}, first trace header says ${traceInterval ?? 'nothing'}`,
    );
  }
  if (text.blank) notes.push('textual header is blank');

  return {
    kind: 'segy',
    fileSize: size,
    endianness,
    textEncoding: text.encoding,
    textHeaderBlank: text.blank,
    formatCode: formatCode as SampleFormatCode,
    revision,
    dataOffset,
    layout,
    sampleInterval: interval.sampleInterval,
    sampleIntervalSource: interval.source,
    textHeader: text.text,
    textHeaderRaw,
    extendedTextHeaders: extended.text,
    extendedTextHeadersRaw: extended.raw,
    binaryHeader,
    binaryHeaderRaw,
    notes,
  };
}

/** Fail on a layout that leaves bytes over, unless told to ignore a truncated last trace. */
function checkLayout(
  layout: TraceLayout,
  dataLength: number,
  dataOffset: number,
  path: string,
  options: SegyOpenOptions,
  notes: string[],
  flags: { variableLength: boolean },
): void {
  if (layout.remainder === 0 && layout.traceCount > 0) return;
  const byteOffset = dataOffset + layout.traceCount * layout.traceSize;
  if (flags.variableLength) {
    throw new SegyError(
      'SEGY_VARIABLE_LENGTH',
      `traces of ${layout.traceSize} bytes do not fill the file and the fixed-length trace flag is off: variable-length traces are not supported`,
      { path, byteOffset, traceIndex: layout.traceCount },
    );
  }
  if (!options.ignoreTruncated) {
    throw new SegyError(
      'SEGY_TRUNCATED',
      `the last trace is incomplete: ${dataLength} bytes of trace data is not a multiple of the ${layout.traceSize}-byte trace size (${layout.sampleCount} samples)`,
      { path, byteOffset, traceIndex: layout.traceCount },
    );
  }
  if (layout.traceCount === 0) {
    throw new SegyError('SEGY_NO_TRACES', `not even one whole ${layout.traceSize}-byte trace in the file`, {
      path,
      byteOffset,
    });
  }
  notes.push(`ignored ${layout.remainder} bytes of an incomplete last trace`);
}

/** Read the extended textual headers: a count from the binary header, or -1 for "until EndText". */
async function readExtendedHeaders(
  reader: SourceReader,
  count: number,
): Promise<{ raw: Uint8Array[]; text: string[] }> {
  const { path, size } = reader;
  const raw: Uint8Array[] = [];
  const text: string[] = [];
  const room = Math.floor((size - FILE_HEADER_SIZE) / EXTENDED_HEADER_SIZE);
  if (count === 0) return { raw, text };
  if (count < -1) {
    throw new SegyError('SEGY_BAD_EXTENDED_HEADERS', `extended textual header count ${count} is not valid`, {
      path,
      byteOffset: 3504,
    });
  }
  if (count > Math.min(room, MAX_EXTENDED_HEADERS)) {
    throw new SegyError(
      'SEGY_BAD_EXTENDED_HEADERS',
      `binary header says ${count} extended textual headers; the file has room for ${room}, seisproc reads at most ${MAX_EXTENDED_HEADERS}`,
      { path, byteOffset: 3504 },
    );
  }
  const limit = count === -1 ? Math.min(room, MAX_EXTENDED_HEADERS) : count;
  for (let i = 0; i < limit; i++) {
    const block = await reader.read(FILE_HEADER_SIZE + i * EXTENDED_HEADER_SIZE, EXTENDED_HEADER_SIZE);
    const decoded = decodeText(block).text;
    raw.push(block);
    text.push(decoded);
    if (count === -1 && isEndTextStanza(decoded)) return { raw, text };
  }
  if (count === -1) {
    throw new SegyError(
      'SEGY_BAD_EXTENDED_HEADERS',
      `extended textual header count is -1 but no ((SEG: EndText)) stanza was found in ${limit} headers`,
      { path, byteOffset: FILE_HEADER_SIZE },
    );
  }
  return { raw, text };
}

/**
 * Rev 2.1 names each trace header extension in its bytes 233–240 ("SEG00001" for the standard
 * extension 1, others declared by a `((SEG:Layout...))` XML stanza). When the file carries such a
 * layout, an extension whose name (in the file's text encoding) the layout does not declare means
 * the headers cannot be interpreted: refuse the file as segyio does.
 */
async function checkExtensionNames(
  reader: SourceReader,
  dataOffset: number,
  layout: TraceLayout,
  encoding: TextEncoding,
  extendedText: readonly string[],
): Promise<void> {
  const layoutText = extendedText
    .map((t) => t.replaceAll('\n', ''))
    .filter((t) => /\(\(\s*SEG\s*:\s*Layout/i.test(t))
    .join('');
  if (!layoutText) return;
  const declared = new Set([...layoutText.matchAll(/<extension\s+name="([^"]*)"/g)].map((m) => m[1]!.trim()));
  const headers = await reader.read(dataOffset, layout.traceHeaderSize);
  for (let i = 1; i <= layout.extensionCount; i++) {
    const nameBytes = headers.subarray(i * TRACE_HEADER_SIZE + 232, (i + 1) * TRACE_HEADER_SIZE);
    if (nameBytes.every((b) => b === 0)) continue;
    const name = decodeText(nameBytes, encoding).text.trim();
    const asAscii = decodeText(nameBytes, 'ascii').text.trim();
    const standardExtension = name === 'SEG00001' || asAscii === 'SEG00001';
    if (!standardExtension && !declared.has(name)) {
      throw new SegyError(
        'SEGY_BAD_EXTENDED_HEADERS',
        `trace header extension ${i} is named "${name}" (${encoding}), which the file's layout stanza does not declare`,
        { path: reader.path, byteOffset: dataOffset + i * TRACE_HEADER_SIZE + 232, traceIndex: 0 },
      );
    }
  }
}

async function describeSu(reader: SourceReader, options: SegyOpenOptions): Promise<Description> {
  const { path, size } = reader;
  if (size < TRACE_HEADER_SIZE) {
    throw new SegyError(
      'SEGY_TOO_SHORT',
      `file has ${size} bytes, an SU trace header alone needs ${TRACE_HEADER_SIZE}`,
      {
        path,
      },
    );
  }
  const formatCode = options.formatCode ?? 5;
  const { bytesPerSample } = sampleFormat(formatCode);
  const header = await reader.read(0, TRACE_HEADER_SIZE);
  const view = new DataView(header.buffer);
  const layoutFor = (e: Endianness) =>
    solveTraceLayout({
      dataLength: size,
      bytesPerSample,
      sampleCounts: [view.getUint16(114, e === 'little') || 0].filter((n) => n > 0),
      extensionCounts: [0],
    });
  const fits = (e: Endianness) => {
    const n = view.getUint16(114, e === 'little');
    if (n === 0) return false;
    const l = layoutFor(e);
    return l.traceCount > 0 && l.remainder === 0;
  };
  let endianness = options.endianness;
  if (!endianness) {
    const big = fits('big');
    const little = fits('little');
    if (big && little) endianness = await likelierSuOrder(reader, view, bytesPerSample);
    else if (big || little) endianness = big ? 'big' : 'little';
    else {
      const nBig = view.getUint16(114, false);
      const nLittle = view.getUint16(114, true);
      if (nBig === 0 && nLittle === 0) {
        throw new SegyError('SEGY_BAD_SAMPLE_COUNT', 'the first SU trace header gives no sample count', {
          path,
          byteOffset: 114,
          traceIndex: 0,
        });
      }
      endianness = nLittle > 0 && (nBig === 0 || nLittle < nBig) ? 'little' : 'big';
    }
  }
  const le = endianness === 'little';
  const sampleCount = view.getUint16(114, le);
  if (sampleCount === 0) {
    throw new SegyError('SEGY_BAD_SAMPLE_COUNT', 'the first SU trace header gives no sample count', {
      path,
      byteOffset: 114,
      traceIndex: 0,
    });
  }
  const notes: string[] = [];
  const layout = layoutFor(endianness);
  checkLayout(layout, size, 0, path, options, notes, { variableLength: false });
  const interval = decideSampleInterval(
    0,
    view.getInt16(116, le),
    options.fallbackSampleInterval ?? DEFAULT_SAMPLE_INTERVAL,
  );
  return {
    kind: 'su',
    fileSize: size,
    endianness,
    textEncoding: null,
    textHeaderBlank: true,
    formatCode: formatCode as SampleFormatCode,
    revision: 0,
    dataOffset: 0,
    layout,
    sampleInterval: interval.sampleInterval,
    sampleIntervalSource: interval.source,
    textHeader: '',
    textHeaderRaw: new Uint8Array(0),
    extendedTextHeaders: [],
    extendedTextHeadersRaw: [],
    binaryHeader: {},
    binaryHeaderRaw: new Uint8Array(0),
    notes,
  };
}

/**
 * When both byte orders give a sample count that divides an SU file, decide by the first trace:
 * the order in which its samples look like seismic amplitudes (finite, not absurdly large or
 * tiny) and its sample interval is positive.
 */
async function likelierSuOrder(
  reader: SourceReader,
  header: DataView,
  bytesPerSample: number,
): Promise<Endianness> {
  const score = async (e: Endianness) => {
    const le = e === 'little';
    const n = Math.min(header.getUint16(114, le), 4096);
    const bytes = await reader.read(
      TRACE_HEADER_SIZE,
      Math.min(n * bytesPerSample, reader.size - TRACE_HEADER_SIZE),
    );
    const view = new DataView(bytes.buffer);
    let plausible = 0;
    for (let i = 0; i + 4 <= bytes.byteLength; i += 4) {
      const v = Math.abs(view.getFloat32(i, le));
      if (v === 0 || (v > 1e-20 && v < 1e20)) plausible++;
    }
    return plausible / Math.max(1, bytes.byteLength / 4) + (header.getInt16(116, le) > 0 ? 1 : 0);
  };
  return (await score('little')) >= (await score('big')) ? 'little' : 'big';
}
