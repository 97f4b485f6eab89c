/**
 * {@link SegyWriter}: positional writing of SEG-Y and SU files.
 *
 * SEG-Y traces have a fixed size, so the offset of every trace is known in advance: one writer
 * creates the file (headers, and the full size when the trace count is known), and any number of
 * writers — in other threads or processes — open it with {@link SegyWriter.openForWrite} and fill
 * their own traces. A writer writes exactly where it is told: callers that publish a file point
 * it at a temporary sibling and rename that when every writer has closed.
 *
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import { ArgumentError, SegyError } from '../errors/index.js';
import { type Endianness, encodeSampleRuns } from './codecs.js';
import { copyRecords } from './columns.js';
import { binaryHeaderField, type HeaderField } from './fields.js';
import type { SegyKind } from './file.js';
import { type SampleFormatCode, sampleFormat } from './formats.js';
import { encodeBinaryHeader, HeaderMapping, writeHeaderValue } from './headers.js';
import { EXTENDED_HEADER_SIZE, FILE_HEADER_SIZE, TRACE_HEADER_SIZE } from './layout.js';
import { encodeText, TEXT_HEADER_SIZE, type TextEncoding } from './text.js';

/** What to write: the layout of the file and its file headers. */
export interface SegyWriterSpec {
  /** `segy` (default) or `su` (no file headers, float32 samples only). */
  kind?: SegyKind;
  /** Samples per trace. */
  sampleCount: number;
  /** Sample interval in µs. */
  sampleInterval: number;
  /** Sample format code (5 for SU). */
  formatCode: SampleFormatCode;
  /** Byte order of headers and samples. */
  endianness: Endianness;
  /** Textual header: a string is encoded in `textEncoding`; 3200 bytes are written verbatim. */
  textHeader?: string | Uint8Array;
  /** Encoding for string text headers; default `ebcdic`. */
  textEncoding?: TextEncoding;
  /** Extended textual headers (strings encoded like `textHeader`, or 3200 raw bytes each). */
  extendedTextHeaders?: Array<string | Uint8Array>;
  /**
   * Binary header: 400 raw bytes are written verbatim; fields (keys or segyio aliases) are encoded
   * and the sample count, interval, format, byte order constant, extended header count, trace
   * header extensions and fixed-length flag are set to match the spec.
   */
  binaryHeader?: Uint8Array | Record<string, number | bigint>;
  /** Bytes of headers per trace: 240 × (1 + extensions); default 240. */
  traceHeaderSize?: number;
  /** Number of traces; when given the file is extended to its final size on creation. */
  traceCount?: number;
}

/** Largest encoded block written at once; larger writes are split. */
const WRITE_BATCH_BYTES = 8 << 20;

const DEFAULT_TEXT = [
  'C 1 SEG-Y file written by seisproc',
  ...Array.from({ length: 37 }, (_, i) => `C${String(i + 2).padStart(2)}`),
  'C39 SEG-Y REV1',
  'C40 END TEXTUAL HEADER',
].join('\n');

/** Validated layout of a spec. */
interface WriterLayout {
  kind: SegyKind;
  dataOffset: number;
  traceHeaderSize: number;
  traceSize: number;
  bytesPerSample: number;
}

