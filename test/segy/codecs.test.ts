/**
 * Sample codecs: IBM float edge cases and exactness, and every format in both byte orders.
 */
import { describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import {
  copyRecords,
  decodeSampleRuns,
  decodeSampleRunsNative,
  decodeSamples,
  decodeSamplesNative,
  type Endianness,
  encodeSampleRuns,
  encodeSampleRunsNative,
  encodeSamples,
  ibmToIeeeBits,
  ibmToIeeeBitsSegyio,
  ieeeToIbmBits,
  type NativeRunArray,
  SAMPLE_FORMAT_CODES,
  SAMPLE_FORMATS,
  type SampleFormatCode,
  sampleFormat,
} from '../../src/segy/index.js';
import { prng } from './random.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => {
  f32[0] = x;
  return u32[0]!;
};
const floatOf = (bits: number) => {
  u32[0] = bits;
  return f32[0]!;
};
const ibmToFloat = (word: number) => floatOf(ibmToIeeeBits(word));
const floatToIbm = (x: number) => ieeeToIbmBits(bitsOf(x));

/** The definition of an IBM float, evaluated in double precision. */
function ibmValue(word: number): number {
  const sign = word >>> 31 ? -1 : 1;
  return sign * ((word & 0xffffff) / 2 ** 24) * 16 ** (((word >>> 24) & 0x7f) - 64);
}

