/**
 * Files written by SegyWriter in every format and both byte orders are read back identically by
 * seisproc and by an independent reader: segyio (python3-segyio) for the formats it reads, numpy
 * for the rest (see segyio-read.py). Runs `/usr/bin/python3` (SEISPROC_PYTHON overrides).
 *
 * In CI (process.env.CI set) a missing segyio fails the test; elsewhere the test is skipped with
 * a message.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Endianness,
  encodeTraceHeaders,
  type HeaderColumn,
  SAMPLE_FORMAT_CODES,
  type SampleFormatCode,
  SegyFile,
  SegyWriter,
  type SegyWriterSpec,
} from '../../src/segy/index.js';

const PYTHON = process.env.SEISPROC_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'segyio-read.py');
const probe = spawnSync(PYTHON, ['-c', 'import segyio, numpy; print(segyio.__version__)'], {
  encoding: 'utf8',
});
const segyioVersion = probe.status === 0 ? probe.stdout.trim() : undefined;
const required = Boolean(process.env.CI);

if (!segyioVersion && !required) {
  console.warn(
    `segyio cross-check skipped: ${PYTHON} cannot import segyio and numpy (apt-get install python3-segyio)`,
  );
}

const TRACES = 11;
const SAMPLES = 37;
const INTERVAL = 2000;

/** Sample values exactly representable in `format`: signed formats get negatives, int8 small ones. */
function samplesFor(format: SampleFormatCode): Float32Array {
  const unsigned = [10, 11, 12, 15, 16].includes(format);
  const out = new Float32Array(TRACES * SAMPLES);
  for (let i = 0; i < out.length; i++) {
    const v = ((i * 37) % 251) - (unsigned ? 0 : 125);
    out[i] = format === 8 || format === 16 ? (v % 120) + 0 : v * ([1, 5, 6].includes(format) ? 1.5 : 3);
  }
  return out;
}

const headerValues = {
  FieldRecord: Array.from({ length: TRACES }, (_, t) => 1000 + Math.floor(t / 4)),
  CDP: Array.from({ length: TRACES }, (_, t) => 5000 + t),
  offset: Array.from({ length: TRACES }, (_, t) => -1200 + 100 * t),
  SourceGroupScalar: -100,
  SourceX: Array.from({ length: TRACES }, (_, t) => 45_000_000 + t * 2500),
  TRACE_SAMPLE_COUNT: SAMPLES,
  TRACE_SAMPLE_INTERVAL: INTERVAL,
  INLINE_3D: Array.from({ length: TRACES }, (_, t) => 200 + (t % 3)),
  CROSSLINE_3D: Array.from({ length: TRACES }, (_, t) => 700 + t),
};

interface Written {
  path: string;
  kind: 'segy' | 'su';
  endian: Endianness;
  format: SampleFormatCode;
  samples: Float32Array;
}

interface PythonRead {
  reader: 'segyio' | 'numpy';
  traceCount: number;
  sampleCount: number;
  samples: number[];
  headers: Array<Record<string, number>>;
  format?: number;
  interval?: number;
  text?: string;
}

let scratch: string;
const written: Written[] = [];
let readBack: PythonRead[] = [];

