#!/usr/bin/env node

// Whole commands as a user runs them, start-up included, on a file of ordinary size: `seisproc
// import` (uncompressed and zstd), `seisproc process --op scale` (with its provenance record) and
// `seisproc export`, each a fresh process timed from spawn to exit, next to `cp` of the same bytes
// and, for the import, the Python peer (bench/peer_import.py: segyio + tensorstore + pyarrow) in
// the same run. The stage figures of the large file are import.mjs, process.mjs and export.mjs.
//
// BENCH_COMMAND_TRACES (default 100000: 424 MB of IBM samples) sets the size. The peer runs in a
// virtual environment made once in bench/data/peer-venv (Debian's python3-segyio, tensorstore and
// pyarrow from the package index); without it the peer rows say why they are missing.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSegy } from './import.mjs';
import { mbps, measureRuns, memoryRecycler, RUNS, rate, timeCopies } from './lib.mjs';

const TRACES = Number(process.env.BENCH_COMMAND_TRACES ?? 100_000);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(HERE, 'data');
const CLI = path.join(HERE, '..', 'dist', 'cli.js');
const PEER_VENV = path.join(DATA, 'peer-venv');
const PEER_PYTHON = path.join(PEER_VENV, 'bin', 'python');

/** Run `command args` to its end; resolves with its wall time and peak RSS (GNU time's %M). */
function timed(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.slice(-400)}`));
      } else {
        resolve({ ms, maxRssMiB: Number(stderr.trim().split('\n').at(-1)) / 1024 });
      }
    });
  });
}

/** The peer's Python ({@link PEER_PYTHON}), made on first use; otherwise why it cannot be. */
function peerPython() {
  const check = () =>
    spawnSync(PEER_PYTHON, ['-c', 'import segyio, tensorstore, pyarrow'], { stdio: 'ignore' }).status === 0;
  if (existsSync(PEER_PYTHON) && check()) return PEER_PYTHON;
  console.log('making the Python peer environment (once) …');
  const made = spawnSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', PEER_VENV], {
    stdio: 'ignore',
  });
  if (made.status !== 0) return 'python3 -m venv failed';
  spawnSync(path.join(PEER_VENV, 'bin', 'pip'), ['install', '-q', 'tensorstore', 'pyarrow'], {
    stdio: 'ignore',
  });
  return check() ? PEER_PYTHON : 'segyio (python3-segyio), tensorstore or pyarrow is missing';
}

export async function run() {
  const file = await ensureSegy(TRACES);
  const { size } = await fs.stat(file);
  console.log(
    `${TRACES} traces × 1000 samples, IBM float, ${(size / 1e6).toFixed(0)} MB; whole commands, ${os.availableParallelism()} cores`,
  );
  await fs.readFile(file); // into the page cache, as for every run below
  const recycler = memoryRecycler(DATA, size);
  const { cp: copyMs } = await timeCopies(file, recycler);
  const dataset = path.join(DATA, `commands-${TRACES}.seis`);
  const scaled = path.join(DATA, `commands-${TRACES}-scaled.seis`);
  const exported = path.join(DATA, `commands-${TRACES}-export.sgy`);
  const peerOutput = path.join(DATA, `commands-${TRACES}-peer.zarr`);
  const node = process.execPath;

  const measure = async (what, command, args, clean) => {
    const { median, range } = await measureRuns(() => timed(command, args), {
      before: async () => {
        await fs.rm(clean, { recursive: true, force: true });
        await recycler.recycle();
      },
      ms: (run) => run.ms,
      count: TRACES,
    });
    return { what, ms: median.ms, range, maxRssMiB: median.maxRssMiB };
  };

  const startup = await measure('node -e 0 (start-up reference)', node, ['-e', '0'], scaled);
  const measured = [];
  for (const codec of ['zstd', 'none']) {
    // The uncompressed dataset is imported last and stays for process and export.
    measured.push(
      await measure(
        `seisproc import (${codec})`,
        node,
        [CLI, 'import', file, dataset, '--compression', codec],
        dataset,
      ),
    );
  }
  const python = peerPython();
  const peers = {};
  for (const codec of python === PEER_PYTHON ? ['zstd', 'none'] : []) {
    peers[codec] = await measure(
      `peer import (${codec}): segyio + tensorstore + pyarrow`,
      python,
      [path.join(HERE, 'peer_import.py'), file, peerOutput, codec],
      peerOutput,
    );
  }
  await fs.rm(peerOutput, { recursive: true, force: true });
  measured.push(
    await measure(
      'seisproc process --op scale',
      node,
      [CLI, 'process', dataset, scaled, '--op', 'scale', '--param', 'factor=2'],
      scaled,
    ),
    await measure('seisproc export', node, [CLI, 'export', dataset, exported], exported),
  );
  for (const leftover of [dataset, scaled, exported]) await fs.rm(leftover, { recursive: true, force: true });

  const row = ({ what, ms, range, maxRssMiB }, peer) => ({
    what,
    s: +(ms / 1000).toFixed(2),
    'traces/s': rate(TRACES, ms),
    range,
    'MB/s': mbps(size, ms),
    'x cp': +(ms / copyMs).toFixed(2),
    'peer / this': peer ? +(peer.ms / ms).toFixed(2) : '',
    'peak RSS MiB': Math.round(maxRssMiB),
  });
  const peerOf = (what) =>
    Object.entries(peers).find(([codec]) => what === `seisproc import (${codec})`)?.[1];
  console.table([
    {
      what: 'cp (reference)',
      s: +(copyMs / 1000).toFixed(2),
      'traces/s': rate(TRACES, copyMs),
      'MB/s': mbps(size, copyMs),
    },
    row(startup),
    ...measured.map((m) => row(m, peerOf(m.what))),
    ...Object.values(peers).map((p) => row(p)),
  ]);
  if (python !== PEER_PYTHON) console.log(`no peer rows: ${python}`);
  console.log(
    `each command ran ${RUNS} times as a fresh process (node dist/cli.js …): its row is the median run, range the traces/s of the slowest and fastest; x cp: its time over cp of the ${(size / 1e6).toFixed(0)} MB file; peer / this: the peer's time over seisproc's.`,
  );
  console.log(recycler.summary());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await run();
