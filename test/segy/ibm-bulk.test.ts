/**
 * Block IBM ↔ IEEE conversion (WebAssembly SIMD kernels with a word-by-word fallback per slice):
 * every word equals the scalar conversion of ibm.ts, on both paths, in both byte orders, and the
 * committed kernel binary is what its source assembles to.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IBM_SLICE_WORDS, ibmKernelsAvailable } from '../../src/segy/ibm-bulk.js';
import {
  decodeSampleRuns,
  encodeSampleRuns,
  encodeSamples,
  ibmToIeeeBits,
  ieeeToIbmBits,
} from '../../src/segy/index.js';
import { prng } from './random.js';

/** A random IBM word whose exponent byte the decode kernel converts itself (39-96), or a zero fraction. */
function kernelIbmWord(random: () => number): number {
  const sign = random() < 0.5 ? 0x80000000 : 0;
  const exponent = 39 + Math.floor(random() * 58);
  const fraction = random() < 0.05 ? 0 : Math.floor(random() * 0x1000000);
  return (sign | (exponent << 24) | fraction) >>> 0;
}

/** A random IEEE float's bits that the encode kernel converts itself (exponent 23-254), or a zero. */
function kernelIeeeBits(random: () => number): number {
  const sign = random() < 0.5 ? 0x80000000 : 0;
  if (random() < 0.05) return sign >>> 0;
  const exponent = 23 + Math.floor(random() * 232);
  return (sign | (exponent << 23) | Math.floor(random() * 0x800000)) >>> 0;
}

/**
 * Words for `slices` kernel slices: odd slices hold one word from `outside` (which the kernels
 * flag, so the slice takes the word-by-word path), even slices only words the kernels convert.
 */
function slicedWords(
  random: () => number,
  slices: number,
  inside: (r: () => number) => number,
  outside: number[],
) {
  const words = new Uint32Array(slices * IBM_SLICE_WORDS);
  for (let i = 0; i < words.length; i++) words[i] = inside(random);
  for (let s = 1; s < slices; s += 2) {
    words[s * IBM_SLICE_WORDS + Math.floor(random() * IBM_SLICE_WORDS)] = outside[(s >> 1) % outside.length]!;
  }
  return words;
}

function wordBytes(words: Uint32Array, le: boolean): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, word] of words.entries()) view.setUint32(i * 4, word, le);
  return bytes;
}

function mismatches(actual: Uint32Array, expected: (i: number) => number): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected(i)) wrong.push(i);
  return wrong;
}

// Words just outside each kernel's exact range (and the specials): the decode bounds are IBM
// exponent bytes 39 and 96, the encode bound IEEE exponent 23. Moving a bound by one in
// ibm-kernels.wat makes the first words of these lists convert wrongly on the kernel path.
const IBM_OUTSIDE = [0x26ffffff, 0xa6800000, 0x61ffffff, 0xe1100000, 0x7fffffff, 0x00000001, 0x20123456];
const IEEE_OUTSIDE = [
  0x0b7fffff, 0x8b400000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
];

