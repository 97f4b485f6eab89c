/**
 * HTTP(S), read-only: a file read by position with ranged GETs, and a dataset under a base URL
 * (`https://host/line.seis/` → key `zarr.json` is `https://host/line.seis/zarr.json`). A query
 * string on the URL (a presigned signature, a SAS token) is sent with every request and never
 * shown; user info becomes a Basic `Authorization` header.
 */
import { StorageError } from '../errors/index.js';
import { type Authorize, Transport, type TransportOptions } from './fetch.js';
import { keySegments, redactLocation } from './location.js';
import { RemoteByteSource, RemoteObject } from './remote.js';
import type { ByteSource, MultipartUpload, ObjectStore } from './types.js';

/** The URL to request (without user info) and what authorizes it. */
function prepare(address: string): { url: URL; authorize?: Authorize } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new StorageError('STORAGE_INVALID_URL', `invalid URL "${redactLocation(address)}"`);
  }
  if (!url.username && !url.password) return { url };
  const basic = `Basic ${btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`)}`;
  url.username = '';
  url.password = '';
  return { url, authorize: async () => ({ authorization: basic }) };
}

/** The HTTP(S) resource at `address`, read by position. */
export function openHttpByteSource(
  address: string,
  options: Omit<TransportOptions, 'authorize'> = {},
): ByteSource {
  const { url, authorize } = prepare(address);
  const transport = new Transport({ ...options, authorize });
  return new RemoteByteSource(new RemoteObject(transport, url, redactLocation(address)));
}

/** The objects under an HTTP(S) base URL, read-only. Listing is impossible over plain HTTP. */
export class HttpObjectStore implements ObjectStore {
  readonly location: string;
  readonly writable = false;
  private readonly base: URL;
  private readonly transport: Transport;

  constructor(address: string, options: Omit<TransportOptions, 'authorize'> = {}) {
    const { url, authorize } = prepare(address);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.base = url;
    this.location = redactLocation(url.href);
    this.transport = new Transport({ ...options, authorize });
  }

  private object(key: string): RemoteObject {
    const url = new URL(this.base);
    url.pathname += keySegments(key, this.location).map(encodeURIComponent).join('/');
    return new RemoteObject(this.transport, url, redactLocation(url.href));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.object(key).get();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    return (await this.object(key).read(offset, length))?.bytes;
  }

  size(key: string): Promise<number | undefined> {
    return this.object(key).size();
  }

  source(key: string): ByteSource {
    return new RemoteByteSource(this.object(key));
  }

  async list(prefix: string): Promise<string[]> {
    throw new StorageError(
      'STORAGE_UNSUPPORTED',
      `cannot list "${prefix}" over plain HTTP: a server has no standard listing; read keys named by the dataset's metadata`,
      { path: this.location },
    );
  }

  async put(key: string): Promise<void> {
    throw this.readOnly(key);
  }

  async delete(key: string): Promise<void> {
    throw this.readOnly(key);
  }

  async createUpload(key: string): Promise<MultipartUpload> {
    throw this.readOnly(key);
  }

  async close(): Promise<void> {}

  private readOnly(key: string): StorageError {
    return new StorageError('STORAGE_READ_ONLY', `cannot write "${key}": HTTP storage is read-only`, {
      path: this.location,
    });
  }
}