describe('IBM float ↔ IEEE', () => {
  it('decodes textbook values', () => {
    expect(ibmToFloat(0x41100000)).toBe(1);
    expect(ibmToFloat(0xc1100000)).toBe(-1);
    expect(ibmToFloat(0x42640000)).toBe(100);
    expect(ibmToFloat(0xc276a000)).toBe(-118.625);
    expect(ibmToFloat(0x40800000)).toBe(0.5);
    expect(ibmToFloat(0x3f100000)).toBe(1 / 256);
  });

  it('keeps the sign of zero and treats any zero fraction as zero', () => {
    expect(Object.is(ibmToFloat(0x00000000), 0)).toBe(true);
    expect(Object.is(ibmToFloat(0x80000000), -0)).toBe(true);
    expect(Object.is(ibmToFloat(0x45000000), 0)).toBe(true);
    expect(Object.is(ibmToFloat(0xc5000000), -0)).toBe(true);
    expect(floatToIbm(0)).toBe(0);
    expect(floatToIbm(-0)).toBe(0x80000000);
  });

  it('saturates overflow to ±FLT_MAX', () => {
    expect(ibmToFloat(0x7fffffff)).toBe(floatOf(0x7f7fffff));
    expect(ibmToFloat(0xffffffff)).toBe(-floatOf(0x7f7fffff));
    expect(ibmToFloat(0x61100000)).toBe(floatOf(0x7f7fffff)); // 16^32 = 2^128
    expect(ibmToFloat(0x60ffffff)).toBe(Math.fround(ibmValue(0x60ffffff))); // just below 2^128
  });

  it('underflows into IEEE subnormals, rounding to nearest, then to signed zero', () => {
    const subnormal = 0x1e100000; // 1/16 · 16^(30-64) = 2^-140
    expect(ibmToFloat(subnormal)).toBe(2 ** -140);
    expect(ibmToFloat(0x9e100000)).toBe(-(2 ** -140));
    expect(floatToIbm(2 ** -140)).toBe(subnormal);
    expect(ibmToFloat(0x1b123456)).toBe(Math.fround(ibmValue(0x1b123456)));
    expect(Object.is(ibmToFloat(0x00100000), 0)).toBe(true); // 2^-260
    expect(Object.is(ibmToFloat(0x80100000), -0)).toBe(true);
  });

  it('decodes un-normalised fractions exactly', () => {
    expect(ibmToFloat(0x41010000)).toBe(1 / 16);
    expect(ibmToFloat(0x41000001)).toBe(2 ** -20);
    expect(ibmToFloat(0xb80480cc)).toBe(Math.fround(ibmValue(0xb80480cc)));
  });

  it('maps IEEE infinities to the largest IBM magnitude and NaN to zero', () => {
    expect(floatToIbm(Number.POSITIVE_INFINITY)).toBe(0x7fffffff);
    expect(floatToIbm(Number.NEGATIVE_INFINITY)).toBe(0xffffffff);
    expect(floatToIbm(Number.NaN)).toBe(0);
  });

  it('rounds IEEE → IBM to nearest, ties to even', () => {
    // 1 + k·2^-23 has 3 bits below the IBM fraction's last bit (F = 2^20 + k/8).
    expect(floatToIbm(1 + 2 ** -23)).toBe(0x41100000);
    expect(floatToIbm(1 + 3 * 2 ** -23)).toBe(0x41100000);
    expect(floatToIbm(1 + 4 * 2 ** -23)).toBe(0x41100000); // tie, even stays
    expect(floatToIbm(1 + 5 * 2 ** -23)).toBe(0x41100001);
    expect(floatToIbm(1 + 12 * 2 ** -23)).toBe(0x41100002); // tie 1.5 → even 2
    expect(floatToIbm(2 - 2 ** -23)).toBe(0x41200000); // F = 2^21 - 1/8 rounds up
    expect(floatToIbm(16 - 2 ** -20)).toBe(0x41ffffff); // leading digit F: nothing dropped
    expect(floatToIbm(floatOf(0x7f7fffff))).toBe(0x60ffffff); // FLT_MAX is exact in IBM
  });

  it('is exact both ways for every normalised IBM value in the IEEE normal range (random sample)', () => {
    const random = prng(1);
    const mismatches: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const exponent = 33 + Math.floor(random() * 64); // 16^(33-64)..16^(96-64): inside IEEE normal range
      const fraction = 0x100000 + Math.floor(random() * 0xf00000);
      const word = ((random() < 0.5 ? 0x80000000 : 0) | (exponent << 24) | fraction) >>> 0;
      const decoded = ibmToIeeeBits(word);
      if (floatOf(decoded) !== ibmValue(word) || ieeeToIbmBits(decoded) !== word) mismatches.push(word);
    }
    expect(mismatches).toEqual([]);
  });

  it('encodes every IEEE float to the nearest IBM value (random sample)', () => {
    const random = prng(2);
    const farther: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const bits = Math.floor(random() * 0xff000000) >>> 0; // finite floats, both signs
      if (((bits >>> 23) & 0xff) === 0xff) continue;
      const x = floatOf(bits);
      const word = ieeeToIbmBits(bits);
      const error = Math.abs(ibmValue(word) - x);
      // The neighbours of the chosen IBM value are no closer.
      for (const neighbour of [word - 1, word + 1]) {
        const fraction = neighbour & 0xffffff;
        if (fraction >= 0x100000 && error > Math.abs(ibmValue(neighbour >>> 0) - x)) farther.push(bits);
      }
    }
    expect(farther).toEqual([]);
  });

  it('segyio compatibility mode agrees for normalised values and reproduces segyio on the rest', () => {
    const random = prng(3);
    const differing: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const word =
        ((0x22 + Math.floor(random() * 0x3f)) << 24) | (0x100000 + Math.floor(random() * 0xf00000));
      if (ibmToIeeeBitsSegyio(word >>> 0) !== ibmToIeeeBits(word >>> 0)) differing.push(word >>> 0);
    }
    expect(differing).toEqual([]);
    // An un-normalised fraction (0x41010000 is 1/16): segyio shifts it as if its leading hex digit
    // were 1 and the excess lands in the exponent bits.
    expect(floatOf(ibmToIeeeBitsSegyio(0x41010000))).toBe(0.53125);
    expect(ibmToIeeeBitsSegyio(0x80000000)).toBe(0);
    expect(ibmToIeeeBitsSegyio(0x7fffffff)).toBe(0x7f7fffff);
  });
});

/** Values worth encoding in every format: small integers, fractions, extremes, NaN. */
const SAMPLES = new Float32Array([
  0,
  1,
  -1,
  2.5,
  -2.5,
  0.49,
  127,
  -128,
  255,
  300,
  -300,
  32767,
  -32768,
  65535,
  1e6,
  -1e6,
  8388607,
  -8388608,
  16777215,
  3e9,
  -3e9,
  1e19,
  -1e19,
  4e19,
  Number.NaN,
  1.5e-7,
]);

/** What an integer format holds after encoding x: rounded half away from zero, clamped, NaN → 0. */
function expectedInteger(x: number, min: number, max: number): number {
  if (Number.isNaN(x)) return 0;
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return Math.fround(Math.min(max, Math.max(min, r)));
}

const INTEGER_RANGES: Partial<Record<SampleFormatCode, [number, number]>> = {
  2: [-(2 ** 31), 2 ** 31 - 1],
  3: [-32768, 32767],
  7: [-(2 ** 23), 2 ** 23 - 1],
  8: [-128, 127],
  9: [-(2 ** 63), 2 ** 63],
  10: [0, 2 ** 32 - 1],
  11: [0, 65535],
  12: [0, 2 ** 64],
  15: [0, 2 ** 24 - 1],
  16: [0, 255],
};

