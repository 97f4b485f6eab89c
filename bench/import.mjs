#!/usr/bin/env node

// Import throughput: a large synthetic prestack SEG-Y (IBM float, big-endian, CDP gathers with
// increasing offsets) imported with 1 worker and with every core, uncompressed and with zstd,
// next to the physical references measured in the same run on the same file: a plain `fs` read
// of it, `cp` of it, a user-space copy of it, and a copy of its trace bytes into one file per
// chunk (the dataset's layout, nothing converted). Each import runs in its own child process, so
// its peak RSS is its own.
//
// Run alone with `npm run build && node bench/import.mjs` or through `npm run bench -- import`.
// BENCH_TRACES (default 500000, about 2.1 GB) sets the file size; BENCH_SAMPLES (default 1000)
// the trace length. The file is written once to bench/data/ (gitignored) and kept.

import { closeSync, promises as fs, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  mbps,
  measureRuns,
  memoryRecycler,
  RUNS,
  rate,
  referenceRow,
  runJsonChild,
  timeCopies,
} from './lib.mjs';

const TRACES = Number(process.env.BENCH_TRACES ?? 500_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const SAMPLE_INTERVAL_US = 2000;
const GATHER = 120;
/** Bytes of the file header and of one trace (240-byte header, IBM samples) of the generated file. */
const FILE_HEADER_BYTES = 3600;
const TRACE_BYTES = 240 + 4 * SAMPLES;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');
const SELF = fileURLToPath(import.meta.url);

/** IBM float bits of a float64 (normalised; zero stays zero). */
function ibmBits(value) {
  if (value === 0) return 0;
  const sign = value < 0 ? 0x80000000 : 0;
  let magnitude = Math.abs(value);
  let exponent = 64;
  while (magnitude >= 1) {
    magnitude /= 16;
    exponent++;
  }
  while (magnitude < 1 / 16) {
    magnitude *= 16;
    exponent--;
  }
  const fraction = Math.min(0xffffff, Math.round(magnitude * 0x1000000));
  return (sign | (exponent << 24) | fraction) >>> 0;
}

/**
 * The benchmark file of `traces` traces (default BENCH_TRACES) in bench/data/: written once.
 * Trace samples cycle through 97 precomputed IBM-encoded wavelets of different amplitude, so
 * writing 2 GB takes seconds, not minutes.
 */
export async function ensureSegy(traces = TRACES) {
  const file = path.join(DATA, `import-${traces}x${SAMPLES}-ibm.sgy`);
  const traceBytes = TRACE_BYTES;
  const size = FILE_HEADER_BYTES + traces * traceBytes;
  const existing = await fs.stat(file).catch(() => undefined);
  if (existing?.size === size) return file;
  await fs.mkdir(DATA, { recursive: true });
  console.log(`writing ${traces} traces × ${SAMPLES} samples (${(size / 2 ** 30).toFixed(2)} GiB, once) …`);
  const wavelets = Array.from({ length: 97 }, (_, k) => {
    const bytes = Buffer.alloc(4 * SAMPLES);
    for (let s = 0; s < SAMPLES; s++) {
      const value = (1 + k) * Math.sin(s * 0.21 + k) * Math.exp(-s / (SAMPLES / 2)) + 0.001 * (s % 7);
      bytes.writeUInt32BE(ibmBits(value), 4 * s);
    }
    return bytes;
  });
  const header = Buffer.alloc(FILE_HEADER_BYTES, 0x40); // EBCDIC blanks, then the binary header
  header.fill(0, 3200);
  header.writeInt16BE(SAMPLE_INTERVAL_US, 3216);
  header.writeInt16BE(SAMPLES, 3220);
  header.writeInt16BE(1, 3224); // IBM float
  header.writeUInt16BE(0x0100, 3500); // revision 1
  header.writeInt16BE(1, 3502); // fixed trace length
  const temporary = `${file}.partial`;
  const handle = await fs.open(temporary, 'w');
  await handle.write(header);
  const batch = 4096;
  const buffer = Buffer.alloc(batch * traceBytes);
  for (let first = 0; first < traces; first += batch) {
    const count = Math.min(batch, traces - first);
    buffer.fill(0);
    for (let i = 0; i < count; i++) {
      const t = first + i;
      const base = i * traceBytes;
      const gather = Math.floor(t / GATHER);
      const channel = t % GATHER;
      buffer.writeInt32BE(t + 1, base); // trace sequence in line
      buffer.writeInt32BE(t + 1, base + 4); // trace sequence in file
      buffer.writeInt32BE(1 + Math.floor(gather / 4), base + 8); // field record
      buffer.writeInt32BE(channel + 1, base + 12); // trace number
      buffer.writeInt32BE(10_000 + gather, base + 20); // CDP
      buffer.writeInt32BE(channel + 1, base + 24); // trace in CDP
      buffer.writeInt32BE(100 + 25 * channel, base + 36); // offset
      buffer.writeInt16BE(-100, base + 70); // coordinate scalar
      buffer.writeInt32BE(50_000_000 + 1250 * gather, base + 72); // source X
      buffer.writeInt32BE(60_000_000, base + 76); // source Y
      buffer.writeInt32BE(50_000_000 + 1250 * gather + 2500 * channel, base + 80); // group X
      buffer.writeInt32BE(60_000_000, base + 84); // group Y
      buffer.writeInt16BE(SAMPLES, base + 114);
      buffer.writeInt16BE(SAMPLE_INTERVAL_US, base + 116);
      buffer.writeInt32BE(50_000_000 + 1250 * gather + 1250 * channel, base + 180); // CDP X
      buffer.writeInt32BE(60_000_000, base + 184); // CDP Y
      wavelets[t % 97].copy(buffer, base + 240);
    }
    await handle.write(buffer, 0, count * traceBytes);
  }
  await handle.close();
  await fs.rename(temporary, file);
  return file;
}

/** Plain sequential read of the whole file in 8 MiB blocks (reference). */
async function readReference(file) {
  const handle = await fs.open(file, 'r');
  const block = Buffer.alloc(8 << 20);
  const started = performance.now();
  let bytes = 0;
  for (;;) {
    const { bytesRead } = await handle.read(block, 0, block.length, bytes);
    if (bytesRead === 0) break;
    bytes += bytesRead;
  }
  const ms = performance.now() - started;
  await handle.close();
  return { ms, bytes };
}

/**
 * Physical reference in the dataset's layout: the file's trace bytes copied with plain `fs`, in
 * this thread, into one samples file and one headers file per chunk of `chunkTraces` traces (as
 * `traces/c/<i>/0` and `raw_headers/c/<i>/0`), nothing converted: the bytes an import must write,
 * into as many files. `cp` writes one file.
 */
function chunkFilesCopyReference(file, chunkTraces) {
  const target = `${file}.chunks`;
  const traceBytes = TRACE_BYTES;
  const samplesDir = path.join(target, 'traces');
  const headersDir = path.join(target, 'raw_headers');
  const block = Buffer.allocUnsafe(chunkTraces * traceBytes);
  const samples = Buffer.allocUnsafe(chunkTraces * SAMPLES * 4);
  const headers = Buffer.allocUnsafe(chunkTraces * 240);
  const source = openSync(file, 'r');
  const started = performance.now();
  for (let chunk = 0; chunk * chunkTraces < TRACES; chunk++) {
    const rows = Math.min(chunkTraces, TRACES - chunk * chunkTraces);
    readSync(source, block, 0, rows * traceBytes, FILE_HEADER_BYTES + chunk * chunkTraces * traceBytes);
    for (let row = 0; row < rows; row++) {
      block.copy(headers, row * 240, row * traceBytes, row * traceBytes + 240);
      block.copy(samples, row * SAMPLES * 4, row * traceBytes + 240, (row + 1) * traceBytes);
    }
    for (const [dir, bytes] of [
      [samplesDir, samples.subarray(0, rows * SAMPLES * 4)],
      [headersDir, headers.subarray(0, rows * 240)],
    ]) {
      mkdirSync(path.join(dir, 'c', String(chunk)), { recursive: true });
      writeFileSync(path.join(dir, 'c', String(chunk), '0'), bytes);
    }
  }
  const ms = performance.now() - started;
  closeSync(source);
  rmSync(target, { recursive: true, force: true });
  return ms;
}

/** One import in a child process (this file with `--child`); resolves with its result and peak RSS. */
function importInChild(file, output, options) {
  return runJsonChild(SELF, { file, output, options }, 'import');
}

async function childMain(spec) {
  const { importSegy, Dataset } = await import('../dist/index.js');
  const { file, output, options } = JSON.parse(spec);
  await fs.rm(output, { recursive: true, force: true });
  const result = await importSegy(file, output, { ...options, overwrite: true });
  const { chunkTraces } = await Dataset.open(output);
  const usage = process.resourceUsage();
  const maxRssMiB = usage.maxRSS / 1024;
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  const stored = await duBytes(output);
  await fs.rm(output, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ result, maxRssMiB, cpuMs, stored, chunkTraces }));
}

