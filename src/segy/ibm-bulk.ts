/**
 * IBM ↔ IEEE conversion of whole blocks of samples: the WebAssembly SIMD kernels of
 * ibm-kernels.wat convert four words per instruction, 2.5 to 5 times the speed of a
 * JavaScript loop even with the copies in and out of the module's memory (figures in
 * `npm run bench`, segy section). Samples pass through the module's memory in slices of
 * {@link IBM_SLICE_WORDS} words; a slice holding a word the kernels do not convert exactly (an
 * IBM exponent that may overflow or underflow the IEEE normal range; an IEEE subnormal, infinity,
 * NaN or magnitude below 2^-104) is converted again word by word by {@link ibmToIeeeBits} and
 * {@link ieeeToIbmBits}, so every result equals the scalar conversion bit for bit. Without
 * WebAssembly SIMD (Node run with `--jitless`, or a big-endian host) every word takes the scalar
 * path.
 *
 * @module
 */
import { endianness as hostEndianness } from 'node:os';
import { ibmToIeeeBits, ieeeToIbmBits } from './ibm.js';
import { IBM_KERNELS_WASM_BASE64 } from './ibm-kernels-binary.js';

/** Words converted per kernel call: the module's memory holds one slice of input and one of output. */
export const IBM_SLICE_WORDS = 16384;
const INPUT = 0;
const OUTPUT = IBM_SLICE_WORDS * 4;

/** Where runs of samples lie in a buffer: `runs` runs of `runLength` samples, `stride` bytes apart. */
export interface SampleRuns {
  /** Samples per run (per trace). */
  runLength: number;
  /** Number of runs (traces). */
  runs: number;
  /** Bytes from the start of one run to the start of the next (the trace size). */
  stride: number;
  /** Byte offset of the first run (the trace header size). */
  offset: number;
}

type Kernel = (src: number, dst: number, n: number, swap: number) => number;

/**
 * The part of the WebAssembly JavaScript API used here. TypeScript declares it only with the DOM
 * library, and it is absent under `node --jitless`.
 */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The instantiated module with views of its memory (which never grows, so the views stay valid). */
interface Kernels {
  decodeIbm: Kernel;
  encodeIbm: Kernel;
  memory: Uint8Array;
  input: DataView;
  inputFloats: Float32Array;
  outputWords: Uint32Array;
}

let loaded: Kernels | null | undefined;

function kernels(): Kernels | null {
  if (loaded === undefined) loaded = instantiate();
  return loaded;
}

function instantiate(): Kernels | null {
  // The kernels read and write host-order typed arrays as little-endian WebAssembly memory.
  const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (hostEndianness() !== 'LE' || wasm === undefined) return null;
  const bytes = Buffer.from(IBM_KERNELS_WASM_BASE64, 'base64');
  // False when the runtime lacks SIMD; the module itself is checked by the tests.
  if (!wasm.validate(bytes)) return null;
  const { exports } = new wasm.Instance(new wasm.Module(bytes));
  const { buffer } = exports.memory as { buffer: ArrayBuffer };
  return {
    decodeIbm: exports.decodeIbm as Kernel,
    encodeIbm: exports.encodeIbm as Kernel,
    memory: new Uint8Array(buffer),
    input: new DataView(buffer, INPUT, IBM_SLICE_WORDS * 4),
    inputFloats: new Float32Array(buffer, INPUT, IBM_SLICE_WORDS),
    outputWords: new Uint32Array(buffer, OUTPUT, IBM_SLICE_WORDS),
  };
}

/** True when this runtime converts with the WebAssembly SIMD kernels. */
export function ibmKernelsAvailable(): boolean {
  return kernels() !== null;
}

/** Zero the input words from `filled` up to the next multiple of 4, which the kernels also read. */
function padInput(k: Kernels, filled: number): number {
  const padded = (filled + 3) & ~3;
  k.memory.fill(0, INPUT + filled * 4, INPUT + padded * 4);
  return padded;
}

/**
 * Decode the IBM words of `layout` in `bytes` into `bits` (the IEEE bits, run after run).
 * `view` is a DataView of `bytes`.
 */
export function decodeIbmRuns(
  bytes: Uint8Array,
  view: DataView,
  layout: SampleRuns,
  le: boolean,
  bits: Uint32Array,
): void {
  const { runLength, runs, stride, offset } = layout;
  const k = kernels();
  if (k === null) {
    for (let r = 0, o = 0; r < runs; r++) {
      for (let i = 0, p = offset + r * stride; i < runLength; i++, p += 4) {
        bits[o++] = ibmToIeeeBits(view.getUint32(p, le));
      }
    }
    return;
  }
  let filled = 0;
  let first = 0;
  const flush = () => {
    if (k.decodeIbm(INPUT, OUTPUT, padInput(k, filled), le ? 0 : 1)) {
      for (let i = 0; i < filled; i++) bits[first + i] = ibmToIeeeBits(k.input.getUint32(i * 4, le));
    } else {
      bits.set(k.outputWords.subarray(0, filled), first);
    }
    first += filled;
    filled = 0;
  };
  for (let r = 0; r < runs; r++) {
    let at = offset + r * stride;
    for (let left = runLength; left > 0; ) {
      const take = Math.min(left, IBM_SLICE_WORDS - filled);
      k.memory.set(bytes.subarray(at, at + take * 4), INPUT + filled * 4);
      filled += take;
      at += take * 4;
      left -= take;
      if (filled === IBM_SLICE_WORDS) flush();
    }
  }
  if (filled > 0) flush();
}

/**
 * Encode `samples` as IBM words into the runs of `layout` in `target` (`view` is a DataView of
 * it): sample `i` goes to run `i / runLength`. Slices of samples cross run boundaries, so a block
 * of short traces costs a few kernel calls, not one per trace.
 */
export function encodeIbmRuns(
  samples: Float32Array,
  target: Uint8Array,
  view: DataView,
  layout: SampleRuns,
  le: boolean,
): void {
  const { runLength, runs, stride, offset } = layout;
  const n = runs * runLength;
  const k = kernels();
  const bits = new Uint32Array(samples.buffer, samples.byteOffset, n);
  for (let first = 0; first < n; first += IBM_SLICE_WORDS) {
    const count = Math.min(IBM_SLICE_WORDS, n - first);
    let converted = false;
    if (k !== null) {
      k.inputFloats.set(samples.subarray(first, first + count));
      converted = k.encodeIbm(INPUT, OUTPUT, padInput(k, count), le ? 0 : 1) === 0;
    }
    // Hand the slice out run piece by run piece: kernel output, or word by word when flagged.
    for (let i = first; i < first + count; ) {
      const run = Math.floor(i / runLength);
      const take = Math.min((run + 1) * runLength, first + count) - i;
      const at = offset + run * stride + (i - run * runLength) * 4;
      if (converted) {
        target.set(k!.memory.subarray(OUTPUT + (i - first) * 4, OUTPUT + (i - first + take) * 4), at);
      } else {
        for (let j = 0; j < take; j++) view.setUint32(at + j * 4, ieeeToIbmBits(bits[i + j]!), le);
      }
      i += take;
    }
  }
}