function layoutOf(spec: SegyWriterSpec): WriterLayout {
  const kind = spec.kind ?? 'segy';
  const { bytesPerSample } = sampleFormat(spec.formatCode);
  if (!Number.isInteger(spec.sampleCount) || spec.sampleCount < 1 || spec.sampleCount > 2 ** 31 - 1) {
    throw new ArgumentError(`sampleCount must be a positive 32-bit integer, got ${spec.sampleCount}`);
  }
  if (!(spec.sampleInterval > 0) || !Number.isFinite(spec.sampleInterval)) {
    throw new ArgumentError(`sampleInterval must be a positive number of µs, got ${spec.sampleInterval}`);
  }
  const traceHeaderSize = spec.traceHeaderSize ?? TRACE_HEADER_SIZE;
  if (
    !Number.isInteger(traceHeaderSize) ||
    traceHeaderSize < TRACE_HEADER_SIZE ||
    traceHeaderSize % TRACE_HEADER_SIZE
  ) {
    throw new ArgumentError(`traceHeaderSize must be a multiple of 240, got ${traceHeaderSize}`);
  }
  if (spec.traceCount !== undefined && (!Number.isInteger(spec.traceCount) || spec.traceCount < 0)) {
    throw new ArgumentError(`traceCount must be a non-negative integer, got ${spec.traceCount}`);
  }
  if (kind === 'su') {
    if (spec.formatCode !== 5)
      throw new ArgumentError('Seismic Unix files hold 4-byte IEEE floats: formatCode must be 5');
    if (spec.sampleCount > 65535) throw new ArgumentError('Seismic Unix traces hold at most 65535 samples');
    if (traceHeaderSize !== TRACE_HEADER_SIZE)
      throw new ArgumentError('Seismic Unix traces have one 240-byte header');
  }
  const extended = spec.extendedTextHeaders?.length ?? 0;
  const dataOffset = kind === 'su' ? 0 : FILE_HEADER_SIZE + EXTENDED_HEADER_SIZE * extended;
  return {
    kind,
    dataOffset,
    traceHeaderSize,
    traceSize: traceHeaderSize + spec.sampleCount * bytesPerSample,
    bytesPerSample,
  };
}

function textBlock(text: string | Uint8Array, encoding: TextEncoding, what: string): Uint8Array {
  if (typeof text === 'string') return encodeText(text, encoding);
  if (text.byteLength !== TEXT_HEADER_SIZE) {
    throw new ArgumentError(`${what} must be ${TEXT_HEADER_SIZE} bytes, got ${text.byteLength}`);
  }
  return text;
}

/** The 3200 + 400 + 3200 × n bytes of SEG-Y file headers for a spec. */
export function buildFileHeaders(spec: SegyWriterSpec): Uint8Array {
  const layout = layoutOf(spec);
  const encoding = spec.textEncoding ?? 'ebcdic';
  const out = new Uint8Array(layout.dataOffset);
  out.set(textBlock(spec.textHeader ?? DEFAULT_TEXT, encoding, 'textHeader'), 0);
  out.set(buildBinaryHeader(spec, layout), TEXT_HEADER_SIZE);
  (spec.extendedTextHeaders ?? []).forEach((text, i) => {
    out.set(
      textBlock(text, encoding, `extendedTextHeaders[${i}]`),
      FILE_HEADER_SIZE + i * EXTENDED_HEADER_SIZE,
    );
  });
  return out;
}

function buildBinaryHeader(spec: SegyWriterSpec, layout: WriterLayout): Uint8Array {
  if (spec.binaryHeader instanceof Uint8Array) {
    if (spec.binaryHeader.byteLength !== 400) {
      throw new ArgumentError(`a raw binaryHeader must be 400 bytes, got ${spec.binaryHeader.byteLength}`);
    }
    return spec.binaryHeader;
  }
  const given = spec.binaryHeader ?? {};
  const givenFields = new Set(Object.keys(given).map((name) => binaryHeaderField(name)?.key));
  const extensions = layout.traceHeaderSize / TRACE_HEADER_SIZE - 1;
  const shortCount = spec.sampleCount <= 65535;
  const shortInterval = Number.isInteger(spec.sampleInterval) && spec.sampleInterval <= 32767;
  // Little-endian files, long traces, fractional intervals and header extensions need rev 2.
  const needsRev2 = spec.endianness === 'little' || !shortCount || !shortInterval || extensions > 0;
  // Fields are encoded in insertion order, so the spec's values below win over the caller's,
  // whether the caller named a field by key or by alias.
  const values: Record<string, number | bigint> = {
    ...given,
    sampleInterval: shortInterval ? spec.sampleInterval : 0,
    sampleCount: shortCount ? spec.sampleCount : 0,
    formatCode: spec.formatCode,
    extSampleCount: shortCount ? 0 : spec.sampleCount,
    extSampleInterval: shortInterval ? 0 : spec.sampleInterval,
    byteOrder: 0x01020304,
    fixedLengthTraceFlag: 1,
    extendedTextHeaderCount: spec.extendedTextHeaders?.length ?? 0,
    additionalTraceHeaderCount: extensions,
  };
  if (!givenFields.has('revision')) {
    values.revision = needsRev2 ? 2 : 1;
    values.revisionMinor = 0;
  }
  return encodeBinaryHeader(values, spec.endianness);
}