beforeAll(async () => {
  if (!segyioVersion) return;
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-segyio-'));
  const jobs: Array<[SegyWriterSpec, SampleFormatCode, Endianness]> = [];
  for (const format of SAMPLE_FORMAT_CODES) {
    for (const endianness of ['big', 'little'] as Endianness[]) {
      jobs.push([
        {
          sampleCount: SAMPLES,
          sampleInterval: INTERVAL,
          formatCode: format,
          endianness,
          traceCount: TRACES,
          textHeader: `C 1 seisproc cross-check format ${format} ${endianness}`,
        },
        format,
        endianness,
      ]);
    }
  }
  for (const endianness of ['big', 'little'] as Endianness[]) {
    jobs.push([
      {
        kind: 'su',
        sampleCount: SAMPLES,
        sampleInterval: INTERVAL,
        formatCode: 5,
        endianness,
        traceCount: TRACES,
      },
      5,
      endianness,
    ]);
  }
  for (const [spec, format, endianness] of jobs) {
    const kind = spec.kind ?? 'segy';
    const file = path.join(scratch, `f${format}-${endianness}.${kind === 'su' ? 'su' : 'sgy'}`);
    const samples = samplesFor(format);
    const writer = await SegyWriter.create(file, spec);
    // Write in two halves, from two writers, as parallel export does.
    const second = await SegyWriter.openForWrite(file, spec);
    const headers = encodeTraceHeaders(TRACES, headerValues, { endianness });
    const half = 6;
    await Promise.all([
      writer.writeTraces(0, samples.subarray(0, half * SAMPLES), headers.subarray(0, half * 240)),
      second.writeTraces(half, samples.subarray(half * SAMPLES), headers.subarray(half * 240)),
    ]);
    await Promise.all([writer.close(), second.close()]);
    written.push({ path: file, kind, endian: endianness, format, samples });
  }
  const request = path.join(scratch, 'request.json');
  await fs.writeFile(
    request,
    JSON.stringify(written.map(({ path: p, kind, endian }) => ({ path: p, kind, endian }))),
  );
  const run = spawnSync(PYTHON, [SCRIPT, request], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`segyio-read.py failed: ${run.stderr}`);
  readBack = JSON.parse(run.stdout) as PythonRead[];
});

afterAll(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

const numbers = (column: HeaderColumn) => Array.from(column as ArrayLike<number | bigint>, Number);

describe.skipIf(!segyioVersion && !required)(
  `cross-check with segyio ${segyioVersion ?? '(missing)'}`,
  () => {
    it('has python3 with segyio and numpy', () => {
      expect(
        segyioVersion,
        `${PYTHON} must import segyio and numpy (apt-get install python3-segyio)`,
      ).toBeDefined();
    });

    it('covers every writable format in both byte orders, and SU', () => {
      expect(written).toHaveLength(SAMPLE_FORMAT_CODES.length * 2 + 2);
      expect(readBack.filter((r) => r.reader === 'segyio').length).toBeGreaterThanOrEqual(12);
    });

    for (const format of SAMPLE_FORMAT_CODES) {
      for (const endian of ['big', 'little'] as Endianness[]) {
        for (const kind of format === 5 ? (['segy', 'su'] as const) : (['segy'] as const)) {
          it(`${kind} format ${format}, ${endian}-endian: seisproc and the independent reader agree`, async () => {
            const index = written.findIndex(
              (w) => w.format === format && w.endian === endian && w.kind === kind,
            );
            const w = written[index]!;
            const other = readBack[index]!;
            const file = await SegyFile.open(w.path);
            try {
              expect(file.kind).toBe(kind);
              expect(file.endianness).toBe(endian);
              expect(file.traceCount).toBe(TRACES);
              expect(other.traceCount).toBe(TRACES);
              expect(other.sampleCount).toBe(SAMPLES);
              const ours = await file.readTraces(0, TRACES);
              expect(ours).toEqual(w.samples);
              expect(Float32Array.from(other.samples)).toEqual(w.samples);
              const fields = Object.keys(headerValues);
              const columns = await file.readTraceHeaders(0, TRACES, fields);
              for (const field of fields) {
                expect(numbers(columns[field]!), field).toEqual(other.headers.map((h) => h[field]));
              }
              expect(other.headers.map((h) => h.CDP)).toEqual(headerValues.CDP);
              if (kind === 'segy') {
                expect(other.format).toBe(format);
                expect(other.interval).toBe(INTERVAL);
                expect(file.sampleInterval).toBe(INTERVAL);
                if (other.text !== undefined)
                  expect(other.text.slice(0, 80).trimEnd()).toBe(file.textHeader.split('\n')[0]!.trimEnd());
              }
            } finally {
              await file.close();
            }
          });
        }
      }
    }
  },
);
