/**
 * Write locks for datasets and project files, across threads and processes, with proper-lockfile:
 * the lock is a `<path>.lock` directory (mkdir is atomic on every file system, network ones
 * included) whose mtime the holder refreshes; a lock whose mtime is older than the stale
 * period belongs to a dead process and is taken over.
 */
import { promises as fs, rmdirSync } from 'node:fs';
import nodePath from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { onExit } from 'signal-exit';
import { DatasetError, type SeisprocError } from '../errors/index.js';

/** Options of {@link acquireWriteLock} and {@link isWriteLocked}. */
export interface WriteLockOptions {
  /**
   * Milliseconds after which a lock that its holder stopped refreshing (a crashed or killed
   * process) counts as stale and may be taken over. Default 10 000, at least 2 000. The holder
   * refreshes at half this period, so it must exceed the longest event-loop stall of the holder.
   */
  staleMs?: number;
}

/** Events of a {@link WriteLock}. */
export interface WriteLockEvents {
  /**
   * The lock was lost: its directory was removed, or its holder could not refresh it within the
   * stale period and another process may have taken it. Stop writing.
   */
  compromised: (error: SeisprocError) => void;
}

const DEFAULT_STALE_MS = 10_000;

/**
 * Lock directories this process holds. proper-lockfile removes its own on exit through an older
 * signal-exit, whose handler did not run when the process exited under a module loader (tsx):
 * the lock of an export cut short by `process.exit` stayed behind. So they are removed here too.
 */
const heldLockPaths = new Set<string>();
let exitHandlerInstalled = false;

function holdUntilExit(lockPath: string): void {
  heldLockPaths.add(lockPath);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  onExit(() => {
    for (const held of heldLockPaths) {
      try {
        rmdirSync(held);
      } catch {
        // Already gone (released, or taken over as stale): nothing of this process to remove.
      }
    }
  });
}

/**
 * A held write lock. Release it when done; it is also released when the process exits normally
 * or on a signal. A process killed outright leaves it to go stale.
 */
export class WriteLock extends EventEmitter<WriteLockEvents> {
  /** The locked dataset directory or file (absolute, symbolic links resolved). */
  readonly path: string;
  /** The lock directory, `<path>.lock`. */
  readonly lockPath: string;
  #release: (() => Promise<void>) | undefined;
  #lostBecause: SeisprocError | undefined;

  private constructor(path: string, lockPath: string) {
    super();
    this.path = path;
    this.lockPath = lockPath;
  }

  /** @internal The body of {@link acquireWriteLock}, here to reach the private state. */
  static async acquire(path: string, options: WriteLockOptions): Promise<WriteLock> {
    const target = await canonicalPath(path);
    const lock = new WriteLock(target, `${target}.lock`);
    const { default: lockfile } = await import('proper-lockfile');
    try {
      lock.#release = await lockfile.lock(target, {
        realpath: false,
        stale: options.staleMs ?? DEFAULT_STALE_MS,
        // proper-lockfile's default throws from a timer, which would crash the host process.
        onCompromised: (cause) => lock.#lose(cause),
      });
      holdUntilExit(lock.lockPath);
      return lock;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ELOCKED') {
        const since = await fs.stat(lock.lockPath).then(
          (stat) => stat.mtime.toISOString(),
          () => undefined,
        );
        throw new DatasetError('DATASET_LOCKED', 'another writer holds the write lock', {
          path: target,
          lockPath: lock.lockPath,
          lockedSince: since,
        });
      }
      throw new DatasetError('IO_ERROR', 'cannot create the write lock', { path: target, cause });
    }
  }

  #lose(cause: unknown): void {
    this.#release = undefined;
    heldLockPaths.delete(this.lockPath);
    this.#lostBecause = new DatasetError('DATASET_LOCKED', 'the write lock was lost', {
      path: this.path,
      lockPath: this.lockPath,
      cause,
    });
    this.emit('compromised', this.#lostBecause);
  }

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.#release !== undefined;
  }

  /**
   * Check the lock is still held; writers call this before each write.
   *
   * @throws DatasetError `DATASET_LOCKED` when the lock was lost or released.
   */
  assertHeld(): void {
    if (this.#lostBecause) throw this.#lostBecause;
    if (!this.#release) {
      throw new DatasetError('DATASET_LOCKED', 'the write lock was released', { path: this.path });
    }
  }

  /** Release the lock. Releasing twice, or after the lock was lost, does nothing. */
  async release(): Promise<void> {
    const release = this.#release;
    if (!release) return;
    this.#release = undefined;
    heldLockPaths.delete(this.lockPath);
    await release().catch(() => {
      // The directory was already removed (by hand, or taken over as stale): this process no
      // longer holds the lock either way, which is all release promises.
    });
  }
}

/**
 * Take the write lock of a dataset directory or a project file (which need not exist yet, so a
 * dataset being created can be locked). Readers do not take the lock: they keep reading while a
 * writer holds it.
 *
 * @throws DatasetError `DATASET_LOCKED` when another writer, in this process or another, holds a
 *   fresh lock (context: `lockPath`, `lockedSince`); `IO_ERROR` when the lock directory cannot be
 *   created (missing parent directory, permissions).
 */
export function acquireWriteLock(path: string, options: WriteLockOptions = {}): Promise<WriteLock> {
  return WriteLock.acquire(path, options);
}

/**
 * True when some writer (this process or another) holds a fresh write lock on `path`.
 *
 * @throws DatasetError `IO_ERROR` when the lock cannot be inspected.
 */
export async function isWriteLocked(path: string, options: WriteLockOptions = {}): Promise<boolean> {
  const target = await canonicalPath(path);
  const { default: lockfile } = await import('proper-lockfile');
  try {
    return await lockfile.check(target, { realpath: false, stale: options.staleMs ?? DEFAULT_STALE_MS });
  } catch (cause) {
    throw new DatasetError('IO_ERROR', 'cannot inspect the write lock', { path: target, cause });
  }
}

/**
 * One name per file, whatever path reaches it: resolve symbolic links of the file, or of its
 * directory when the file does not exist yet.
 */
async function canonicalPath(path: string): Promise<string> {
  const absolute = nodePath.resolve(path);
  const real = await fs.realpath(absolute).catch(() => undefined);
  if (real) return real;
  const parent = await fs.realpath(nodePath.dirname(absolute)).catch(() => nodePath.dirname(absolute));
  return nodePath.join(parent, nodePath.basename(absolute));
}
