/**
 * Round trips: import then export with defaults gives the source file back byte for byte, for
 * every readable file of the shared corpus but one and for generated files in every writable
 * sample format and both byte orders. For the one file that cannot come back identical, the
 * reason is named and the test checks that exactly the samples the reason predicts differ, and
 * nothing else.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/index.js';
import { type Endianness, SAMPLE_FORMAT_CODES, SegyFile, type SegyKind } from '../../src/segy/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { CORPUS_ROOT } from '../segy/corpus-files.js';
import { differingBytes, importFile, writeSyntheticSegy } from './helpers.js';

const CORPUS = CORPUS_ROOT;

interface ExpectedFile {
  path: string;
  kind: SegyKind;
  expect: 'read' | 'reject';
}
const expected: { files: ExpectedFile[] } | undefined = existsSync(`${CORPUS}/expected.json`)
  ? JSON.parse(readFileSync(`${CORPUS}/expected.json`, 'utf8'))
  : undefined;
const readable = expected?.files.filter((f) => f.expect === 'read') ?? [];

/**
 * Files that cannot come back byte for byte, and why. Datasets store the samples of formats
 * float32 cannot hold (32- and 64-bit integers, float64) in their own type, so what is left is an
 * IBM file with several encodings of one value. The reason comes with a predicate on the raw
 * sample bytes: the samples it selects must be exactly the samples that differ after the round trip.
 */
const LOSSY: Record<string, string> = {
  'obspy/00001034.sgy_first_trace': 'non-normalised IBM floats (leading hex digit 0) come back normalised',
};

/**
 * True when an IBM float sample does not come back as the same word, decided from its bytes alone
 * (independently of the library's codecs): a non-normalised word, a zero with an exponent, or a
 * value float32 cannot hold.
 */
function notRepresentable(view: DataView, at: number, formatCode: number, little: boolean): boolean {
  if (formatCode !== 1) return false;
  const word = view.getUint32(at, little);
  const fraction = word & 0x00ffffff;
  if (fraction === 0) return (word & 0x7f000000) !== 0; // a zero with an exponent comes back as plain zero
  if ((fraction & 0x00f00000) === 0) return true; // non-normalised
  const value = fraction * 2 ** (4 * (((word >>> 24) & 0x7f) - 64) - 24);
  return Math.fround(value) !== value;
}

let root: string;
beforeAll(async () => {
  root = await scratchDirectory('export-roundtrip');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function roundTrip(
  file: string,
  kind: SegyKind,
  name: string,
): Promise<{ source: Buffer; back: Buffer }> {
  const dir = path.join(root, name.replace(/[^\w.-]+/g, '_'));
  await fs.mkdir(dir);
  const dataset = await importFile(file, path.join(dir, 'd.seis'), kind);
  const out = path.join(dir, kind === 'su' ? 'back.su' : 'back.sgy');
  await exportDataset(dataset, out);
  return { source: await fs.readFile(file), back: await fs.readFile(out) };
}

describe.runIf(expected)('corpus round trip: import, then export with defaults', () => {
  it.each(readable.map((f) => [f.path, f] as const))('%s', async (name, entry) => {
    const file = path.join(CORPUS, entry.path);
    const { source, back } = await roundTrip(file, entry.kind, name);
    const reason = LOSSY[name];
    if (!reason) {
      expect(back.length).toBe(source.length);
      expect(differingBytes(source, back)).toEqual([]);
      return;
    }
    // Named loss: same size, headers identical, and the differing samples are exactly those the
    // reason predicts.
    expect(back.length).toBe(source.length);
    const segy = await SegyFile.open(file, { kind: entry.kind });
    const { dataOffset, traceSize, traceHeaderSize, bytesPerSample, formatCode, traceCount, endianness } =
      segy;
    await segy.close();
    const differing = new Set<number>();
    for (const offset of differingBytes(source, back)) {
      const inTrace = (offset - dataOffset) % traceSize;
      expect(offset >= dataOffset && inTrace >= traceHeaderSize, `byte ${offset} is not a sample byte`).toBe(
        true,
      );
      differing.add(offset - ((inTrace - traceHeaderSize) % bytesPerSample));
    }
    const predicted = new Set<number>();
    const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
    for (let t = 0; t < traceCount; t++) {
      for (
        let at = dataOffset + t * traceSize + traceHeaderSize;
        at < dataOffset + (t + 1) * traceSize;
        at += bytesPerSample
      ) {
        if (notRepresentable(view, at, formatCode, endianness === 'little')) predicted.add(at);
      }
    }
    expect(predicted.size, reason).toBeGreaterThan(0);
    expect([...differing].sort((a, b) => a - b)).toEqual([...predicted].sort((a, b) => a - b));
  });
});

describe('generated files: every writable sample format, both byte orders', () => {
  const cases = SAMPLE_FORMAT_CODES.flatMap((formatCode) =>
    (['big', 'little'] as Endianness[]).map((endianness) => ({ formatCode, endianness })),
  );

  it.each(cases)(
    'format $formatCode, $endianness-endian: identical after a round trip, and after a trip through the other byte order',
    async ({ formatCode, endianness }) => {
      const name = `gen-${formatCode}-${endianness}`;
      const file = path.join(root, `${name}.sgy`);
      await writeSyntheticSegy(file, { traceCount: 37, sampleCount: 23, formatCode, endianness });
      const { source, back } = await roundTrip(file, 'segy', name);
      expect(differingBytes(source, back)).toEqual([]);
      expect(back.length).toBe(source.length);

      // Convert to the other byte order, import that, convert back: every header field and sample
      // has gone through both conversions and must land on the original bytes.
      const other: Endianness = endianness === 'big' ? 'little' : 'big';
      const dir = path.join(root, `${name}-swap`);
      await fs.mkdir(dir);
      const swapped = path.join(dir, 'swapped.sgy');
      await exportDataset(path.join(root, name, 'd.seis'), swapped, { endianness: other });
      const segy = await SegyFile.open(swapped);
      expect(segy.endianness).toBe(other);
      expect(segy.formatCode).toBe(formatCode);
      await segy.close();
      const reimported = await importFile(swapped, path.join(dir, 'swapped.seis'));
      const again = path.join(dir, 'again.sgy');
      await exportDataset(reimported, again, { endianness });
      expect(differingBytes(source, await fs.readFile(again))).toEqual([]);
    },
  );

  it.each(['big', 'little'] as Endianness[])(
    'Seismic Unix, %s-endian: identical after a round trip',
    async (endianness) => {
      const name = `gen-su-${endianness}`;
      const file = path.join(root, `${name}.su`);
      await writeSyntheticSegy(file, {
        kind: 'su',
        traceCount: 29,
        sampleCount: 31,
        formatCode: 5,
        endianness,
      });
      const { source, back } = await roundTrip(file, 'su', name);
      expect(back.length).toBe(source.length);
      expect(differingBytes(source, back)).toEqual([]);
    },
  );
});
