#!/usr/bin/env node
// Processing throughput: `scale` and `bandpass` over a large synthetic dataset with 1 worker and
// with every core, next to the physical references measured in the same run on the same dataset:
// reading its chunk files (what any processing must at least read) and copying them (read + write
// of the same bytes, what any processing into a new dataset must at least do).
//
// Run alone with `npm run build && node bench/process.mjs` or through `npm run bench -- process`.
// BENCH_PROCESS_TRACES (default 200000) sets the dataset size; data lives in bench/data/ (gitignored).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChunkedProcessor, importSegy, processors } from '../dist/index.js';
import { measureRuns, memoryRecycler, RUNS, rate } from './lib.mjs';

const TRACES = Number(process.env.BENCH_PROCESS_TRACES ?? 200_000);
const SAMPLES = 1000;
const SAMPLE_INTERVAL_US = 2000;
const CHANNELS = 500;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');

/** A synthetic SEG-Y rev 1 file (IEEE float, big-endian), 500 traces per field record. */
async function writeSegy(file) {
  const textHeader = Buffer.alloc(3200, 0x40); // EBCDIC blanks
  const binary = Buffer.alloc(400);
  binary.writeInt16BE(SAMPLE_INTERVAL_US, 16);
  binary.writeInt16BE(SAMPLES, 20);
  binary.writeInt16BE(5, 24); // IEEE float
  binary.writeUInt16BE(0x0100, 300); // revision 1
  binary.writeInt16BE(1, 302); // fixed trace length
  const handle = await fs.open(file, 'w');
  await handle.write(Buffer.concat([textHeader, binary]));
  const traceBytes = 240 + 4 * SAMPLES;
  const batch = 2000;
  const wavelet = Float64Array.from({ length: SAMPLES }, (_, s) => Math.sin(s * 0.3) * Math.exp(-s / 400));
  for (let first = 0; first < TRACES; first += batch) {
    const count = Math.min(batch, TRACES - first);
    const buffer = Buffer.alloc(count * traceBytes);
    for (let i = 0; i < count; i++) {
      const t = first + i;
      const base = i * traceBytes;
      buffer.writeInt32BE(t + 1, base);
      buffer.writeInt32BE(t + 1, base + 4);
      buffer.writeInt32BE(1 + Math.floor(t / CHANNELS), base + 8);
      buffer.writeInt32BE((t % CHANNELS) + 1, base + 12);
      buffer.writeInt32BE(t + 1, base + 20);
      buffer.writeInt16BE(SAMPLES, base + 114);
      buffer.writeInt16BE(SAMPLE_INTERVAL_US, base + 116);
      const amplitude = 1 + (t % 97);
      for (let s = 0; s < SAMPLES; s++) buffer.writeFloatBE(amplitude * wavelet[s], base + 240 + 4 * s);
    }
    await handle.write(buffer);
  }
  await handle.close();
}

/**
 * The benchmark dataset, made once (SEG-Y written, then imported uncompressed) and kept in
 * bench/data; made again when an older seisproc made it (no recorded sample digest), since a
 * run then reads its input once more for the digest.
 */
async function ensureDataset() {
  const dataset = path.join(DATA, `process-${TRACES}.seis`);
  const group = await fs.readFile(path.join(dataset, 'zarr.json'), 'utf8').catch(() => undefined);
  if (group && JSON.parse(group).attributes?.seisproc?.sample_digest) return dataset;
  await fs.mkdir(DATA, { recursive: true });
  const segy = path.join(DATA, `process-${TRACES}.sgy`);
  console.log(`making ${TRACES} traces × ${SAMPLES} samples (once) …`);
  await writeSegy(segy);
  await importSegy(segy, dataset, { compression: 'none', overwrite: true });
  await fs.rm(segy);
  return dataset;
}

