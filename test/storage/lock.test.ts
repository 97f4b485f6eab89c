import { existsSync, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireWriteLock, isWriteLocked, type SeisprocError } from '../../src/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { rejection } from '../project/helpers/errors.js';
import { type Child, startChild } from '../project/helpers/processes.js';

let dir: string;
beforeEach(async () => {
  dir = await scratchDirectory('lock');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The owner record in a lock directory, as the lock wrote it. */
async function ownerRecord(lockPath: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(path.join(lockPath, 'owner.json'), 'utf8'));
}

/**
 * Leave at `lockPath` the lock directory a holder would have left, with the record this process
 * writes for its own locks changed in `changes`, and its mtime `ageMs` in the past.
 */
async function leaveLock(lockPath: string, changes: Record<string, unknown>, ageMs = 0): Promise<void> {
  const probe = await acquireWriteLock(path.join(dir, 'probe'));
  const record = await ownerRecord(probe.lockPath);
  await probe.release();
  await fs.mkdir(lockPath);
  await fs.writeFile(path.join(lockPath, 'owner.json'), JSON.stringify({ ...record, ...changes }));
  await age(lockPath, ageMs);
}

async function age(lockPath: string, ageMs: number): Promise<void> {
  const then = new Date(Date.now() - ageMs);
  await fs.utimes(lockPath, then, then);
}

/** A dataset whose lock is held by a child process that was then killed with SIGKILL. */
async function killedHolder(dataset: string): Promise<number> {
  const child = startChild('lock', dataset);
  await child.waitFor('locked');
  child.process.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  return child.process.pid!;
}

describe('acquireWriteLock in one process', () => {
  it('lets one writer in at a time and the next one after release', async () => {
    const dataset = path.join(dir, 'survey.seis');
    await fs.mkdir(dataset);
    const lock = await acquireWriteLock(dataset);
    expect(lock.held).toBe(true);
    expect(lock.lockPath).toBe(`${await fs.realpath(dataset)}.lock`);
    expect(await isWriteLocked(dataset)).toBe(true);

    const second = await rejection(acquireWriteLock(dataset));
    expect(second.code).toBe('DATASET_LOCKED');
    expect(second.name).toBe('DatasetError');
    expect(second.context.lockPath).toBe(lock.lockPath);
    expect(second.context.owner).toEqual({ host: hostname(), pid: process.pid });
    expect(second.message).toBe(
      `process ${process.pid} on ${hostname()} holds the write lock (file ${await fs.realpath(dataset)})`,
    );
    const record = await ownerRecord(lock.lockPath);
    expect(record).toMatchObject({ host: hostname(), pid: process.pid });
    expect(second.context.lockedSince).toBe(record.acquiredAt);

    await lock.release();
    await lock.release();
    expect(lock.held).toBe(false);
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'DATASET_LOCKED' }));
    expect(await isWriteLocked(dataset)).toBe(false);
    const again = await acquireWriteLock(dataset);
    await again.release();
  });

  it('locks a path that does not exist yet, and one reached through a symbolic link', async () => {
    const future = path.join(dir, 'new.seis');
    const lock = await acquireWriteLock(future);
    await fs.mkdir(future);
    await fs.symlink(future, path.join(dir, 'alias.seis'));
    expect((await rejection(acquireWriteLock(path.join(dir, 'alias.seis')))).code).toBe('DATASET_LOCKED');
    await lock.release();
  });

  it('reports a lock it cannot create as IO_ERROR', async () => {
    const error = await rejection(acquireWriteLock(path.join(dir, 'no', 'such', 'folder', 'x.seis')));
    expect(error.code).toBe('IO_ERROR');
  });

  it('tells the holder when its lock directory is removed under it', async () => {
    const file = path.join(dir, 'project.json');
    const lock = await acquireWriteLock(file, { staleMs: 2000 });
    const compromised = new Promise<SeisprocError>((resolve) => lock.once('compromised', resolve));
    await fs.rm(lock.lockPath, { recursive: true });
    const error = await compromised;
    expect(error.code).toBe('DATASET_LOCKED');
    expect(lock.held).toBe(false);
    expect(() => lock.assertHeld()).toThrow(/lost/);
    await lock.release();
  });

  it('tells the holder when another owner record replaces its own', async () => {
    const file = path.join(dir, 'project.json');
    const lock = await acquireWriteLock(file, { staleMs: 2000 });
    const compromised = new Promise<SeisprocError>((resolve) => lock.once('compromised', resolve));
    const record = await ownerRecord(lock.lockPath);
    const replacement = { ...record, token: 'another-holder', host: 'elsewhere.example', pid: 4242 };
    await fs.writeFile(path.join(lock.lockPath, 'owner.json'), JSON.stringify(replacement));
    const error = await compromised;
    expect(error.code).toBe('DATASET_LOCKED');
    expect((error.cause as Error).message).toBe('process 4242 on elsewhere.example took the lock over');
    // Releasing a lost lock leaves the new holder's lock alone.
    await lock.release();
    expect(await ownerRecord(lock.lockPath)).toEqual(replacement);
  });

  it.runIf(existsSync('/proc/self/stat'))(
    'takes over at once a lock whose record names a running pid with another start time (a reused pid)',
    async () => {
      const dataset = path.join(dir, 'survey.seis');
      const lockPath = `${dataset}.lock`;
      const mine = await acquireWriteLock(path.join(dir, 'mine'));
      const startTime = (await ownerRecord(mine.lockPath)).startTime as number;
      await mine.release();
      // This very process runs under that pid, but it is not the process that took the lock.
      await leaveLock(lockPath, { token: 'earlier-holder', pid: process.pid, startTime: startTime - 1 });
      expect(await isWriteLocked(dataset)).toBe(false);
      const lock = await acquireWriteLock(dataset);
      expect(await ownerRecord(lockPath)).toMatchObject({ pid: process.pid, startTime });
      await lock.release();
      expect(existsSync(lockPath)).toBe(false);
    },
  );

  it('respects a lock whose record names another host until it is stale', async () => {
    const dataset = path.join(dir, 'shared.seis');
    const lockPath = `${dataset}.lock`;
    const remote = { token: 'remote-holder', host: 'elsewhere.example', pid: process.pid };
    await leaveLock(lockPath, remote, 5_000);
    expect(await isWriteLocked(dataset)).toBe(true);
    const error = await rejection(acquireWriteLock(dataset));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(error.context.owner).toEqual({ host: 'elsewhere.example', pid: process.pid });
    expect(error.message).toMatch(`process ${process.pid} on elsewhere.example holds the write lock`);

    // The holder there stopped refreshing it for longer than the stale period.
    expect(await isWriteLocked(dataset, { staleMs: 4_000 })).toBe(false);
    await age(lockPath, 11_000);
    expect(await isWriteLocked(dataset)).toBe(false);
    const lock = await acquireWriteLock(dataset);
    expect(await ownerRecord(lockPath)).toMatchObject({ host: hostname(), pid: process.pid });
    await lock.release();
  });

  it('counts a lock directory without a record as held for a grace period, then takes it over', async () => {
    const dataset = path.join(dir, 'survey.seis');
    const lockPath = `${dataset}.lock`;
    // As a holder leaves it between its mkdir and writing its record.
    await fs.mkdir(lockPath);
    const error = await rejection(acquireWriteLock(dataset));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(error.context.owner).toBeUndefined();
    expect(error.message).toMatch(/^another writer holds the write lock/);

    await age(lockPath, 3_000);
    const lock = await acquireWriteLock(dataset);
    expect(await ownerRecord(lockPath)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over a record that cannot be read once its grace period is over', async () => {
    const dataset = path.join(dir, 'survey.seis');
    const lockPath = `${dataset}.lock`;
    // A record cut short (a power cut before the file system wrote it out).
    await fs.mkdir(lockPath);
    await fs.writeFile(path.join(lockPath, 'owner.json'), '{"token":"cut-sh');
    expect((await rejection(acquireWriteLock(dataset))).code).toBe('DATASET_LOCKED');
    await age(lockPath, 3_000);
    const lock = await acquireWriteLock(dataset);
    expect(await ownerRecord(lockPath)).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });
});

