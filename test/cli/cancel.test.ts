/**
 * Ctrl-C in the long commands (`import`, `process`, `verify`; `export` in test/export/cli.test.ts):
 * the built CLI is interrupted while it writes, reports `CANCELLED`, exits 1 and leaves nothing
 * behind — no partial output, temporary sibling or write lock.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkedProcessor, processors } from '../../src/process/index.js';
import { ProvenanceTracker } from '../../src/provenance/index.js';
import { LONG_RUNNING_SEGY, writeSyntheticSegy } from '../export/helpers.js';
import { CLI_PATH } from '../helpers/built.js';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';
import { interrupt, somethingIn } from './interrupt.js';

/** Inputs with many small chunks, so each command is still writing when it is interrupted. */
const { traceCount: TRACES, sampleCount: SAMPLES } = LONG_RUNNING_SEGY;
const CHUNK_TRACES = 16;

let root: string;
let segy: string;
let raw: string;
let processedDir: string;
let processed: string;

beforeAll(async () => {
  root = await scratchDirectory('cli-cancel');
  segy = path.join(root, 'line.sgy');
  await writeSyntheticSegy(segy, LONG_RUNNING_SEGY);
  raw = path.join(root, 'raw.seis');
  await writeSyntheticDataset(raw, {
    shots: TRACES / 50,
    channels: 50,
    sampleCount: SAMPLES,
    chunkTraces: CHUNK_TRACES,
  });
  processedDir = path.join(root, 'processed');
  await fs.mkdir(processedDir);
  processed = path.join(processedDir, 'scaled.seis');
  await new ChunkedProcessor().run(raw, processors.create('scale', { factor: 2 }), processed, {
    inProcess: true,
  });
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function emptyFolder(name: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.mkdir(dir);
  return dir;
}

async function entries(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

describe.runIf(existsSync(CLI_PATH))('Ctrl-C in the long commands', () => {
  it.each([
    [
      'import',
      (dir: string) => ['import', segy, path.join(dir, 'line.seis'), '--chunk-traces', String(CHUNK_TRACES)],
    ],
    [
      'process',
      (dir: string) => ['process', raw, path.join(dir, 'gain.seis'), '--op', 'scale', '--param', 'factor=3'],
    ],
  ])('%s: CANCELLED, exit 1, no output, temporary sibling or lock left', async (command, argsWritingTo) => {
    const dir = await emptyFolder(command);
    const run = await interrupt([CLI_PATH, ...argsWritingTo(dir), '--workers', '1'], somethingIn(dir));
    expect(run.stderr).toMatch(/^CANCELLED: [^\n]+\n$/);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(await entries(dir)).toEqual([]);
  });

  it('verify: CANCELLED, exit 1, the re-run removed and the dataset and its history untouched', async () => {
    const history = await new ProvenanceTracker().getHistory(processed);
    const run = await interrupt([CLI_PATH, 'verify', processed, '--json', '--workers', '1'], async () =>
      (await entries(processedDir)).some((name) => name.includes('.verify-')),
    );
    expect(run.stderr).toMatch(/^CANCELLED: [^\n]+\n$/);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(await entries(processedDir)).toEqual(['scaled.seis']);
    expect(await new ProvenanceTracker().getHistory(processed)).toEqual(history);
  });
});
