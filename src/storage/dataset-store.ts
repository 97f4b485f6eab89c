/**
 * The object store a dataset is read through. Every reader asks an {@link ObjectStore} for keys
 * relative to the dataset's root (`zarr.json`, `traces/c/3/0`, `headers.parquet`), so a dataset
 * on the local disk, behind HTTP(S) or in an S3 bucket is read by the same code. The local store
 * is recognised and its files are read as before (file handles kept open while in use, blocking
 * reads on request): see `row-source.ts` and {@link tableByteSource}.
 *
 * Stores have no rename, so a dataset in one is complete once its root `zarr.json` exists: a
 * writer to a store writes it last (the commit marker). A local dataset is built in a temporary
 * sibling and renamed into place, which commits it whole.
 */
import type { AbsolutePath, AsyncReadable, RangeQuery } from '@zarrita/storage';
import { StorageError } from '../errors/index.js';
import {
  type ByteSource,
  isRemote,
  LocalObjectStore,
  type ObjectStore,
  openObjectStore,
  redactLocation,
  type StorageOptions,
} from '../io/index.js';
import { SharedFile } from './shared-file.js';

/** Where a dataset was opened from: enough to open it again in another thread. */
export interface DatasetAddress {
  /**
   * The URL as given, query string included (it may carry an access token), or the absolute path
   * of a local dataset (the store's location for a dataset opened from a store): pass it to
   * `Dataset.open`, never show or record it; `Dataset.path` is the form to show.
   */
  pathOrUrl: string;
  /** The storage options it was opened with. */
  storage?: StorageOptions;
}

/** The store of `source`: opened from a path or URL, or the store itself. */
export async function openDatasetStore(
  source: string | ObjectStore,
  storage: StorageOptions | undefined,
): Promise<ObjectStore> {
  return typeof source === 'string' ? openObjectStore(source, storage) : source;
}

/** The local store when `store` is one, whose files readers may open themselves. */
export function localStore(store: ObjectStore): LocalObjectStore | undefined {
  return store instanceof LocalObjectStore ? store : undefined;
}

/**
 * Where a dataset in `store` is, to show and record: the directory, or the root URL as given
 * (remote stores end their location with `/`, the root of the keys).
 */
export function datasetLocation(store: ObjectStore): string {
  return store.location.replace(/\/$/, '');
}

/** Where object `key` of `store` is, for messages: a file path locally, else the store's location and the key. */
export function objectLocation(store: ObjectStore, key: string): string {
  return localStore(store)?.filePath(key) ?? `${datasetLocation(store)}/${key}`;
}

/**
 * Positional reads of table `key` (a Parquet file): locally a file opened on use and closed after
 * a second idle, so a dataset its user never closes holds no descriptor; elsewhere the store's
 * own source.
 */
export function tableByteSource(store: ObjectStore, key: string): ByteSource {
  const local = localStore(store);
  return local ? new SharedFile(local.filePath(key)) : store.source(key);
}

/**
 * Refuse to write a dataset or file at a URL: writers (import, process outputs,
 * provenance records, locks) write local paths only for now, and would otherwise take a URL for
 * a relative path and write beside the working directory. `STORAGE_UNSUPPORTED` before anything
 * is written.
 */
export function requireLocalPath(pathOrUrl: string, what: string): void {
  if (!isRemote(pathOrUrl)) return;
  const location = redactLocation(pathOrUrl);
  throw new StorageError(
    'STORAGE_UNSUPPORTED',
    `${what} can only be written to a local path for now, not ${location}`,
    { path: location },
  );
}

/**
 * An {@link ObjectStore} as zarrita's readable store: zarrita asks for absolute keys
 * (`/traces/zarr.json`), the store holds them relative to its root.
 */
export class ZarrObjectStore implements AsyncReadable {
  constructor(readonly store: ObjectStore) {}

  get(key: AbsolutePath): Promise<Uint8Array | undefined> {
    return this.store.get(objectKey(key));
  }

  async getRange(key: AbsolutePath, range: RangeQuery): Promise<Uint8Array | undefined> {
    const relative = objectKey(key);
    if ('offset' in range) return this.store.getRange(relative, range.offset, range.length);
    const size = await this.store.size(relative);
    if (size === undefined) return undefined;
    const offset = Math.max(0, size - range.suffixLength);
    return this.store.getRange(relative, offset, size - offset);
  }
}

function objectKey(key: AbsolutePath): string {
  return key.slice(1);
}
