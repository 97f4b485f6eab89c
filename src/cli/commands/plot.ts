/**
 * `seisproc plot DATASET|FILE (--gather N | --key k=v | --range A:B) --out FILE.png [--by KEY]
 * [--sort COLS] [--gain G] [--clip P] [--colormap seismic|gray] [--wiggle]`: a quick-look PNG of a
 * gather or a range of traces (variable density, optional wiggles, time in ms, trace numbers).
 *
 * A dataset finds gathers through its index. A SEG-Y or SU file has none: `--key` and `--gather`
 * scan the key's header column in batches (stopping as soon as the gather is complete).
 */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { ArgumentError, SegyError } from '../../errors/index.js';
import {
  type QuickLookOptions,
  renderQuickLook,
  type SeismicSection,
  writePng,
} from '../../navigator/index.js';
import { type HeaderColumn, SegyFile } from '../../segy/index.js';
import type { Dataset, GatherKeyValues, TraceRun } from '../../storage/index.js';
import { action, parseRange } from '../run.js';
import { addStorageOptions, datasetAt, type StorageFlags, storageOptions } from '../storage-options.js';
import { gatherSelection, parseSortKeys } from './gather.js';
import { addSegyReadOptions, type SegyReadFlags, segyOpenOptions } from './segy-options.js';

/** Most samples a quick look reads (256 MB of float32): a picture needs no more. */
const MAX_PLOT_SAMPLES = 64 * 1024 * 1024;
/** Traces per header batch when scanning a file for a gather. */
const SCAN_BATCH = 4096;

interface PlotFlags extends SegyReadFlags, StorageFlags {
  gather?: string;
  key?: string;
  range?: string;
  by?: string;
  sort?: string;
  out: string;
  gain: string;
  clip: string;
  colormap: 'seismic' | 'gray';
  wiggle?: boolean;
}

/** Register `plot`. */
export function register(program: Command): void {
  const command = addSegyReadOptions(
    program
      .command('plot')
      .description('write a quick-look PNG of a gather or a trace range (variable density, optional wiggles)')
      .argument('<input>', 'dataset directory or URL, or SEG-Y / SU file')
      .option('--gather <n>', 'the n-th gather (0-based) of the key set named by --by')
      .option('--key <k=v[,k=v]>', 'the gather with these key values, e.g. cdp=1234')
      .option('--range <start:end>', '0-based, end-exclusive trace range')
      .option(
        '--by <key>',
        'gather key for --gather (dataset default: its first key set; file default: fieldRecord)',
      )
      .option('--sort <columns>', 'order the traces of a dataset gather by header columns, e.g. offset')
      .requiredOption('--out <file.png>', 'PNG file to write')
      .option('--gain <g>', 'multiply amplitudes by g', '1')
      .option('--clip <p>', 'saturate amplitudes beyond this percentile of |amplitude|', '99')
      .addOption(
        new Option('--colormap <name>', 'colour map').choices(['seismic', 'gray']).default('seismic'),
      )
      .option('--wiggle', 'draw wiggle traces over the density'),
  );
  addStorageOptions(command).action(
    action(async (input: string, flags: PlotFlags) => {
      const chosen = [flags.gather, flags.key, flags.range].filter((v) => v !== undefined).length;
      if (chosen !== 1) throw new ArgumentError('give exactly one of --gather N, --key k=v and --range A:B');
      const options: QuickLookOptions = {
        gain: Number(flags.gain),
        clipPercentile: Number(flags.clip),
        colormap: flags.colormap,
        wiggle: Boolean(flags.wiggle),
      };
      const dataset = await datasetAt(input, storageOptions(flags));
      const section = dataset ? await datasetSection(dataset, flags) : await fileSection(input, flags);
      const image = renderQuickLook(section, options);
      await writePng(image, flags.out);
      const traces = `${section.traceCount} traces × ${section.sampleCount} samples`;
      process.stdout.write(`${flags.out}: ${image.width} × ${image.height} px, ${traces}\n`);
    }),
  );
}

function checkSize(traces: number, samples: number): void {
  if (traces * samples > MAX_PLOT_SAMPLES) {
    throw new ArgumentError(
      `${traces} traces × ${samples} samples is too much for a quick look (at most ${MAX_PLOT_SAMPLES} samples); plot a smaller range`,
    );
  }
}

function rangeOf(text: string, count: number): { start: number; end: number } {
  try {
    const range = parseRange(text, count);
    if (range.end <= range.start) throw new Error(`--range ${text} selects no trace of ${count}`);
    return range;
  } catch (error) {
    throw new ArgumentError((error as Error).message);
  }
}

/** The traces of `--range` (labelled by trace index), read by `read`. */
async function rangeSection(
  text: string,
  traceCount: number,
  base: { sampleCount: number; sampleInterval: number; delayMs: number },
  name: string,
  read: (start: number, end: number) => Promise<Float32Array>,
): Promise<SeismicSection> {
  const { start, end } = rangeOf(text, traceCount);
  checkSize(end - start, base.sampleCount);
  return {
    ...base,
    samples: await read(start, end),
    traceCount: end - start,
    traceLabels: Array.from({ length: end - start }, (_, i) => start + i),
    title: `${name}  traces ${start}-${end - 1}`,
  };
}

