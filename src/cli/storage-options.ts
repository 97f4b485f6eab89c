/**
 * Options of the commands that read a dataset at a URL (`https://…/line.seis`,
 * `s3://bucket/line.seis`): `--endpoint` and `--profile` for S3-compatible storage, and how a
 * command taking either a dataset or a SEG-Y file tells them apart.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { isSeisprocError } from '../errors/index.js';
import { isRemote, type StorageOptions } from '../io/index.js';
import { Dataset } from '../storage/index.js';

/** The flags {@link addStorageOptions} adds. */
export interface StorageFlags {
  endpoint?: string;
  profile?: string;
}

/** Add `--endpoint` and `--profile` to a command that reads remote data. */
export function addStorageOptions(command: Command): Command {
  return command
    .option(
      '--endpoint <url>',
      'S3-compatible endpoint for s3:// URLs (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS)',
    )
    .option(
      '--profile <name>',
      'profile of the AWS shared credentials and config files for s3:// URLs (default: AWS_PROFILE, then default)',
    );
}

/** The storage options the flags give. */
export function storageOptions(flags: StorageFlags): StorageOptions {
  return {
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
}

/**
 * The dataset `pathOrUrl` names, opened, or undefined when it names a file: a local directory is
 * a dataset; a URL is one when a dataset is stored under it.
 */
export async function datasetAt(pathOrUrl: string, storage: StorageOptions): Promise<Dataset | undefined> {
  if (!isRemote(pathOrUrl)) {
    const info = await stat(pathOrUrl).catch(() => undefined);
    return info?.isDirectory() ? Dataset.open(pathOrUrl) : undefined;
  }
  try {
    return await Dataset.open(pathOrUrl, { storage });
  } catch (error) {
    if (isSeisprocError(error, 'DATASET_NOT_FOUND')) return undefined;
    throw error;
  }
}
