/** `seisproc gather` and `seisproc plot`, run as the built CLI. */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_PATH, runCli as seisproc } from '../helpers/built.js';
import {
  type SyntheticSpec,
  scratchDirectory,
  syntheticHeaders,
  writeSyntheticDataset,
} from '../helpers/synthetic-dataset.js';

const SHOTS = fileURLToPath(new URL('../fixtures/segypy/shotgather.sgy', import.meta.url));
const SPEC: SyntheticSpec = {
  shots: 5,
  channels: 6,
  sampleCount: 40,
  // A dipping event: each trace peaks at sample 10 + 4 × channel.
  sampleValue: (trace, sample) => Math.exp(-(((sample - 10 - 4 * (trace % 6)) / 2) ** 2)) - 0.2,
};

let scratch: string;
let dataset: string;

beforeAll(async () => {
  scratch = await scratchDirectory('navigator-cli');
  dataset = path.join(scratch, 'line.seis');
  await writeSyntheticDataset(dataset, SPEC);
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function readPng(file: string): Promise<PNG> {
  return PNG.sync.read(await fs.readFile(file));
}

describe.runIf(existsSync(CLI_PATH))('seisproc gather / plot', () => {
  it('prints a gather by key as JSON, sorted, with per-trace statistics', async () => {
    const run = await seisproc(
      'gather',
      dataset,
      '--key',
      'cdp=104',
      '--sort',
      '-offset',
      '--format',
      'json',
    );
    expect(run.stderr).toBe('');
    const json = JSON.parse(run.stdout);
    const traces = Array.from({ length: 30 }, (_, t) => t).filter(
      (t) => syntheticHeaders(SPEC, t).cdp === 104,
    );
    expect(json).toMatchObject({ key: ['cdp'], values: [104], traceCount: traces.length, sampleCount: 40 });
    const offsets = json.traces.map((t: { headers: { offset: number } }) => t.headers.offset);
    expect(offsets).toEqual([...offsets].sort((a: number, b: number) => b - a));
    expect(json.traces[0].max).toBeCloseTo(0.8, 5);
    expect(json.traces[0].min).toBeCloseTo(-0.2, 5);
    expect(json.traces[0].samples).toBeUndefined();
  });

  it('prints a gather by index as a table', async () => {
    const run = await seisproc(
      'gather',
      dataset,
      '--index',
      '1',
      '--by',
      'fieldRecord',
      '--headers',
      'traceNumber',
    );
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'gather fieldRecord=1001 (1 of 5 by fieldRecord): 6 traces × 40 samples at 2 ms, 1 run(s)',
    );
    expect(lines[1]!.trim().split(/\s+/)).toEqual(['trace', 'traceNumber', 'min', 'max', 'rms']);
    expect(lines.slice(2).map((line) => line.trim().split(/\s+/).slice(0, 2))).toEqual(
      Array.from({ length: 6 }, (_, c) => [String(6 + c), String(c + 1)]),
    );
  });

  it('fails with a code on bad selections', async () => {
    const both = await seisproc('gather', dataset, '--index', '1', '--key', 'cdp=104');
    expect([both.code, both.stderr.split(':')[0]]).toEqual([1, 'INVALID_ARGUMENT']);
    const missing = await seisproc('gather', dataset, '--key', 'cdp=9999');
    expect([missing.code, missing.stderr.split(':')[0]]).toEqual([1, 'GATHER_NOT_FOUND']);
    const noDataset = await seisproc('gather', path.join(scratch, 'none.seis'), '--index', '0');
    expect(noDataset.stderr.split(':')[0]).toBe('DATASET_NOT_FOUND');
    const noChoice = await seisproc('plot', dataset, '--out', path.join(scratch, 'x.png'));
    expect([noChoice.code, noChoice.stderr.split(':')[0]]).toEqual([1, 'INVALID_ARGUMENT']);
    expect(existsSync(path.join(scratch, 'x.png'))).toBe(false);
  });

  it('plots a dataset gather as variable density with wiggles', async () => {
    const out = path.join(scratch, 'shot.png');
    const run = await seisproc('plot', dataset, '--gather', '2', '--wiggle', '--out', out);
    expect(run.code).toBe(0);
    const png = await readPng(out);
    expect(run.stdout).toBe(`${out}: ${png.width} × ${png.height} px, 6 traces × 40 samples\n`);
    const colours = new Set<string>();
    for (let i = 0; i < png.data.length; i += 4)
      colours.add(`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`);
    // White background and labels (black), positive amplitudes red, the negative floor blue.
    expect(colours.has('255,255,255')).toBe(true);
    expect(colours.has('0,0,0')).toBe(true);
    expect([...colours].some((c) => /^(1[3-9]\d|2\d\d),0,0$/.test(c))).toBe(true);
    expect([...colours].some((c) => /^\d+,\d+,255$/.test(c) && c !== '255,255,255')).toBe(true);
  });

  it('plots trace ranges and key gathers of a SEG-Y file', async () => {
    const range = path.join(scratch, 'range.png');
    expect(
      (await seisproc('plot', SHOTS, '--range', '0:31', '--colormap', 'gray', '--out', range)).code,
    ).toBe(0);
    const png = await readPng(range);
    expect(png.width).toBeGreaterThan(31);
    const byKey = await seisproc(
      'plot',
      SHOTS,
      '--key',
      'traceSequenceFile=5',
      '--out',
      path.join(scratch, 'k.png'),
    );
    expect(byKey.stdout).toContain('1 traces × 1218 samples');
    const byGather = await seisproc(
      'plot',
      SHOTS,
      '--gather',
      '3',
      '--by',
      'traceSequenceFile',
      '--out',
      path.join(scratch, 'g.png'),
    );
    expect(byGather.stdout).toContain('1 traces × 1218 samples');
    const absent = await seisproc(
      'plot',
      SHOTS,
      '--gather',
      '99',
      '--by',
      'traceSequenceFile',
      '--out',
      path.join(scratch, 'n.png'),
    );
    expect(absent.stderr.split(':')[0]).toBe('GATHER_NOT_FOUND');
  });
});
