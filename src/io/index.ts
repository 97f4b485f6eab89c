/**
 * Where bytes come from and go: every path seisproc takes may be a local path or a URL
 * (`https://…`, `http://…`, `s3://bucket/key`). {@link openByteSource} reads one file by
 * position, {@link openObjectStore} the objects under a root; both pick the backend from the
 * scheme.
 *
 * @module
 */
import { StorageError } from '../errors/index.js';
import { LocalByteSource, LocalObjectStore } from './local.js';
import type { ByteSource, ObjectStore } from './types.js';

export { LocalByteSource, LocalObjectStore } from './local.js';
export type { ByteSource, MultipartUpload, ObjectStore } from './types.js';

/** Options of the remote backends (ignored for local paths). */
export interface StorageOptions {
  /** S3 endpoint URL for S3-compatible services (default: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, then AWS). */
  endpoint?: string;
  /** S3 region (default: `AWS_REGION`, the profile's, then `us-east-1`). */
  region?: string;
  /** Profile of the shared credentials and config files (default: `AWS_PROFILE`, then `default`). */
  profile?: string;
  /** Requests in flight at once per store or source (default 8). */
  concurrency?: number;
}

const REMOTE_SCHEMES = ['http:', 'https:', 's3:'];

/** True when `pathOrUrl` names a remote location (`http:`, `https:` or `s3:` URL), not a local path. */
export function isRemote(pathOrUrl: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(pathOrUrl)?.[1]?.toLowerCase();
  return scheme !== undefined && REMOTE_SCHEMES.includes(scheme);
}

/** Read the file at `pathOrUrl` by position. */
export async function openByteSource(pathOrUrl: string, _options: StorageOptions = {}): Promise<ByteSource> {
  if (!isRemote(pathOrUrl)) return new LocalByteSource(pathOrUrl);
  throw unsupported(pathOrUrl);
}

/** The objects under `pathOrUrl` (a directory locally). */
export async function openObjectStore(
  pathOrUrl: string,
  _options: StorageOptions = {},
): Promise<ObjectStore> {
  if (!isRemote(pathOrUrl)) return new LocalObjectStore(pathOrUrl);
  throw unsupported(pathOrUrl);
}

function unsupported(url: string): StorageError {
  return new StorageError('STORAGE_UNSUPPORTED', `no storage backend for ${redactLocation(url)}`, {
    path: redactLocation(url),
  });
}

/**
 * `pathOrUrl` as it may be shown or recorded: a URL without user info, query string or fragment
 * (presigned signatures and credentials live there); a path unchanged.
 */
export function redactLocation(pathOrUrl: string): string {
  if (!isRemote(pathOrUrl)) return pathOrUrl;
  try {
    const url = new URL(pathOrUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return pathOrUrl.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
