/**
 * `seisproc checksum PATH`: SHA-256 of all samples as little-endian float32 in trace order (the
 * corpus `samples_sha256_f32le`), printed as `<sha256>  <path>`.
 */
import type { Command } from 'commander';
import type { StorageOptions } from '../../io/index.js';
import { checksumFile, type SegyOpenOptions } from '../../segy/index.js';
import { datasetChecksum } from '../../storage/index.js';
import { action } from '../run.js';
import { addStorageOptions, datasetAt, type StorageFlags, storageOptions } from '../storage-options.js';
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
 * Checksum of whatever `path` names. A file is read as SEG-Y or SU; a directory, or a URL with a
 * dataset under it (read with `storage`), is read as a dataset, giving the same value as the file
 * it was imported from.
 */
export async function checksumPath(
  path: string,
  options: SegyOpenOptions,
  storage: StorageOptions = {},
): Promise<ChecksumResult> {
  const dataset = await datasetAt(path, storage);
  if (dataset) {
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
        .argument('<path>', 'SEG-Y or SU file, or dataset directory or URL')
        .option('--json', 'print a JSON object with sha256, traceCount and sampleCount'),
    ),
  ).action(
    action(async (path: string, flags: SegyReadFlags & StorageFlags & { json?: boolean }) => {
      const result = await checksumPath(path, await segyOpenOptions(flags), storageOptions(flags));
      process.stdout.write(flags.json ? `${toJSON(result)}\n` : `${result.sha256}  ${path}\n`);
    }),
  );
}
