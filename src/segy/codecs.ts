/**
 * Sample codecs: raw trace bytes in any supported format and byte order to and from
 * Float32Array, or to the native typed array of the format.
 *
 * Each format has its own tight loop over a DataView (which V8 compiles to plain loads and byte
 * swaps); no per-sample closures. Float32 data in host byte order is a plain byte copy. IBM floats
 * are converted a block at a time by WebAssembly SIMD kernels (ibm-bulk.ts).
 *
 * Conversions to float32 round to nearest, so 32- and 64-bit integers above 2^24 lose low bits:
 * for 64-bit integers the value is first taken as the nearest double and then as the nearest
 * float (the `Math.fround(Number(x))` definition of the corpus checksum). Encoding from float32
 * (or float64) to an integer format rounds half away from zero, clamps to the type's range and
 * writes NaN as 0. {@link decodeSampleRunsNative} and {@link encodeSampleRunsNative} copy samples
 * unconverted between a file and the typed array of their own type, for lossless round trips.
 *
 * @module
 */
import { endianness as hostEndianness } from 'node:os';
import { ArgumentError } from '../errors/index.js';
import { copyRecords, type HeaderColumn, readColumn } from './columns.js';
import { type NativeSampleType, type SampleFormatCode, sampleFormat } from './formats.js';
import { type IbmDecoding, ibmToIeeeBitsSegyio } from './ibm.js';
import { decodeIbmRuns, encodeIbmRuns, type SampleRuns } from './ibm-bulk.js';

export type { SampleRuns } from './ibm-bulk.js';

/** Byte order of a file. */
export type Endianness = 'big' | 'little';

/** The native typed array a format decodes to with {@link decodeSamplesNative}. */
export type NativeSampleArray = HeaderColumn;

const HOST_LITTLE = hostEndianness() === 'LE';
const TWO_32 = 4294967296;

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkSpace(what: string, have: number, need: number): void {
  if (have < need) throw new ArgumentError(`${what} holds ${have} bytes, ${need} are needed`);
}

/**
 * Decode `count` samples (default: as many as `bytes` holds) into `out` as float32.
 *
 * @param bytes - raw samples, `count * bytesPerSample` bytes or more.
 * @param format - sample format code.
 * @param endianness - byte order of `bytes`.
 * @param out - destination, length at least `count`.
 * @param count - samples to decode.
 * @param options - `ibm: 'segyio'` reproduces segyio's IBM conversion (see `ibmToIeeeBitsSegyio`).
 * @returns `out`.
 */
export function decodeSamples(
  bytes: Uint8Array,
  format: SampleFormatCode,
  endianness: Endianness,
  out: Float32Array,
  count?: number,
  options?: { ibm?: IbmDecoding },
): Float32Array {
  const { bytesPerSample } = sampleFormat(format);
  const n = count ?? Math.floor(bytes.byteLength / bytesPerSample);
  return decodeSampleRuns(
    bytes,
    format,
    endianness,
    out,
    { runLength: n, runs: 1, stride: 0, offset: 0 },
    options,
  );
}

/**
 * Decode runs of samples spread through a buffer (the samples of whole traces, skipping their
 * headers) into `out`, run after run. One call decodes a whole block of traces without a call
 * or an allocation per trace.
 */
export function decodeSampleRuns(
  bytes: Uint8Array,
  format: SampleFormatCode,
  endianness: Endianness,
  out: Float32Array,
  layout: SampleRuns,
  options?: { ibm?: IbmDecoding },
): Float32Array {
  const { bytesPerSample, native } = sampleFormat(format);
  const { runLength, runs, stride, offset } = layout;
  if (runs > 0)
    checkSpace('sample buffer', bytes.byteLength, offset + (runs - 1) * stride + runLength * bytesPerSample);
  checkSpace('output array', out.byteLength, runs * runLength * 4);
  const le = endianness === 'little';
  const view = viewOf(bytes);
  const bits = new Uint32Array(out.buffer, out.byteOffset, runs * runLength);
  if (native === 'ibm32' && options?.ibm !== 'segyio') {
    decodeIbmRuns(bytes, view, layout, le, bits);
    return out;
  }
  const decode = native === 'ibm32' ? decodeIbmSegyio : RUN_DECODERS[native];
  for (let r = 0; r < runs; r++)
    decode(view, bytes, offset + r * stride, out, bits, r * runLength, runLength, le);
  return out;
}

