/**
 * Versioned JSON files (projects, sessions, settings): a `format_version` field, migrations from
 * every older version, schema validation, atomic writes (temporary sibling, fsync, rename), and
 * setting a corrupt file aside instead of overwriting it.
 */
import { promises as fs, mkdirSync } from 'node:fs';
import nodePath from 'node:path';
import type { z } from 'zod';
import { ApplicationError, type ErrorCode, type SeisprocError } from '../errors/index.js';
import { loadWriteFileAtomic, loadZod } from '../lazy.js';

/** A JSON object before validation. */
export type JsonObject = Record<string, unknown>;

/** How one kind of versioned file is read. */
export interface VersionedFormat<T> {
  /** What the file holds, for messages: `project`, `session`, `settings`. */
  kind: string;
  /** The `format_version` this code writes. */
  currentVersion: number;
  /**
   * `migrations[v]` turns a version-`v` document into a version-`v + 1` one. A file without
   * `format_version` is version 0.
   */
  migrations: ReadonlyArray<(document: JsonObject) => JsonObject>;
  /** Validates a current-version document (including its `format_version`); built on first use. */
  schema: () => z.ZodType<T>;
  /** The error code of a file that cannot be understood. */
  invalidCode: ErrorCode;
}

/** Why a session or settings started from defaults instead of their file. */
export interface FileRecovery {
  /** `corrupt`: the file could not be understood; `unreadable`: it could not be read at all. */
  reason: 'corrupt' | 'unreadable';
  /** What was wrong. */
  error: SeisprocError;
  /** Where the damaged file was moved (`<file>.corrupt-<timestamp>`), if it could be. */
  keptAs: string | undefined;
}

/**
 * What replaces a file that is not `ok`: nothing for a missing file, else a recovery record, a
 * corrupt file having first been moved aside.
 */
export async function recoverFrom(
  path: string,
  outcome: Exclude<ReadOutcome<unknown>, { status: 'ok' }>,
): Promise<FileRecovery | undefined> {
  switch (outcome.status) {
    case 'missing':
      return undefined;
    case 'unreadable':
      return { reason: 'unreadable', error: outcome.error, keptAs: undefined };
    case 'invalid':
      return { reason: 'corrupt', error: outcome.error, keptAs: await setCorruptFileAside(path) };
  }
}

/** A versioned file read and brought to the current version. */
export interface ParsedDocument<T> {
  value: T;
  /** The version the file had, when it was older than the current one. */
  migratedFrom: number | undefined;
}

/** The outcome of reading a versioned file that may be missing or damaged. */
export type ReadOutcome<T> =
  | ({ status: 'ok' } & ParsedDocument<T>)
  | { status: 'missing' }
  | { status: 'invalid'; error: ApplicationError }
  | { status: 'unreadable'; error: ApplicationError };

/**
 * Parse, migrate and validate the text of a versioned file.
 *
 * @throws ApplicationError with `format.invalidCode` for text that is not JSON, a document that
 *   is not an object, a version newer than this code knows, or a document the schema refuses.
 */
export function parseVersionedDocument<T>(
  text: string,
  format: VersionedFormat<T>,
  path?: string,
): ParsedDocument<T> {
  const invalid = (message: string, extra: Record<string, unknown> = {}) =>
    new ApplicationError(format.invalidCode, `${format.kind} file: ${message}`, { path, ...extra });
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw invalid('not valid JSON', { cause });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalid('not a JSON object');
  }
  const version = (document as JsonObject).format_version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw invalid(`format_version ${JSON.stringify(version)} is not a version number`);
  }
  if (version > format.currentVersion) {
    throw invalid(
      `format_version ${version} was written by a newer seisproc (this one reads up to ${format.currentVersion})`,
      { formatVersion: version },
    );
  }
  let migrated = document as JsonObject;
  try {
    for (let v = version; v < format.currentVersion; v++) {
      migrated = { ...format.migrations[v]!(migrated), format_version: v + 1 };
    }
  } catch (cause) {
    throw invalid(`cannot migrate from format_version ${version}`, { formatVersion: version, cause });
  }
  const result = format.schema().safeParse(migrated);
  if (!result.success) {
    throw invalid(loadZod().z.prettifyError(result.error).replace(/\n/g, '; '), {
      formatVersion: version,
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return { value: result.data, migratedFrom: version < format.currentVersion ? version : undefined };
}

/** Read a versioned file, telling a missing, unreadable or invalid file apart instead of throwing. */
export async function readVersionedFile<T>(
  path: string,
  format: VersionedFormat<T>,
): Promise<ReadOutcome<T>> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return {
      status: 'unreadable',
      error: new ApplicationError('IO_ERROR', `cannot read the ${format.kind} file`, { path, cause }),
    };
  }
  try {
    return { status: 'ok', ...parseVersionedDocument(text, format, path) };
  } catch (error) {
    return { status: 'invalid', error: error as ApplicationError };
  }
}

function serialise(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Write JSON atomically: to a temporary sibling, fsynced, then renamed over `path`, so a crash
 * leaves either the old file or the new one. Missing parent folders are created.
 *
 * @throws ApplicationError `IO_ERROR` naming the path.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  try {
    await fs.mkdir(nodePath.dirname(path), { recursive: true });
    await loadWriteFileAtomic()(path, serialise(value));
  } catch (cause) {
    throw new ApplicationError('IO_ERROR', 'cannot write file', { path, cause });
  }
}

/** {@link writeJsonAtomic}, synchronously: for process exit hooks, where nothing async runs. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  try {
    mkdirSync(nodePath.dirname(path), { recursive: true });
    loadWriteFileAtomic().sync(path, serialise(value));
  } catch (cause) {
    throw new ApplicationError('IO_ERROR', 'cannot write file', { path, cause });
  }
}

/**
 * Move a damaged file aside as `<path>.corrupt-<timestamp>` so that defaults can be written in its
 * place without losing it. Returns the new name, or `undefined` when it could not be moved.
 */
export async function setCorruptFileAside(path: string, now: Date = new Date()): Promise<string | undefined> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let attempt = 0; attempt < 100; attempt++) {
    const aside = `${path}.corrupt-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    const taken = await fs.lstat(aside).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    try {
      await fs.rename(path, aside);
      return aside;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
