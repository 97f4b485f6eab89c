/**
 * Where bytes come from and go: every path seisproc takes may be a local path or a URL
 * (`https://…`, `http://…`, `s3://bucket/key`). {@link openByteSource} reads one file by
 * position, {@link openObjectStore} the objects under a root; both pick the backend from the
 * scheme.
 *
 * @module
 */
import type { RetryOptions } from './fetch.js';
import { HttpObjectStore, openHttpByteSource } from './http.js';
import { LocalByteSource, LocalObjectStore } from './local.js';
import { isRemote } from './location.js';
import { openS3ByteSource, S3ObjectStore } from './s3.js';
import { resolveS3Config } from './s3-config.js';
import type { ByteSource, ObjectStore } from './types.js';

export type { RetryOptions } from './fetch.js';
export { LocalByteSource, LocalObjectStore } from './local.js';
export { isRemote, redactLocation } from './location.js';
export { MAX_PARTS, MIN_PART_BYTES } from './parts.js';
export type { ByteSource, MultipartUpload, ObjectStore } from './types.js';

/** Options of the remote backends (ignored for local paths). */
export interface StorageOptions {
  /** S3 endpoint URL for S3-compatible services (default: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, then AWS). */
  endpoint?: string;
  /** S3 region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's, then `us-east-1`). */
  region?: string;
  /**
   * Profile of the shared credentials and config files (default: `AWS_PROFILE`, then `default`).
   * Named here, it is used even when `AWS_ACCESS_KEY_ID` is set.
   */
  profile?: string;
  /** S3 addressing `endpoint/bucket/key` (default: for custom endpoints and buckets with dots). */
  pathStyle?: boolean;
  /** Send S3 requests unsigned, for public buckets; without it, missing credentials are `STORAGE_CREDENTIALS`. */
  anonymous?: boolean;
  /** Requests in flight at once per store or source (default 8). */
  concurrency?: number;
  /** Timeouts and retries of every request (default: 5 attempts within 30 s). */
  retry?: RetryOptions;
  /** Keys per S3 ListObjectsV2 page (default 1000, the most S3 sends). */
  listPageSize?: number;
}

/** Read the file at `pathOrUrl` by position. */
export async function openByteSource(pathOrUrl: string, options: StorageOptions = {}): Promise<ByteSource> {
  if (!isRemote(pathOrUrl)) return new LocalByteSource(pathOrUrl);
  const { concurrency, retry } = options;
  if (/^s3:/i.test(pathOrUrl))
    return openS3ByteSource(await resolveS3Config(pathOrUrl, options), { concurrency, retry });
  return openHttpByteSource(pathOrUrl, { concurrency, retry });
}

/** The objects under `pathOrUrl` (a directory locally); read-only for HTTP(S). */
export async function openObjectStore(pathOrUrl: string, options: StorageOptions = {}): Promise<ObjectStore> {
  if (!isRemote(pathOrUrl)) return new LocalObjectStore(pathOrUrl);
  const { concurrency, retry, listPageSize } = options;
  if (/^s3:/i.test(pathOrUrl)) {
    return new S3ObjectStore(await resolveS3Config(pathOrUrl, options), { concurrency, retry, listPageSize });
  }
  return new HttpObjectStore(pathOrUrl, { concurrency, retry });
}
