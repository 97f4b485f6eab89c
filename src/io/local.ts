/**
 * The local file system behind the storage interfaces: the fastest backend, positional reads
 * with `pread` and whole-file writes.
 */
import { createReadStream, createWriteStream, promises as fs, readSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StorageError } from '../errors/index.js';
import { keySegments } from './location.js';
import { checkPartNumber } from './parts.js';
import type { ByteSource, MultipartUpload, ObjectStore } from './types.js';

/** A local file read by position. The handle is opened on first read. */
export class LocalByteSource implements ByteSource {
  readonly location: string;
  private handle: Promise<fs.FileHandle> | undefined;
  /** The handle once opened, for {@link LocalByteSource.readSync}. */
  private opened: fs.FileHandle | undefined;

  constructor(filePath: string) {
    this.location = path.resolve(filePath);
  }

  async size(): Promise<number> {
    const handle = await this.open();
    return (await handle.stat()).size;
  }

  async read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
    const handle = await this.open();
    let done = 0;
    try {
      while (done < length) {
        const { bytesRead } = await handle.read(into, done, length - done, offset + done);
        if (bytesRead === 0) break; // the end of the file
        done += bytesRead;
      }
    } catch (cause) {
      throw ioFailure(`cannot read ${this.location}`, this.location, cause, offset);
    }
    return into.subarray(0, done);
  }

  /**
   * {@link LocalByteSource.read} with blocking system calls on the calling thread, for worker
   * threads that have a core each (every hand-off to libuv's thread pool costs context switches).
   * The file must be open already: any awaited `size()`, `read()` or `lastModified()` opens it.
   */
  readSync(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Uint8Array {
    const fd = this.opened?.fd;
    if (fd === undefined) {
      throw new StorageError('STORAGE_IO', `${this.location} is not open for blocking reads`, {
        path: this.location,
      });
    }
    let done = 0;
    try {
      while (done < length) {
        const bytesRead = readSync(fd, into, done, length - done, offset + done);
        if (bytesRead === 0) break; // the end of the file
        done += bytesRead;
      }
    } catch (cause) {
      throw ioFailure(`cannot read ${this.location}`, this.location, cause, offset);
    }
    return into.subarray(0, done);
  }

  /** The file's modification time. */
  async lastModified(): Promise<Date> {
    const handle = await this.open();
    return (await handle.stat()).mtime;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    const file = await handle?.catch(() => undefined);
    if (this.opened === file) this.opened = undefined;
    await file?.close();
  }

  private open(): Promise<fs.FileHandle> {
    this.handle ??= fs.open(this.location, 'r').then(
      (handle) => {
        this.opened = handle;
        return handle;
      },
      (cause: unknown) => {
        this.handle = undefined;
        throw ioFailure(`cannot open ${this.location}`, this.location, cause);
      },
    );
    return this.handle;
  }
}

/** The files under a local directory as an object store: key `a/b` is the file `ROOT/a/b`. */
export class LocalObjectStore implements ObjectStore {
  readonly location: string;
  readonly writable = true;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  /** The file of `key`; keys that would leave the root are refused. */
  filePath(key: string): string {
    return path.join(this.location, ...keySegments(key, this.location));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.filePath(key);
    return fs.readFile(file).catch((cause: unknown) => missingOr(cause, file));
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const source = new LocalByteSource(this.filePath(key));
    try {
      return await source.read(offset, length);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'STORAGE_NOT_FOUND') return undefined;
      throw error;
    } finally {
      await source.close();
    }
  }

  async size(key: string): Promise<number | undefined> {
    const file = this.filePath(key);
    const stat = await fs.stat(file).catch((cause: unknown) => missingOr(cause, file));
    return stat?.isFile() ? stat.size : undefined;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.filePath(key);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, bytes);
    } catch (cause) {
      throw ioFailure(`cannot write ${file}`, file, cause);
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.filePath(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const entries = await fs
      .readdir(this.location, { recursive: true, withFileTypes: true })
      .catch((cause: unknown) => missingOr(cause, this.location));
    return (entries ?? [])
      .filter((entry) => entry.isFile())
      .map((entry) =>
        path.relative(this.location, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
      )
      .filter((key) => key.startsWith(prefix));
  }

  source(key: string): ByteSource {
    return new LocalByteSource(this.filePath(key));
  }

  async createUpload(key: string): Promise<MultipartUpload> {
    const file = this.filePath(key);
    const partsDir = `${file}.parts-${process.pid}-${Date.now()}`;
    await fs.mkdir(partsDir, { recursive: true });
    const parts = new Set<number>();
    return {
      uploadPart: async (partNumber, bytes) => {
        checkPartNumber(partNumber, file);
        await fs.writeFile(path.join(partsDir, String(partNumber)), bytes);
        parts.add(partNumber);
      },
      complete: async () => {
        const temporary = `${partsDir}.whole`;
        const output = createWriteStream(temporary);
        try {
          for (const part of [...parts].sort((a, b) => a - b)) {
            await pipeline(createReadStream(path.join(partsDir, String(part))), output, { end: false });
          }
          await new Promise<void>((resolve, reject) =>
            output.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          await fs.rename(temporary, file);
        } catch (cause) {
          output.destroy();
          await fs.rm(temporary, { force: true });
          throw ioFailure(`cannot complete ${file}`, file, cause);
        } finally {
          await fs.rm(partsDir, { recursive: true, force: true });
        }
      },
      abort: async () => {
        await fs.rm(partsDir, { recursive: true, force: true });
      },
    };
  }

  async close(): Promise<void> {}
}

function missingOr(cause: unknown, file: string): undefined {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw ioFailure(`cannot read ${file}`, file, cause);
}

function ioFailure(message: string, file: string, cause: unknown, byteOffset?: number): StorageError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new StorageError(code === 'ENOENT' ? 'STORAGE_NOT_FOUND' : 'STORAGE_IO', message, {
    path: file,
    ...(byteOffset === undefined ? {} : { byteOffset }),
    cause,
  });
}
