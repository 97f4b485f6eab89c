/**
 * The headers an export writes: the binary header made consistent with what is written (sample
 * count, format code, revision, byte-order constant, trace count) and every trace header converted
 * to the output byte order field by field, after the spec tables of src/segy.
 *
 * Rule: a header byte is changed only when the output differs from the source in what that byte
 * describes. An export with the source's format and byte order therefore copies every header byte
 * as stored, including files that break the standard (a 16-bit sample count of 7 beside a rev-2
 * 32-bit count of 4, odd revision words), which is what makes the round trip byte-identical.
 *
 * @module
 */
import {
  decodeBinaryHeader,
  decodeHeaderColumns,
  type Endianness,
  encodeBinaryHeader,
  readHeaderValue,
  type SampleFormatCode,
  TRACE_HEADER_FIELDS,
  writeHeaderValue,
} from '../segy/index.js';

/** The rev-2 byte-order constant (binary header bytes 3297–3300). */
export const BYTE_ORDER_CONSTANT = 0x01020304;

/** Sample formats introduced by SEG-Y rev 2: a file using one must say revision 2 or later. */
const REV2_FORMATS: ReadonlySet<SampleFormatCode> = new Set([6, 7, 9, 10, 11, 12, 15, 16]);

/** Largest value of the 16-bit sample count fields (binary 3221, trace 115). */
export const MAX_16BIT_SAMPLE_COUNT = 65535;

const TRACE_SAMPLE_COUNT_FIELD = TRACE_HEADER_FIELDS.find((field) => field.key === 'sampleCount')!;

/** The sample count a trace header states (bytes 115–116). */
export function traceHeaderSampleCount(header: Uint8Array, endianness: Endianness): number {
  const view = new DataView(header.buffer, header.byteOffset, 240);
  return Number(readHeaderValue(view, TRACE_SAMPLE_COUNT_FIELD, endianness));
}

/** What the output's binary header must say, and what the source's said. */
export interface BinaryHeaderTarget {
  /** Byte order of the source binary header. */
  sourceEndianness: Endianness;
  /** Byte order written. */
  endianness: Endianness;
  /** Sample format written. */
  formatCode: SampleFormatCode;
  /** Samples per trace written. */
  sampleCount: number;
  /** Sample interval in µs (used only when a header has to be made from nothing). */
  sampleInterval: number;
  /** Traces written. */
  traceCount: number;
  /** Traces in the source (differs from `traceCount` when a range or gathers are exported). */
  sourceTraceCount: number;
  /** Sample count stated by the first source trace header, if there is one. */
  firstTraceSampleCount: number | undefined;
}

/**
 * True when the source headers already state `sampleCount` wherever a reader looks for it: the
 * 16-bit binary field, the rev-2 32-bit field, or the first trace header. Only when none of them
 * does has the sample count changed (a processed dataset), and only then are the fields rewritten.
 */
export function statesSampleCount(
  binary: Readonly<Record<string, number | bigint>> | undefined,
  firstTraceSampleCount: number | undefined,
  sampleCount: number,
): boolean {
  if (firstTraceSampleCount === sampleCount) return true;
  if (!binary) return false;
  return Number(binary.sampleCount) === sampleCount || Number(binary.extSampleCount) === sampleCount;
}

/**
 * The 400-byte binary header to write, from the source's raw binary header (or from nothing, for
 * a source without one such as Seismic Unix). Returns the source bytes themselves when nothing
 * has to change.
 */
export function outputBinaryHeader(
  sourceRaw: Uint8Array | undefined,
  target: BinaryHeaderTarget,
): Uint8Array {
  if (!sourceRaw || sourceRaw.byteLength < 400) return freshBinaryHeader(target);
  const values = decodeBinaryHeader(sourceRaw, target.sourceEndianness);
  const changes: Record<string, number | bigint> = {};
  const formatChanged = Number(values.formatCode) !== target.formatCode;
  if (formatChanged) changes.formatCode = target.formatCode;
  if (!statesSampleCount(values, target.firstTraceSampleCount, target.sampleCount)) {
    Object.assign(changes, sampleCountFields(target.sampleCount, Number(values.revision) >= 2));
  }
  const revisionBumped = formatChanged && REV2_FORMATS.has(target.formatCode) && Number(values.revision) < 2;
  if (revisionBumped) {
    changes.revision = 2;
    changes.revisionMinor = 0;
  }
  // Rev 2 requires the byte-order constant, and little-endian SEG-Y exists only with it: readers
  // detect the order from it. A same-order export of a rev-1 file leaves the word as it was.
  const becomesLittle = target.endianness === 'little' && target.sourceEndianness !== 'little';
  if ((becomesLittle || revisionBumped) && Number(values.byteOrder) !== BYTE_ORDER_CONSTANT) {
    changes.byteOrder = BYTE_ORDER_CONSTANT;
  }
  const traceCountInFile = BigInt(values.traceCountInFile ?? 0n);
  if (target.traceCount !== target.sourceTraceCount && traceCountInFile !== 0n) {
    changes.traceCountInFile = BigInt(target.traceCount);
  }
  if (Object.keys(changes).length === 0 && target.endianness === target.sourceEndianness) return sourceRaw;
  // Re-encoding every field of the spec table converts the byte order; bytes outside the table
  // (unassigned 3301–3500 and 3533–3600) are copied from the source as they are.
  return encodeBinaryHeader({ ...values, ...changes }, target.endianness, sourceRaw);
}