describe('every sample format in both byte orders', () => {
  for (const code of SAMPLE_FORMAT_CODES) {
    for (const endianness of ['big', 'little'] as Endianness[]) {
      it(`format ${code} (${SAMPLE_FORMATS[code].name}), ${endianness}-endian round trip`, () => {
        const bytes = encodeSamples(SAMPLES, code, endianness);
        expect(bytes.byteLength).toBe(SAMPLES.length * SAMPLE_FORMATS[code].bytesPerSample);
        const decoded = decodeSamples(bytes, code, endianness, new Float32Array(SAMPLES.length));
        const range = INTEGER_RANGES[code];
        SAMPLES.forEach((x, i) => {
          let want: number;
          if (range) want = expectedInteger(x, range[0], range[1]);
          else if (code === 1) want = Number.isNaN(x) ? 0 : floatOf(ibmToIeeeBits(floatToIbm(x)));
          else want = x;
          expect(decoded[i], `sample ${i} = ${x}`).toBe(want);
        });
        // The other byte order reads different values (unless the format is one byte wide).
        const swapped = decodeSamples(
          bytes,
          code,
          endianness === 'big' ? 'little' : 'big',
          new Float32Array(SAMPLES.length),
        );
        if (SAMPLE_FORMATS[code].bytesPerSample > 1) expect(swapped).not.toEqual(decoded);
        // Native decode agrees with the float decode.
        const native = decodeSamplesNative(bytes, code, endianness);
        expect(native.length).toBe(SAMPLES.length);
        Array.from(native as ArrayLike<number | bigint>).forEach((v, i) => {
          expect(Math.fround(Number(v))).toBe(decoded[i]);
        });
      });
    }
  }

  it('writes and reads IEEE float32 bit for bit in both byte orders, NaN payloads included', () => {
    // A signalling NaN with a payload, a quiet NaN, -0, the smallest subnormal, odd lengths.
    const bits = new Uint32Array([
      0x7f800001, 0xffc12345, 0x80000000, 0x00000001, 0x3f800000, 0xc2f6a000, 0x7f7fffff,
    ]);
    const samples = new Float32Array(bits.buffer);
    for (const endianness of ['big', 'little'] as const) {
      const encoded = encodeSamples(samples, 5, endianness);
      const view = new DataView(encoded.buffer, encoded.byteOffset);
      expect(Array.from(bits, (_, i) => view.getUint32(i * 4, endianness === 'little'))).toEqual(
        Array.from(bits),
      );
      const decoded = decodeSamples(encoded, 5, endianness, new Float32Array(bits.length));
      expect(Array.from(new Uint32Array(decoded.buffer))).toEqual(Array.from(bits));
    }
  });

  it('lays out bytes as the standard says', () => {
    const one = (code: SampleFormatCode, e: Endianness, x: number) =>
      Array.from(encodeSamples(new Float32Array([x]), code, e));
    expect(one(3, 'big', 258)).toEqual([1, 2]);
    expect(one(3, 'little', 258)).toEqual([2, 1]);
    expect(one(2, 'big', -2)).toEqual([0xff, 0xff, 0xff, 0xfe]);
    expect(one(7, 'big', -2)).toEqual([0xff, 0xff, 0xfe]);
    expect(one(7, 'little', 0x010203)).toEqual([3, 2, 1]);
    expect(one(15, 'big', 0x010203)).toEqual([1, 2, 3]);
    expect(one(1, 'big', -118.625)).toEqual([0xc2, 0x76, 0xa0, 0x00]);
    expect(one(1, 'little', -118.625)).toEqual([0x00, 0xa0, 0x76, 0xc2]);
    expect(one(5, 'big', 1)).toEqual([0x3f, 0x80, 0, 0]);
    expect(one(6, 'big', 1)).toEqual([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    expect(one(9, 'big', -1)).toEqual(Array(8).fill(0xff));
    expect(one(12, 'little', 2 ** 40)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    expect(one(16, 'big', 200)).toEqual([200]);
    expect(one(8, 'big', -1)).toEqual([0xff]);
  });

  it('converts 64-bit integers as Math.fround(Number(x)) (the corpus checksum definition)', () => {
    const bytes = new Uint8Array(8 * 3);
    const view = new DataView(bytes.buffer);
    const values = [2n ** 62n + 2n ** 38n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n];
    for (const [i, v] of values.entries()) view.setBigInt64(i * 8, v, false);
    const decoded = decodeSamples(bytes, 9, 'big', new Float32Array(3));
    for (const [i, v] of values.entries()) expect(decoded[i]).toBe(Math.fround(Number(v)));
    const unsigned = new Uint8Array(8);
    new DataView(unsigned.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(decodeSamples(unsigned, 12, 'little', new Float32Array(1))[0]).toBe(
      Math.fround(Number(2n ** 64n - 1n)),
    );
  });

  it('decodes part of a buffer into a sub-range and refuses short buffers with a typed error', () => {
    const bytes = encodeSamples(new Float32Array([1, 2, 3, 4]), 3, 'big');
    const out = new Float32Array(6).fill(9);
    decodeSamples(bytes, 3, 'big', out.subarray(1), 2);
    expect(Array.from(out)).toEqual([9, 1, 2, 9, 9, 9]);
    const error = (() => {
      try {
        decodeSamples(bytes, 3, 'big', new Float32Array(2), 4);
      } catch (e) {
        return e;
      }
    })();
    expect(isSeisprocError(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it.each([1, 3, 5, 8] as const)(
    'encodes runs of samples between headers in one call (format %i)',
    (code) => {
      const samples = new Float32Array([1, -2, 3, 4, 5, -6]);
      const { bytesPerSample } = sampleFormat(code);
      const stride = 10 + 3 * bytesPerSample;
      const layout = { runLength: 3, runs: 2, stride, offset: 10 };
      const block = new Uint8Array(2 * stride).fill(0xee);
      encodeSampleRuns(samples, code, 'big', block, layout);
      for (let r = 0; r < 2; r++) {
        expect(Array.from(block.subarray(r * stride, r * stride + 10))).toEqual(Array(10).fill(0xee));
        const run = block.subarray(r * stride + 10, (r + 1) * stride);
        expect(Array.from(run)).toEqual(
          Array.from(encodeSamples(samples.subarray(r * 3, r * 3 + 3), code, 'big')),
        );
      }
      expect(Array.from(decodeSampleRuns(block, code, 'big', new Float32Array(6), layout))).toEqual(
        Array.from(samples),
      );
      expect(() =>
        encodeSampleRuns(samples, code, 'big', block.subarray(0, stride + 10), layout),
      ).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => encodeSampleRuns(samples.subarray(0, 5), code, 'big', block, layout)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    },
  );

  it('copies fixed-size records between strides, both ways', () => {
    const traces = Uint8Array.from({ length: 3 * 6 }, (_, i) => i);
    const headers = new Uint8Array(3 * 2);
    copyRecords(traces, 6, headers, 2, 2, 3);
    expect(Array.from(headers)).toEqual([0, 1, 6, 7, 12, 13]);
    const back = new Uint8Array(3 * 6).fill(0xee);
    copyRecords(headers, 2, back, 6, 2, 3);
    expect(Array.from(back)).toEqual([
      0,
      1,
      ...Array(4).fill(0xee),
      6,
      7,
      ...Array(4).fill(0xee),
      12,
      13,
      ...Array(4).fill(0xee),
    ]);
  });

  it('decodes runs of samples between headers (whole traces) in one call', () => {
    const traces = [new Float32Array([1, -2, 3]), new Float32Array([4.5, 5, -6])];
    const stride = 10 + 3 * 4;
    const block = new Uint8Array(2 * stride).fill(0xee);
    traces.forEach((t, r) => {
      block.set(encodeSamples(t, 1, 'little'), r * stride + 10);
    });
    const out = decodeSampleRuns(block, 1, 'little', new Float32Array(6), {
      runLength: 3,
      runs: 2,
      stride,
      offset: 10,
    });
    expect(Array.from(out)).toEqual([1, -2, 3, 4.5, 5, -6]);
    expect(() =>
      decodeSampleRuns(block.subarray(0, 40), 1, 'little', new Float32Array(6), {
        runLength: 3,
        runs: 2,
        stride,
        offset: 10,
      }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('copies runs of samples unconverted to and from the typed array of their own type, both byte orders', () => {
    type Get = (view: DataView, at: number, little: boolean) => number | bigint;
    const cases: ReadonlyArray<{ code: SampleFormatCode; values: NativeRunArray; get: Get }> = [
      {
        code: 9,
        values: BigInt64Array.of(2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -3n, 0n, 7n),
        get: (view, at, little) => view.getBigInt64(at, little),
      },
      {
        code: 12,
        values: BigUint64Array.of(2n ** 64n - 1n, 2n ** 53n + 1n, 0n, 1n, 5n, 6n),
        get: (view, at, little) => view.getBigUint64(at, little),
      },
      {
        code: 6,
        values: Float64Array.of(0.1, Math.PI, -0, 5e-324, 1e300, -2),
        get: (view, at, little) => view.getFloat64(at, little),
      },
      {
        code: 2,
        values: Int32Array.of(2 ** 31 - 1, -(2 ** 31), 2 ** 24 + 1, -5, 0, 9),
        get: (view, at, little) => view.getInt32(at, little),
      },
      {
        code: 10,
        values: Uint32Array.of(2 ** 32 - 1, 2 ** 24 + 1, 0, 3, 4, 5),
        get: (view, at, little) => view.getUint32(at, little),
      },
      {
        code: 3,
        values: Int16Array.of(-32768, 32767, 0, 1, -1, 2),
        get: (view, at, little) => view.getInt16(at, little),
      },
    ];
    for (const { code, values, get } of cases) {
      const width = values.BYTES_PER_ELEMENT;
      const stride = 10 + 3 * width;
      const layout = { runLength: 3, runs: 2, stride, offset: 10 };
      for (const endianness of ['big', 'little'] as Endianness[]) {
        const block = new Uint8Array(2 * stride).fill(0xee);
        encodeSampleRunsNative(values, code, endianness, block, layout);
        // Headers untouched; each sample where the standard puts it, in the file's byte order.
        expect(Array.from(block.subarray(0, 10))).toEqual(Array(10).fill(0xee));
        expect(Array.from(block.subarray(stride, stride + 10))).toEqual(Array(10).fill(0xee));
        const view = new DataView(block.buffer);
        const little = endianness === 'little';
        const at = (i: number) => Math.floor(i / 3) * stride + 10 + (i % 3) * width;
        expect(Array.from({ length: 6 }, (_, i) => get(view, at(i), little))).toEqual(
          Array.from(values as ArrayLike<unknown>),
        );
        const out = new (values.constructor as new (n: number) => typeof values)(6);
        expect(decodeSampleRunsNative(block, code, endianness, out, layout)).toBe(out);
        expect(out).toEqual(values);
      }
    }
    // Only the format's own type: IBM, 24-bit integers and other widths are refused.
    const block = new Uint8Array(64);
    const layout = { runLength: 2, runs: 1, stride: 0, offset: 0 };
    for (const [code, array] of [
      [9, new Float64Array(2)],
      [2, new Uint32Array(2)],
      [1, new Float32Array(2)],
      [7, new Int32Array(2)],
    ] as const) {
      expect(() => decodeSampleRunsNative(block, code, 'big', array, layout)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
      expect(() => encodeSampleRunsNative(array, code, 'big', block, layout)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() =>
      decodeSampleRunsNative(block.subarray(0, 15), 9, 'big', new BigInt64Array(2), layout),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('encodes float64 samples: integers and float64 unrounded, IBM and float32 from the nearest float32', () => {
    const values = Float64Array.of(2 ** 31 - 1, -(2 ** 24 + 1), 0.1, 2 ** 53 - 1);
    const int64 = new DataView(encodeSamples(values, 9, 'big').buffer);
    expect([0, 1, 2, 3].map((i) => int64.getBigInt64(i * 8))).toEqual([
      2n ** 31n - 1n,
      -(2n ** 24n + 1n),
      0n,
      2n ** 53n - 1n,
    ]);
    const int32 = new DataView(encodeSamples(values.subarray(0, 2), 2, 'little').buffer);
    expect([int32.getInt32(0, true), int32.getInt32(4, true)]).toEqual([2 ** 31 - 1, -(2 ** 24 + 1)]);
    const float64 = new DataView(encodeSamples(values, 6, 'big').buffer);
    expect(float64.getFloat64(16)).toBe(0.1);
    const rounded = Float32Array.from(values);
    for (const code of [1, 5] as const) {
      const out = new Uint8Array(4 * 4 + 8);
      encodeSampleRuns(values, code, 'big', out, { runLength: 2, runs: 2, stride: 12, offset: 4 });
      expect(out).toEqual(
        (() => {
          const expected = new Uint8Array(4 * 4 + 8);
          encodeSampleRuns(rounded, code, 'big', expected, { runLength: 2, runs: 2, stride: 12, offset: 4 });
          return expected;
        })(),
      );
    }
  });

  it('rejects format codes outside the table, format 4 included', () => {
    for (const code of [0, 4, 13, 14, 17, 255, -1]) {
      expect(() => sampleFormat(code)).toThrowError(
        expect.objectContaining({ code: 'SEGY_BAD_FORMAT_CODE' }),
      );
    }
  });
});
