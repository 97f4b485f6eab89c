import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireWriteLock, isWriteLocked, type SeisprocError } from '../../src/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { rejection } from '../project/helpers/errors.js';
import { startChild } from '../project/helpers/processes.js';

let dir: string;
beforeEach(async () => {
  dir = await scratchDirectory('lock');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

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
    expect(typeof second.context.lockedSince).toBe('string');

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
});

describe('acquireWriteLock across processes', () => {
  it('refuses a second writer while another process holds the lock', async () => {
    const dataset = path.join(dir, 'survey.seis');
    await fs.mkdir(dataset);
    const child = startChild('lock', dataset);
    await child.waitFor('locked');

    const error = await rejection(acquireWriteLock(dataset));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(await isWriteLocked(dataset)).toBe(true);

    child.process.stdin!.write('release\n');
    await child.waitFor('released');
    expect((await child.exited).code).toBe(0);
    expect(await isWriteLocked(dataset)).toBe(false);
    const lock = await acquireWriteLock(dataset);
    await lock.release();
  });

  it('takes over the lock of a killed process once it is stale', async () => {
    const dataset = path.join(dir, 'survey.seis');
    await fs.mkdir(dataset);
    const child = startChild('lock', dataset);
    await child.waitFor('locked');
    child.process.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    // Killed outright, it could not remove its lock: fresh, it still counts.
    const lockPath = `${await fs.realpath(dataset)}.lock`;
    expect((await fs.stat(lockPath)).isDirectory()).toBe(true);
    expect((await rejection(acquireWriteLock(dataset))).code).toBe('DATASET_LOCKED');

    // Nobody refreshes it any more; once older than the stale period (10 s by default, here
    // aged by hand) the next writer takes it over.
    const past = new Date(Date.now() - 60_000);
    await fs.utimes(lockPath, past, past);
    expect(await isWriteLocked(dataset)).toBe(false);
    const lock = await acquireWriteLock(dataset);
    expect(lock.held).toBe(true);
    await lock.release();
  });
});
