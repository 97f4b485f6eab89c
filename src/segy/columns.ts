/**
 * Strided reads of typed values: the one place that turns bytes at a fixed stride into a typed
 * array, used for header columns (stride = header size), single header values (one row) and
 * samples in their native type (stride = bytes per sample).
 *
 * @module
 */
import type { HeaderValueType } from './fields.js';
import { ibmToIeeeBits } from './ibm.js';

/** Values as read: numbers for types up to 32 bits and floats; 64-bit integers as bigint. */
export type HeaderColumn =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Copy `count` records of `size` bytes from `source`, one every `sourceStride` bytes, to `target`,
 * one every `targetStride` bytes: trace headers out of whole traces (and back between samples).
 */
export function copyRecords(
  source: Uint8Array,
  sourceStride: number,
  target: Uint8Array,
  targetStride: number,
  size: number,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    target.set(source.subarray(i * sourceStride, i * sourceStride + size), i * targetStride);
  }
}

/**
 * Read `count` values of `type`, the first at byte `at` of `view` and each next one `stride`
 * bytes further. IBM floats become their IEEE float32 value; 24-bit integers 32-bit ones. With
 * `widen`, integers of 8, 16 and 24 bits are read straight into an Int32Array (every value fits),
 * for callers that want one integer array type (the Parquet INT32 columns of the header table).
 */
export function readColumn(
  view: DataView,
  count: number,
  stride: number,
  at: number,
  type: HeaderValueType,
  le: boolean,
  widen = false,
): HeaderColumn {
  switch (type) {
    case 'int8': {
      const out = widen ? new Int32Array(count) : new Int8Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getInt8(p);
      return out;
    }
    case 'uint8': {
      const out = widen ? new Int32Array(count) : new Uint8Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getUint8(p);
      return out;
    }
    case 'int16': {
      const out = widen ? new Int32Array(count) : new Int16Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getInt16(p, le);
      return out;
    }
    case 'uint16': {
      const out = widen ? new Int32Array(count) : new Uint16Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getUint16(p, le);
      return out;
    }
    case 'int24':
    case 'uint24': {
      const out = type === 'int24' || widen ? new Int32Array(count) : new Uint32Array(count);
      const hi = le ? 2 : 0;
      const lo = le ? 0 : 2;
      for (let i = 0, p = at; i < count; i++, p += stride) {
        const v = (view.getUint8(p + hi) << 16) | (view.getUint8(p + 1) << 8) | view.getUint8(p + lo);
        out[i] = type === 'int24' ? (v << 8) >> 8 : v;
      }
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getInt32(p, le);
      return out;
    }
    case 'uint32': {
      const out = new Uint32Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getUint32(p, le);
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getBigInt64(p, le);
      return out;
    }
    case 'uint64': {
      const out = new BigUint64Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getBigUint64(p, le);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getFloat32(p, le);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0, p = at; i < count; i++, p += stride) out[i] = view.getFloat64(p, le);
      return out;
    }
    case 'ibm32': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0, p = at; i < count; i++, p += stride) bits[i] = ibmToIeeeBits(view.getUint32(p, le));
      return out;
    }
  }
}