/**
 * Decodes `n` samples starting at byte `at` into `out` (or `bits`, the same memory as raw
 * words) from index `o`. One small function per format, called once per run (trace): each stays
 * a tight loop of its own that V8 optimises on its own, instead of one large function whose
 * loops slow each other down once several formats have run through it.
 */
type RunDecoder = (
  view: DataView,
  bytes: Uint8Array,
  at: number,
  out: Float32Array,
  bits: Uint32Array,
  o: number,
  n: number,
  le: boolean,
) => void;

/** The run decoders of every format but IBM floats, which are decoded a block at a time (ibm-bulk.ts). */
const RUN_DECODERS: Readonly<Record<Exclude<NativeSampleType, 'ibm32'>, RunDecoder>> = {
  float32: decodeFloat32,
  float64: (view, _bytes, at, out, _bits, o, n, le) => {
    for (let i = 0, p = at; i < n; i++, p += 8) out[o + i] = view.getFloat64(p, le);
  },
  int32: (view, _bytes, at, out, _bits, o, n, le) => {
    for (let i = 0, p = at; i < n; i++, p += 4) out[o + i] = view.getInt32(p, le);
  },
  uint32: (view, _bytes, at, out, _bits, o, n, le) => {
    for (let i = 0, p = at; i < n; i++, p += 4) out[o + i] = view.getUint32(p, le);
  },
  int16: (view, _bytes, at, out, _bits, o, n, le) => {
    for (let i = 0, p = at; i < n; i++, p += 2) out[o + i] = view.getInt16(p, le);
  },
  uint16: (view, _bytes, at, out, _bits, o, n, le) => {
    for (let i = 0, p = at; i < n; i++, p += 2) out[o + i] = view.getUint16(p, le);
  },
  int8: (view, _bytes, at, out, _bits, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = view.getInt8(at + i);
  },
  uint8: (_view, bytes, at, out, _bits, o, n) => {
    for (let i = 0; i < n; i++) out[o + i] = bytes[at + i]!;
  },
  int24: (_view, bytes, at, out, _bits, o, n, le) => decode24(bytes, at, le, true, out, o, n),
  uint24: (_view, bytes, at, out, _bits, o, n, le) => decode24(bytes, at, le, false, out, o, n),
  int64: (view, _bytes, at, out, _bits, o, n, le) => decode64(view, at, le, true, out, o, n),
  uint64: (view, _bytes, at, out, _bits, o, n, le) => decode64(view, at, le, false, out, o, n),
};

function decodeIbmSegyio(
  view: DataView,
  _bytes: Uint8Array,
  at: number,
  _out: Float32Array,
  bits: Uint32Array,
  o: number,
  n: number,
  le: boolean,
): void {
  for (let i = 0, p = at; i < n; i++, p += 4) bits[o + i] = ibmToIeeeBitsSegyio(view.getUint32(p, le));
}

/** float32 is a byte copy, the bits unchanged (NaN payloads included), then a byte swap in place when the orders differ. */
function decodeFloat32(
  _view: DataView,
  bytes: Uint8Array,
  at: number,
  out: Float32Array,
  _bits: Uint32Array,
  o: number,
  n: number,
  le: boolean,
): void {
  const target = new Uint8Array(out.buffer, out.byteOffset + o * 4, n * 4);
  target.set(bytes.subarray(at, at + n * 4));
  if (le !== HOST_LITTLE) swapBytes(target, 4);
}

/**
 * Reverse the bytes of every `width`-byte word of `bytes` in place, with Node's `Buffer.swap16/32/64`:
 * twice the speed of a DataView loop over the words. Single bytes have no order.
 */
