#!/usr/bin/env node
// Gather access: latency of a 1000-trace × 1000-sample gather read uncached (straight from the
// dataset) and cached (through a GatherNavigator), stepping with prefetch, and the time to switch
// between open datasets, for an uncompressed and a zstd dataset of 200 gathers. Next to them, the
// physical reference measured in the same run: one positional fs read of the gather's bytes.
// For zstd, the share of an uncached gather spent decoding its chunks.
//
// Run alone with `npm run build && node bench/navigator.mjs` or through `npm run bench -- navigator`.
// BENCH_NAVIGATOR_GATHERS (default 200) sets the dataset size; data lives in bench/data/ (gitignored).
// "Uncached" means not in seisproc's cache: the chunk files are in the OS page cache (just written).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  createDatasetArrays,
  DATASET_FORMAT_VERSION,
  Dataset,
  DatasetChunkWriter,
  DatasetNavigator,
  ENSEMBLE_COLUMNS,
  ENSEMBLES_TABLE,
  GatherNavigator,
  HEADERS_TABLE,
  ParquetTableWriter,
} from '../dist/index.js';

const GATHERS = Number(process.env.BENCH_NAVIGATOR_GATHERS ?? 200);
const TRACES_PER_GATHER = 1000;
const SAMPLES = 1000;
const TRACES = GATHERS * TRACES_PER_GATHER;
const CHUNK_TRACES = 2097;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');

function metadata(codec) {
  return {
    format_version: DATASET_FORMAT_VERSION,
    created_by: 'seisproc bench',
    created_at: new Date().toISOString(),
    source: null,
    trace_count: TRACES,
    sample_count: SAMPLES,
    sample_interval_us: 2000,
    delay_ms: 0,
    source_format: { format_code: 5, endianness: 'big', text_encoding: 'ebcdic', revision: 1, kind: 'segy' },
    text_header: null,
    extended_text_headers: [],
    binary_header: null,
    trace_header_size: 240,
    header_mapping: { fields: [] },
    ensemble_keys: [['fieldRecord']],
    // ~8 MiB chunks, as an import would choose: gathers straddle chunk boundaries.
    chunk_traces: CHUNK_TRACES,
    compression: { codec },
    crs: null,
    provenance: [],
  };
}

