/**
 * Every readable file of the corpus, imported: samples, raw headers and header columns checked
 * against the corpus oracle (expected.json), the file's own bytes and segyio. The corpus is the
 * shared one next to the repository, or the repository's fixtures (see test/segy/corpus-files.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSegy } from '../../src/import/index.js';
import { SegyFile, TRACE_HEADER_FIELDS } from '../../src/segy/index.js';
import { Dataset, datasetChecksum, validateDataset } from '../../src/storage/index.js';
import { CORPUS_ROOT, type Expectation, loadExpectations } from '../segy/corpus-files.js';

const SEGYIO_PYTHON = '/usr/bin/python3';

/**
 * expected.json holds segyio's decode of this file's un-normalised IBM floats; seisproc decodes
 * them exactly unless asked for segyio's values (`ibm: 'segyio'`), which the import passes on.
 */
const UNNORMALISED_IBM = 'obspy/00001034.sgy_first_trace';

const expected = loadExpectations();
const readable = expected.files.filter((f) => f.expect === 'read');

let workRoot: string;
beforeAll(async () => {
  workRoot = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-corpus-'));
});
afterAll(async () => {
  await fs.rm(workRoot, { recursive: true, force: true });
});

function outputFor(file: Expectation): string {
  return path.join(workRoot, `${file.path.replace(/[^\w.-]+/g, '_')}.seis`);
}

/** The raw trace header bytes of every trace, read straight from the file. */
async function rawHeadersOf(filePath: string, kind: 'segy' | 'su'): Promise<Uint8Array> {
  const segy = await SegyFile.open(filePath, { kind });
  const bytes = await fs.readFile(filePath);
  const out = new Uint8Array(segy.traceCount * segy.traceHeaderSize);
  for (let i = 0; i < segy.traceCount; i++) {
    const at = segy.dataOffset + i * segy.traceSize;
    out.set(bytes.subarray(at, at + segy.traceHeaderSize), i * segy.traceHeaderSize);
  }
  await segy.close();
  return out;
}

describe('import of the corpus', () => {
  it.each(readable.map((f) => [f.path, f] as const))('%s', async (_name, file) => {
    const input = path.join(CORPUS_ROOT, file.path);
    const output = outputFor(file);
    const result = await importSegy(input, output, {
      workers: 2,
      kind: file.kind,
      ...(file.path === UNNORMALISED_IBM ? { ibm: 'segyio' as const } : {}),
    });
    expect(result.traceCount).toBe(file.n_traces);
    expect(result.sampleCount).toBe(file.n_samples);

    const dataset = await Dataset.open(output);
    expect(await datasetChecksum(dataset)).toBe(file.samples_sha256_f32le);
    expect(await dataset.readRawHeaders(0, dataset.traceCount)).toEqual(await rawHeadersOf(input, file.kind));
    expect(await validateDataset(output)).toMatchObject({ ok: true });

    if (file.trace_headers) {
      const columns = await dataset.headers();
      for (const [which, row] of [
        ['first', 0],
        ['last', dataset.traceCount - 1],
      ] as const) {
        for (const [name, value] of Object.entries(file.trace_headers[which])) {
          const byte = expected.header_positions[name]!.byte;
          const field = TRACE_HEADER_FIELDS.find((f) => f.byte === byte)!;
          expect({ field: field.key, which, value: Number(columns[field.key]![row]) }).toEqual({
            field: field.key,
            which,
            value,
          });
        }
      }
    }
    await dataset.close();
  });
});

/** Files whose every trace header segyio reads (standard layout, both byte orders, SU). */
const SEGYIO_FILES = [
  { path: 'segyio/small.sgy', endian: 'big', su: false },
  { path: 'segyio/f3.sgy', endian: 'big', su: false },
  { path: 'segyio/f3-lsb.sgy', endian: 'little', su: false },
  { path: 'segyio/tutorials/viking_small.segy', endian: 'big', su: false },
  { path: 'segyio/small-lsb.su', endian: 'little', su: true },
  { path: 'segyio/small.su', endian: 'big', su: true },
  { path: 'segyio/delay-scalar.sgy', endian: 'big', su: false },
].filter((spec) => existsSync(path.join(CORPUS_ROOT, spec.path)));

/**
 * segyio 1.8.3 reads bytes 219–222 as one int32 ("SourceEnergyDirectionMantissa"); the SEG-Y
 * standard (and seisproc) has two int16 fields there.
 */
const SEGYIO_LAYOUT_DIFFERS = new Set([219]);

function segyioHeaders(): Record<string, Array<Record<string, number>>> | undefined {
  const script = `
import json, sys, segyio
out = {}
for spec in json.loads(sys.argv[1]):
    path = ${JSON.stringify(CORPUS_ROOT)} + '/' + spec['path']
    opener = segyio.su.open if spec['su'] else segyio.open
    with opener(path, ignore_geometry=True, endian=spec['endian']) as f:
        out[spec['path']] = [{str(int(k)): v for k, v in h.items()} for h in f.header]
print(json.dumps(out))
`;
  const run = spawnSync(SEGYIO_PYTHON, ['-c', script, JSON.stringify(SEGYIO_FILES)], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (run.status !== 0) {
    if (process.env.CI === 'true') throw new Error(`segyio is required in CI: ${run.stderr || run.error}`);
    return undefined;
  }
  return JSON.parse(run.stdout);
}

describe('header columns against segyio', () => {
  it('equal what segyio reads for every trace and every field', async () => {
    const reference = segyioHeaders();
    if (!reference) return;
    for (const spec of SEGYIO_FILES) {
      const output = path.join(workRoot, `segyio-${spec.path.replace(/[^\w.-]+/g, '_')}.seis`);
      await importSegy(path.join(CORPUS_ROOT, spec.path), output);
      const dataset = await Dataset.open(output);
      const columns = await dataset.headers();
      const traces = reference[spec.path]!;
      expect(dataset.traceCount).toBe(traces.length);
      let compared = 0;
      for (const field of TRACE_HEADER_FIELDS) {
        if (SEGYIO_LAYOUT_DIFFERS.has(field.byte) || traces[0]![String(field.byte)] === undefined) continue;
        const ours = Array.from(columns[field.key]!, Number);
        const theirs = traces.map((t) => t[String(field.byte)]!);
        expect({ file: spec.path, field: field.key, values: ours }).toEqual({
          file: spec.path,
          field: field.key,
          values: theirs,
        });
        compared++;
      }
      expect(compared).toBeGreaterThan(80);
      await dataset.close();
    }
  });
});
