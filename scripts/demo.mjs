#!/usr/bin/env node
// `npm run demo`: what seisproc does today, end to end, on the SEG-Y files bundled in
// test/fixtures. The library is used directly where a host application would (import with
// progress events), and the `seisproc` CLI for the rest, printing each command as it runs.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset, GatherNavigator, ParallelImportCoordinator, SegyFile } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const out = path.join(root, '.demo');
const f3 = path.join(root, 'test', 'fixtures', 'segyio', 'f3.sgy');
const shots = path.join(root, 'test', 'fixtures', 'segypy', 'shotgather.sgy');

function seisproc(...args) {
  const shown = args.map((a) => (a.startsWith(root) ? path.relative(root, a) : a)).join(' ');
  console.log(`\n$ seisproc ${shown}`);
  const text = execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return text;
}

function heading(text) {
  console.log(`\n${'='.repeat(78)}\n${text}\n${'='.repeat(78)}`);
}

await fs.rm(out, { recursive: true, force: true });
await fs.mkdir(out, { recursive: true });

heading('1. Open any SEG-Y: layout, text and binary headers, trace header ranges');
seisproc('info', f3);
seisproc('headers', f3, '--fields', 'inline,crossline,cdpX,cdpY,offset', '--range', '0:5');

heading('2. Import into a dataset (Zarr v3 traces + raw headers, Parquet headers, gather index)');
const dataset = path.join(out, 'f3.seis');
const importer = new ParallelImportCoordinator({
  input: f3,
  output: dataset,
  ensembleKeys: [['inline'], ['crossline']],
  compression: { codec: 'zstd', level: 3 },
});
importer.on('stage-end', (e) =>
  console.log(`  stage ${e.stage.padEnd(8)} ${e.total} ${e.unit} in ${e.elapsedMs.toFixed(0)} ms`),
);
const imported = await importer.run();
console.log(`  imported ${imported.traceCount} traces into ${imported.gatherCount} inline gathers`);
seisproc('validate', dataset);
seisproc('checksum', f3);
seisproc('checksum', dataset);

heading('3. Navigate gathers with a byte-bounded cache and prefetch');
const opened = await Dataset.open(dataset);
const navigator = new GatherNavigator(opened, { cacheBytes: 4 * 1024 * 1024, prefetchDepth: 2 });
await navigator.first();
await navigator.next();
await navigator.next();
await navigator.previous();
const gather = navigator.current;
console.log(`  at gather ${navigator.currentIndex} of ${navigator.gatherCount}: ${gather.traceCount} traces`);
console.log(`  cache: ${JSON.stringify(navigator.stats)}`);
navigator.dispose?.();
seisproc('gather', dataset, '--index', '1', '--format', 'table');
const png = path.join(out, 'shotgather.png');
seisproc('plot', shots, '--range', '0:31', '--out', png, '--clip', '98', '--wiggle');

heading('4. Process with provenance: bandpass, history, reproducibility check');
const filtered = path.join(out, 'f3-bandpass.seis');
seisproc('process', dataset, filtered, '--op', 'bandpass', '--param', 'low=8', '--param', 'high=40');
seisproc('history', filtered, '--yaml');
seisproc('verify', filtered);

heading('5. Export back to SEG-Y: every header byte kept');
const back = path.join(out, 'f3-roundtrip.sgy');
seisproc('export', dataset, back);
const [a, b] = await Promise.all([fs.readFile(f3), fs.readFile(back)]);
console.log(
  `  round trip: ${a.equals(b) ? 'byte-identical to the source' : 'DIFFERS from the source'} (${b.length} bytes)`,
);
const filteredSegy = path.join(out, 'f3-bandpass.sgy');
seisproc('export', filtered, filteredSegy, '--format-code', '5', '--endian', 'little');
const reread = await SegyFile.open(filteredSegy);
console.log(
  `  ${path.relative(root, filteredSegy)}: format ${reread.formatCode}, ${reread.endianness}-endian, ` +
    `${reread.traceCount} traces × ${reread.sampleCount} samples`,
);
await reread.close();
console.log(
  `\nOutputs are in ${path.relative(process.cwd(), out) || '.'}/ (the quick-look picture: ${path.relative(root, png)}).`,
);
if (!a.equals(b)) process.exitCode = 1;
