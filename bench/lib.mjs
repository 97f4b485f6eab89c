// Helpers shared by the benchmarks.
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Run `script --child JSON(job)` in a fresh Node process and resolve with the JSON it prints on
 * stdout. Each measured run gets its own process so its peak RSS and CPU time are its own.
 */
export function runJsonChild(script, job, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--child', JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${label} child exited with ${code}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/** `cp` of `file` next to it (the physical reference of import and export), timed in ms, then removed. */
export async function timeCopy(file) {
  const target = `${file}.cp`;
  const started = performance.now();
  await promisify(execFile)('cp', [file, target]);
  const ms = performance.now() - started;
  await fs.rm(target, { force: true });
  return ms;
}

/**
 * Copy of `file` next to it through user space (8 MiB blocks read into one buffer and written
 * out, as `cat` does), timed in ms, then removed: the bytes an import or export moves, without
 * `cp`'s in-kernel copy (`copy_file_range`), which never brings them into a process.
 */
export async function timeUserSpaceCopy(file) {
  const target = `${file}.copy`;
  const block = Buffer.alloc(8 << 20);
  const started = performance.now();
  const [source, sink] = await Promise.all([fs.open(file, 'r'), fs.open(target, 'w')]);
  try {
    for (;;) {
      const { bytesRead } = await source.read(block, 0, block.length);
      if (bytesRead === 0) break;
      await sink.write(block, 0, bytesRead);
    }
  } finally {
    await Promise.all([source.close(), sink.close()]);
  }
  const ms = performance.now() - started;
  await fs.rm(target, { force: true });
  return ms;
}

/**
 * The copy references of `file`, each right after `recycler.recycle()` (see {@link memoryRecycler}):
 * `cp` and a user-space copy, in ms.
 */
export async function timeCopies(file, recycler) {
  await recycler.recycle();
  const cp = await timeCopy(file);
  await recycler.recycle();
  const userSpace = await timeUserSpaceCopy(file);
  return { cp, userSpace };
}

/** Traces per second of `traces` in `ms`. */
export const rate = (traces, ms) => Math.round((traces * 1000) / ms);
/** MB per second of `bytes` in `ms`. */
export const mbps = (bytes, ms) => Math.round(bytes / 1e6 / (ms / 1000));

/** A table row for a reference that moved `bytes` bytes (`traces` traces) in `ms`. */
export function referenceRow(what, ms, traces, bytes) {
  return { what, 'traces/s': rate(traces, ms), 'MB/s': mbps(bytes, ms), s: +(ms / 1000).toFixed(2) };
}

/**
 * Before each measured step that writes (a reference or the library alike), `recycle()` writes
 * and deletes a file of `bytes` bytes in `dir`; `summary()` says at which rates those writes ran.
 *
 * Why: this machine is a microVM whose kernel hands free memory back to the host (free page
 * reporting). Writing into memory handed back costs the kernel far more than writing into memory
 * freed a moment ago (the rates printed by `summary()` span both), and which step meets which
 * memory is luck. After `recycle()`, the measured step writes its output into the memory just
 * freed.
 */
export function memoryRecycler(dir, bytes) {
  const rates = [];
  return {
    async recycle() {
      const file = path.join(dir, 'recycle-memory.tmp');
      const block = Buffer.alloc(8 << 20, 1);
      const handle = await fs.open(file, 'w');
      const started = performance.now();
      try {
        for (let written = 0; written < bytes; written += block.length) {
          await handle.write(block, 0, Math.min(block.length, bytes - written));
        }
      } finally {
        await handle.close();
      }
      const ms = performance.now() - started;
      await fs.rm(file, { force: true });
      rates.push(mbps(bytes, ms));
    },
    summary() {
      return `before each write step, ${(bytes / 1e6).toFixed(0)} MB written and deleted at ${Math.min(...rates)}-${Math.max(...rates)} MB/s (see bench/lib.mjs memoryRecycler)`;
    },
  };
}

/** Runs of each measured configuration (BENCH_RUNS, default 3): tables give the median run and the range. */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

/**
 * Measure {@link RUNS} times, calling `before` (e.g. a memory recycle) ahead of each run. Runs on
 * this machine vary by tens of percent with the state of the host's memory, so one run says
 * little: returns the run of median `ms`, and `range`, the rates (`count` per second) of the
 * slowest and the fastest run.
 */
export async function measureRuns(measure, { before, ms, count }) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await before?.();
    runs.push(await measure());
  }
  runs.sort((a, b) => ms(a) - ms(b));
  return {
    median: runs[Math.floor((runs.length - 1) / 2)],
    range: runs.length > 1 ? `${rate(count, ms(runs.at(-1)))}–${rate(count, ms(runs[0]))}` : '',
  };
}
