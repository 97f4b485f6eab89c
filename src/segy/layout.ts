/**
 * Working out the layout of a SEG-Y or SU file from its first bytes and its size: byte order,
 * sample format, revision, extended textual headers, trace header extensions, sample count and
 * interval, trace size and count. Pure decisions live here; {@link SegyFile} does the reading.
 *
 * The rules, in the order they are applied (each one is written down because real files break
 * the standard in each of these places):
 *
 * - **Byte order**: the rev-2 constant 0x01020304 at byte 3297 when it reads as such in one order;
 *   otherwise the order in which the format code (3225) is a known code; otherwise the order in
 *   which the sample count (3221) is non-zero and smaller; otherwise big-endian.
 * - **Revision**: bytes 3501/3502 are major/minor (rev 2). Files that wrote the rev-1 value as the
 *   16-bit decimal 100 (or 200) are read as 1 (or 2); values that make no sense read as 0.
 * - **Trace header extensions** (rev 2, byte 3507): `240 * (1 + n)` bytes of headers per trace.
 * - **Sample count**: the 16-bit field 3221, the rev-2 32-bit field 3269 (tried first in rev ≥ 2
 *   files), then trace 0's byte 115. The first candidate whose trace size divides the data evenly
 *   wins; that is how the rev-2.1 `increment`/`decrement` test files, whose 16-bit field holds
 *   7 or 65527 while the 32-bit field holds the real 4, are read correctly.
 * - **Sample interval** (µs): as segyio decides it. The binary header value (3217, or the rev-2
 *   double at 3273 when that is set) and trace 0's value (117); a value ≤ 0 is missing. When only
 *   one is present it wins; when both are and agree, that value; otherwise (both missing, or both
 *   present and different) the fallback, 4000 µs unless configured.
 *
 * @module
 */
import { SegyError } from '../errors/index.js';
import type { Endianness } from './codecs.js';
import { isSampleFormatCode } from './formats.js';

/** Bytes before the first extended textual header. */
export const FILE_HEADER_SIZE = 3600;
/** Bytes of one textual header (main or extended). */
export const EXTENDED_HEADER_SIZE = 3200;
/** Bytes of one trace header. */
export const TRACE_HEADER_SIZE = 240;
/** Sample interval used when the headers give none, as segyio does. */
export const DEFAULT_SAMPLE_INTERVAL = 4000;

/** Read the big/little-endian 16-bit value at a 1-based binary header byte (3201-based). */
function int16At(bin: Uint8Array, byte: number, le: boolean): number {
  return new DataView(bin.buffer, bin.byteOffset, bin.byteLength).getInt16(byte - 3201, le);
}

function uint16At(bin: Uint8Array, byte: number, le: boolean): number {
  return new DataView(bin.buffer, bin.byteOffset, bin.byteLength).getUint16(byte - 3201, le);
}

/** Decide the byte order of a SEG-Y file from its 400-byte binary header. */
export function detectEndianness(bin: Uint8Array): Endianness {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const constant = view.getUint32(3297 - 3201, false);
  if (constant === 0x01020304) return 'big';
  if (constant === 0x04030201) return 'little';
  const formatBig = isSampleFormatCode(int16At(bin, 3225, false)) || int16At(bin, 3225, false) === 4;
  const formatLittle = isSampleFormatCode(int16At(bin, 3225, true)) || int16At(bin, 3225, true) === 4;
  if (formatBig !== formatLittle) return formatBig ? 'big' : 'little';
  const samplesBig = uint16At(bin, 3221, false);
  const samplesLittle = uint16At(bin, 3221, true);
  if (samplesLittle > 0 && (samplesBig === 0 || samplesLittle < samplesBig)) return 'little';
  return 'big';
}

/**
 * The SEG-Y revision from binary header bytes 3501/3502, e.g. 0, 1, 2, 2.1.
 *
 * @param le - byte order, used only for writers that stored the revision as a 16-bit decimal.
 */
export function parseRevision(bin: Uint8Array, le: boolean): number {
  const major = bin[3501 - 3201]!;
  const minor = bin[3502 - 3201]!;
  if (major >= 1 && major <= 3 && minor <= 9) return major + minor / 10;
  const word = uint16At(bin, 3501, le);
  if (word === 100 || word === 200) return word / 100;
  if (major === 0 && minor >= 1 && minor <= 3) return minor;
  return 0;
}