function swapBytes(bytes: Uint8Array, width: number): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (width === 2) buffer.swap16();
  else if (width === 4) buffer.swap32();
  else if (width === 8) buffer.swap64();
}

function decode24(
  bytes: Uint8Array,
  at: number,
  le: boolean,
  signed: boolean,
  out: Float32Array,
  o: number,
  n: number,
): void {
  const hi = at + (le ? 2 : 0);
  const mid = at + 1;
  const lo = at + (le ? 0 : 2);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const v = (bytes[hi + p]! << 16) | (bytes[mid + p]! << 8) | bytes[lo + p]!;
    out[o + i] = signed ? (v << 8) >> 8 : v;
  }
}

function decode64(
  view: DataView,
  at: number,
  le: boolean,
  signed: boolean,
  out: Float32Array,
  o: number,
  n: number,
): void {
  const hiOffset = at + (le ? 4 : 0);
  const loOffset = at + (le ? 0 : 4);
  for (let i = 0; i < n; i++) {
    const p = i * 8;
    const hi = signed ? view.getInt32(hiOffset + p, le) : view.getUint32(hiOffset + p, le);
    // hi·2^32 is exact and the sum is one correctly rounded addition: the same double as Number(bigint).
    out[o + i] = hi * TWO_32 + view.getUint32(loOffset + p, le);
  }
}

/**
 * Decode `count` samples (default: as many as `bytes` holds) into a new typed array of the
 * format's own type: IBM floats become Float32Array (their IEEE value), int24/uint24 become
 * Int32Array/Uint32Array, 64-bit integers BigInt64Array/BigUint64Array.
 */
export function decodeSamplesNative(
  bytes: Uint8Array,
  format: SampleFormatCode,
  endianness: Endianness,
  count?: number,
): NativeSampleArray {
  const { bytesPerSample, native } = sampleFormat(format);
  const n = count ?? Math.floor(bytes.byteLength / bytesPerSample);
  checkSpace('sample buffer', bytes.byteLength, n * bytesPerSample);
  if (native === 'ibm32' || native === 'float32')
    return decodeSamples(bytes, format, endianness, new Float32Array(n), n);
  return readColumn(viewOf(bytes), n, bytesPerSample, 0, native, endianness === 'little');
}

/**
 * Encode float32 or float64 samples into `out` (default: a new array of `samples.length *
 * bytesPerSample` bytes) in the given format and byte order. Float64 samples written as IBM or
 * IEEE float32 are first rounded to the nearest float32; integer formats and float64 take them
 * unrounded (an integer stored as float64 keeps all its 53 bits).
 *
 * @returns the bytes written (`out`, or a view of its first `samples.length * bytesPerSample` bytes).
 */
export function encodeSamples(
  values: Float32Array | Float64Array,
  format: SampleFormatCode,
  endianness: Endianness,
  out?: Uint8Array,
): Uint8Array {
  const { bytesPerSample, native } = sampleFormat(format);
  const samples = native === 'ibm32' || native === 'float32' ? asFloat32(values) : values;
  const n = samples.length;
  const target = out ?? new Uint8Array(n * bytesPerSample);
  checkSpace('output buffer', target.byteLength, n * bytesPerSample);
  const le = endianness === 'little';
  const view = viewOf(target);
  switch (native) {
    case 'ibm32':
      encodeIbmRuns(
        samples as Float32Array,
        target,
        view,
        { runLength: n, runs: 1, stride: 0, offset: 0 },
        le,
      );
      break;
    case 'float32':
      target.set(new Uint8Array(samples.buffer, samples.byteOffset, n * 4));
      if (le !== HOST_LITTLE) swapBytes(target.subarray(0, n * 4), 4);
      break;
    case 'float64':
      for (let i = 0; i < n; i++) view.setFloat64(i * 8, samples[i]!, le);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) view.setInt32(i * 4, toInteger(samples[i]!, -2147483648, 2147483647), le);
      break;
    case 'uint32':
      for (let i = 0; i < n; i++) view.setUint32(i * 4, toInteger(samples[i]!, 0, 4294967295), le);
      break;
    case 'int16':
      for (let i = 0; i < n; i++) view.setInt16(i * 2, toInteger(samples[i]!, -32768, 32767), le);
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) view.setUint16(i * 2, toInteger(samples[i]!, 0, 65535), le);
      break;
    case 'int8':
      for (let i = 0; i < n; i++) view.setInt8(i, toInteger(samples[i]!, -128, 127));
      break;
    case 'uint8':
      for (let i = 0; i < n; i++) target[i] = toInteger(samples[i]!, 0, 255);
      break;
    case 'int24':
    case 'uint24': {
      const [min, max] = native === 'int24' ? [-8388608, 8388607] : [0, 16777215];
      const hi = le ? 2 : 0;
      const lo = le ? 0 : 2;
      for (let i = 0, p = 0; i < n; i++, p += 3) {
        const v = toInteger(samples[i]!, min, max);
        target[p + hi] = (v >> 16) & 0xff;
        target[p + 1] = (v >> 8) & 0xff;
        target[p + lo] = v & 0xff;
      }
      break;
    }
    case 'int64':
    case 'uint64':
      encode64(samples, view, le, native === 'int64', n);
      break;
  }
  return out === undefined ? target : target.subarray(0, n * bytesPerSample);
}

