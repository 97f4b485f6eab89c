/** `seisproc export`: options, output and typed errors, run as a real child process. */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegyFile } from '../../src/segy/index.js';
import type { Dataset } from '../../src/storage/index.js';
import { interrupt, somethingIn } from '../cli/interrupt.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { importFile, LONG_RUNNING_SEGY, scaledCopy, writeSyntheticSegy } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const EXIT_CHILD = fileURLToPath(new URL('./exit-child.ts', import.meta.url));

function seisproc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let root: string;
let source: string;
let dataset: Dataset;

beforeAll(async () => {
  root = await scratchDirectory('export-cli');
  source = path.join(root, 'line.sgy');
  await writeSyntheticSegy(source, { traceCount: 120, sampleCount: 40, formatCode: 1, endianness: 'big' });
  dataset = await importFile(source, path.join(root, 'line.seis'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('seisproc export', () => {
  it('writes the source back byte for byte and says so', async () => {
    const out = path.join(root, 'back.sgy');
    const run = seisproc('export', dataset.path, out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^exported 120 traces to .*back\.sgy as segy, format 1, big-endian in [\d.]+ s/,
    );
    expect(await fs.readFile(out)).toEqual(await fs.readFile(source));
  });

  it('converts format and byte order, selects a range and prints JSON', async () => {
    const out = path.join(root, 'ieee-le.sgy');
    const run = seisproc(
      'export',
      dataset.path,
      out,
      '--format-code',
      '5',
      '--endian',
      'little',
      '--range',
      '10:-10',
      '--json',
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      format: 'segy',
      formatCode: 5,
      endianness: 'little',
      traceCount: 100,
    });
    const segy = await SegyFile.open(out);
    expect(segy).toMatchObject({ formatCode: 5, endianness: 'little', traceCount: 100 });
    expect(await segy.readTraces(0, 100)).toEqual(await dataset.readTraces(10, 110));
    await segy.close();
  });

  it('writes Seismic Unix with --su and gathers with --gathers', async () => {
    const out = path.join(root, 'two.su');
    const run = seisproc(
      'export',
      dataset.path,
      out,
      '--su',
      '--gathers',
      'fieldRecord=102,100',
      '--workers',
      '1',
    );
    expect(run.status).toBe(0);
    const su = await SegyFile.open(out);
    expect(su).toMatchObject({ kind: 'su', traceCount: 20 });
    const records = await su.readTraceHeaders(0, 20, ['fieldRecord']);
    expect(Array.from(records.fieldRecord as Int32Array)).toEqual([
      ...Array(10).fill(102),
      ...Array(10).fill(100),
    ]);
    await su.close();
  });

  it('takes the headers from --original', async () => {
    const processed = await scaledCopy(dataset, path.join(root, 'gain.seis'), -1);
    const out = path.join(root, 'gain.sgy');
    const run = seisproc('export', processed.path, out, '--original', source);
    expect(run.status).toBe(0);
    const segy = await SegyFile.open(out);
    expect(await segy.readTraces(0, 120)).toEqual((await dataset.readTraces(0, 120)).map((v) => -v));
    await segy.close();
  });

  it.each([
    [['--format-code', '4'], 'SEGY_BAD_FORMAT_CODE'],
    [['--range', 'x:y'], 'INVALID_ARGUMENT'],
    [['--gathers', 'fieldRecord'], 'INVALID_ARGUMENT'],
    [['--gathers', 'fieldRecord=1'], 'GATHER_NOT_FOUND'],
    [['--su', '--format-code', '1'], 'INVALID_ARGUMENT'],
  ])('fails with a typed error for %j', async (args, code) => {
    const out = path.join(root, `bad-${code}.sgy`);
    const run = seisproc('export', dataset.path, out, ...args);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${code}: `));
    expect(run.stderr).not.toContain('    at ');
    await expect(fs.stat(out)).rejects.toThrow();
  });

  it('cancels on Ctrl-C (SIGINT) with CANCELLED and leaves nothing behind', async () => {
    const big = path.join(root, 'big.sgy');
    await writeSyntheticSegy(big, LONG_RUNNING_SEGY);
    const bigDataset = await importFile(big, path.join(root, 'big.seis'));
    const dir = path.join(root, 'interrupted');
    await fs.mkdir(dir);
    // Interrupted once the output's lock or temporary file exists, i.e. while the export runs.
    const run = await interrupt(
      [
        '--import',
        'tsx',
        CLI,
        'export',
        bigDataset.path,
        path.join(dir, 'out.sgy'),
        '--chunk-traces',
        '8',
        '--workers',
        '1',
      ],
      somethingIn(dir),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^CANCELLED: /);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('leaves nothing behind when the process exits in the middle of an export', async () => {
    const dir = path.join(root, 'exited');
    await fs.mkdir(dir);
    const run = spawnSync(process.execPath, [
      '--import',
      'tsx',
      EXIT_CHILD,
      path.join(root, 'big.seis'),
      path.join(dir, 'out.sgy'),
    ]);
    expect(run.status).toBe(3);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('refuses a missing dataset and an existing output without --overwrite', async () => {
    const missing = seisproc('export', path.join(root, 'nothing.seis'), path.join(root, 'x.sgy'));
    expect(missing.stderr).toMatch(/^DATASET_NOT_FOUND: /);
    const out = path.join(root, 'exists.sgy');
    await fs.writeFile(out, 'old');
    expect(seisproc('export', dataset.path, out).stderr).toMatch(/^DATASET_EXISTS: /);
    expect(seisproc('export', dataset.path, out, '--overwrite').status).toBe(0);
    expect(await fs.readFile(out)).toEqual(await fs.readFile(source));
  });
});
