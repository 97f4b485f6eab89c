/** The `process`, `history` and `verify` commands, run as the built CLI (`npm run build` first). */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseProcessorParameters } from '../../src/cli/commands/process.js';
import { Dataset, DatasetChunkWriter } from '../../src/storage/index.js';
import { runCli as seisproc } from '../helpers/built.js';
import { writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

let scratch: string;
let raw: string;

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-process-cli-'));
  raw = path.join(scratch, 'raw.seis');
  await writeSyntheticDataset(raw, {
    shots: 4,
    channels: 15,
    sampleCount: 80,
    sampleValue: (t, s) => Math.sin(t * 0.5 + s * 0.4),
  });
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('seisproc process / history / verify', () => {
  it('processes, lists the history and verifies it, then detects a tampered output', async () => {
    const filtered = path.join(scratch, 'filtered.seis');
    const gained = path.join(scratch, 'gained.seis');
    const first = await seisproc(
      'process',
      raw,
      filtered,
      '--op',
      'bandpass',
      '--param',
      'low=5',
      '--param',
      'high=60',
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^bandpass: 60 traces in/);
    const second = await seisproc(
      'process',
      filtered,
      gained,
      '--op',
      'scale',
      '--param',
      'factor=2',
      '--json',
    );
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result).toMatchObject({ outputPath: gained, traceCount: 60, step: { processor: 'scale' } });

    const history = await seisproc('history', gained);
    expect(history.stdout).toContain('1. bandpass 1.0.0 {"low":5,"high":60,"taper":5}');
    expect(history.stdout).toContain('2. scale 1.0.0 {"factor":2}');
    const yaml = parseYaml((await seisproc('history', gained, '--yaml')).stdout);
    expect(yaml.map((step: { processor: string }) => step.processor)).toEqual(['bandpass', 'scale']);
    expect(yaml[1].output.digest).toEqual(result.step.output.digest);

    const verified = await seisproc('verify', gained, '--all');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('step 1 bandpass: OK');
    expect(verified.stdout).toContain(
      `step 2 scale: OK digest ${result.step.output.digest.sha256} (chunks of ${result.step.output.digest.chunkTraces} traces)`,
    );

    const dataset = await Dataset.open(gained);
    const { samples, end } = await dataset.readChunk(0);
    samples[0]! += 0.5;
    await (await DatasetChunkWriter.open(gained)).writeChunk(
      0,
      samples,
      await dataset.readRawHeaders(0, end),
    );
    const tampered = await seisproc('verify', gained, '--json');
    expect(tampered.code).toBe(1);
    const [outcome] = JSON.parse(tampered.stdout);
    expect(outcome).toMatchObject({ step: 2, processor: 'scale', status: 'mismatch' });
    expect(outcome.message).toContain('the output samples changed');
  });

  it('reports bad operations and parameters as coded errors', async () => {
    const unknown = await seisproc('process', raw, path.join(scratch, 'x.seis'), '--op', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^INVALID_ARGUMENT: unknown processor "nope"; registered: agc, bandpass/);
    const bad = await seisproc(
      'process',
      raw,
      path.join(scratch, 'x.seis'),
      '--op',
      'clip',
      '--param',
      'limit=-1',
    );
    expect(bad.stderr).toMatch(/^INVALID_ARGUMENT: bad parameters for processor "clip": limit/);
    expect((await seisproc('history', path.join(scratch, 'missing.seis'))).stderr).toMatch(
      /^DATASET_NOT_FOUND/,
    );
    expect((await seisproc('verify', raw)).stdout).toContain('no processing history');
  });

  it('parses --param values as numbers, booleans or strings', () => {
    expect(parseProcessorParameters(['low=5', 'on=true', 'name=x=y', 'e=1e3'])).toEqual({
      low: 5,
      on: true,
      name: 'x=y',
      e: 1000,
    });
    expect(() => parseProcessorParameters(['low'])).toThrow(/key=value/);
    expect(() => parseProcessorParameters(['a=1', 'a=2'])).toThrow(/twice/);
  });
});