describe('block IBM conversion', () => {
  it('runs the WebAssembly SIMD kernels on Node 20', () => {
    expect(ibmKernelsAvailable()).toBe(true);
  });

  it('commits the kernel binary that ibm-kernels.wat assembles to', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'])).not.toThrow();
  });

  it('decodes every word as ibmToIeeeBits does, in slices with and without flagged words', () => {
    const random = prng(11);
    const words = slicedWords(random, 2 * IBM_OUTSIDE.length, kernelIbmWord, IBM_OUTSIDE);
    // The kernel range's own edges, on the kernel path.
    words.set([
      0x27000001, 0xa7ffffff, 0x60ffffff, 0xe0100000, 0x00000000, 0x80000000, 0x7f000000, 0x26000000,
    ]);
    for (const le of [false, true]) {
      const decoded = new Uint32Array(words.length);
      // Runs of 1000 words between 240-byte headers, a last short run, cross slice boundaries.
      const runLength = 1000;
      const runs = Math.ceil(words.length / runLength);
      const traces = new Uint8Array(runs * (240 + runLength * 4));
      const source = wordBytes(words, le);
      for (let r = 0; r < runs; r++) {
        traces.set(
          source.subarray(r * runLength * 4, (r + 1) * runLength * 4),
          r * (240 + runLength * 4) + 240,
        );
      }
      const out = new Float32Array(runs * runLength);
      decodeSampleRuns(traces, 1, le ? 'little' : 'big', out, {
        runLength,
        runs,
        stride: 240 + runLength * 4,
        offset: 240,
      });
      decoded.set(new Uint32Array(out.buffer, 0, words.length));
      expect(mismatches(decoded, (i) => ibmToIeeeBits(words[i]!))).toEqual([]);
    }
  });

  it('encodes every float as ieeeToIbmBits does, in slices with and without flagged words', () => {
    const random = prng(12);
    const words = slicedWords(random, 2 * IEEE_OUTSIDE.length, kernelIeeeBits, IEEE_OUTSIDE);
    words.set([0x0b800000, 0x8b800001, 0x7f7fffff, 0xff7fffff, 0x00000000, 0x80000000, 0x3f800000]);
    // A length that is not a multiple of 4 or of the slice size exercises the padded tail.
    const samples = new Float32Array(words.buffer, 0, words.length - 3);
    for (const le of [false, true]) {
      const endianness = le ? 'little' : 'big';
      const encoded = encodeSamples(samples, 1, endianness);
      const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
      const actual = Uint32Array.from({ length: samples.length }, (_, i) => view.getUint32(i * 4, le));
      expect(mismatches(actual, (i) => ieeeToIbmBits(words[i]!))).toEqual([]);
      // Between 240-byte headers, which stay untouched: runs of 1000 words cross the slices.
      const runs = Math.floor(words.length / 1000);
      const traces = new Uint8Array(runs * 4240).fill(0xaa);
      encodeSampleRuns(new Float32Array(words.buffer, 0, runs * 1000), 1, endianness, traces, {
        runLength: 1000,
        runs,
        stride: 4240,
        offset: 240,
      });
      const traceView = new DataView(traces.buffer);
      const inRuns = Uint32Array.from({ length: runs * 1000 }, (_, i) =>
        traceView.getUint32(Math.floor(i / 1000) * 4240 + 240 + (i % 1000) * 4, le),
      );
      expect(mismatches(inRuns, (i) => ieeeToIbmBits(words[i]!))).toEqual([]);
      const headerBytes = Array.from({ length: runs }, (_, r) => traces.subarray(r * 4240, r * 4240 + 240));
      expect(headerBytes.every((header) => header.every((byte) => byte === 0xaa))).toBe(true);
    }
  });

  describe('without WebAssembly (node --jitless)', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.resetModules();
    });

    it('converts every word through the scalar path', async () => {
      vi.stubGlobal('WebAssembly', undefined);
      vi.resetModules();
      const bulk = await import('../../src/segy/ibm-bulk.js');
      expect(bulk.ibmKernelsAvailable()).toBe(false);
      const random = prng(13);
      const words = Uint32Array.from({ length: 5001 }, () => Math.floor(random() * 2 ** 32) >>> 0);
      for (const le of [false, true]) {
        const bytes = wordBytes(words, le);
        const bits = new Uint32Array(words.length);
        bulk.decodeIbmRuns(
          bytes,
          new DataView(bytes.buffer),
          { runLength: 1667, runs: 3, stride: 1667 * 4, offset: 0 },
          le,
          bits,
        );
        expect(mismatches(bits, (i) => ibmToIeeeBits(words[i]!))).toEqual([]);
        // Runs of 1667 words after 8-byte gaps.
        const encoded = new Uint8Array(3 * (8 + 1667 * 4));
        const view = new DataView(encoded.buffer);
        const layout = { runLength: 1667, runs: 3, stride: 8 + 1667 * 4, offset: 8 };
        bulk.encodeIbmRuns(new Float32Array(words.buffer, 0, 5001), encoded, view, layout, le);
        const at = (i: number) => 8 + Math.floor(i / 1667) * (8 + 1667 * 4) + (i % 1667) * 4;
        const actual = Uint32Array.from({ length: 5001 }, (_, i) => view.getUint32(at(i), le));
        expect(mismatches(actual, (i) => ieeeToIbmBits(words[i]!))).toEqual([]);
      }
    });
  });
});
