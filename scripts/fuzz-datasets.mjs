#!/usr/bin/env node
// Stress test of the built package (dist/) against hostile datasets: `node scripts/fuzz-datasets.mjs
// [MUTANTS] [SEED]` (default 2000 mutants) builds an uncompressed and a zstd dataset from a small
// SEG-Y file, mutates copies of them (see dataset-mutants.mjs), runs open, validate, checksum,
// gather by number and by key, export and history on each, and prints how many operations read
// correctly, how many were refused with which code, and how many failed (anything else). Exits 1
// when any failed, printing the first failures.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../dist/index.js';
import {
  buildBases,
  createMutant,
  judgeMutant,
  OPERATIONS,
  prng,
  referenceResults,
} from './dataset-mutants.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 0x5e15_da7a);
const TIMEOUT_MS = 20_000;
const SHOWN_FAILURES = Number(process.env.SHOWN_FAILURES ?? 10);

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-fuzz-datasets-'));
try {
  const bases = await buildBases(api, path.join(root, 'test', 'fixtures', 'segyio', 'small.sgy'), work);
  const references = [];
  for (const base of bases) references.push(await referenceResults(api, base.dir, work));
  const random = prng(seed);
  const tally = new Map(Object.keys(OPERATIONS).map((name) => [name, new Map()]));
  const failures = [];
  const started = Date.now();
  for (let n = 0; n < count; n++) {
    const which = n % bases.length;
    const mutant = await createMutant(
      bases[which].dir,
      path.join(work, 'mutant.seis'),
      random,
      bases[which].codec,
    );
    for (const outcome of await judgeMutant(api, mutant, references[which], work, TIMEOUT_MS)) {
      const label = outcome.result === 'refused' ? outcome.code : outcome.result;
      const counts = tally.get(outcome.operation);
      counts.set(label, (counts.get(label) ?? 0) + 1);
      if (outcome.result === 'failed') {
        failures.push({ n, codec: bases[which].codec, ...mutant, ...outcome });
      }
    }
    if ((n + 1) % 250 === 0) process.stderr.write(`${n + 1} mutants, ${failures.length} failures\n`);
  }
  printTable(tally, count, Date.now() - started);
  for (const failure of failures.slice(0, SHOWN_FAILURES)) {
    console.log(
      `\nFAILED mutant ${failure.n} (${failure.codec}): ${failure.file} ${failure.kind}; ${failure.operation}: ${failure.detail}`,
    );
  }
  if (failures.length) process.exitCode = 1;
} finally {
  await fs.rm(work, { recursive: true, force: true });
}

function printTable(tally, mutants, elapsedMs) {
  const labels = [...new Set([...tally.values()].flatMap((counts) => [...counts.keys()]))].sort((a, b) =>
    a === 'ok' ? -1 : b === 'ok' ? 1 : a === 'failed' ? 1 : b === 'failed' ? -1 : a.localeCompare(b),
  );
  console.log(`${mutants} mutants (seed ${seed}) in ${(elapsedMs / 1000).toFixed(1)} s\n`);
  const width = Math.max(...labels.map((label) => label.length), 9);
  console.log(['operation'.padEnd(16), ...labels.map((label) => label.padStart(width))].join(' '));
  const totals = new Map();
  for (const [operation, counts] of tally) {
    const cells = labels.map((label) => {
      totals.set(label, (totals.get(label) ?? 0) + (counts.get(label) ?? 0));
      return String(counts.get(label) ?? 0).padStart(width);
    });
    console.log([operation.padEnd(16), ...cells].join(' '));
  }
  console.log(
    ['all'.padEnd(16), ...labels.map((label) => String(totals.get(label)).padStart(width))].join(' '),
  );
}
