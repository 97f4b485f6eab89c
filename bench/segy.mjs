#!/usr/bin/env node
// SEG-Y core throughput, each figure next to a physical reference measured in the same run:
// 1. sample decode rate per format (samples/s on one core) against a plain byte copy of the same
//    bytes (Uint8Array.set), and IBM encode;
// 2. whole-file read of a generated ~200 MB IBM-float file with SegyFile.chunks() (read + decode
//    to float32) against a plain fs read of the same file with the same buffer size.
// Prints traces/s, MB/s, the ratio and peak RSS (process.resourceUsage().maxRSS).
//
// Run alone with `npm run build && node bench/segy.mjs` or through `npm run bench -- segy`.
// BENCH_SEGY_MB (default 200) sets the file size; the file lives in bench/data/ (gitignored).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  decodeSamples,
  encodeSamples,
  SAMPLE_FORMAT_CODES,
  SAMPLE_FORMATS,
  SegyFile,
  SegyWriter,
} from '../dist/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');
const FILE_MB = Number(process.env.BENCH_SEGY_MB ?? 200);
const SAMPLES_PER_TRACE = 1000;
const DECODE_SAMPLES = 1 << 20;
const MIN_SECONDS = 0.4;

/** Run `fn` repeatedly for at least MIN_SECONDS; return calls per second. */
function rate(fn) {
  fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_SECONDS * 1000) {
    fn();
    calls++;
    elapsed = performance.now() - start;
  }
  return (calls * 1000) / elapsed;
}

