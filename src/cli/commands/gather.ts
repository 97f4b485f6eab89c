/**
 * `seisproc gather DATASET (--key cdp=1234 | --index N) [--by KEY] [--sort COLS] [--headers COLS]
 * [--format table|json] [--samples]`: one gather of a dataset, trace by trace: its header values
 * and the minimum, maximum and RMS of its samples.
 */
import { type Command, Option } from 'commander';
import { ArgumentError } from '../../errors/index.js';
import {
  Dataset,
  type Gather,
  type GatherKeyValues,
  type GatherOptions,
  gatherTrace,
} from '../../storage/index.js';
import { action } from '../run.js';
import { addStorageOptions, type StorageFlags, storageOptions } from '../storage-options.js';
import { toJSON } from './segy-options.js';

/** Parse `cdp=1234` or `inline=10,crossline=20` into key values. */
export function parseKeyValues(text: string): GatherKeyValues {
  const values: Record<string, number | bigint> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z_][\w]*)\s*=\s*(-?\d+)\s*$/.exec(part);
    if (!match)
      throw new ArgumentError(`--key must look like cdp=1234 or inline=10,crossline=20, got "${text}"`);
    const value = BigInt(match[2]!);
    values[match[1]!] =
      value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value;
  }
  return values;
}

/** Parse a non-negative integer option value. */
export function parseIndex(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) {
    throw new ArgumentError(`expected a gather number ≥ 0, got "${text}"`);
  }
  return n;
}

/** Parse `offset,-sourceX` (a leading `-` sorts descending) into sort keys. */
export function parseSortKeys(text: string | undefined): GatherOptions['sortBy'] {
  if (!text) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('-') ? { column: s.slice(1), descending: true } : s));
}

/** Which gather of a dataset the shared `--key`/`--index`/`--by` options name. */
export function gatherSelection(flags: { key?: string; index?: string; by?: string }): {
  selector: number | GatherKeyValues;
  key: string | undefined;
} {
  if ((flags.key === undefined) === (flags.index === undefined)) {
    throw new ArgumentError('give exactly one of --key k=v and --index N');
  }
  const selector = flags.key !== undefined ? parseKeyValues(flags.key) : parseIndex(flags.index!);
  return { selector, key: flags.by };
}

interface GatherFlags extends StorageFlags {
  key?: string;
  index?: string;
  by?: string;
  sort?: string;
  headers?: string;
  format: 'table' | 'json';
  samples?: boolean;
}

/** Register `gather`. */
export function register(program: Command): void {
  const command = program
    .command('gather')
    .description('print one gather of a dataset: header values and sample statistics per trace')
    .argument('<dataset>', 'dataset directory or URL (https://…, s3://bucket/…)')
    .option('--key <k=v[,k=v]>', 'the gather with these key values, e.g. cdp=1234 or inline=10,crossline=20')
    .option('--index <n>', 'the n-th gather (0-based) of the key set named by --by')
    .option('--by <key>', 'key set that numbers gathers for --index, e.g. cdp (default: the dataset’s first)')
    .option('--sort <columns>', 'order traces by header columns, e.g. offset or -offset,sourceX')
    .option('--headers <columns>', 'header columns to show (comma-separated, or "all")')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--samples', 'include every sample in JSON output');
  addStorageOptions(command).action(
    action(async (datasetPath: string, flags: GatherFlags) => {
      const { selector, key } = gatherSelection(flags);
      const dataset = await Dataset.open(datasetPath, { storage: storageOptions(flags) });
      try {
        const info = await dataset.gatherInfo(selector, key);
        const sortBy = parseSortKeys(flags.sort);
        const sortColumns =
          sortBy === undefined ? [] : [sortBy].flat().map((k) => (typeof k === 'string' ? k : k.column));
        let headers: GatherOptions['headers'];
        if (flags.headers === 'all') headers = 'all';
        else if (flags.headers)
          headers = flags.headers
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        else {
          const available = await dataset.headerColumnNames();
          headers = [
            ...new Set([...info.key, ...sortColumns, ...['offset'].filter((c) => available.includes(c))]),
          ];
        }
        const gather = await dataset.readGather(info, { sortBy, headers });
        const count = (await dataset.ensembles()).count(info.key);
        if (flags.format === 'json')
          process.stdout.write(`${toJSON(gatherJSON(gather, count, flags.samples), 2)}\n`);
        else process.stdout.write(gatherTable(gather, count));
      } finally {
        await dataset.close();
      }
    }),
  );
}

/** Minimum, maximum and RMS of one trace. */
function traceStats(samples: Float32Array): { min: number; max: number; rms: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let squares = 0;
  for (const value of samples) {
    if (value < min) min = value;
    if (value > max) max = value;
    squares += value * value;
  }
  return samples.length ? { min, max, rms: Math.sqrt(squares / samples.length) } : { min: 0, max: 0, rms: 0 };
}

function describeGather(gather: Gather, count: number): string {
  const values = gather.key.map((field, i) => `${field}=${gather.values[i]}`).join(', ');
  const sorted = gather.sortedBy.length
    ? `, sorted by ${gather.sortedBy.map((k) => `${k.descending ? '-' : ''}${k.column}`).join(',')}`
    : '';
  return (
    `gather ${values} (${gather.index} of ${count} by ${gather.key.join(',')}): ${gather.traceCount} traces × ` +
    `${gather.sampleCount} samples at ${gather.sampleInterval / 1000} ms, ${gather.runs.length} run(s)${sorted}`
  );
}

function gatherTable(gather: Gather, count: number): string {
  const columns = Object.keys(gather.headers);
  const names = ['trace', ...columns, 'min', 'max', 'rms'];
  const rows = Array.from({ length: gather.traceCount }, (_, i) => {
    const stats = traceStats(gatherTrace(gather, i));
    return [
      String(gather.traceIndices[i]),
      ...columns.map((c) => String(gather.headers[c]![i])),
      ...[stats.min, stats.max, stats.rms].map((v) => formatNumber(v)),
    ];
  });
  const widths = names.map((name, k) => Math.max(name.length, ...rows.map((row) => row[k]!.length)));
  const line = (cells: string[]) => `${cells.map((cell, k) => cell.padStart(widths[k]!)).join('  ')}\n`;
  return [`${describeGather(gather, count)}\n`, line(names), ...rows.map(line)].join('');
}

function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e6 || magnitude < 1e-3 ? value.toExponential(4) : String(Number(value.toPrecision(6)));
}

function gatherJSON(gather: Gather, count: number, withSamples = false) {
  return {
    key: gather.key,
    values: gather.values,
    index: gather.index,
    gatherCount: count,
    traceCount: gather.traceCount,
    sampleCount: gather.sampleCount,
    sampleIntervalUs: gather.sampleInterval,
    runs: gather.runs,
    sortedBy: gather.sortedBy,
    traces: Array.from({ length: gather.traceCount }, (_, i) => {
      const samples = gatherTrace(gather, i);
      return {
        trace: gather.traceIndices[i],
        headers: Object.fromEntries(
          Object.entries(gather.headers).map(([name, values]) => [name, values[i]]),
        ),
        ...traceStats(samples),
        ...(withSamples ? { samples: Array.from(samples) } : {}),
      };
    }),
  };
}
