/**
 * Bounded memory: a SEG-Y file four times larger than the memory budget is imported in a child
 * process (so that its peak RSS is its own), which must stay under the budget.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraceHeaders, SegyWriter } from '../../src/segy/index.js';
import { INDEX_URL, WORKER_BUILT } from '../helpers/built.js';

const BUDGET_MIB = 256;
const SAMPLES = 1000;
/** About 1.1 GB of IEEE traces: over four times the budget. */
const TRACES = 260_000;
const BATCH = 5_000;

let dir: string;
let input: string;

/** Write the file batch by batch: one trace shape at several amplitudes, real gather headers. */
async function writeLargeSegy(file: string): Promise<void> {
  const writer = await SegyWriter.create(file, {
    sampleCount: SAMPLES,
    sampleInterval: 2000,
    formatCode: 5,
    endianness: 'big',
    traceCount: TRACES,
  });
  const samples = new Float32Array(BATCH * SAMPLES);
  for (let t = 0; t < BATCH; t++) {
    for (let s = 0; s < SAMPLES; s++) samples[t * SAMPLES + s] = (1 + (t % 13)) * Math.sin(s * 0.05);
  }
  try {
    for (let start = 0; start < TRACES; start += BATCH) {
      const trace = Array.from({ length: BATCH }, (_, i) => start + i);
      const headers = encodeTraceHeaders(
        BATCH,
        {
          traceSequenceFile: trace.map((t) => t + 1),
          fieldRecord: trace.map((t) => 1 + Math.floor(t / 480)),
          cdp: trace.map((t) => 1 + Math.floor(t / 120)),
          offset: trace.map((t) => 25 * (t % 120)),
          sampleCount: SAMPLES,
          sampleInterval: 2000,
        },
        { endianness: 'big' },
      );
      await writer.writeTraces(start, samples, headers);
    }
  } finally {
    await writer.close();
  }
}

beforeAll(async () => {
  if (!WORKER_BUILT) return;
  dir = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-memory-'));
  input = path.join(dir, 'large.sgy');
  await writeLargeSegy(input);
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe.runIf(WORKER_BUILT)('memory', () => {
  it(`imports a file four times the ${BUDGET_MIB} MiB budget within the budget`, async () => {
    const { size } = await fs.stat(input);
    expect(size).toBeGreaterThan(4 * BUDGET_MIB * 2 ** 20);
    const output = path.join(dir, 'large.seis');
    const script = `
      const { importSegy } = await import(${JSON.stringify(INDEX_URL)});
      const result = await importSegy(${JSON.stringify(input)}, ${JSON.stringify(output)}, { workers: 2, inProcessThreshold: 0 });
      process.stdout.write(JSON.stringify({ traceCount: result.traceCount, workers: result.workers, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      maxBuffer: 1 << 20,
    });
    const report = JSON.parse(stdout) as { traceCount: number; workers: number; maxRssMiB: number };
    expect(report.traceCount).toBe(TRACES);
    expect(report.workers).toBe(2);
    expect(report.maxRssMiB).toBeLessThan(BUDGET_MIB);
  });
});
