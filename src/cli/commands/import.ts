/**
 * `seisproc import FILE OUT.seis`: import a SEG-Y or SU file into a dataset with every core, a
 * progress bar per stage, Ctrl-C to cancel (or to stop and resume later with `--resume`).
 */
import { type Command, Option } from 'commander';
import { ArgumentError } from '../../errors/index.js';
import { type ImportConfig, type ImportResult, ParallelImportCoordinator } from '../../import/index.js';
import type { CompressionCodec } from '../../storage/index.js';
import { action, parsePositiveInt, whileRunning } from '../run.js';
import { addStorageOptions } from '../storage-options.js';
import { addSegyReadOptions, type SegyReadFlags, segyOpenOptions, toJSON } from './segy-options.js';

/** Parsed options of `import`. */
interface ImportFlags extends SegyReadFlags {
  workers?: number;
  chunkTraces?: number;
  ensembleKey?: string[];
  compression?: CompressionCodec;
  level?: number;
  keepBits?: number;
  resume?: boolean;
  overwrite?: boolean;
  json?: boolean;
}

/** `--ensemble-key cdp` or `--ensemble-key inline,crossline`, repeatable. */
function collectKey(value: string, previous: string[] | undefined): string[] {
  if (!/^[A-Za-z_]\w*(,[A-Za-z_]\w*)?$/.test(value.trim())) {
    throw new ArgumentError(`--ensemble-key must be a header field or two joined by a comma, got "${value}"`);
  }
  return [...(previous ?? []), value.trim()];
}

function parseLevel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ArgumentError(`--level must be an integer, got "${value}"`);
  return n;
}

function describe(result: ImportResult): string {
  const seconds = result.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(result.traceCount / seconds) : 0;
  const gathers = Object.entries(result.gatherCounts)
    .map(([key, count]) => `${count} ${key}`)
    .join(', ');
  const how = result.inProcess ? 'in process' : `with ${result.workers} workers`;
  const resumed = result.chunksResumed
    ? `, ${result.chunksResumed} chunks kept from the interrupted run`
    : '';
  return (
    `imported ${result.traceCount} traces × ${result.sampleCount} samples to ${result.outputPath} ${how} ` +
    `in ${seconds.toFixed(2)} s (${rate} traces/s)${resumed}\n` +
    (gathers ? `gathers: ${gathers}\n` : '')
  );
}

/** Register `import`. */
export function register(program: Command): void {
  addStorageOptions(
    addSegyReadOptions(
      program
        .command('import')
        .description(
          'import a SEG-Y or SU file into a dataset (Zarr v3 arrays + Parquet headers and gather index)',
        )
        .argument('<file>', 'SEG-Y or SU file: a path or a URL (https://…, s3://bucket/key)')
        .argument('<output>', 'dataset directory to create, e.g. survey.seis')
        .option(
          '--workers <n>',
          'worker threads (default: all cores; small files are imported in one thread)',
          parsePositiveInt,
        )
        .option('--chunk-traces <n>', 'traces per chunk (default: chunks of about 8 MiB)', parsePositiveInt)
        .option(
          '--ensemble-key <a[,b]>',
          'gather key to index, one header field or two (repeatable; default fieldRecord and cdp)',
          collectKey,
        )
        .addOption(
          new Option('--compression <codec>', 'compression of the traces').choices(['none', 'zstd', 'blosc']),
        )
        .option('--level <n>', 'compression level (zstd 1-22, default 3; blosc 1-9, default 5)', parseLevel)
        .option('--keep-bits <n>', 'lossy: keep this many mantissa bits of each sample (1-23)', parseLevel)
        .option('--resume', 'continue an interrupted import (and keep the work on failure or Ctrl-C)')
        .option('--overwrite', 'replace OUTPUT if it exists')
        .option('--json', 'print the result as JSON'),
    ),
  ).action(
    action(async (file: string, output: string, flags: ImportFlags) => {
      const config: ImportConfig = {
        ...(await segyOpenOptions(flags)),
        input: file,
        output,
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        ...(flags.chunkTraces !== undefined ? { chunkTraces: flags.chunkTraces } : {}),
        ...(flags.ensembleKey ? { ensembleKeys: flags.ensembleKey.map((k) => k.split(',')) } : {}),
        compression: {
          codec: flags.compression ?? 'none',
          ...(flags.level !== undefined ? { level: flags.level } : {}),
          ...(flags.keepBits !== undefined ? { keepBits: flags.keepBits } : {}),
        },
        resume: flags.resume ?? false,
        overwrite: flags.overwrite ?? false,
      };
      const importer = new ParallelImportCoordinator(config);
      // Ctrl-C removes the work directory, or keeps it for --resume.
      const result = await whileRunning(importer, () => importer.run());
      process.stdout.write(flags.json ? `${toJSON(result)}\n` : describe(result));
    }),
  );
}
