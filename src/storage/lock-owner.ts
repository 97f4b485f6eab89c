/**
 * Who holds a write lock: the record its holder writes into the lock directory, and whether the
 * process the record names still runs. A pid alone does not say so: the kernel reuses pids, so on
 * Linux the record also keeps the process start time, which a later process with the same pid
 * does not share.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** The record of a write lock's holder, `<path>.lock/owner.json`. */
export interface LockOwner {
  /** Unique to one acquisition: tells this holder's record from any later one. */
  token: string;
  /** Host name of the holder. */
  host: string;
  /** Linux boot id (`/proc/sys/kernel/random/boot_id`): changes at every boot. Null elsewhere. */
  bootId: string | null;
  /**
   * Linux pid namespace (the `/proc/self/ns/pid` link): containers of one host share its host name
   * and boot id but count pids apart. Null elsewhere.
   */
  pidNamespace: string | null;
  /** Process id of the holder. */
  pid: number;
  /** Start of the holder in clock ticks since boot (field 22 of `/proc/PID/stat`). Null elsewhere. */
  startTime: number | null;
  /** When the lock was taken (ISO 8601). */
  acquiredAt: string;
}

/** What `/proc/PID/stat` says of a process. */
interface ProcessStat {
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  startTime: number;
}

/**
 * State and start time of process `pid` from `/proc/PID/stat`; undefined without such a file (no
 * such process, no /proc, or a /proc that hides other users' processes).
 */
function processStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses:
  // fields 3 onwards follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[22 - 3]);
  if (!fields[0] || !Number.isInteger(startTime)) return undefined;
  return { state: fields[0], startTime };
}

function readOrNull(read: () => string): string | null {
  try {
    return read().trim();
  } catch {
    return null;
  }
}

/** This process, as a lock record names it (all but the token and the time). */
type ProcessIdentity = Omit<LockOwner, 'token' | 'acquiredAt'>;

let identity: ProcessIdentity | undefined;

function thisProcess(): ProcessIdentity {
  identity ??= {
    host: hostname(),
    bootId: readOrNull(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNamespace: readOrNull(() => readlinkSync('/proc/self/ns/pid')),
    pid: process.pid,
    startTime: processStat(process.pid)?.startTime ?? null,
  };
  return identity;
}

/** A new owner record for this process. */
export function newLockOwner(): LockOwner {
  return { token: randomUUID(), ...thisProcess(), acquiredAt: new Date().toISOString() };
}

/**
 * True when `owner` ran on this machine, in this boot and pid namespace, so that its pid can be
 * looked up here. An owner elsewhere (a shared file system) can only be judged by the age of its
 * lock.
 */
export function ownedOnThisMachine(owner: LockOwner): boolean {
  const self = thisProcess();
  return owner.host === self.host && owner.bootId === self.bootId && owner.pidNamespace === self.pidNamespace;
}

/**
 * True while the process `owner` names (on this machine) runs: its pid exists, is not a zombie
 * and, where start times are known, started when the owner did. Without /proc (macOS, Windows)
 * or when /proc hides the process, the pid's existence decides.
 */
export function ownerRunning(owner: LockOwner): boolean {
  const stat = processStat(owner.pid);
  if (!stat) return pidExists(owner.pid);
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.startTime === null || stat.startTime === owner.startTime;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The record in `text`, or undefined when it is not one (damaged, or of an unknown form). */
export function parseLockOwner(text: string): LockOwner | undefined {
  let value: Partial<LockOwner>;
  try {
    value = JSON.parse(text) as Partial<LockOwner>;
  } catch {
    return undefined;
  }
  const stringOrNull = (field: unknown) => field === null || typeof field === 'string';
  const valid =
    typeof value === 'object' &&
    value !== null &&
    typeof value.token === 'string' &&
    typeof value.host === 'string' &&
    stringOrNull(value.bootId) &&
    stringOrNull(value.pidNamespace) &&
    // kill(0) and kill(-1) would signal process groups, not one process.
    Number.isInteger(value.pid) &&
    (value.pid as number) > 0 &&
    (value.startTime === null || Number.isInteger(value.startTime)) &&
    typeof value.acquiredAt === 'string';
  return valid ? (value as LockOwner) : undefined;
}
