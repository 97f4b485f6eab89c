/**
 * Fuzz test: thousands of mutated copies of the repository's corpus fixtures (truncations, random
 * bytes in the binary and trace headers, absurd counts, garbage tails), with a fixed seed. Every
 * outcome must be a correct read or a typed SeisprocError with the file's path, and a read must
 * never reach past the end of the file. The test's own timeout bounds the time.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import { SegyFile } from '../../src/segy/index.js';
import { FIXTURES_ROOT } from './corpus-files.js';
import { prng } from './random.js';

const BASES = [
  'segyio/small.sgy',
  'segyio/small.su',
  'segyio/f3.sgy',
  'segyio/trace-header-extension1.sgy',
  'obspy/00001034.sgy_first_trace',
  'segypy/shotgather.sgy',
];
const MUTATIONS_PER_BASE = 400;
const SEED = 0x5e15_0c0d;

/** What a correct read of the unmutated file gives. */
interface Reference {
  endianness: string;
  formatCode: number;
  sampleCount: number;
  traceSize: number;
  dataOffset: number;
  traceCount: number;
  bits: Uint32Array;
}

/** A mutated file and what the mutation leaves intact. */
interface Mutant {
  bytes: Uint8Array;
  kind: string;
  /** True when only trace header bytes changed, so samples must read back unchanged. */
  samplesIntact: boolean;
  ignoreTruncated: boolean;
}

