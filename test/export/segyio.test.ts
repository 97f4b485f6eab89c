/**
 * segyio (Debian's python3-segyio 1.8.3, an independent reader) reads what seisproc exports: a
 * processed dataset (every sample × 2.5, made with the storage API from an imported file) written
 * with the original file's headers has the scaled values and exactly the original's textual,
 * binary and trace headers. In CI a missing segyio fails the test instead of skipping it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEGYExporter } from '../../src/export/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { CORPUS_ROOT } from '../segy/corpus-files.js';
import { importFile, scaledCopy, writeSyntheticSegy } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const DUMP = fileURLToPath(new URL('./segyio_dump.py', import.meta.url));
const CORPUS = CORPUS_ROOT;
const VIKING = `${CORPUS}/segyio/tutorials/viking_small.segy`;
const FACTOR = 2.5;

const segyioAvailable = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import segyio']).status === 0;

interface SegyioDump {
  format: number;
  samples: number[];
  text: string;
  bin: Record<string, number>;
  /** Values of every trace header field, by field, trace after trace. */
  headers: Record<string, number[]>;
  /** Every sample as base64 of little-endian float32, trace after trace. */
  traces: string;
}

function segyioRead(...files: string[]): SegyioDump[] {
  const run = spawnSync(PYTHON, [DUMP, ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`segyio failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function samplesOf(dump: SegyioDump): Float32Array {
  const bytes = Buffer.from(dump.traces, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

let root: string;
beforeAll(async () => {
  root = await scratchDirectory('export-segyio');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('segyio reads exported files', () => {
  it('has segyio available whenever CI is set', () => {
    if (process.env.CI) expect(segyioAvailable, `${PYTHON} with segyio is required in CI`).toBe(true);
  });

  const sources = [
    { name: 'corpus small.sgy (IBM, big-endian)', file: () => Promise.resolve(`${CORPUS}/segyio/small.sgy`) },
    // Only in the shared corpus (CI always has it), not in the repository fixtures.
    ...(existsSync(VIKING)
      ? [{ name: 'corpus viking_small.segy (480 prestack traces)', file: () => Promise.resolve(VIKING) }]
      : []),
    {
      name: 'generated IEEE little-endian file',
      file: async () => {
        const file = path.join(root, 'ieee-le.sgy');
        await writeSyntheticSegy(file, {
          traceCount: 300,
          sampleCount: 40,
          formatCode: 5,
          endianness: 'little',
          sample: (t, s) => Math.sin(t + s / 7) * 1e3,
        });
        return file;
      },
    },
  ];

  it.runIf(segyioAvailable || process.env.CI).each(sources)(
    '$name × 2.5, with the original headers',
    async ({ name, file }) => {
      const original = await file();
      const dir = path.join(root, name.replace(/\W+/g, '-'));
      await fs.mkdir(dir);
      const imported = await importFile(original, path.join(dir, 'imported.seis'));
      const processed = await scaledCopy(imported, path.join(dir, 'processed.seis'), FACTOR);
      const output = path.join(dir, 'processed.sgy');
      await new SEGYExporter().exportFromZarrChunked({
        outputPath: output,
        originalSegyPath: original,
        dataset: processed,
        chunkTraces: 7,
      });

      const endian = imported.metadata.source_format.endianness === 'little' ? '@little' : '';
      const [before, after] = segyioRead(original + endian, output + endian);
      expect(after!.format).toBe(before!.format);
      expect(after!.samples).toEqual(before!.samples);
      expect(after!.text).toBe(before!.text);
      expect(after!.bin).toEqual(before!.bin);
      expect(after!.headers).toEqual(before!.headers);
      const [was, now] = [samplesOf(before!), samplesOf(after!)];
      expect(now.length).toBe(was.length);
      // IBM floats carry 21 to 24 significant bits; IEEE floats are exact for × 2.5 of a float32.
      const tolerance = before!.format === 1 ? 2 ** -20 : 2 ** -23;
      const outside: string[] = [];
      now.forEach((value, i) => {
        const want = Math.fround(was[i]! * FACTOR);
        if (Math.abs(value - want) > Math.abs(want) * tolerance)
          outside.push(`sample ${i}: ${value} ≠ ${want}`);
      });
      expect(outside.slice(0, 5)).toEqual([]);
    },
  );
});