function fmt(value, unit) {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G${unit}`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} M${unit}`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k${unit}`;
  return `${value.toFixed(0)} ${unit}`;
}

/** Seismic-looking float samples: a decaying wavelet with varying amplitude. */
function syntheticSamples(n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = i % SAMPLES_PER_TRACE;
    out[i] = Math.sin(s * 0.31) * Math.exp(-s / 450) * (1 + (Math.floor(i / SAMPLES_PER_TRACE) % 97)) * 100;
  }
  return out;
}

function decodeBench() {
  const source = syntheticSamples(DECODE_SAMPLES);
  const out = new Float32Array(DECODE_SAMPLES);
  const rows = [];
  for (const code of SAMPLE_FORMAT_CODES) {
    for (const endianness of code === 1 || code === 5 ? ['big', 'little'] : ['big']) {
      const bytes = encodeSamples(source, code, endianness);
      const copyTarget = new Uint8Array(bytes.byteLength);
      const decodeRate = rate(() => decodeSamples(bytes, code, endianness, out)) * DECODE_SAMPLES;
      const copyRate = rate(() => copyTarget.set(bytes)) * DECODE_SAMPLES;
      rows.push([`${code} ${SAMPLE_FORMATS[code].name}`, endianness, decodeRate, copyRate]);
    }
  }
  const ibmBytes = new Uint8Array(DECODE_SAMPLES * 4);
  const encodeRate = rate(() => encodeSamples(source, 1, 'big', ibmBytes)) * DECODE_SAMPLES;
  console.log(
    `Sample decode to float32, one core, ${DECODE_SAMPLES.toLocaleString('en-US')} samples per call`,
  );
  console.log(
    `  ${'format'.padEnd(30)}${'order'.padEnd(8)}${'decode'.padStart(16)}${'byte copy'.padStart(16)}${'ratio'.padStart(8)}`,
  );
  for (const [name, order, decode, copy] of rows) {
    console.log(
      `  ${name.padEnd(30)}${order.padEnd(8)}${fmt(decode, 'samples/s').padStart(16)}${fmt(copy, 'samples/s').padStart(16)}${(decode / copy).toFixed(2).padStart(8)}`,
    );
  }
  console.log(`  IBM float encode (big-endian): ${fmt(encodeRate, 'samples/s')}`);
}

/** The ~FILE_MB IBM-float file, written once with SegyWriter and kept in bench/data. */
async function ensureFile() {
  const traceSize = 240 + 4 * SAMPLES_PER_TRACE;
  const traces = Math.round((FILE_MB * 1e6) / traceSize);
  const file = path.join(DATA, `segy-ibm-${traces}x${SAMPLES_PER_TRACE}.sgy`);
  const expectedSize = 3600 + traces * traceSize;
  if ((await fs.stat(file).catch(() => undefined))?.size === expectedSize) return { file, traces };
  await fs.mkdir(DATA, { recursive: true });
  const partial = `${file}.partial`;
  const spec = {
    sampleCount: SAMPLES_PER_TRACE,
    sampleInterval: 2000,
    formatCode: 1,
    endianness: 'big',
    traceCount: traces,
  };
  const writer = await SegyWriter.create(partial, spec);
  const batch = 2000;
  const samples = syntheticSamples(batch * SAMPLES_PER_TRACE);
  const headers = new Uint8Array(batch * 240);
  const view = new DataView(headers.buffer);
  for (let first = 0; first < traces; first += batch) {
    const count = Math.min(batch, traces - first);
    for (let i = 0; i < count; i++) {
      view.setInt32(i * 240, first + i + 1);
      view.setInt32(i * 240 + 20, 1 + Math.floor((first + i) / 100));
      view.setUint16(i * 240 + 114, SAMPLES_PER_TRACE);
      view.setInt16(i * 240 + 116, 2000);
    }
    await writer.writeTraces(
      first,
      samples.subarray(0, count * SAMPLES_PER_TRACE),
      headers.subarray(0, count * 240),
    );
  }
  await writer.close();
  await fs.rename(partial, file);
  return { file, traces };
}

async function plainRead(file, bufferBytes) {
  const handle = await fs.open(file, 'r');
  const buffer = new Uint8Array(bufferBytes);
  let total = 0;
  const start = performance.now();
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  const seconds = (performance.now() - start) / 1000;
  await handle.close();
  return { bytes: total, seconds };
}

async function segyRead(file, options = {}) {
  const segy = await SegyFile.open(file);
  let traces = 0;
  let checksum = 0;
  const start = performance.now();
  for await (const chunk of segy.chunks(options)) {
    traces += chunk.end - chunk.start;
    checksum += chunk.samples[0];
  }
  const seconds = (performance.now() - start) / 1000;
  const chunkBytes = Math.max(1, Math.floor((8 << 20) / segy.traceSize)) * segy.traceSize;
  await segy.close();
  return { traces, seconds, checksum, chunkBytes };
}

async function wholeFileBench() {
  const { file, traces } = await ensureFile();
  const size = (await fs.stat(file)).size;
  const probe = await segyRead(file); // warms the page cache, gives the chunk size
  const plain = [await plainRead(file, probe.chunkBytes), await plainRead(file, probe.chunkBytes)];
  const segy = [await segyRead(file), await segyRead(file)];
  const reused = [await segyRead(file, { reuseBuffers: true }), await segyRead(file, { reuseBuffers: true })];
  const bestPlain = Math.min(...plain.map((r) => r.seconds));
  const bestSegy = Math.min(...segy.map((r) => r.seconds));
  const bestReused = Math.min(...reused.map((r) => r.seconds));
  const mb = size / 1e6;
  console.log(
    `\nWhole-file read: ${path.basename(file)} (${mb.toFixed(0)} MB, ${traces.toLocaleString('en-US')} traces × ${SAMPLES_PER_TRACE} IBM samples), page cache warm, best of 2`,
  );
  console.log(`  ${'reader'.padEnd(44)}${'traces/s'.padStart(14)}${'MB/s'.padStart(10)}`);
  console.log(
    `  ${`plain fs read (${(probe.chunkBytes / 2 ** 20).toFixed(1)} MiB buffer)`.padEnd(44)}${fmt(traces / bestPlain, '').padStart(14)}${(mb / bestPlain).toFixed(0).padStart(10)}`,
  );
  console.log(
    `  ${'SegyFile.chunks() read + IBM decode'.padEnd(44)}${fmt(traces / bestSegy, '').padStart(14)}${(mb / bestSegy).toFixed(0).padStart(10)}`,
  );
  console.log(
    `  ${'SegyFile.chunks({ reuseBuffers: true })'.padEnd(44)}${fmt(traces / bestReused, '').padStart(14)}${(mb / bestReused).toFixed(0).padStart(10)}`,
  );
  console.log(
    `  ratio SegyFile / plain read: ${(bestPlain / bestSegy).toFixed(2)}, with reused buffers ${(bestPlain / bestReused).toFixed(2)}`,
  );
  if ([...segy, ...reused].some((r) => r.traces !== traces))
    throw new Error('SegyFile.chunks() did not read every trace');
}

/** Run the SEG-Y benchmarks and print their tables. */
export async function run() {
  decodeBench();
  await wholeFileBench();
  console.log(`\nPeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
