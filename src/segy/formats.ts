/**
 * SEG-Y data sample format codes (binary header bytes 3225–3226).
 *
 * @module
 */
import { SegyError } from '../errors/index.js';

/**
 * Sample format codes seisproc reads and writes. Code 4 (obsolete 4-byte fixed point with gain) is
 * not in the list and is rejected: real files that claim it hold IBM floats or random bytes.
 */
export type SampleFormatCode = 1 | 2 | 3 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 15 | 16;

/** In-memory representation of one sample format. */
export type NativeSampleType =
  | 'ibm32'
  | 'int32'
  | 'int16'
  | 'float32'
  | 'float64'
  | 'int24'
  | 'int8'
  | 'int64'
  | 'uint32'
  | 'uint16'
  | 'uint64'
  | 'uint24'
  | 'uint8';

/** What a sample format code means. */
export interface SampleFormatInfo {
  /** Binary header code. */
  code: SampleFormatCode;
  /** Human readable name, e.g. `4-byte IBM float`. */
  name: string;
  /** Bytes per sample. */
  bytesPerSample: number;
  /** The storage type of one sample. */
  native: NativeSampleType;
}

function info(code: SampleFormatCode, name: string, bytesPerSample: number, native: NativeSampleType) {
  return Object.freeze({ code, name, bytesPerSample, native });
}

/** Every supported sample format by code. */
export const SAMPLE_FORMATS: Readonly<Record<SampleFormatCode, SampleFormatInfo>> = Object.freeze({
  1: info(1, '4-byte IBM float', 4, 'ibm32'),
  2: info(2, '4-byte signed integer', 4, 'int32'),
  3: info(3, '2-byte signed integer', 2, 'int16'),
  5: info(5, '4-byte IEEE float', 4, 'float32'),
  6: info(6, '8-byte IEEE float', 8, 'float64'),
  7: info(7, '3-byte signed integer', 3, 'int24'),
  8: info(8, '1-byte signed integer', 1, 'int8'),
  9: info(9, '8-byte signed integer', 8, 'int64'),
  10: info(10, '4-byte unsigned integer', 4, 'uint32'),
  11: info(11, '2-byte unsigned integer', 2, 'uint16'),
  12: info(12, '8-byte unsigned integer', 8, 'uint64'),
  15: info(15, '3-byte unsigned integer', 3, 'uint24'),
  16: info(16, '1-byte unsigned integer', 1, 'uint8'),
});

/** Every supported code, ascending. */
export const SAMPLE_FORMAT_CODES: readonly SampleFormatCode[] = Object.freeze(
  Object.keys(SAMPLE_FORMATS).map(Number) as SampleFormatCode[],
);

/** True when `code` is a supported sample format code. */
export function isSampleFormatCode(code: number): code is SampleFormatCode {
  return Object.hasOwn(SAMPLE_FORMATS, code);
}

/**
 * The format with this code.
 *
 * @throws SegyError `SEGY_BAD_FORMAT_CODE` for codes outside the table (including 4).
 */
export function sampleFormat(code: number): SampleFormatInfo {
  if (isSampleFormatCode(code)) return SAMPLE_FORMATS[code];
  const why =
    code === 4
      ? 'format 4 (obsolete fixed point with gain) is not supported'
      : `sample format code ${code} is not a SEG-Y format`;
  throw new SegyError('SEGY_BAD_FORMAT_CODE', `${why}; supported: ${SAMPLE_FORMAT_CODES.join(', ')}`, {
    formatCode: code,
  });
}