describe('acquireWriteLock across processes', () => {
  it('refuses a second writer while another process holds the lock, naming it', async () => {
    const dataset = path.join(dir, 'survey.seis');
    await fs.mkdir(dataset);
    const child = startChild('lock', dataset);
    await child.waitFor('locked');

    const error = await rejection(acquireWriteLock(dataset));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(error.context.owner).toEqual({ host: hostname(), pid: child.process.pid });
    expect(await isWriteLocked(dataset)).toBe(true);
    // However long it has not refreshed its lock: it runs, so it holds it.
    await age(`${dataset}.lock`, 60_000);
    expect((await rejection(acquireWriteLock(dataset))).code).toBe('DATASET_LOCKED');

    child.process.stdin!.write('release\n');
    await child.waitFor('released');
    expect((await child.exited).code).toBe(0);
    expect(await isWriteLocked(dataset)).toBe(false);
    const lock = await acquireWriteLock(dataset);
    await lock.release();
  });

  it('takes over the lock of a killed process at once', async () => {
    const dataset = path.join(dir, 'survey.seis');
    await fs.mkdir(dataset);
    const killedPid = await killedHolder(dataset);

    // Killed outright, it could not remove its lock; but it no longer runs.
    const lockPath = `${await fs.realpath(dataset)}.lock`;
    expect(await ownerRecord(lockPath)).toMatchObject({ host: hostname(), pid: killedPid });
    expect(await isWriteLocked(dataset)).toBe(false);
    const lock = await acquireWriteLock(dataset);
    expect(lock.held).toBe(true);
    expect(await ownerRecord(lockPath)).toMatchObject({ host: hostname(), pid: process.pid });
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('lets exactly one of several processes take over the same dead lock', async () => {
    const dataset = path.join(dir, 'survey.seis');
    const lockPath = `${dataset}.lock`;
    await killedHolder(dataset);
    let contenders: Child[] = Array.from({ length: 5 }, () => startChild('contend', dataset));
    await Promise.all(contenders.map((child) => child.waitFor('ready')));

    // Each round's winner is then killed, leaving the next round a dead lock: 5, 4, 3 and 2 contenders.
    for (let round = 1; contenders.length > 1; round++) {
      for (const child of contenders) child.process.stdin!.write(`go ${round}\n`);
      await Promise.all(contenders.map((child) => child.waitFor(`round ${round} `)));
      const outcome = (child: Child) => new RegExp(`round ${round} (.*)`).exec(child.stdout())![1];
      const winners = contenders.filter((child) => outcome(child) === 'won');
      expect(winners).toHaveLength(1);
      const losers = contenders.filter((child) => outcome(child) !== 'won');
      expect(losers.map(outcome)).toEqual(losers.map(() => 'lost DATASET_LOCKED'));
      const winner = winners[0]!;
      expect(await ownerRecord(lockPath)).toMatchObject({ pid: winner.process.pid });
      winner.process.kill('SIGKILL');
      await winner.exited;
      contenders = losers;
    }
    const [last] = contenders;
    last!.process.kill();
    await last!.exited;
  });
});
