#!/usr/bin/env node

// Export throughput: a large synthetic dataset (IBM float SEG-Y imported once, uncompressed)
// exported back to SEG-Y with 1 worker and with every core, next to `cp` and a user-space copy of
// a file of the same size measured in the same run. Rows: defaults (headers from the dataset, output identical to
// the source file), headers copied from the original file (what the Python segyio pipeline does),
// and a conversion to little-endian IEEE floats. Each export runs in its own child process, so
// its peak RSS is its own.
//
// Run alone with `npm run build && node bench/export.mjs` or through `npm run bench -- export`.
// BENCH_EXPORT_TRACES (default 200000, about 850 MB) sets the size; BENCH_SAMPLES (default 1000)
// the trace length. The SEG-Y file and its dataset are made once in bench/data/ (gitignored).

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  mbps,
  measureRuns,
  memoryRecycler,
  RUNS,
  rate,
  referenceRow,
  runJsonChild,
  timeCopies,
  timeCopy,
} from './lib.mjs';

const TRACES = Number(process.env.BENCH_EXPORT_TRACES ?? 200_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');
const SELF = fileURLToPath(import.meta.url);
const BATCH = 4096;

/** The source SEG-Y (written with the library's SegyWriter) and its dataset: made once. */
async function ensureDataset() {
  const { SegyWriter, encodeTraceHeaders, importSegy } = await import('../dist/index.js');
  const name = `export-${TRACES}x${SAMPLES}-ibm`;
  const file = path.join(DATA, `${name}.sgy`);
  const dataset = path.join(DATA, `${name}.seis`);
  const size = 3600 + TRACES * (240 + 4 * SAMPLES);
  const existing = await fs.stat(file).catch(() => undefined);
  if (existing?.size !== size) {
    await fs.mkdir(DATA, { recursive: true });
    await fs.rm(dataset, { recursive: true, force: true });
    console.log(`writing ${TRACES} traces × ${SAMPLES} samples (${(size / 1e6).toFixed(0)} MB, once) …`);
    const partial = `${file}.partial`;
    const writer = await SegyWriter.create(partial, {
      sampleCount: SAMPLES,
      sampleInterval: 2000,
      formatCode: 1,
      endianness: 'big',
      traceCount: TRACES,
    });
    // Every batch holds the same wavelets; only the headers differ from batch to batch.
    const samples = new Float32Array(BATCH * SAMPLES);
    for (let t = 0; t < BATCH; t++) {
      for (let s = 0; s < SAMPLES; s++)
        samples[t * SAMPLES + s] = (1 + (t % 97)) * Math.sin(s * 0.21 + t) * Math.exp(-s / SAMPLES);
    }
    for (let first = 0; first < TRACES; first += BATCH) {
      const count = Math.min(BATCH, TRACES - first);
      const ids = Array.from({ length: count }, (_, i) => first + i);
      const headers = encodeTraceHeaders(
        count,
        {
          traceSequenceLine: ids.map((t) => t + 1),
          traceSequenceFile: ids.map((t) => t + 1),
          fieldRecord: ids.map((t) => 1 + Math.floor(t / 480)),
          traceNumber: ids.map((t) => (t % 480) + 1),
          cdp: ids.map((t) => 10_000 + Math.floor(t / 120)),
          offset: ids.map((t) => 100 + 25 * (t % 120)),
          scalarCoordinates: -100,
          sourceX: ids.map((t) => 50_000_000 + 1250 * Math.floor(t / 120)),
          sampleCount: SAMPLES,
          sampleInterval: 2000,
        },
        { endianness: 'big' },
      );
      await writer.writeTraces(first, samples.subarray(0, count * SAMPLES), headers);
    }
    await writer.close();
    await fs.rename(partial, file);
  }
  if (!(await fs.stat(path.join(dataset, 'zarr.json')).catch(() => undefined))) {
    console.log('importing it (once) …');
    await importSegy(file, dataset, { compression: 'none', overwrite: true });
  }
  return { file, dataset, size };
}

/** One export in a child process (this file with `--child`): its result, peak RSS and CPU time. */
function exportInChild(job) {
  return runJsonChild(SELF, job, 'export');
}

async function childMain(spec) {
  const { SEGYExporter } = await import('../dist/index.js');
  const { dataset, output, original, options } = JSON.parse(spec);
  const exporter = new SEGYExporter();
  const result = original
    ? await exporter.exportFromZarrChunked({
        ...options,
        outputPath: output,
        originalSegyPath: original,
        zarrPath: dataset,
        overwrite: true,
      })
    : await exporter.exportDataset(dataset, output, { ...options, overwrite: true });
  const usage = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      result,
      maxRssMiB: usage.maxRSS / 1024,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    }),
  );
}