/**
 * Build `count` trace headers from values: each entry of `values` is a field key or alias with
 * one value for every trace, or an array with a value per trace. Fields not given are zero.
 */
export function encodeTraceHeaders(
  count: number,
  values: Readonly<Record<string, number | bigint | ArrayLike<number | bigint>>>,
  options: { endianness: Endianness; mapping?: HeaderMapping; traceHeaderSize?: number },
): Uint8Array {
  const stride = options.traceHeaderSize ?? TRACE_HEADER_SIZE;
  const mapping = options.mapping ?? HeaderMapping.standard();
  const out = new Uint8Array(count * stride);
  const entries: Array<[HeaderField, number | bigint | ArrayLike<number | bigint>]> = Object.entries(
    values,
  ).map(([name, value]) => [mapping.field(name), value]);
  for (let t = 0; t < count; t++) {
    const view = new DataView(out.buffer, t * stride, stride);
    for (const [field, value] of entries) {
      const v = typeof value === 'object' ? value[t] : value;
      if (v !== undefined) writeHeaderValue(view, field, v, options.endianness);
    }
  }
  return out;
}

/**
 * Writes traces of a SEG-Y or SU file at any position. Create the file once with
 * {@link SegyWriter.create}; further writers open it with {@link SegyWriter.openForWrite}.
 */
export class SegyWriter {
  /** Path written to. */
  readonly path: string;
  /** `segy` or `su`. */
  readonly kind: SegyKind;
  /** Byte offset of the first trace. */
  readonly dataOffset: number;
  /** Bytes per trace, headers included. */
  readonly traceSize: number;
  /** Bytes of headers per trace. */
  readonly traceHeaderSize: number;
  /** Samples per trace. */
  readonly sampleCount: number;
  /** Sample format written. */
  readonly formatCode: SampleFormatCode;
  /** Byte order written. */
  readonly endianness: Endianness;
  /** Trace count the file was sized for, if given. */
  readonly traceCount: number | undefined;
  #handle: FileHandle | undefined;

  private constructor(path: string, handle: FileHandle, spec: SegyWriterSpec, layout: WriterLayout) {
    this.path = path;
    this.#handle = handle;
    this.kind = layout.kind;
    this.dataOffset = layout.dataOffset;
    this.traceSize = layout.traceSize;
    this.traceHeaderSize = layout.traceHeaderSize;
    this.sampleCount = spec.sampleCount;
    this.formatCode = spec.formatCode;
    this.endianness = spec.endianness;
    this.traceCount = spec.traceCount;
  }

  /**
   * Create (or overwrite) the file: write the textual, binary and extended headers and, when
   * `spec.traceCount` is given, extend the file to its final size.
   *
   * @throws ArgumentError for an inconsistent spec; SegyError `SEGY_WRITE` when writing fails.
   */
  static async create(path: string, spec: SegyWriterSpec): Promise<SegyWriter> {
    const layout = layoutOf(spec);
    const headers = layout.kind === 'su' ? new Uint8Array(0) : buildFileHeaders(spec);
    const handle = await openHandle(path, 'w');
    const writer = new SegyWriter(path, handle, spec, layout);
    try {
      await writer.#write(headers, 0);
      if (spec.traceCount !== undefined)
        await handle.truncate(layout.dataOffset + spec.traceCount * layout.traceSize);
    } catch (error) {
      await handle.close();
      throw asWriteError(error, path, 0);
    }
    return writer;
  }

  /**
   * Open a file made by {@link SegyWriter.create} with the same spec, to write other traces (e.g.
   * from another worker). Headers are not written again.
   */
  static async openForWrite(path: string, spec: SegyWriterSpec): Promise<SegyWriter> {
    const layout = layoutOf(spec);
    const handle = await openHandle(path, 'r+');
    const { size } = await handle.stat();
    if (size < layout.dataOffset) {
      await handle.close();
      throw new SegyError(
        'SEGY_WRITE',
        `file has ${size} bytes, less than its ${layout.dataOffset} bytes of headers`,
        {
          path,
        },
      );
    }
    return new SegyWriter(path, handle, spec, layout);
  }