async function duBytes(dir) {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name))).size;
  return total;
}

export async function run() {
  const file = await ensureSegy();
  const { size } = await fs.stat(file);
  const cores = os.availableParallelism();
  console.log(
    `${TRACES} traces × ${SAMPLES} samples, IBM float, ${(size / 1e6).toFixed(0)} MB, ${GATHER}-trace CDP gathers, ${cores} cores`,
  );
  // Warm the page cache so that every measurement reads the file from memory alike.
  await readReference(file);
  const read = await readReference(file);
  // Every step that writes starts in recycled memory (see memoryRecycler); its rates are printed.
  const recycler = memoryRecycler(DATA, size);
  const { cp: copyMs, userSpace: userCopyMs } = await timeCopies(file, recycler);
  const rows = [
    referenceRow('fs read (reference)', read.ms, TRACES, size),
    referenceRow('cp (reference)', copyMs, TRACES, size),
    referenceRow('user-space copy (reference)', userCopyMs, TRACES, size),
  ];
  const output = path.join(DATA, 'bench-import.seis');
  const configurations = [];
  for (const codec of ['none', 'zstd']) {
    for (const workers of [...new Set([1, cores])]) configurations.push({ codec, workers });
    // The workers that take every core block on I/O by default; this row keeps libuv's thread pool.
    if (codec === 'none' && cores > 1) configurations.push({ codec, workers: cores, blockingIO: false });
  }
  const measured = [];
  for (const { codec, workers, blockingIO } of configurations) {
    const { median, range } = await measureRuns(
      () =>
        importInChild(file, output, {
          workers,
          compression: codec,
          inProcessThreshold: 0,
          ...(blockingIO === undefined ? {} : { blockingIO }),
        }),
      { before: () => recycler.recycle(), ms: (run) => run.result.elapsedMs, count: TRACES },
    );
    measured.push({ codec, workers, median, range });
  }
  // In the chunk size the imports chose.
  await recycler.recycle();
  const chunkCopyMs = chunkFilesCopyReference(file, measured[0].median.chunkTraces);
  rows.push(referenceRow('copy into chunk files (reference)', chunkCopyMs, TRACES, size));
  const stages = [];
  for (const { codec, workers, median, range } of measured) {
    const { result, maxRssMiB, cpuMs, stored } = median;
    const ms = result.elapsedMs;
    rows.push({
      what: `import ${codec}`,
      workers,
      'blocking I/O': result.blockingIO,
      'traces/s': rate(TRACES, ms),
      range,
      'MB/s': mbps(size, ms),
      s: +(ms / 1000).toFixed(2),
      'x read': +(ms / read.ms).toFixed(2),
      'x cp': +(ms / copyMs).toFixed(2),
      'x user copy': +(ms / userCopyMs).toFixed(2),
      'x chunk copy': +(ms / chunkCopyMs).toFixed(2),
      'peak RSS MiB': Math.round(maxRssMiB),
      'CPU µs/trace': +((cpuMs * 1000) / TRACES).toFixed(1),
      'stored MB': Math.round(stored / 1e6),
    });
    stages.push({
      what: `import ${codec}`,
      workers,
      'blocking I/O': result.blockingIO,
      ...Object.fromEntries(
        Object.entries(result.stageMs).map(([stage, t]) => [`${stage} s`, +(t / 1000).toFixed(2)]),
      ),
    });
  }
  console.table(rows);
  console.table(stages);
  console.log(
    `each import ran ${RUNS} times: its row is the median run, range the traces/s of the slowest and fastest (BENCH_RUNS sets the count).`,
  );
  console.log(
    'x read / x cp / x user copy / x chunk copy: import time divided by the time of the plain read / cp / user-space copy (8 MiB blocks, as cat) of the same file / its trace bytes copied into one file per chunk (the layout, nothing converted).',
  );
  console.log(
    'peak RSS and CPU: the import child process (worker threads included); CPU counts all threads.',
  );
  console.log(recycler.summary());
  const fastest = rows
    .filter((r) => r.what === 'import none')
    .sort((a, b) => b['traces/s'] - a['traces/s'])[0];
  if (fastest) {
    const twelveMillion = (12_000_000 * SAMPLES) / 1000 / fastest['traces/s'];
    console.log(`extrapolated 12M traces × ${SAMPLES} samples uncompressed: ${twelveMillion.toFixed(0)} s`);
  }
}

if (process.argv[2] === '--child') await childMain(process.argv[3]);
else if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await run();
