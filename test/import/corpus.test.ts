/**
 * Every readable file of the shared corpus, imported: samples, raw headers and header columns
 * checked against the corpus oracle (expected.json), the file's own bytes and segyio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSegy } from '../../src/import/index.js';
import { SegyFile, TRACE_HEADER_FIELDS } from '../../src/segy/index.js';
import { Dataset, datasetChecksum, validateDataset } from '../../src/storage/index.js';

const CORPUS = '/work/shared/segy-corpus';
const SEGYIO_PYTHON = '/usr/bin/python3';

interface ExpectedFile {
  path: string;
  kind: 'segy' | 'su';
  expect: 'read' | 'reject';
  n_traces: number;
  n_samples: number;
  samples_sha256_f32le: string;
  trace_headers?: { first: Record<string, number>; last: Record<string, number> };
}
interface Expected {
  header_positions: Record<string, { byte: number; bytes: number }>;
  files: ExpectedFile[];
}

const expected: Expected | undefined = existsSync(`${CORPUS}/expected.json`)
  ? JSON.parse(readFileSync(`${CORPUS}/expected.json`, 'utf8'))
  : undefined;
const readable = expected?.files.filter((f) => f.expect === 'read') ?? [];

let workRoot: string;
beforeAll(async () => {
  workRoot = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-corpus-'));
});
afterAll(async () => {
  await fs.rm(workRoot, { recursive: true, force: true });
});

function outputFor(file: ExpectedFile): string {
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

describe.runIf(expected)('import of the corpus', () => {
  it.each(readable.map((f) => [f.path, f] as const))('%s', async (_name, file) => {
    const input = path.join(CORPUS, file.path);
    const output = outputFor(file);
    const result = await importSegy(input, output, { workers: 2, kind: file.kind });
    expect(result.traceCount).toBe(file.n_traces);
    expect(result.sampleCount).toBe(file.n_samples);

    const dataset = await Dataset.open(output);
    expect(await datasetChecksum(dataset)).toBe(file.samples_sha256_f32le);
    expect(await dataset.readRawHeaders(0, dataset.traceCount)).toEqual(await rawHeadersOf(input, file.kind));
    expect(await validateDataset(output)).toMatchObject({ ok: true });

    if (file.trace_headers) {
      const columns = await dataset.readHeaderColumns();
      for (const [which, row] of [
        ['first', 0],
        ['last', file.n_traces - 1],
      ] as const) {
        for (const [name, value] of Object.entries(file.trace_headers[which])) {
          const byte = expected!.header_positions[name]!.byte;
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
  { path: 'segyio/delay-scalar.sgy', endian: 'big', su: false },
];

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
    path = ${JSON.stringify(CORPUS)} + '/' + spec['path']
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

describe.runIf(expected)('header columns against segyio', () => {
  it('equal what segyio reads for every trace and every field', async () => {
    const reference = segyioHeaders();
    if (!reference) return;
    for (const spec of SEGYIO_FILES) {
      const output = path.join(workRoot, `segyio-${spec.path.replace(/[^\w.-]+/g, '_')}.seis`);
      await importSegy(path.join(CORPUS, spec.path), output);
      const dataset = await Dataset.open(output);
      const columns = await dataset.readHeaderColumns();
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