/** True when two files hold the same bytes (the default export must reproduce the source). */
async function sameBytes(a, b) {
  try {
    await promisify(execFile)('cmp', ['-s', a, b]);
    return true;
  } catch {
    return false;
  }
}

export async function run() {
  const { file, dataset, size } = await ensureDataset();
  const cores = os.availableParallelism();
  console.log(
    `${TRACES} traces × ${SAMPLES} samples, IBM float, ${(size / 1e6).toFixed(0)} MB of SEG-Y from an uncompressed dataset, ${cores} cores`,
  );
  // Warm the page cache: every measurement then reads its input from memory alike.
  await timeCopy(file);
  // Every step that writes starts in recycled memory (see memoryRecycler); its rates are printed.
  const recycler = memoryRecycler(DATA, size);
  const { cp: copyMs, userSpace: userCopyMs } = await timeCopies(file, recycler);
  const rows = [
    referenceRow('cp of the same bytes (reference)', copyMs, TRACES, size),
    referenceRow('user-space copy of the same bytes (reference)', userCopyMs, TRACES, size),
  ];
  const output = path.join(DATA, 'bench-export.sgy');
  const jobs = [
    { what: 'export, headers from the dataset', options: {}, identical: true },
    { what: 'export, headers from the original file', original: file, options: {}, identical: true },
    { what: 'export to IEEE little-endian', options: { formatCode: 5, endianness: 'little' } },
  ];
  for (const job of jobs) {
    for (const workers of [...new Set([1, cores])]) {
      const { median, range } = await measureRuns(
        () =>
          exportInChild({
            dataset,
            output,
            original: job.original,
            options: { ...job.options, workers, inProcessThreshold: 0 },
          }),
        {
          // Every run writes a new file, as cp does: replacing the last run's output would add
          // deleting 848 MB of page cache to the export's finalize stage.
          before: async () => {
            await fs.rm(output, { force: true });
            await recycler.recycle();
          },
          ms: (run) => run.result.elapsedMs,
          count: TRACES,
        },
      );
      const { result, maxRssMiB, cpuMs } = median;
      const ms = result.elapsedMs;
      rows.push({
        what: job.what,
        workers: result.workers,
        'traces/s': rate(TRACES, ms),
        range,
        'MB/s': mbps(result.bytes, ms),
        s: +(ms / 1000).toFixed(2),
        'x cp': +(ms / copyMs).toFixed(2),
        'x user copy': +(ms / userCopyMs).toFixed(2),
        'peak RSS MiB': Math.round(maxRssMiB),
        'CPU µs/trace': +((cpuMs * 1000) / TRACES).toFixed(1),
        ...(job.identical ? { 'same bytes': await sameBytes(file, output) } : {}),
      });
      await fs.rm(output, { force: true });
    }
  }
  console.table(rows);
  console.log(
    `each export ran ${RUNS} times: its row is the median run, range the traces/s of the slowest and fastest (BENCH_RUNS sets the count).`,
  );
  console.log(
    'x cp / x user copy: export time divided by the time of cp / a user-space copy (8 MiB blocks, as cat) of a file of the same size, in this run.',
  );
  console.log(
    'peak RSS and CPU: the export child process (worker threads included); CPU counts all threads.',
  );
  console.log(recycler.summary());
  console.log('goals: ≥ 75 000 traces/s (5 × the segyio pipeline) and within 3 × cp.');
}

if (process.argv[2] === '--child') await childMain(process.argv[3]);
else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await run();