function sampleCountFields(sampleCount: number, rev2: boolean): Record<string, number> {
  const fits = sampleCount <= MAX_16BIT_SAMPLE_COUNT;
  const fields: Record<string, number> = { sampleCount: fits ? sampleCount : 0 };
  if (rev2 || !fits) fields.extSampleCount = sampleCount;
  return fields;
}

/** A binary header for a source that had none: the fields a reader needs, the rest zero. */
function freshBinaryHeader(target: BinaryHeaderTarget): Uint8Array {
  const rev2 = REV2_FORMATS.has(target.formatCode) || target.endianness === 'little';
  const interval = Math.round(target.sampleInterval);
  const fields: Record<string, number | bigint> = {
    sampleInterval: interval <= 32767 ? interval : 0,
    formatCode: target.formatCode,
    fixedLengthTraceFlag: 1,
    revision: rev2 ? 2 : 1,
    revisionMinor: 0,
    ...sampleCountFields(target.sampleCount, rev2),
  };
  if (rev2) {
    fields.byteOrder = BYTE_ORDER_CONSTANT;
    fields.traceCountInFile = BigInt(target.traceCount);
    if (interval > 32767) fields.extSampleInterval = target.sampleInterval;
  }
  return encodeBinaryHeader(fields, target.endianness);
}

/** How each trace header is turned into the output's. */
export interface TraceHeaderTransform {
  /** Header bytes per trace in the source. */
  sourceSize: number;
  /** Header bytes per trace written (240 for SU, which has no extensions). */
  targetSize: number;
  /** Byte order of the source headers. */
  sourceEndianness: Endianness;
  /** Byte order written. */
  endianness: Endianness;
  /** Write this sample count into bytes 115–116 of every header (the count changed). */
  sampleCount?: number;
}

/** True when the transform copies header bytes unchanged. */
export function isVerbatim(transform: TraceHeaderTransform): boolean {
  return (
    transform.sourceEndianness === transform.endianness &&
    transform.sampleCount === undefined &&
    transform.sourceSize === transform.targetSize
  );
}

/**
 * Write the output headers of `count` traces: header i goes to `target` at `i * targetStride`
 * (the output trace size, so headers land in place between the samples) from `source`, which
 * holds `count` headers of `sourceSize` bytes. Bytes 1–240 change byte order field by field after
 * {@link TRACE_HEADER_FIELDS}, decoded a column at a time; bytes of rev-2 trace header extensions
 * have no field table and are copied as they are.
 */
export function transformTraceHeaders(
  source: Uint8Array,
  count: number,
  target: Uint8Array,
  targetStride: number,
  transform: TraceHeaderTransform,
): void {
  const { sourceSize, targetSize } = transform;
  const copied = Math.min(sourceSize, targetSize);
  const views: DataView[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * targetStride;
    target.set(source.subarray(i * sourceSize, i * sourceSize + copied), at);
    if (copied < targetSize) target.fill(0, at + copied, at + targetSize);
    views.push(new DataView(target.buffer, target.byteOffset + at, 240));
  }
  if (transform.sourceEndianness !== transform.endianness) {
    const columns = decodeHeaderColumns(
      source,
      count,
      sourceSize,
      TRACE_HEADER_FIELDS,
      transform.sourceEndianness,
    );
    for (const field of TRACE_HEADER_FIELDS) {
      const column = columns[field.key]!;
      for (let i = 0; i < count; i++) writeHeaderValue(views[i]!, field, column[i]!, transform.endianness);
    }
  }
  if (transform.sampleCount !== undefined) {
    for (const view of views)
      writeHeaderValue(view, TRACE_SAMPLE_COUNT_FIELD, transform.sampleCount, transform.endianness);
  }
}
