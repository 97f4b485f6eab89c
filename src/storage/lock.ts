/**
 * Write locks for datasets and project files, across threads and processes. A lock is a
 * `<path>.lock` directory (mkdir is atomic on every file system, network ones included) holding
 * `owner.json`, the record of its holder (see `lock-owner.ts`). A lock counts as held:
 *
 * - when its record names a process on this machine: while that process runs (pid and start
 *   time), however long ago the holder last showed a sign of life, and not a moment longer, so the
 *   command that a SIGKILL, the OOM killer or a power cut ended can be run again at once;
 * - when its record names another host (a shared file system), where its pid means nothing here:
 *   while the holder keeps refreshing the directory's mtime, i.e. until the mtime is older than the
 *   stale period;
 * - without a record (its creator is writing it this instant, or died between mkdir and writing
 *   it): for a short grace period after the directory's mtime.
 *
 * A lock that is no longer held is taken over by replacing its record, never by removing the
 * directory, so the directory of a fresh holder can never be removed by a late taker. Who wins is
 * settled by operations that succeed for one process only: a missing record is created with
 * O_EXCL, and a dead holder's record is first claimed by renaming it to a name of the taker's own
 * (one file is renamed away once); the claimer then checks that it claimed the very record it
 * judged, and puts back one that a new holder wrote in between.
 *
 * This replaces proper-lockfile, which only had the mtime rule (a killed process locked its
 * output for the whole stale period), took a stale lock over by rmdir then mkdir (two takers could
 * both win, the second removing the first's fresh lock), and removed locks with rmdir, which fails
 * on a directory holding a record. The state changes (create, claim, release) use synchronous
 * calls: they are a few system calls each, and no other callback may run between the judging of a
 * lock and its claim.
 */