/** A shot-ordered survey: 1000 channels per field record, a decaying wavelet scaled per trace. */
async function ensureDataset(codec) {
  const dir = path.join(DATA, `navigator-${GATHERS}-${codec}.seis`);
  if (await fs.stat(path.join(dir, ENSEMBLES_TABLE)).catch(() => undefined)) return dir;
  const temp = `${dir}.partial`;
  await fs.rm(temp, { recursive: true, force: true });
  const started = performance.now();
  await createDatasetArrays(temp, metadata(codec));
  const writer = await DatasetChunkWriter.open(temp);
  const wavelet = Float32Array.from({ length: SAMPLES }, (_, s) => Math.sin(s * 0.3) * Math.exp(-s / 400));
  const fieldRecord = new Int32Array(TRACES);
  const traceNumber = new Int32Array(TRACES);
  const offset = new Int32Array(TRACES);
  for (let chunk = 0; chunk < writer.chunkCount; chunk++) {
    const { start, end } = writer.chunkRange(chunk);
    const samples = new Float32Array((end - start) * SAMPLES);
    const raw = new Uint8Array((end - start) * 240);
    const view = new DataView(raw.buffer);
    for (let t = start; t < end; t++) {
      const row = t - start;
      const amplitude = 1 + (t % 97);
      for (let s = 0; s < SAMPLES; s++) samples[row * SAMPLES + s] = amplitude * wavelet[s];
      fieldRecord[t] = 1 + Math.floor(t / TRACES_PER_GATHER);
      traceNumber[t] = (t % TRACES_PER_GATHER) + 1;
      offset[t] = 25 * (t % TRACES_PER_GATHER) - 12_500;
      view.setInt32(row * 240 + 8, fieldRecord[t], false);
      view.setInt32(row * 240 + 12, traceNumber[t], false);
      view.setInt32(row * 240 + 36, offset[t], false);
    }
    await writer.writeChunk(chunk, samples, raw);
  }
  const headers = ParquetTableWriter.create(path.join(temp, HEADERS_TABLE), [
    { name: 'fieldRecord', type: 'INT32' },
    { name: 'traceNumber', type: 'INT32' },
    { name: 'offset', type: 'INT32' },
  ]);
  await headers.append({ fieldRecord, traceNumber, offset });
  await headers.close();
  const index = ParquetTableWriter.create(path.join(temp, ENSEMBLES_TABLE), ENSEMBLE_COLUMNS);
  await index.append({
    key: Array.from({ length: GATHERS }, () => 'fieldRecord'),
    value0: Array.from({ length: GATHERS }, (_, g) => g + 1),
    value1: Array.from({ length: GATHERS }, () => 0),
    first_trace: Array.from({ length: GATHERS }, (_, g) => g * TRACES_PER_GATHER),
    trace_count: Array.from({ length: GATHERS }, () => TRACES_PER_GATHER),
  });
  await index.close();
  await fs.rename(temp, dir);
  console.log(
    `  built ${path.relative(process.cwd(), dir)} (${codec}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return dir;
}

/** Wall-clock percentiles of `times`, and the process CPU time per operation since `cpuStart`. */
function percentiles(times, cpuStart) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const cpu = cpuStart ? process.cpuUsage(cpuStart) : undefined;
  return {
    p50: at(0.5),
    p99: at(0.99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    n: times.length,
    cpu: cpu ? (cpu.user + cpu.system) / 1000 / times.length : undefined,
  };
}

/** Gather numbers in a fixed shuffled order (the same every run). */
function shuffled(count, seed = 42) {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// A full collection between measurements, so that no phase pays for the garbage of the one before.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

const fmt = (ms) => (ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const rows = [];
function report(what, stats, goal) {
  collectGarbage();
  rows.push({
    what,
    p50: fmt(stats.p50),
    p99: fmt(stats.p99),
    mean: fmt(stats.mean),
    'cpu/op': stats.cpu === undefined ? '' : fmt(stats.cpu),
    n: stats.n,
    goal: goal ?? '',
  });
}

/**
 * One positional read of a gather's bytes from its chunk file: what any reader must at least do.
 * `fresh`: into a new buffer each time, as a reader that returns a new array must (the first-touch
 * page faults of 4 MB of fresh memory cost about as much as the read itself).
 */
async function physicalReference(dir, { fresh = false } = {}) {
  const times = [];
  const cpu = process.cpuUsage();
  const reused = Buffer.allocUnsafeSlow(TRACES_PER_GATHER * SAMPLES * 4);
  for (const g of shuffled(GATHERS)) {
    const bytes = fresh ? Buffer.allocUnsafeSlow(TRACES_PER_GATHER * SAMPLES * 4) : reused;
    const first = g * TRACES_PER_GATHER;
    const chunk = Math.floor(first / CHUNK_TRACES);
    const rows = Math.min(TRACES_PER_GATHER, (chunk + 1) * CHUNK_TRACES - first);
    times.push(
      await time(async () => {
        const handle = await fs.open(path.join(dir, 'traces', 'c', String(chunk), '0'));
        await handle.read(bytes, 0, rows * SAMPLES * 4, (first - chunk * CHUNK_TRACES) * SAMPLES * 4);
        await handle.close();
      }),
    );
  }
  return percentiles(times, cpu);
}

/**
 * Gathers read straight from the dataset in random order (no gather cache); `reuse` reads them
 * into one caller-owned buffer (`into`) instead of a new array each. `release` drops the
 * dataset's decoded chunks before each read; `decode`, for zstd, also times decoding the chunks the
 * gather needs (with the same numcodecs zstd zarrita uses), right after each read.
 */
async function uncached(dir, { release = false, decode = false, reuse = false } = {}) {
  const dataset = await Dataset.open(dir);
  const index = await dataset.ensembles();
  await dataset.readGather(index.get(0));
  const codec = decode ? (await import('numcodecs/zstd')).default.fromConfig({ level: 3 }) : undefined;
  const into = reuse ? new Float32Array(TRACES_PER_GATHER * SAMPLES) : undefined;
  const times = [];
  let decoding = 0;
  let chunks = 0;
  let cpu = process.cpuUsage();
  let cpuSpent = 0;
  for (const g of shuffled(GATHERS)) {
    if (release) await dataset.releaseCaches();
    const info = index.get(g);
    cpu = process.cpuUsage();
    times.push(await time(() => dataset.readGather(info, { into })));
    const used = process.cpuUsage(cpu);
    cpuSpent += (used.user + used.system) / 1000;
    if (!codec) continue;
    const first = info.runs[0].start;
    for (
      let chunk = Math.floor(first / CHUNK_TRACES);
      chunk * CHUNK_TRACES < first + info.traceCount;
      chunk++
    ) {
      const bytes = await fs.readFile(path.join(dir, 'traces', 'c', String(chunk), '0'));
      decoding += await time(() => codec.decode(bytes));
      chunks++;
    }
  }
  await dataset.close();
  return {
    ...percentiles(times),
    cpu: cpuSpent / times.length,
    decodePerGather: decoding / GATHERS,
    chunksPerGather: chunks / GATHERS,
  };
}

async function cached(dir) {
  const dataset = await Dataset.open(dir);
  const navigator = new GatherNavigator(dataset, { cacheBytes: 64 * 4_010_000, prefetchDepth: 0 });
  const visits = shuffled(GATHERS).slice(0, 50);
  for (const g of visits) await navigator.goTo(g);
  collectGarbage();
  const times = [];
  const cpu = process.cpuUsage();
  for (let round = 0; round < 20; round++)
    for (const g of visits) times.push(await time(() => navigator.goTo(g)));
  const stats = percentiles(times, cpu);
  await dataset.close();
  return stats;
}

/** Stepping with next() while prefetch (depth 2) runs; the user looks at each gather for 20 ms. */
async function stepping(dir) {
  const dataset = await Dataset.open(dir);
  const navigator = new GatherNavigator(dataset, { prefetchDepth: 2 });
  await navigator.first();
  const times = [];
  for (let step = 0; step < Math.min(100, GATHERS - 1); step++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    times.push(await time(() => navigator.next()));
  }
  const stats = navigator.stats;
  await navigator.whenIdle();
  await dataset.close();
  return { ...percentiles(times), hits: stats.hits, misses: stats.misses };
}

/** Switching the active dataset, showing the same gather in the one switched to. */
async function switching(dirs) {
  const navigator = new DatasetNavigator({ navigator: { prefetchDepth: 1 } });
  const ids = [];
  const cold = [];
  for (const dir of dirs) {
    const start = performance.now();
    const id = await navigator.addDataset(dir);
    const { navigator: gathers } = await navigator.setActiveDataset(id);
    await gathers.goTo(Math.min(10, GATHERS - 1));
    cold.push(performance.now() - start);
    ids.push(id);
  }
  for (const id of ids) await navigator.getDataset(id).navigator.whenIdle();
  const warm = [];
  for (let round = 0; round < 100; round++) {
    const id = ids[round % ids.length];
    warm.push(
      await time(async () => {
        const { navigator: gathers } = await navigator.setActiveDataset(id, { alignGather: true });
        if (!gathers.current) throw new Error('no gather shown after the switch');
      }),
    );
  }
  await navigator.dispose();
  return { cold: percentiles(cold), warm: percentiles(warm) };
}

export async function run() {
  await fs.mkdir(DATA, { recursive: true });
  const none = await ensureDataset('none');
  const zstd = await ensureDataset('zstd');
  const gatherBytes = TRACES_PER_GATHER * SAMPLES * 4;
  console.log(
    `  ${GATHERS} gathers × ${TRACES_PER_GATHER} traces × ${SAMPLES} samples (${(gatherBytes / 1e6).toFixed(1)} MB per gather), ` +
      `chunks of ${CHUNK_TRACES} traces`,
  );
  report('reference: fs read of the gather bytes', await physicalReference(none));
  report('reference: same, into a fresh buffer', await physicalReference(none, { fresh: true }));
  report('none: uncached gather', await uncached(none), '< 2 ms p50');
  report('none: uncached, into a reused buffer', await uncached(none, { reuse: true }));
  report('none: cached gather (navigator)', await cached(none), '< 0.1 ms p99');
  const step = await stepping(none);
  report(`none: next() with prefetch (${step.hits} hits, ${step.misses} misses)`, step);
  const zstdUncached = await uncached(zstd, { release: true, decode: true });
  report('zstd: uncached gather', zstdUncached);
  report('zstd: uncached, last 2 decoded chunks kept', await uncached(zstd));
  report('zstd: cached gather (navigator)', await cached(zstd), '< 0.1 ms p99');
  const zstdStep = await stepping(zstd);
  report(`zstd: next() with prefetch (${zstdStep.hits} hits, ${zstdStep.misses} misses)`, zstdStep);
  const switches = await switching([none, zstd, none]);
  report('switch: open + first gather', switches.cold);
  report('switch: between open datasets', switches.warm, '< 100 ms');
  console.table(rows);
  console.log(
    `  zstd: ${zstdUncached.chunksPerGather.toFixed(2)} chunks decoded per gather, ${zstdUncached.decodePerGather.toFixed(1)} ms ` +
      `of decoding = ${((100 * zstdUncached.decodePerGather) / zstdUncached.mean).toFixed(0)}% of an uncached zstd gather ` +
      `(mean ${zstdUncached.mean.toFixed(1)} ms)`,
  );
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