/**
 * Encode float32 or float64 samples (see {@link encodeSamples} for float64), run after run, into
 * runs spread through `out` (the sample parts of whole traces between their headers): the inverse
 * of {@link decodeSampleRuns}. IBM floats take one pass over the block; other formats are encoded
 * run by run.
 *
 * @returns `out`.
 */
export function encodeSampleRuns(
  samples: Float32Array | Float64Array,
  format: SampleFormatCode,
  endianness: Endianness,
  out: Uint8Array,
  layout: SampleRuns,
): Uint8Array {
  const { bytesPerSample, native } = sampleFormat(format);
  const { runLength, runs, stride, offset } = layout;
  checkSpace('sample array', samples.length, runs * runLength);
  if (runs > 0)
    checkSpace('output buffer', out.byteLength, offset + (runs - 1) * stride + runLength * bytesPerSample);
  if (native === 'ibm32') {
    encodeIbmRuns(asFloat32(samples), out, viewOf(out), layout, endianness === 'little');
    return out;
  }
  for (let r = 0; r < runs; r++) {
    const at = offset + r * stride;
    encodeSamples(
      samples.subarray(r * runLength, (r + 1) * runLength),
      format,
      endianness,
      out.subarray(at, at + runLength * bytesPerSample),
    );
  }
  return out;
}

/** The samples as float32: the array itself, or its values rounded to the nearest float32. */
function asFloat32(samples: Float32Array | Float64Array): Float32Array {
  return samples instanceof Float32Array ? samples : Float32Array.from(samples);
}

/**
 * Typed arrays whose elements have a format's own type and width: every format but IBM floats
 * (no typed array) and 24-bit integers (no 3-byte typed array).
 */
export type NativeRunArray = HeaderColumn;

const NATIVE_RUN_ARRAYS: Readonly<
  Partial<Record<NativeSampleType, abstract new (n: number) => NativeRunArray>>
> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

/** True when `samples` holds values of `format`'s own type, as {@link decodeSampleRunsNative} writes them. */
export function isNativeRunArray(samples: ArrayBufferView, format: SampleFormatCode): boolean {
  const Ctor = NATIVE_RUN_ARRAYS[sampleFormat(format).native];
  return Ctor !== undefined && samples instanceof Ctor;
}

function checkNativeRunArray(samples: ArrayBufferView, format: SampleFormatCode): void {
  if (!isNativeRunArray(samples, format)) {
    const { name } = sampleFormat(format);
    throw new ArgumentError(
      `a ${samples.constructor.name} cannot hold format ${format} (${name}) unconverted`,
      {
        formatCode: format,
      },
    );
  }
}

