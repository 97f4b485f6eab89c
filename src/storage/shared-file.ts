/**
 * A read-only file opened on first use, shared by concurrent reads, and closed again once it has
 * been idle for a moment. Gather navigation reads the same few chunk files over and over, so
 * keeping them open saves an open and a close per read; closing idle files means a dataset that
 * its user never closes still leaks no descriptor (and Node never has to close a FileHandle on
 * garbage collection). It is also the {@link ByteSource} a dataset's local tables are read through.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { DatasetError } from '../errors/index.js';
import type { ByteSource } from '../io/index.js';

/** How long an unused file stays open. */
export const IDLE_CLOSE_MS = 1000;

/** A file opened on demand; `null` handle when the file does not exist and `missingOk` is set. */
export class SharedFile implements ByteSource {
  private handle: Promise<FileHandle | null> | undefined;
  private users = 0;
  private timer: NodeJS.Timeout | undefined;
  private closeWhenIdle = false;

  constructor(
    /** Path of the file. */
    readonly path: string,
    private readonly missingOk = false,
    /**
     * The size the file must have (e.g. an uncompressed chunk, whose size the array's metadata
     * fixes): checked once per open, `DATASET_INVALID` when it differs, so no read trusts a
     * truncated or extended file.
     */
    private readonly expectedSize?: number,
  ) {}

  get location(): string {
    return this.path;
  }

  async size(): Promise<number> {
    return this.use(async (handle) => (handle ? (await handle.stat()).size : 0));
  }

  async read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
    return this.use(async (handle) => {
      let done = 0;
      while (handle && done < length) {
        const { bytesRead } = await handle.read(into, done, length - done, offset + done);
        if (bytesRead === 0) break; // the end of the file
        done += bytesRead;
      }
      return into.subarray(0, done);
    });
  }

  /** True when no read is using the file. */
  get idle(): boolean {
    return this.users === 0;
  }

  /** Run `read` with the open file (null when it does not exist and that is allowed). */
  async use<T>(read: (handle: FileHandle | null) => Promise<T>): Promise<T> {
    this.users++;
    this.closeWhenIdle = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.handle ??= this.open();
    try {
      return await read(await this.handle);
    } finally {
      this.users--;
      if (this.users === 0) {
        if (this.closeWhenIdle) void this.close();
        else {
          this.timer = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
          this.timer.unref();
        }
      }
    }
  }

  private async open(): Promise<FileHandle | null> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.path, 'r');
    } catch (error) {
      this.handle = undefined;
      const cause = error as NodeJS.ErrnoException;
      if (cause.code === 'ENOENT' && this.missingOk) return null;
      throw new DatasetError(
        cause.code === 'ENOENT' ? 'DATASET_INCOMPLETE' : 'DATASET_INVALID',
        'unreadable file',
        {
          path: this.path,
          cause,
        },
      );
    }
    if (this.expectedSize !== undefined) {
      const { size } = await handle.stat();
      if (size !== this.expectedSize) {
        this.handle = undefined;
        await handle.close();
        throw new DatasetError(
          'DATASET_INVALID',
          `file holds ${size} bytes, its metadata says ${this.expectedSize}`,
          { path: this.path },
        );
      }
    }
    return handle;
  }

  /** Close the file now, or as soon as the reads using it finish. The next use reopens it. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.users > 0) {
      this.closeWhenIdle = true;
      return;
    }
    const handle = this.handle;
    this.handle = undefined;
    const open = await handle?.catch(() => null);
    await open?.close().catch(() => undefined);
  }
}