  /** Byte offset of trace `index`. */
  traceOffset(index: number): number {
    return this.dataOffset + index * this.traceSize;
  }

  #checkStart(startTrace: number, count: number): void {
    const fits = this.traceCount === undefined || startTrace + count <= this.traceCount;
    if (!Number.isInteger(startTrace) || startTrace < 0 || !fits) {
      throw new SegyError(
        'SEGY_RANGE',
        `cannot write ${count} traces at ${startTrace} (file sized for ${this.traceCount})`,
        {
          path: this.path,
          traceIndex: startTrace,
        },
      );
    }
  }

  /**
   * Encode and write traces at `startTrace`: `samples` holds `count * sampleCount` values and
   * `rawHeaders` `count * traceHeaderSize` bytes (in the file's byte order; see
   * {@link encodeTraceHeaders}).
   */
  async writeTraces(startTrace: number, samples: Float32Array, rawHeaders: Uint8Array): Promise<void> {
    const ns = this.sampleCount;
    const hs = this.traceHeaderSize;
    if (samples.length % ns !== 0) {
      throw new ArgumentError(
        `samples hold ${samples.length} values, not a multiple of ${ns} samples per trace`,
      );
    }
    const count = samples.length / ns;
    if (rawHeaders.byteLength !== count * hs) {
      throw new ArgumentError(
        `rawHeaders hold ${rawHeaders.byteLength} bytes, ${count} traces need ${count * hs}`,
      );
    }
    this.#checkStart(startTrace, count);
    const perBatch = Math.max(1, Math.floor(WRITE_BATCH_BYTES / this.traceSize));
    const block = new Uint8Array(Math.min(count, perBatch) * this.traceSize);
    for (let first = 0; first < count; first += perBatch) {
      const n = Math.min(perBatch, count - first);
      copyRecords(rawHeaders.subarray(first * hs), hs, block, this.traceSize, hs, n);
      encodeSampleRuns(
        samples.subarray(first * ns, (first + n) * ns),
        this.formatCode,
        this.endianness,
        block,
        {
          runLength: ns,
          runs: n,
          stride: this.traceSize,
          offset: hs,
        },
      );
      await this.#writeTracesAt(block.subarray(0, n * this.traceSize), startTrace + first);
    }
  }

  /** Write whole traces already encoded in the file's format (`count * traceSize` bytes). */
  async writeEncodedTraces(startTrace: number, block: Uint8Array): Promise<void> {
    if (block.byteLength % this.traceSize !== 0) {
      throw new ArgumentError(
        `block of ${block.byteLength} bytes is not a whole number of ${this.traceSize}-byte traces`,
      );
    }
    this.#checkStart(startTrace, block.byteLength / this.traceSize);
    await this.#writeTracesAt(block, startTrace);
  }

  async #writeTracesAt(block: Uint8Array, startTrace: number): Promise<void> {
    const position = this.traceOffset(startTrace);
    try {
      await this.#write(block, position);
    } catch (error) {
      throw asWriteError(error, this.path, position, startTrace);
    }
  }

  async #write(bytes: Uint8Array, position: number): Promise<void> {
    const handle = this.#handle;
    if (!handle) throw new SegyError('SEGY_WRITE', 'writer is closed', { path: this.path });
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position + done);
      done += bytesWritten;
    }
  }

  /**
   * Close the file. What was written is in the operating system's cache, and other readers see
   * it; `sync: true` also waits until it is on disk (fsync), which is what makes it survive a
   * power cut and costs the time of writing the whole file to the disk.
   */
  async close(options: { sync?: boolean } = {}): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    try {
      if (options.sync) await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function openHandle(path: string, flags: 'w' | 'r+'): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    throw asWriteError(error, path);
  }
}

function asWriteError(error: unknown, path: string, byteOffset?: number, traceIndex?: number): SegyError {
  if (error instanceof SegyError) return error;
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new SegyError('SEGY_WRITE', `cannot write: ${reason}`, {
    path,
    byteOffset,
    traceIndex,
    cause: error,
  });
}