/**
 * Decode runs of samples (as {@link decodeSampleRuns}) into `out`, a typed array of the format's
 * own type (see {@link NativeRunArray}), unconverted: a byte copy of each run, then one byte swap
 * in place when the file's order is not the host's. Every bit is kept, so a 64-bit integer or a
 * float64 that float32 cannot hold comes back exactly as written.
 *
 * @throws ArgumentError when `out` is not the format's own type (or the buffers are too short).
 * @returns `out`.
 */
export function decodeSampleRunsNative<T extends NativeRunArray>(
  bytes: Uint8Array,
  format: SampleFormatCode,
  endianness: Endianness,
  out: T,
  layout: SampleRuns,
): T {
  checkNativeRunArray(out, format);
  const { bytesPerSample } = sampleFormat(format);
  const { runLength, runs, stride, offset } = layout;
  const runBytes = runLength * bytesPerSample;
  if (runs > 0) checkSpace('sample buffer', bytes.byteLength, offset + (runs - 1) * stride + runBytes);
  checkSpace('output array', out.byteLength, runs * runBytes);
  const target = new Uint8Array(out.buffer, out.byteOffset, runs * runBytes);
  copyRecords(bytes.subarray(offset), stride, target, runBytes, runBytes, runs);
  if ((endianness === 'little') !== HOST_LITTLE) swapBytes(target, bytesPerSample);
  return out;
}

/**
 * Encode samples of the format's own type (see {@link NativeRunArray}), run after run, into runs
 * spread through `out`: the inverse of {@link decodeSampleRunsNative}, so samples decoded with it
 * are written back byte for byte.
 *
 * @throws ArgumentError when `samples` is not the format's own type (or the buffers are too short).
 * @returns `out`.
 */
export function encodeSampleRunsNative(
  samples: NativeRunArray,
  format: SampleFormatCode,
  endianness: Endianness,
  out: Uint8Array,
  layout: SampleRuns,
): Uint8Array {
  checkNativeRunArray(samples, format);
  const { bytesPerSample } = sampleFormat(format);
  const { runLength, runs, stride, offset } = layout;
  const runBytes = runLength * bytesPerSample;
  checkSpace('sample array', samples.byteLength, runs * runBytes);
  if (runs > 0) checkSpace('output buffer', out.byteLength, offset + (runs - 1) * stride + runBytes);
  const source = new Uint8Array(samples.buffer, samples.byteOffset, runs * runBytes);
  copyRecords(source, runBytes, out.subarray(offset), stride, runBytes, runs);
  if ((endianness === 'little') !== HOST_LITTLE) {
    for (let r = 0; r < runs; r++)
      swapBytes(out.subarray(offset + r * stride, offset + r * stride + runBytes), bytesPerSample);
  }
  return out;
}

/** Round half away from zero, clamp to [min, max]; NaN becomes 0. */
function toInteger(x: number, min: number, max: number): number {
  if (Number.isNaN(x)) return 0;
  const r = x < 0 ? -Math.round(-x) : Math.round(x);
  return r < min ? min : Math.min(r, max);
}

function encode64(
  samples: Float32Array | Float64Array,
  view: DataView,
  le: boolean,
  signed: boolean,
  n: number,
): void {
  const hiOffset = le ? 4 : 0;
  const loOffset = le ? 0 : 4;
  const min = signed ? -(2 ** 63) : 0;
  const maxExclusive = signed ? 2 ** 63 : 2 ** 64;
  for (let i = 0; i < n; i++) {
    const p = i * 8;
    const x = samples[i]!;
    let hi: number;
    let lo: number;
    if (Number.isNaN(x)) {
      hi = 0;
      lo = 0;
    } else if (x >= maxExclusive) {
      hi = signed ? 0x7fffffff : 0xffffffff;
      lo = 0xffffffff;
    } else if (x <= min) {
      hi = signed ? -2147483648 : 0;
      lo = 0;
    } else {
      const r = x < 0 ? -Math.round(-x) : Math.round(x);
      hi = Math.floor(r / TWO_32);
      lo = r - hi * TWO_32;
    }
    if (signed) view.setInt32(p + hiOffset, hi, le);
    else view.setUint32(p + hiOffset, hi, le);
    view.setUint32(p + loOffset, lo, le);
  }
}
