#!/usr/bin/env node
// Start-up cost: wall time of a fresh Node process that imports the library or runs the CLI,
// next to bare `node -e 1` measured in the same run:
// 1. `node -e 1` (the physical reference: Node's own start and exit);
// 2. `node -e "await import('seisproc')"` (the package resolves to this repository's dist/ by
//    self-reference, the child runs in the repository's root);
// 3. `seisproc --version` and 4. `seisproc info test/fixtures/segyio/small.sgy` (dist/cli.js).
// Each runs BENCH_STARTUP_RUNS times (default 20), alternating, so a slow spell of the machine
// touches all four alike. Prints median and p90 wall time, the median's difference to bare Node
// and the peak RSS of one extra run of each under GNU time (`/usr/bin/time -f %M`).
//
// Run alone with `npm run build && node bench/startup.mjs` or through `npm run bench -- startup`.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SMALL_FILE = path.join(ROOT, 'test', 'fixtures', 'segyio', 'small.sgy');
const RUNS = Math.max(1, Number(process.env.BENCH_STARTUP_RUNS ?? 20));
const GNU_TIME = '/usr/bin/time';

const COMMANDS = [
  { what: 'node -e 1 (bare Node)', args: ['-e', '1'] },
  { what: "import('seisproc')", args: ['-e', "await import('seisproc')"] },
  { what: 'seisproc --version', args: [CLI, '--version'] },
  { what: 'seisproc info small.sgy', args: [CLI, 'info', SMALL_FILE] },
];

/** Wall time in ms of one run of `node ...args` in the repository's root; fails on a non-zero exit. */
function timeRun(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}`));
      else resolve(ms);
    });
  });
}

/** Peak RSS in MB of one run of `node ...args`, read from GNU time; undefined without it. */
async function peakRssMb(args) {
  if (!existsSync(GNU_TIME)) return undefined;
  const { stderr } = await promisify(execFile)(GNU_TIME, ['-f', '%M', process.execPath, ...args], {
    cwd: ROOT,
  });
  const kilobytes = Number(stderr.trim().split('\n').at(-1));
  return Math.round(kilobytes / 1024);
}

/** The value at quantile `q` (0–1) of `sorted`, nearest rank. */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export async function run() {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const times = COMMANDS.map(() => []);
  for (const command of COMMANDS) await timeRun(command.args); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [index, command] of COMMANDS.entries()) times[index].push(await timeRun(command.args));
  }
  const medians = times.map((ms) =>
    quantile(
      ms.toSorted((a, b) => a - b),
      0.5,
    ),
  );
  const rows = [];
  for (const [index, command] of COMMANDS.entries()) {
    const sorted = times[index].toSorted((a, b) => a - b);
    rows.push({
      what: command.what,
      'median ms': +medians[index].toFixed(1),
      'p90 ms': +quantile(sorted, 0.9).toFixed(1),
      'vs bare node ms': index === 0 ? '' : +(medians[index] - medians[0]).toFixed(1),
      'peak RSS MB': (await peakRssMb(command.args)) ?? 'n/a',
    });
  }
  console.log(`${RUNS} runs of each, alternating; Node ${process.version}`);
  console.table(rows);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await run();
