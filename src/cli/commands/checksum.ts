/**
 * `seisproc checksum PATH`: SHA-256 of all samples as little-endian float32 in trace order (the
 * corpus `samples_sha256_f32le`), printed as `<sha256>  <path>`.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { isRemote } from '../../io/index.js';
import { checksumFile, type SegyOpenOptions } from '../../segy/index.js';
import { Dataset, datasetChecksum } from '../../storage/index.js';
import { action, addStorageOptions } from '../run.js';
import { addSegyReadOptions, type SegyReadFlags, segyOpenOptions, toJSON } from './segy-options.js';

/** What `checksum` prints. */
export interface ChecksumResult {
  /** Hex SHA-256 of the samples as little-endian float32. */
  sha256: string;
  /** Traces hashed. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
}

/**
 * Checksum of whatever `path` names. A file (local, or a URL) is read as SEG-Y or SU; a local
 * directory is read as a dataset, giving the same value as the file it was imported from.
 */
export async function checksumPath(path: string, options: SegyOpenOptions): Promise<ChecksumResult> {
  const info = isRemote(path) ? undefined : await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    const dataset = await Dataset.open(path);
    try {
      const sha256 = await datasetChecksum(dataset);
      return { sha256, traceCount: dataset.traceCount, sampleCount: dataset.sampleCount };
    } finally {
      await dataset.close();
    }
  }
  return checksumFile(path, options);
}

/** Register `checksum`. */
export function register(program: Command): void {
  addStorageOptions(
    addSegyReadOptions(
      program
        .command('checksum')
        .description('SHA-256 of all samples as little-endian float32 in trace order')
        .argument('<path>', 'SEG-Y or SU file (a path or a URL), or dataset directory')
        .option('--json', 'print a JSON object with sha256, traceCount and sampleCount'),
    ),
  ).action(
    action(async (path: string, flags: SegyReadFlags & { json?: boolean }) => {
      const result = await checksumPath(path, await segyOpenOptions(flags));
      process.stdout.write(flags.json ? `${toJSON(result)}\n` : `${result.sha256}  ${path}\n`);
    }),
  );
}