async function filesUnder(dir) {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** Physical reference: read every chunk file of the traces and raw headers, one after the other. */
async function readReference(dataset) {
  const files = [
    ...(await filesUnder(path.join(dataset, 'traces'))),
    ...(await filesUnder(path.join(dataset, 'raw_headers'))),
  ];
  const started = performance.now();
  let bytes = 0;
  for (const file of files) bytes += (await fs.readFile(file)).length;
  return { ms: performance.now() - started, bytes };
}

/** Physical reference: copy every chunk file (read, then write a new file), one after the other. */
async function copyReference(dataset) {
  const target = path.join(DATA, 'copy-reference');
  await fs.rm(target, { recursive: true, force: true });
  const files = [
    ...(await filesUnder(path.join(dataset, 'traces'))),
    ...(await filesUnder(path.join(dataset, 'raw_headers'))),
  ];
  const started = performance.now();
  for (const [i, file] of files.entries()) {
    const out = path.join(target, String(i));
    await fs.mkdir(target, { recursive: true });
    await fs.writeFile(out, await fs.readFile(file));
  }
  const ms = performance.now() - started;
  await fs.rm(target, { recursive: true, force: true });
  return { ms };
}

async function processRun(dataset, name, parameters, options) {
  const out = path.join(DATA, `out-${name}-${options.workers}.seis`);
  await fs.rm(out, { recursive: true, force: true });
  const result = await new ChunkedProcessor().run(dataset, processors.create(name, parameters), out, {
    inProcess: false,
    ...options,
  });
  await fs.rm(out, { recursive: true, force: true });
  return result;
}

/** CPU seconds (user + system, every thread of this process) since `start`. */
const cpuSeconds = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function run() {
  const dataset = await ensureDataset();
  const cores = os.availableParallelism();
  console.log(`${TRACES} traces × ${SAMPLES} samples (float32, uncompressed), ${cores} cores`);
  const rows = [];
  // Warm the page cache so that every measurement reads from memory alike.
  await readReference(dataset);
  let cpu = process.cpuUsage();
  const read = await readReference(dataset);
  const readCpu = cpuSeconds(cpu);
  rows.push({
    what: 'read chunk files (reference)',
    workers: 1,
    'process traces/s': rate(TRACES, read.ms),
    'total traces/s': '',
    'traces per CPU-s': rate(TRACES, readCpu * 1000),
    'peak RSS MiB': peakRssMiB(),
  });
  // Every step that writes starts in recycled memory (see memoryRecycler); its rates are printed.
  const recycler = memoryRecycler(DATA, TRACES * (SAMPLES * 4 + 240));
  await recycler.recycle();
  cpu = process.cpuUsage();
  const copy = await copyReference(dataset);
  const copyCpu = cpuSeconds(cpu);
  rows.push({
    what: 'copy chunk files (reference)',
    workers: 1,
    'process traces/s': rate(TRACES, copy.ms),
    'total traces/s': '',
    'traces per CPU-s': rate(TRACES, copyCpu * 1000),
    'peak RSS MiB': peakRssMiB(),
  });
  // Without a provenance record, the run ends with copying the header tables and the commit: the
  // end-to-end figure to set against an application that records no provenance.
  const runs = [];
  for (const [name, parameters, recordProvenance] of [
    ['scale', { factor: 2 }, true],
    ['scale', { factor: 2 }, false],
    ['bandpass', { low: 5, high: 60 }, true],
  ]) {
    for (const workers of [...new Set([1, cores])])
      runs.push({ name, parameters, recordProvenance, workers });
    // Workers that take every core block on I/O by default; this row keeps libuv's thread pool.
    if (name === 'scale' && !recordProvenance && cores > 1) {
      runs.push({ name, parameters, recordProvenance, workers: cores, blockingIO: false });
    }
  }
  for (const { name, parameters, ...options } of runs) {
    const { median, range } = await measureRuns(
      async () => {
        const started = process.cpuUsage();
        const result = await processRun(dataset, name, parameters, options);
        return { result, runCpu: cpuSeconds(started) };
      },
      { before: () => recycler.recycle(), ms: (run) => run.result.processMs, count: TRACES },
    );
    const { result, runCpu } = median;
    rows.push({
      what: `${name} (${options.recordProvenance ? 'with provenance' : 'no provenance record'})`,
      workers: options.workers,
      'blocking I/O': result.blockingIO,
      'process traces/s': rate(TRACES, result.processMs),
      range,
      'total traces/s': rate(TRACES, result.elapsedMs),
      'traces per CPU-s': rate(TRACES, runCpu * 1000),
      'peak RSS MiB': peakRssMiB(),
    });
  }
  console.table(rows);
  console.log(
    'process = the process stage (read, process, write, the output chunks hashed as written); total adds finalize (header tables, the sample digests and the provenance step recorded, commit).',
  );
  console.log(
    `each processor ran ${RUNS} times: its row is the run of median process stage, range the process traces/s of the slowest and fastest (BENCH_RUNS sets the count).`,
  );
  console.log('peak RSS is the peak of this whole process so far (worker threads included).');
  console.log(
    'traces per CPU-s = traces / CPU seconds of all threads of the run (whole run for the processors): a machine busy',
  );
  console.log('with other work slows the wall-clock rates, much less this one.');
  console.log(recycler.summary());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await run();