/** Inputs of {@link solveTraceLayout}. */
export interface LayoutInputs {
  /** Bytes available for traces (after file and extended headers, before trailers). */
  dataLength: number;
  /** Bytes per sample of the format. */
  bytesPerSample: number;
  /** Sample counts to try, best first (positive values only). */
  sampleCounts: readonly number[];
  /** Numbers of additional 240-byte trace headers to try, best first. */
  extensionCounts: readonly number[];
}

/** What {@link solveTraceLayout} chose. */
export interface TraceLayout {
  sampleCount: number;
  extensionCount: number;
  traceHeaderSize: number;
  traceSize: number;
  /** Whole traces in the data. */
  traceCount: number;
  /** Bytes after the last whole trace (0 for a well-formed file). */
  remainder: number;
}

/**
 * Pick the first (sample count, extension count) pair whose trace size divides the data evenly;
 * if none does, the first pair (the file is then truncated or has a garbage tail).
 */
export function solveTraceLayout(inputs: LayoutInputs): TraceLayout {
  const { dataLength, bytesPerSample, sampleCounts, extensionCounts } = inputs;
  const layout = (sampleCount: number, extensionCount: number): TraceLayout => {
    const traceHeaderSize = TRACE_HEADER_SIZE * (1 + extensionCount);
    const traceSize = traceHeaderSize + sampleCount * bytesPerSample;
    const traceCount = Math.floor(dataLength / traceSize);
    return {
      sampleCount,
      extensionCount,
      traceHeaderSize,
      traceSize,
      traceCount,
      remainder: dataLength - traceCount * traceSize,
    };
  };
  for (const sampleCount of sampleCounts) {
    for (const extensionCount of extensionCounts) {
      const candidate = layout(sampleCount, extensionCount);
      if (candidate.traceCount > 0 && candidate.remainder === 0) return candidate;
    }
  }
  return layout(sampleCounts[0]!, extensionCounts[0]!);
}

/** Sample counts to try for a SEG-Y file, best first, without duplicates or non-positive values. */
export function sampleCountCandidates(
  binarySamples: number,
  extendedSamples: number,
  traceSamples: number | undefined,
  revision: number,
): number[] {
  const ordered =
    revision >= 2
      ? [extendedSamples, binarySamples, traceSamples]
      : [binarySamples, extendedSamples, traceSamples];
  const out: number[] = [];
  for (const n of ordered) if (n !== undefined && n > 0 && !out.includes(n)) out.push(n);
  return out;
}

/** How the sample interval was decided. */
export type SampleIntervalSource = 'binary' | 'trace' | 'binary+trace' | 'default';

/**
 * Decide the sample interval (µs) from the binary header and trace 0's header, as segyio does
 * (see the module documentation).
 */
export function decideSampleInterval(
  binaryInterval: number,
  traceInterval: number | undefined,
  fallback: number,
): { sampleInterval: number; source: SampleIntervalSource } {
  const bin = binaryInterval > 0 && Number.isFinite(binaryInterval) ? binaryInterval : 0;
  const trace = traceInterval !== undefined && traceInterval > 0 ? traceInterval : 0;
  if (bin > 0 && trace > 0) {
    return bin === trace
      ? { sampleInterval: bin, source: 'binary+trace' }
      : { sampleInterval: fallback, source: 'default' };
  }
  if (bin > 0) return { sampleInterval: bin, source: 'binary' };
  if (trace > 0) return { sampleInterval: trace, source: 'trace' };
  return { sampleInterval: fallback, source: 'default' };
}

/** Throw a layout error with the file's path. */
export function layoutError(
  code:
    | 'SEGY_TOO_SHORT'
    | 'SEGY_TRUNCATED'
    | 'SEGY_BAD_SAMPLE_COUNT'
    | 'SEGY_NO_TRACES'
    | 'SEGY_VARIABLE_LENGTH'
    | 'SEGY_BAD_EXTENDED_HEADERS',
  message: string,
  context: { path: string; byteOffset?: number; traceIndex?: number; [key: string]: unknown },
): never {
  throw new SegyError(code, message, context);
}
