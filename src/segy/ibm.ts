/**
 * IBM System/360 single precision floats (SEG-Y sample format 1) to and from IEEE 754 binary32,
 * one word at a time, by bit manipulation: the definition of the conversion, used for words the
 * block kernels (ibm-bulk.ts) leave to it and where WebAssembly SIMD is unavailable.
 *
 * An IBM float is `(-1)^s · 0.F · 16^(E − 64)`: 1 sign bit, a 7-bit base-16 exponent biased by 64
 * and a 24-bit fraction F. A normalised value has a non-zero leading hex digit, so it carries
 * 21 to 24 significant bits, which always fit IEEE binary32's 24-bit significand.
 *
 * Decisions for the cases where the two formats differ:
 * - **Exactness.** Every IBM value whose magnitude lies in the IEEE normal range (about
 *   1.2e-38 to 3.4e38) converts exactly, normalised or not (un-normalised fractions are normalised
 *   first). IBM → IEEE → IBM returns the original bits for every normalised IBM value in that range.
 * - **Zero.** A zero fraction is zero whatever the exponent; the sign is kept, so IBM negative zero
 *   (0x80000000) becomes IEEE −0 and back. (This matches the value; the bit patterns of IBM zeros
 *   with garbage exponents are not preserved.)
 * - **Overflow.** IBM magnitudes above IEEE's largest finite value (IBM reaches 7.2e75) saturate
 *   to ±3.4028235e38 (FLT_MAX), as segyio does, so a decoded trace never holds infinities.
 * - **Underflow.** IBM magnitudes below the IEEE normal range (IBM reaches 5.4e-79) become IEEE
 *   subnormals, rounded to nearest even, and ±0 below half the smallest subnormal.
 * - **IEEE → IBM** rounds to nearest, ties to even, when the hex normalisation drops up to three
 *   low bits (values whose leading hex digit is 1–7). Infinities encode as the largest IBM magnitude with their sign; NaN encodes as zero,
 *   because IBM floats have no NaN.
 *
 * @module
 */

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** IEEE binary32 bits of the largest finite float (FLT_MAX). */
const IEEE_MAX_MAGNITUDE = 0x7f7fffff;
/** Largest IBM magnitude, used for IEEE infinities. */
const IBM_MAX_MAGNITUDE = 0x7fffffff;

/** Slow path for results below the IEEE normal range: let the FPU round into a subnormal. */
function ibmToIeeeSubnormal(sign: number, fraction: number, exponent16: number): number {
  scratchFloat[0] = fraction * 2 ** (4 * exponent16 - 280);
  return (sign | scratchBits[0]!) >>> 0;
}

/**
 * Convert one IBM float, given as its 32-bit word, to the bits of the IEEE binary32 value.
 * See the module documentation for zero, overflow and underflow.
 */
export function ibmToIeeeBits(word: number): number {
  const sign = word & 0x80000000;
  const fraction = word & 0x00ffffff;
  if (fraction === 0) return sign >>> 0;
  const exponent16 = (word >>> 24) & 0x7f;
  const leadingZeros = Math.clz32(fraction) - 8;
  const biased = 4 * exponent16 - 130 - leadingZeros;
  if (biased >= 255) return (sign | IEEE_MAX_MAGNITUDE) >>> 0;
  if (biased <= 0) return ibmToIeeeSubnormal(sign, fraction, exponent16);
  return (sign | (biased << 23) | ((fraction << leadingZeros) & 0x007fffff)) >>> 0;
}

/**
 * Convert the bits of one IEEE binary32 value to an IBM float word, rounding to nearest (ties to
 * even) when hex normalisation drops low bits. See the module documentation for NaN and infinity.
 */
export function ieeeToIbmBits(bits: number): number {
  const sign = bits & 0x80000000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x007fffff;
  let significand: number;
  let binaryExponent: number;
  if (exponent === 255) {
    return mantissa === 0 ? (sign | IBM_MAX_MAGNITUDE) >>> 0 : 0;
  }
  if (exponent === 0) {
    if (mantissa === 0) return sign >>> 0;
    const shift = Math.clz32(mantissa) - 8;
    significand = mantissa << shift;
    binaryExponent = -125 - shift;
  } else {
    significand = mantissa | 0x00800000;
    binaryExponent = exponent - 126;
  }
  // value = 0.significand(24 bits) · 2^binaryExponent; make the exponent a multiple of 4.
  const exponent16 = (binaryExponent + 3) >> 2; // ceil(binaryExponent / 4), negatives included
  const dropped = 4 * exponent16 - binaryExponent; // 0..3 low bits that do not fit
  const droppedMask = (1 << dropped) - 1;
  let fraction = significand >>> dropped;
  // Round to nearest, ties to even, without branches (random data would mispredict them): add 1
  // when remainder + (fraction & 1) exceeds half (with half = 1 when nothing is dropped, so
  // nothing is added). Bits are dropped only when the leading hex digit is 1-7, so rounding up
  // cannot carry out of the 24-bit fraction.
  fraction += ((droppedMask >>> 1) + 1 - (significand & droppedMask) - (fraction & 1)) >>> 31;
  return (sign | ((exponent16 + 64) << 24) | fraction) >>> 0;
}

/** How IBM floats are decoded: `exact` (default) or as segyio does. */
export type IbmDecoding = 'exact' | 'segyio';

const SEGYIO_EXPONENT_BIAS = [
  0x21800000, 0x21400000, 0x21000000, 0x21000000, 0x20c00000, 0x20c00000, 0x20c00000, 0x20c00000,
];
const SEGYIO_SHIFT = [8, 4, 2, 2, 1, 1, 1, 1];

/**
 * IBM → IEEE as segyio (1.8.3 and master) converts, for reproducing its numbers bit for bit.
 * It agrees with {@link ibmToIeeeBits} for normalised values in the IEEE normal range. It differs
 * for un-normalised fractions (leading hex digit 0), which it scales as if normalised (off by a
 * factor 2 to 2^21), and for results below about 2^-127, which it flushes to +0 (−0 included).
 */
export function ibmToIeeeBitsSegyio(word: number): number {
  const magnitude = word & 0x7fffffff;
  if (magnitude < 0x21200000) return 0;
  if (magnitude > 0x611fffff) return ((word & 0x80000000) | IEEE_MAX_MAGNITUDE) >>> 0;
  const fraction = word & 0x00ffffff;
  const index = fraction >>> 21;
  const exponent = ((word & 0x7f000000) - SEGYIO_EXPONENT_BIAS[index]!) << 1;
  return ((word & 0x80000000) | (fraction * SEGYIO_SHIFT[index]! + exponent)) >>> 0;
}
