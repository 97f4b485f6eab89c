/**
 * `seisproc export DATASET OUT`: write a dataset back to SEG-Y (or Seismic Unix), with a progress
 * bar. With defaults, a dataset imported from a file exports to a byte-identical copy of it; a
 * dataset imported from SU exports to SU.
 */
import { type Command, Option } from 'commander';
import { ArgumentError, SegyError } from '../../errors/index.js';
import {
  type DatasetExportOptions,
  type ExportResult,
  listExportFormats,
  SEGYExporter,
  type SegyExportSummary,
} from '../../export/index.js';
import { isSampleFormatCode } from '../../segy/index.js';
import { Dataset, type GatherKeyValues } from '../../storage/index.js';
import { action, parsePositiveInt, parseRange, whileRunning } from '../run.js';
import { addStorageOptions, type StorageFlags, storageOptions } from '../storage-options.js';
import { toJSON } from './segy-options.js';

/** Parsed options of `export`. */
interface ExportFlags extends StorageFlags {
  format?: string;
  formatCode?: string;
  endian?: 'big' | 'little';
  original?: string;
  range?: string;
  gathers?: string;
  su?: boolean;
  workers?: number;
  chunkTraces?: number;
  overwrite?: boolean;
  sync?: boolean;
  json?: boolean;
}

/**
 * Parse `--gathers`: `KEY=V1,V2,…` for a one-field key (e.g. `fieldRecord=1001,1003`) or
 * `K1,K2=A:B,C:D` for a two-field key (e.g. `inline,crossline=10:20,10:21`).
 */
export function parseGathers(text: string): GatherKeyValues[] {
  const match = /^([A-Za-z_][\w]*(?:,[A-Za-z_][\w]*)?)=(.+)$/.exec(text.trim());
  if (!match) throw new ArgumentError(`--gathers must be KEY=V1,V2 or K1,K2=A:B,C:D, got "${text}"`);
  const fields = match[1]!.split(',');
  return match[2]!.split(',').map((item) => {
    const values = item.split(':').map((part) => Number(part));
    if (values.length !== fields.length || values.some((v) => !Number.isInteger(v))) {
      throw new ArgumentError(
        `--gathers value "${item}" does not give ${fields.length} integer(s) for ${fields.join(',')}`,
      );
    }
    return Object.fromEntries(fields.map((field, i) => [field, values[i]!]));
  });
}

function formatCodeOf(text: string): DatasetExportOptions['formatCode'] {
  const code = Number(text);
  if (!isSampleFormatCode(code)) {
    throw new SegyError(
      'SEGY_BAD_FORMAT_CODE',
      `--format-code ${text} is not a supported sample format code`,
    );
  }
  return code;
}

function rangeOf(text: string, traceCount: number): { start: number; end: number } {
  try {
    return parseRange(text, traceCount);
  } catch (error) {
    throw new ArgumentError((error as Error).message);
  }
}

function describe(result: ExportResult): string {
  const seconds = result.elapsedMs / 1000;
  const rate = seconds > 0 ? ` (${Math.round(result.traceCount / seconds)} traces/s)` : '';
  const segy = result as Partial<SegyExportSummary>;
  const layout =
    segy.formatCode !== undefined ? `, format ${segy.formatCode}, ${segy.endianness}-endian` : '';
  return `exported ${result.traceCount} traces to ${result.outputPath} as ${result.format}${layout} in ${seconds.toFixed(2)} s${rate}\n`;
}

/** Register `export`. */
export function register(program: Command): void {
  const formats = listExportFormats().map((format) => format.name);
  const command = program
    .command('export')
    .description('write a dataset to SEG-Y (or SU): every header byte kept, any sample format and byte order')
    .argument('<dataset>', 'dataset directory (NAME.seis) or URL (https://…, s3://bucket/…)')
    .argument('<output>', 'file to write (e.g. OUT.sgy) or s3://bucket/key.sgy URL')
    .option('--format-code <n>', "sample format code to write (default: the source file's)")
    .addOption(
      new Option('--endian <order>', "byte order to write (default: the source file's)").choices([
        'big',
        'little',
      ]),
    )
    .option('--original <file>', 'take textual, binary and trace headers from this original SEG-Y file')
    .option('--range <start:end>', 'export traces [start, end) only (0-based; negative counts from the end)')
    .option(
      '--gathers <key=values>',
      'export these gathers only: fieldRecord=1001,1003 or inline,crossline=10:20,10:21',
    )
    .option('--su', 'write Seismic Unix (default for datasets imported from SU)')
    .addOption(new Option('--format <name>', 'export format (overrides --su)').choices(formats))
    .option(
      '--workers <n>',
      'writers (default: one per two cores; 1 writes in the main thread, as do small exports)',
      parsePositiveInt,
    )
    .option('--chunk-traces <n>', 'traces encoded per write (default: the dataset chunk)', parsePositiveInt)
    .option('--overwrite', 'replace OUT if it exists')
    .option('--sync', 'fsync the file before renaming it into place')
    .option('--json', 'print the result as JSON');
  addStorageOptions(command).action(
    action(async (datasetPath: string, outputPath: string, flags: ExportFlags) => {
      const storage = storageOptions(flags);
      const dataset = await Dataset.open(datasetPath, { storage });
      const options: DatasetExportOptions = {
        ...(flags.format !== undefined ? { format: flags.format } : {}),
        ...(flags.su ? { su: true } : {}),
        ...(flags.formatCode !== undefined ? { formatCode: formatCodeOf(flags.formatCode) } : {}),
        ...(flags.endian !== undefined ? { endianness: flags.endian } : {}),
        ...(flags.original !== undefined ? { originalSegyPath: flags.original } : {}),
        ...(flags.range !== undefined ? { range: rangeOf(flags.range, dataset.traceCount) } : {}),
        ...(flags.gathers !== undefined ? { gathers: parseGathers(flags.gathers) } : {}),
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        ...(flags.chunkTraces !== undefined ? { chunkTraces: flags.chunkTraces } : {}),
        overwrite: flags.overwrite ?? false,
        sync: flags.sync ?? false,
        storage,
      };
      const exporter = new SEGYExporter();
      const result = await whileRunning(exporter, () => exporter.exportDataset(dataset, outputPath, options));
      process.stdout.write(flags.json ? `${toJSON(result)}\n` : describe(result));
    }),
  );
}
