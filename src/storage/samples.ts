/**
 * The data types of the `traces/` array (dataset format version 2): float32 for every sample
 * format whose values float32 holds exactly, the format's own type for those it cannot hold, and
 * the conversions between a stored type and the float32 (or float64) that readers work in.
 */
import { ArgumentError } from '../errors/index.js';
import { type NativeSampleType, sampleFormat } from '../segy/index.js';

/** Data type of the `traces/` array. */
export type StoredSampleType = 'float32' | 'float64' | 'int32' | 'uint32' | 'int64' | 'uint64';

/** Samples in a stored data type, as typed arrays (64-bit integers as bigint arrays). */
export type StoredSampleArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** The typed array of each stored type. */
export const STORED_ARRAYS: Readonly<Record<StoredSampleType, new (length: number) => StoredSampleArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

/** Every stored data type. */
export const STORED_SAMPLE_TYPES = Object.keys(STORED_ARRAYS) as readonly StoredSampleType[];

/**
 * Sample formats whose values float32 cannot hold, by their own type: 32-bit integers beyond
 * 2^24, 64-bit integers beyond 2^24 and float64 values with more than 24 mantissa bits or outside
 * float32's range. Every other format is stored as float32, which holds it exactly: IBM floats
 * (24-bit fractions; un-normalised words are normalised), float32 itself, 8-, 16- and 24-bit
 * integers.
 */
const WIDER_THAN_FLOAT32: Readonly<Partial<Record<NativeSampleType, StoredSampleType>>> = {
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  float64: 'float64',
};

/**
 * The data type an import stores samples of `formatCode` in: the format's own type for formats
 * 2, 6, 9, 10 and 12, float32 for the others. Bit rounding (`keepBits`, lossy by request) rounds
 * float32 mantissas, so with it every format is stored as float32.
 */
export function storedSampleType(formatCode: number, keepBits?: number): StoredSampleType {
  if (keepBits !== undefined) return 'float32';
  return WIDER_THAN_FLOAT32[sampleFormat(formatCode).native] ?? 'float32';
}

/** Bytes per sample of a stored data type. */
export function storedSampleBytes(type: StoredSampleType): number {
  return (STORED_ARRAYS[type] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
}

/**
 * Bytes per element of a dataset array's data type (a stored sample type, or `uint8` of the raw
 * headers); undefined for any other.
 */
export function elementBytes(dataType: string): number | undefined {
  if (dataType === 'uint8') return 1;
  return Object.hasOwn(STORED_ARRAYS, dataType) ? storedSampleBytes(dataType as StoredSampleType) : undefined;
}

/** A new zeroed array of `length` samples of a stored data type. */
export function storedSampleArray(type: StoredSampleType, length: number): StoredSampleArray {
  return new STORED_ARRAYS[type](length);
}

/** A typed view of `bytes` as samples of a stored data type (`bytes` aligned to the element size). */
export function storedSampleView(type: StoredSampleType, bytes: Uint8Array): StoredSampleArray {
  const Ctor = STORED_ARRAYS[type] as unknown as new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ) => StoredSampleArray;
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / storedSampleBytes(type));
}

/** True when `samples` is an array of the stored data type `type`. */
export function isStoredSampleArray(samples: ArrayBufferView, type: StoredSampleType): boolean {
  return samples instanceof STORED_ARRAYS[type];
}

/**
 * Convert stored samples to float32 or float64, into `out` (at least as long): each value rounded
 * to the nearest value of `out`'s type. 64-bit integers become the nearest double first, so a
 * float32 result is `Math.fround(Number(x))`, the definition of the sample checksum.
 */
export function convertStoredSamples(samples: StoredSampleArray, out: Float32Array | Float64Array): void {
  if (out.length < samples.length) {
    throw new ArgumentError(`the output array holds ${out.length} samples, ${samples.length} are converted`);
  }
  if (samples instanceof BigInt64Array || samples instanceof BigUint64Array) {
    for (let i = 0; i < samples.length; i++) out[i] = Number(samples[i]!);
  } else {
    out.set(samples);
  }
}

/** True on little-endian hosts, where typed arrays already hold the bytes a dataset stores. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of stored samples in little-endian order (a view on little-endian hosts, else a swapped copy). */
export function littleEndianBytes(samples: StoredSampleArray): Uint8Array {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  return LITTLE_ENDIAN_HOST ? bytes : swappedCopy(bytes, samples.BYTES_PER_ELEMENT);
}

/** Fill `out` from little-endian bytes of its type (the inverse of {@link littleEndianBytes}). */
export function readLittleEndianSamples(bytes: Uint8Array, out: StoredSampleArray): void {
  const target = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const source = bytes.subarray(0, out.byteLength);
  target.set(LITTLE_ENDIAN_HOST ? source : swappedCopy(source, out.BYTES_PER_ELEMENT));
}

function swappedCopy(bytes: Uint8Array, width: number): Uint8Array {
  const swapped = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let b = 0; b < width; b++) swapped[i + b] = bytes[i + width - 1 - b]!;
  }
  return swapped;
}
