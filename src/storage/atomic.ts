/**
 * Atomic creation of files and directories: everything is written under a temporary sibling
 * and renamed into place only when complete, so a reader never sees a half-written output.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatasetError } from '../errors/index.js';

/**
 * A temporary path next to `finalPath` (same directory, so the final rename stays on one file
 * system and is atomic): `<dir>/.<name>.<tag>-<random>`.
 */
export function temporarySibling(finalPath: string, tag = 'tmp'): string {
  const absolute = path.resolve(finalPath);
  return path.join(
    path.dirname(absolute),
    `.${path.basename(absolute)}.${tag}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Remove what writers of `finalPath` that died left beside it: temporary siblings made with one
 * of `tags` by {@link temporarySibling}. Call it only while holding `finalPath`'s write lock:
 * the lock proves that no writer of those siblings is alive (a live one would hold it).
 */
export async function removeAbandonedSiblings(finalPath: string, tags: readonly string[]): Promise<void> {
  const absolute = path.resolve(finalPath);
  const names = await fs.readdir(path.dirname(absolute)).catch(() => [] as string[]);
  const prefixes = tags.map((tag) => `.${path.basename(absolute)}.${tag}-`);
  const abandoned = names.filter((name) =>
    prefixes.some((prefix) => name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length))),
  );
  await Promise.all(
    abandoned.map((name) => fs.rm(path.join(path.dirname(absolute), name), { recursive: true, force: true })),
  );
}

/** Options of {@link commitPath}. */
export interface CommitOptions {
  /** Replace an existing `finalPath`. Default false: refuse with `DATASET_EXISTS`. */
  overwrite?: boolean;
}

/**
 * Move a finished temporary file or directory into place. With `overwrite`, an existing target is
 * first renamed aside and removed only after the new one is in place, so a failure never leaves
 * neither.
 */
export async function commitPath(
  tempPath: string,
  finalPath: string,
  options: CommitOptions = {},
): Promise<void> {
  const target = path.resolve(finalPath);
  const existing = await fs.lstat(target).catch(() => undefined);
  if (existing && !options.overwrite) {
    throw new DatasetError('DATASET_EXISTS', `output already exists: ${target}`, { path: target });
  }
  if (!existing) {
    await fs.rename(tempPath, target);
    return;
  }
  const aside = temporarySibling(target, 'old');
  await fs.rename(target, aside);
  try {
    await fs.rename(tempPath, target);
  } catch (error) {
    await fs.rename(aside, target);
    throw error;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** Write a whole file atomically (temporary sibling, fsync, rename). */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const temp = temporarySibling(filePath);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, filePath);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