async function datasetSection(dataset: Dataset, flags: PlotFlags): Promise<SeismicSection> {
  try {
    const base = {
      sampleCount: dataset.sampleCount,
      sampleInterval: dataset.sampleInterval,
      delayMs: dataset.metadata.delay_ms,
    };
    const name = path.basename(dataset.path);
    if (flags.range !== undefined) {
      return rangeSection(flags.range, dataset.traceCount, base, name, (start, end) =>
        dataset.traces(start, end),
      );
    }
    const { selector, key } = gatherSelection({ key: flags.key, index: flags.gather, by: flags.by });
    const info = await dataset.gatherInfo(selector, key);
    checkSize(info.traceCount, dataset.sampleCount);
    const gather = await dataset.readGather(info, { sortBy: parseSortKeys(flags.sort), headers: 'none' });
    const values = gather.key.map((field, i) => `${field}=${gather.values[i]}`).join(' ');
    return { ...base, samples: gather.samples, traceCount: gather.traceCount, title: `${name}  ${values}` };
  } finally {
    await dataset.close();
  }
}

async function fileSection(input: string, flags: PlotFlags): Promise<SeismicSection> {
  const file = await SegyFile.open(input, await segyOpenOptions(flags));
  try {
    const delay = file.traceCount ? Number(await file.readHeaderValue(0, 'delayRecordingTime')) : 0;
    const base = { sampleCount: file.sampleCount, sampleInterval: file.sampleInterval, delayMs: delay };
    const name = path.basename(file.path);
    if (flags.range !== undefined) {
      return rangeSection(flags.range, file.traceCount, base, name, (start, end) =>
        file.readTraces(start, end),
      );
    }
    const { selector } = gatherSelection({ key: flags.key, index: flags.gather, by: flags.by });
    const found =
      typeof selector === 'number'
        ? await scanForRun(file, flags.by ?? 'fieldRecord', selector)
        : await scanForValues(file, selector);
    const traceCount = found.runs.reduce((sum, run) => sum + run.count, 0);
    checkSize(traceCount, file.sampleCount);
    const samples = new Float32Array(traceCount * file.sampleCount);
    let at = 0;
    for (const run of found.runs) {
      samples.set(await file.readTraces(run.start, run.start + run.count), at);
      at += run.count * file.sampleCount;
    }
    return { ...base, samples, traceCount, title: `${name}  ${found.label}` };
  } finally {
    await file.close();
  }
}

/** The `index`-th run of equal values of header `key` (0-based), scanning from the start. */
async function scanForRun(
  file: SegyFile,
  key: string,
  index: number,
): Promise<{ runs: TraceRun[]; label: string }> {
  file.mapping.field(key);
  let runIndex = -1;
  let value: number | bigint | undefined;
  let run: TraceRun | undefined;
  for (let start = 0; start < file.traceCount; start += SCAN_BATCH) {
    const end = Math.min(file.traceCount, start + SCAN_BATCH);
    const column = (await file.readTraceHeaders(start, end, [key]))[key] as HeaderColumn;
    for (let i = 0; i < end - start; i++) {
      const v = column[i]!;
      if (runIndex >= 0 && v === value) {
        if (run) run.count++;
        continue;
      }
      if (run) return { runs: [run], label: `${key}=${value}` };
      runIndex++;
      value = v;
      if (runIndex === index) run = { start: start + i, count: 1 };
    }
  }
  if (run) return { runs: [run], label: `${key}=${value}` };
  throw new SegyError(
    'GATHER_NOT_FOUND',
    `the file has ${runIndex + 1} gathers by ${key}, no gather ${index}`,
    {
      path: file.path,
    },
  );
}

/** Every trace whose headers hold `values`, as runs in trace order. */
async function scanForValues(
  file: SegyFile,
  values: GatherKeyValues,
): Promise<{ runs: TraceRun[]; label: string }> {
  const keys = Object.keys(values);
  for (const key of keys) file.mapping.field(key);
  const runs: TraceRun[] = [];
  for (let start = 0; start < file.traceCount; start += SCAN_BATCH) {
    const end = Math.min(file.traceCount, start + SCAN_BATCH);
    const columns = await file.readTraceHeaders(start, end, keys);
    for (let i = 0; i < end - start; i++) {
      if (!keys.every((key) => BigInt(columns[key]![i]!) === BigInt(values[key]!))) continue;
      const last = runs[runs.length - 1];
      if (last && last.start + last.count === start + i) last.count++;
      else runs.push({ start: start + i, count: 1 });
    }
  }
  const label = keys.map((key) => `${key}=${values[key]}`).join(' ');
  if (!runs.length) throw new SegyError('GATHER_NOT_FOUND', `no trace with ${label}`, { path: file.path });
  return { runs, label };
}