const ABSURD = [0, 1, -1, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

function mutate(original: Uint8Array, su: boolean, ref: Reference, random: () => number): Mutant {
  const int = (n: number) => Math.floor(random() * n);
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  const le = ref.endianness === 'little';
  const ignoreTruncated = random() < 0.5;
  const headerStart = su ? 0 : 3200;
  const headerEnd = su ? 240 : 3600;
  switch (int(6)) {
    case 0: {
      return {
        bytes: bytes.subarray(0, int(original.length)),
        kind: 'truncate',
        samplesIntact: false,
        ignoreTruncated,
      };
    }
    case 1: {
      for (let n = 1 + int(6); n > 0; n--) bytes[headerStart + int(headerEnd - headerStart)] = int(256);
      return { bytes, kind: 'file header bytes', samplesIntact: false, ignoreTruncated };
    }
    case 2: {
      // Trace header bytes of any trace; trace 0's sample count/interval (115-118) steer the layout.
      let layoutTouched = false;
      for (let n = 1 + int(6); n > 0; n--) {
        const trace = int(ref.traceCount);
        const byte = int(240);
        if (trace === 0 && byte >= 114 && byte < 118) layoutTouched = true;
        bytes[ref.dataOffset + trace * ref.traceSize + byte] = int(256);
      }
      return { bytes, kind: 'trace header bytes', samplesIntact: !layoutTouched, ignoreTruncated };
    }
    case 3: {
      const value = ABSURD[int(ABSURD.length)]!;
      const fields = su
        ? [114, 116]
        : [3220, 3268, 3504, 3506, 3216, 3224, 3502, 3512, 3296, ref.dataOffset + 114];
      const at = fields[int(fields.length)]!;
      if (at === 3268 || at === 3296) view.setUint32(at, value >>> 0, le);
      else if (at === 3512) view.setBigUint64(at, BigInt(value >>> 0) << 32n, le);
      else view.setUint16(at, value & 0xffff, le);
      return { bytes, kind: `absurd value at ${at}`, samplesIntact: false, ignoreTruncated };
    }
    case 4: {
      const tail = new Uint8Array(1 + int(4000)).map(() => int(256));
      const out = new Uint8Array(original.length + tail.length);
      out.set(original);
      out.set(tail, original.length);
      return { bytes: out, kind: 'garbage tail', samplesIntact: false, ignoreTruncated };
    }
    default: {
      const span = Math.min(original.length, ref.dataOffset + 2 * ref.traceSize);
      for (let n = 1 + int(10); n > 0; n--) bytes[int(span)] = int(256);
      const cut = random() < 0.3 ? int(original.length) : original.length;
      return { bytes: bytes.subarray(0, cut), kind: 'random bytes', samplesIntact: false, ignoreTruncated };
    }
  }
}

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-fuzz-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function reference(file: string): Promise<Reference> {
  const opened = await SegyFile.open(file);
  try {
    const samples = await opened.readTraces(0, opened.traceCount);
    return {
      endianness: opened.endianness,
      formatCode: opened.formatCode,
      sampleCount: opened.sampleCount,
      traceSize: opened.traceSize,
      dataOffset: opened.dataOffset,
      traceCount: opened.traceCount,
      bits: new Uint32Array(samples.buffer),
    };
  } finally {
    await opened.close();
  }
}

type Layout = Omit<Reference, 'bits'>;

/** Open and read everything; the error, if any, is returned rather than thrown. */
async function attempt(
  file: string,
  ignoreTruncated: boolean,
): Promise<{ error: unknown } | { layout: Layout; bits: Uint32Array; headerRows: number; chunked: number }> {
  let opened: SegyFile | undefined;
  try {
    opened = await SegyFile.open(file, { ignoreTruncated });
    const samples = await opened.readTraces(0, opened.traceCount);
    const headers = await opened.readTraceHeaders(0, opened.traceCount);
    let chunked = 0;
    for await (const chunk of opened.chunks({ chunkTraces: 64 })) chunked += chunk.end - chunk.start;
    const { endianness, formatCode, sampleCount, traceSize, dataOffset, traceCount } = opened;
    return {
      layout: { endianness, formatCode, sampleCount, traceSize, dataOffset, traceCount },
      bits: new Uint32Array(samples.buffer),
      headerRows: headers.cdp!.length,
      chunked,
    };
  } catch (error) {
    return { error };
  } finally {
    await opened?.close();
  }
}

describe('fuzzed corpus files', () => {
  for (const [baseIndex, base] of BASES.entries()) {
    it(`every mutation of ${base} reads correctly or fails with a typed error`, async () => {
      const source = path.join(FIXTURES_ROOT, base);
      const original = new Uint8Array(await fs.readFile(source));
      const su = base.endsWith('.su');
      const ref = await reference(source);
      const random = prng(SEED + baseIndex);
      const outcomes = new Map<string, number>();
      const target = path.join(scratch, `mutant-${baseIndex}${su ? '.su' : '.sgy'}`);
      for (let i = 0; i < MUTATIONS_PER_BASE; i++) {
        const mutant = mutate(original, su, ref, random);
        await fs.writeFile(target, mutant.bytes);
        const label = `${base} mutation ${i} (${mutant.kind})`;
        const outcome = await attempt(target, mutant.ignoreTruncated);
        if ('error' in outcome) {
          const { error } = outcome;
          if (!isSeisprocError(error))
            throw new Error(`${label}: untyped failure ${String(error)}`, { cause: error });
          expect(error.code, label).toMatch(/^(SEGY_[A-Z_]+|IO_ERROR)$/);
          expect(error.context.path, label).toBe(target);
          outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
          continue;
        }
        outcomes.set('read', (outcomes.get('read') ?? 0) + 1);
        const { layout, bits, headerRows, chunked } = outcome;
        expect(layout.traceCount, label).toBeGreaterThan(0);
        expect(layout.dataOffset + layout.traceCount * layout.traceSize, label).toBeLessThanOrEqual(
          mutant.bytes.length,
        );
        expect(bits.length, label).toBe(layout.traceCount * layout.sampleCount);
        expect(headerRows, label).toBe(layout.traceCount);
        expect(chunked, label).toBe(layout.traceCount);
        const sameLayout = (
          ['endianness', 'formatCode', 'sampleCount', 'traceSize', 'dataOffset'] as const
        ).every((key) => layout[key] === ref[key]);
        if (mutant.samplesIntact) expect(sameLayout, label).toBe(true);
        if (
          sameLayout &&
          (mutant.samplesIntact || mutant.kind === 'truncate' || mutant.kind === 'garbage tail')
        ) {
          // The original traces still in the file read back as the original samples.
          const n = Math.min(bits.length, ref.bits.length);
          expect(
            Buffer.from(bits.buffer, 0, n * 4).equals(Buffer.from(ref.bits.buffer, 0, n * 4)),
            label,
          ).toBe(true);
        }
      }
      // The mutations exercise both outcomes.
      expect(outcomes.get('read') ?? 0).toBeGreaterThan(MUTATIONS_PER_BASE / 10);
      expect([...outcomes.keys()].filter((k) => k !== 'read').length).toBeGreaterThan(1);
    });
  }
});
