import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/random-navigation.ts', import.meta.url));
const CACHE_BYTES = 8 * 1024 * 1024;
const MIB = 1024 * 1024;

let scratch: string;
const dirs: string[] = [];

beforeAll(async () => {
  scratch = await scratchDirectory('leak');
  // 40 shots × 200 traces × 500 samples: 400 KB gathers, 16 MB per dataset, 20 gathers per cache.
  for (const codec of ['none', 'zstd', 'none'] as const) {
    const dir = path.join(scratch, `survey-${dirs.length}.seis`);
    await writeSyntheticDataset(dir, { shots: 40, channels: 200, sampleCount: 500, codec, chunkTraces: 500 });
    dirs.push(dir);
  }
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A fixed mmap threshold makes glibc return freed gather buffers (≥ 128 KiB) to the system.
      // With its default dynamic threshold, freed 400 KB buffers stay in the heap arena and RSS
      // counts ~20 MB of memory that is free: this measures what the process holds.
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('navigation memory', () => {
  it('stays within the cache limits over 1,000 random navigations across 3 datasets', async () => {
    const report = JSON.parse(await runChild([String(CACHE_BYTES), '1000', ...dirs])) as {
      before: number;
      earlyResident: number;
      after: number;
      peakHeld: number;
      stats: Array<{ bytesHeld: number; cacheLimit: number; hits: number; misses: number }>;
    };
    const limit = 3 * CACHE_BYTES;
    expect(report.peakHeld).toBeLessThanOrEqual(limit);
    for (const stats of report.stats) expect(stats.bytesHeld).toBeLessThanOrEqual(stats.cacheLimit);
    expect(report.stats.reduce((sum, s) => sum + s.hits + s.misses, 0)).toBeGreaterThanOrEqual(1000);
    // Growth from before the first navigation (codecs already loaded): the caches (3 × 8 MiB) plus
    // a small constant for decoded zstd chunks (2 × 1 MB), scratch buffers and compiled code.
    expect(report.after - report.before).toBeLessThanOrEqual(limit + 12 * MIB);
    // No trend: after the first 100 steps the caches are full, and the rest adds nothing that stays.
    expect(report.after - report.earlyResident).toBeLessThanOrEqual(8 * MIB);
  });
});
