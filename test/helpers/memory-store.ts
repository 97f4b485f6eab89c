/**
 * An object store held in memory: a real implementation of the `ObjectStore` interface over a
 * Map, which is not the local file system, so a dataset opened through it takes the code path of
 * remote stores (ranged reads, no file handles). Every request is counted and waits a turn of
 * the event loop (as a network request would), so tests can see how many requests a read makes
 * and how many are in flight at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StorageError } from '../../src/errors/index.js';
import type { ByteSource, MultipartUpload, ObjectStore } from '../../src/io/index.js';

/** What a {@link MemoryObjectStore} was asked, by kind of request. */
export interface RequestCounts {
  get: number;
  getRange: number;
  size: number;
  list: number;
  put: number;
  delete: number;
}

export class MemoryObjectStore implements ObjectStore {
  readonly writable = true;
  readonly objects = new Map<string, Uint8Array>();
  readonly requests: RequestCounts = { get: 0, getRange: 0, size: 0, list: 0, put: 0, delete: 0 };
  /** The key of every whole-object read. */
  readonly gets: string[] = [];
  /** Every ranged read: key, offset and length asked for. */
  readonly ranges: Array<{ key: string; offset: number; length: number }> = [];
  /** Most requests in flight at once since the last {@link resetCounts}. */
  maxInFlight = 0;
  private inFlight = 0;

  constructor(readonly location = 'memory://bucket/dataset.seis') {}

  /** A store holding every file under `dir`, keyed by its path relative to `dir`. */
  static async fromDirectory(dir: string, location?: string): Promise<MemoryObjectStore> {
    const store = new MemoryObjectStore(location);
    const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      const key = path.relative(dir, file).split(path.sep).join('/');
      store.objects.set(key, new Uint8Array(await fs.readFile(file)));
    }
    return store;
  }

  /** Forget the requests counted so far. */
  resetCounts(): void {
    for (const kind of Object.keys(this.requests) as Array<keyof RequestCounts>) this.requests[kind] = 0;
    this.gets.length = 0;
    this.ranges.length = 0;
    this.maxInFlight = 0;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.gets.push(key);
    return this.request('get', () => this.objects.get(key)?.slice());
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    this.ranges.push({ key, offset, length });
    return this.request('getRange', () => this.objects.get(key)?.slice(offset, offset + length));
  }

  size(key: string): Promise<number | undefined> {
    return this.request('size', () => this.objects.get(key)?.length);
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.request('put', () => {
      this.objects.set(key, bytes.slice());
    });
  }

  delete(key: string): Promise<void> {
    return this.request('delete', () => {
      this.objects.delete(key);
    });
  }

  list(prefix: string): Promise<string[]> {
    return this.request('list', () => [...this.objects.keys()].filter((key) => key.startsWith(prefix)));
  }

  source(key: string): ByteSource {
    const location = `${this.location}/${key}`;
    const missing = () => new StorageError('STORAGE_NOT_FOUND', `no object ${key}`, { path: location });
    return {
      location,
      size: async () => {
        const size = await this.size(key);
        if (size === undefined) throw missing();
        return size;
      },
      read: async (offset, length, into) => {
        const bytes = await this.getRange(key, offset, length);
        if (!bytes) throw missing();
        if (!into) return bytes;
        into.set(bytes);
        return into.subarray(0, bytes.length);
      },
      close: async () => {},
    };
  }

  async createUpload(key: string): Promise<MultipartUpload> {
    const parts = new Map<number, Uint8Array>();
    return {
      uploadPart: async (partNumber, bytes) => {
        parts.set(partNumber, bytes.slice());
      },
      complete: async () => {
        const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes);
        await this.put(key, Buffer.concat(ordered));
      },
      abort: async () => {
        parts.clear();
      },
    };
  }

  async close(): Promise<void> {}

  private async request<T>(kind: keyof RequestCounts, answer: () => T): Promise<T> {
    this.requests[kind]++;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return answer();
    } finally {
      this.inFlight--;
    }
  }
}