import {
  promises as fs,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import nodePath from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'eventemitter3';
import { onExit } from 'signal-exit';
import { DatasetError, type SeisprocError } from '../errors/index.js';
import { requireLocalPath } from './dataset-store.js';
import {
  type LockOwner,
  newLockOwner,
  ownedOnThisMachine,
  ownerRunning,
  parseLockOwner,
} from './lock-owner.js';

/** Options of {@link acquireWriteLock} and {@link isWriteLocked}. */
export interface WriteLockOptions {
  /**
   * Milliseconds after which the lock of a holder on another host (sharing the file system) that
   * stopped refreshing it counts as abandoned and may be taken over. Default 10 000, at least
   * 2 000. The holder refreshes at half this period, so it must exceed the longest event-loop
   * stall of the holder. A holder on this machine keeps its lock while it runs, whatever the
   * period.
   */
  staleMs?: number;
}

/** Events of a {@link WriteLock}. */
export interface WriteLockEvents {
  /**
   * The lock was lost: its directory was removed, another process took it over (its holder on
   * another host found it unrefreshed for the stale period), or this holder could not refresh it
   * within that period. Stop writing.
   */
  compromised: (error: SeisprocError) => void;
}

const DEFAULT_STALE_MS = 10_000;
const MIN_STALE_MS = 2_000;
/**
 * How long a lock directory without a record counts as held after its mtime. Its creator writes
 * the record right after mkdir, in the same synchronous step, so the grace only has to cover a
 * process descheduled between two system calls.
 */
const MISSING_RECORD_GRACE_MS = 2_000;
/**
 * Rounds of create / judge / take over. The lock may be released or taken over by another process
 * between two steps of a round; the next round sees the outcome.
 */
const ACQUIRE_ATTEMPTS = 3;
/**
 * Rounds of {@link WriteLock.release} while the record is away: a taker that claimed it by mistake
 * (it judged an earlier holder's record, which was replaced meanwhile) puts it back at once.
 */
const RELEASE_ATTEMPTS = 5;
const RELEASE_RETRY_MS = 10;

const RECORD_NAME = 'owner.json';

function recordPath(lockPath: string): string {
  return nodePath.join(lockPath, RECORD_NAME);
}

/** Where the holder of `token` parks a record it claimed (a dead holder's, or its own when releasing). */
function claimPath(lockPath: string, token: string): string {
  return nodePath.join(lockPath, `claimed-by-${token}`);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** The text of the file, or undefined when it does not exist. */
function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** What a lock directory says at one moment. */
interface LockState {
  held: boolean;
  /** The record's text as read (undefined: no record): a taker claims this very record. */
  record: string | undefined;
  owner: LockOwner | undefined;
  /** When the holder took the lock, or the directory's mtime when the record does not say. */
  since: string;
}

/** The state of the lock at `lockPath`; undefined when there is none. */
function inspectLock(lockPath: string, staleMs: number): LockState | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(lockPath).mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const record = readIfExists(recordPath(lockPath));
  const owner = record === undefined ? undefined : parseLockOwner(record);
  const age = Date.now() - mtimeMs;
  let held: boolean;
  if (!owner) held = age < MISSING_RECORD_GRACE_MS;
  else if (ownedOnThisMachine(owner)) held = ownerRunning(owner);
  else held = age < staleMs;
  return { held, record, owner, since: owner?.acquiredAt ?? new Date(mtimeMs).toISOString() };
}

/** Create the lock directory; false when it exists. */
function createLockDirectory(lockPath: string): boolean {
  try {
    mkdirSync(lockPath);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Write `owner`'s record into a lock directory that has none. O_EXCL lets one writer create it; a
 * reader that catches it half written sees no valid record, and the directory's fresh mtime keeps
 * the lock held through the grace period. False when another record is there first or the
 * directory is gone.
 */
function publishRecord(lockPath: string, owner: LockOwner): boolean {
  try {
    writeFileSync(recordPath(lockPath), JSON.stringify(owner), { flag: 'wx' });
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST' || errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Take over the abandoned lock `judged` describes; false when another process got there first. */
function takeOver(lockPath: string, judged: LockState, owner: LockOwner): boolean {
  if (judged.record === undefined) return publishRecord(lockPath, owner);
  const claim = claimPath(lockPath, owner.token);
  try {
    renameSync(recordPath(lockPath), claim);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  if (readFileSync(claim, 'utf8') !== judged.record) {
    // A new holder's record, written after the judged one was taken over by someone else.
    renameSync(claim, recordPath(lockPath));
    return false;
  }
  const won = publishRecord(lockPath, owner);
  rmSync(claim, { force: true });
  return won;
}

/** How {@link releaseLockDirectory} went. */
type ReleaseOutcome = 'released' | 'lost' | 'record-away';

/**
 * Remove the lock directory if its record is `token`'s. The record is claimed first, so that no
 * taker can replace it between the check and the removal.
 */
function releaseLockDirectory(lockPath: string, token: string): ReleaseOutcome {
  const claim = claimPath(lockPath, token);
  try {
    renameSync(recordPath(lockPath), claim);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    return statSync(lockPath, { throwIfNoEntry: false })?.isDirectory() ? 'record-away' : 'lost';
  }
  if (parseLockOwner(readFileSync(claim, 'utf8'))?.token !== token) {
    renameSync(claim, recordPath(lockPath));
    return 'lost';
  }
  rmSync(lockPath, { recursive: true, force: true });
  return 'released';
}

/**
 * Locks this process holds, lock directory → token, released on exit (normal, `process.exit()`
 * or a signal). A process killed outright leaves them, and the next writer on this machine takes
 * them over at once.
 */
const heldLocks = new Map<string, string>();
let exitHandlerInstalled = false;

function holdUntilExit(lockPath: string, token: string): void {
  heldLocks.set(lockPath, token);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  onExit(() => {
    for (const [held, token] of heldLocks) {
      try {
        releaseLockDirectory(held, token);
      } catch {
        // Exiting: whatever is left is taken over by the next writer, its holder being gone.
      }
    }
  });
}

/**
 * A held write lock. Release it when done; it is also released when the process exits normally
 * or on a signal. A process killed outright leaves it behind, and the next writer on the same
 * machine takes it over at once (one on another host after the stale period).
 */
export class WriteLock extends EventEmitter<WriteLockEvents> {
  /** The locked dataset directory or file (absolute, symbolic links resolved). */
  readonly path: string;
  /** The lock directory, `<path>.lock`. */
  readonly lockPath: string;
  readonly #owner: LockOwner;
  readonly #staleMs: number;
  #held = true;
  #lostBecause: SeisprocError | undefined;
  #refreshedAt = Date.now();
  #refreshTimer: NodeJS.Timeout | undefined;

  private constructor(path: string, lockPath: string, owner: LockOwner, staleMs: number) {
    super();
    this.path = path;
    this.lockPath = lockPath;
    this.#owner = owner;
    this.#staleMs = staleMs;
    holdUntilExit(lockPath, owner.token);
    this.#scheduleRefresh();
  }

  /** @internal The body of {@link acquireWriteLock}, here to reach the private constructor. */
  static async acquire(path: string, options: WriteLockOptions): Promise<WriteLock> {
    requireLocalPath(path, 'a locked path');
    const target = await canonicalPath(path);
    const lockPath = `${target}.lock`;
    const staleMs = Math.max(options.staleMs ?? DEFAULT_STALE_MS, MIN_STALE_MS);
    const owner = newLockOwner();
    let state: LockState | undefined;
    try {
      for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
        if (createLockDirectory(lockPath) && publishRecord(lockPath, owner)) {
          return new WriteLock(target, lockPath, owner, staleMs);
        }
        state = inspectLock(lockPath, staleMs);
        if (state?.held) break;
        if (state && takeOver(lockPath, state, owner)) return new WriteLock(target, lockPath, owner, staleMs);
      }
    } catch (cause) {
      throw new DatasetError('IO_ERROR', 'cannot create the write lock', { path: target, cause });
    }
    throw lockedError(target, lockPath, state);
  }

  #scheduleRefresh(): void {
    this.#refreshTimer = setTimeout(() => void this.#refresh(), this.#staleMs / 2);
    // The lock must not keep the process alive; it is released on exit.
    this.#refreshTimer.unref();
  }

  /**
   * Keep the mtime fresh for judges on other hosts, and check the lock is still this holder's.
   * A missing record is someone claiming it for a moment, not a loss.
   */
  async #refresh(): Promise<void> {
    let lostBecause: unknown;
    try {
      const now = new Date();
      await fs.utimes(this.lockPath, now, now);
      const record = await fs.readFile(recordPath(this.lockPath), 'utf8').catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      });
      const holder = record === undefined ? this.#owner : parseLockOwner(record);
      if (holder?.token !== this.#owner.token) {
        const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
        lostBecause = new Error(`${who} took the lock over`);
      } else {
        this.#refreshedAt = Date.now();
      }
    } catch (error) {
      // The directory was removed; or it could not be refreshed for the stale period, and a
      // writer on another host may have taken it over.
      if (errorCode(error) === 'ENOENT' || Date.now() - this.#refreshedAt > this.#staleMs)
        lostBecause = error;
    }
    if (!this.#held) return;
    if (lostBecause === undefined) this.#scheduleRefresh();
    else this.#lose(lostBecause);
  }

  #stopHolding(): void {
    this.#held = false;
    clearTimeout(this.#refreshTimer);
    heldLocks.delete(this.lockPath);
  }

  #lose(cause: unknown): void {
    this.#stopHolding();
    this.#lostBecause = new DatasetError('DATASET_LOCKED', 'the write lock was lost', {
      path: this.path,
      lockPath: this.lockPath,
      cause,
    });
    this.emit('compromised', this.#lostBecause);
  }

  /** True while this process holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Check the lock is still held; writers call this before each write.
   *
   * @throws DatasetError `DATASET_LOCKED` when the lock was lost or released.
   */
  assertHeld(): void {
    if (this.#lostBecause) throw this.#lostBecause;
    if (!this.#held) {
      throw new DatasetError('DATASET_LOCKED', 'the write lock was released', { path: this.path });
    }
  }

  /** Release the lock. Releasing twice, or after the lock was lost, does nothing. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#stopHolding();
    for (let attempt = 1; ; attempt++) {
      if (this.#releaseDirectory() !== 'record-away' || attempt === RELEASE_ATTEMPTS) break;
      await sleep(RELEASE_RETRY_MS);
    }
    // Still no record: a taker that claimed it died holding it. The directory, unrefreshed from
    // now on, is taken over after the missing-record grace.
  }

  #releaseDirectory(): ReleaseOutcome {
    try {
      return releaseLockDirectory(this.lockPath, this.#owner.token);
    } catch {
      // The directory could not be inspected or removed: this process no longer holds the lock
      // either way, which is all release promises; what is left is taken over as abandoned.
      return 'lost';
    }
  }
}

function lockedError(path: string, lockPath: string, state: LockState | undefined): DatasetError {
  const owner = state?.owner ? { host: state.owner.host, pid: state.owner.pid } : undefined;
  const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another writer';
  return new DatasetError('DATASET_LOCKED', `${who} holds the write lock`, {
    path,
    lockPath,
    lockedSince: state?.since,
    owner,
  });
}

/**
 * Take the write lock of a dataset directory or a project file (which need not exist yet, so a
 * dataset being created can be locked). Readers do not take the lock: they keep reading while a
 * writer holds it. A lock left by a process that no longer runs on this machine is taken over at
 * once; one of a process on another host once its holder stopped refreshing it for `staleMs`.
 *
 * @throws DatasetError `DATASET_LOCKED` when another writer, in this process or another, holds the
 *   lock (context: `lockPath`, `lockedSince`, and `owner` `{ host, pid }` when its record is
 *   written); `IO_ERROR` when the lock directory cannot be created (missing parent directory,
 *   permissions).
 */
export function acquireWriteLock(path: string, options: WriteLockOptions = {}): Promise<WriteLock> {
  return WriteLock.acquire(path, options);
}

/**
 * True when some writer (this process or another) holds the write lock on `path`; false when
 * there is no lock or its holder is gone (the next writer would take it over).
 *
 * @throws DatasetError `IO_ERROR` when the lock cannot be inspected.
 */
export async function isWriteLocked(path: string, options: WriteLockOptions = {}): Promise<boolean> {
  const target = await canonicalPath(path);
  try {
    const staleMs = Math.max(options.staleMs ?? DEFAULT_STALE_MS, MIN_STALE_MS);
    return inspectLock(`${target}.lock`, staleMs)?.held ?? false;
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
