/**
 * Memory is bounded by the chunk size, not the file size: a child process exports a dataset far
 * larger than the memory budget, in one thread and with worker threads. The budget is the peak
 * RSS of the same export of a tiny dataset (Node, the library, tsx, the worker threads) plus a
 * fixed allowance per writer for its blocks and the garbage collector's slack.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const LARGE_TRACES = 100_000; // 400 MB of samples, 424 MB of SEG-Y
const SMALL_TRACES = 2_000;
const SAMPLES = 1000;
const CHUNK_TRACES = 1024; // 4 MiB of samples per chunk
const MIB = 1024 * 1024;
/** Per writer: two source chunks and two encoded blocks (~17 MiB) and the garbage collector's slack. */
const ALLOWANCE_PER_WRITER = 64 * MIB;
const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const WORKER_BUILT = existsSync(new URL('../../dist/export-worker.js', import.meta.url));

let root: string;
let largePath: string;
let smallPath: string;

/** A dataset of `shots` × 1000 traces, written chunk by chunk with the storage API (never whole in memory). */
function writeDataset(dir: string, shots: number) {
  return writeSyntheticDataset(dir, {
    shots,
    channels: 1000,
    sampleCount: SAMPLES,
    chunkTraces: CHUNK_TRACES,
    sampleValue: (trace, sample) => ((trace + sample) % 1001) - 500,
  });
}

beforeAll(async () => {
  root = await scratchDirectory('export-memory');
  largePath = path.join(root, 'large.seis');
  smallPath = path.join(root, 'small.seis');
  await writeDataset(largePath, LARGE_TRACES / 1000);
  await writeDataset(smallPath, SMALL_TRACES / 1000);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

interface ChildResult {
  bytes: number;
  workers: number;
  maxRssBytes: number;
}

function exportInChild(datasetPath: string, workers: number): ChildResult {
  const output = path.join(root, `out-${path.basename(datasetPath)}-${workers}.sgy`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, datasetPath, output, String(workers)], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`export child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

function expectBounded(workers: number): void {
  const small = exportInChild(smallPath, workers);
  const large = exportInChild(largePath, workers);
  expect(large.workers).toBe(workers);
  expect(large.bytes).toBe(3600 + LARGE_TRACES * (240 + 4 * SAMPLES));
  const budget = small.maxRssBytes + workers * ALLOWANCE_PER_WRITER;
  // The file is larger than the whole budget, so holding it (or the dataset) would break it.
  expect(large.bytes).toBeGreaterThan(budget);
  expect(large.maxRssBytes).toBeLessThan(budget);
}

describe('memory bounded by chunk size', () => {
  it("in one thread: a 424 MB export stays within the tiny export's peak RSS + 64 MiB", () => {
    expectBounded(1);
  });

  it.runIf(WORKER_BUILT)("with two worker threads: within the tiny export's peak RSS + 2 × 64 MiB", () => {
    expectBounded(2);
  });
});
