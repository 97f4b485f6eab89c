/**
 * Projects: a named set of dataset references, the processing done on them and the survey's
 * coordinate system, kept in a versioned JSON file that one writer at a time may change.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import nodePath from 'node:path';
import type { z } from 'zod';
import { CoordinateSystem, type CoordinateSystemJSON, fromEpsg } from '../crs/index.js';
import { ApplicationError, ArgumentError, DatasetError } from '../errors/index.js';
import { lazy, loadZod } from '../lazy.js';
import type { JsonValue } from '../process/index.js';
import { type ProcessingStep, parseHistory } from '../provenance/index.js';
import { acquireWriteLock, readDatasetMetadata, type WriteLock } from '../storage/index.js';
import {
  type JsonObject,
  parseVersionedDocument,
  type VersionedFormat,
  writeJsonAtomic,
} from './json-file.js';

/** The project file format this version writes. */
export const PROJECT_FORMAT_VERSION = 1;

/** A dataset that belongs to a project. */
export interface DatasetReference {
  /** Id of the reference, unique in the project. */
  id: string;
  /** Display name. */
  name: string;
  /**
   * Absolute path while loaded. The file stores it relative to the project file's folder when
   * the dataset lies inside it, so a project folder can be moved or shared whole.
   */
  path: string;
  /** ISO 8601 time the dataset was added. */
  addedAt: string;
  /**
   * Identity of the dataset's content (from its metadata: creation time, shape, source file
   * digests), used to recognise it after a move or rename; `null` when the path is not a
   * seisproc dataset.
   */
  fingerprint: string | null;
}

/** A project. */
export interface Project {
  /** Unique id. */
  id: string;
  /** Name. */
  name: string;
  /** Free text. */
  description: string;
  /** ISO 8601 creation time. */
  createdAt: string;
  /** ISO 8601 time of the last save. */
  modifiedAt: string;
  /** Datasets of the project. */
  datasets: DatasetReference[];
  /** Processing steps run in the project, oldest first. */
  processing: ProcessingStep[];
  /** Coordinate system of the survey, or `null`. */
  crs: CoordinateSystemJSON | null;
  /** Anything else the host application keeps. */
  metadata: { [key: string]: JsonValue };
}

/** The schema of the project file, built on first use. */
const projectFileSchema = lazy(() => {
  const { z } = loadZod();
  const json = z.json() as z.ZodType<JsonValue>;
  const crsSchema = z
    .object({
      epsg: z.number().int().positive().optional(),
      proj: z.string().min(1).optional(),
      units: z.enum(['m', 'ft', 'us-ft', 'degree']),
      description: z.string(),
    })
    .refine((crs) => {
      try {
        CoordinateSystem.fromJSON(crs);
        return true;
      } catch {
        return false;
      }
    }, 'not a coordinate system seisproc understands');
  return z.object({
    format_version: z.literal(PROJECT_FORMAT_VERSION),
    id: z.string().min(1),
    name: z.string().min(1),
    description: z.string(),
    createdAt: z.string(),
    modifiedAt: z.string(),
    datasets: z
      .array(
        z.object({
          id: z.string().min(1),
          name: z.string(),
          path: z.string().min(1),
          addedAt: z.string(),
          fingerprint: z.string().nullable(),
        }),
      )
      .refine((list) => new Set(list.map((d) => d.id)).size === list.length, 'dataset ids must be unique'),
    // Steps are checked by provenance's own parser after the rest of the file validates.
    processing: z.array(z.unknown()),
    crs: crsSchema.nullable(),
    metadata: z.record(z.string(), json),
  });
});

type ProjectFile = Project & { format_version: typeof PROJECT_FORMAT_VERSION };
type UncheckedProjectFile = Omit<ProjectFile, 'processing'> & { processing: unknown[] };

/** A stable id for things of version-0 files, so that reading the same old file twice agrees. */
function legacyId(...parts: unknown[]): string {
  return `legacy-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)}`;
}

/**
 * Version 0 (before the format had a version): `created`/`modified`, datasets as paths or
 * `{ name?, path }`, the CRS as `crs_epsg`, processing as `steps` with `params`, `version`,
 * `input`/`input_sha256`, `output`/`output_sha256`, the shape as `traces`/`samples` (processing
 * keeps it) and one `timestamp`.
 */
function migrateProjectFromV0(document: JsonObject): JsonObject {
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);
  const created = text(document.created, new Date(0).toISOString());
  const datasets = (Array.isArray(document.datasets) ? document.datasets : []).map((entry: unknown) => {
    const legacy = (typeof entry === 'string' ? { path: entry } : entry) as {
      path?: unknown;
      name?: unknown;
    };
    const path = text(legacy.path, '');
    return {
      id: legacyId('dataset', path),
      name: text(legacy.name, nodePath.basename(path).replace(/\.seis$/, '')),
      path,
      addedAt: created,
      fingerprint: null,
    };
  });
  const processing = (Array.isArray(document.steps) ? document.steps : []).map((entry: unknown) => {
    const step = entry as Record<string, unknown>;
    const at = text(step.timestamp, created);
    return {
      id: legacyId('step', step),
      processor: step.processor,
      processorVersion: text(step.version, 'unknown'),
      parameters: step.params ?? {},
      input: {
        path: step.input,
        sha256: step.input_sha256,
        traceCount: step.traces,
        sampleCount: step.samples,
      },
      output: {
        path: step.output,
        sha256: step.output_sha256,
        traceCount: step.traces,
        sampleCount: step.samples,
      },
      startedAt: at,
      finishedAt: at,
      seisprocVersion: 'unknown',
    };
  });
  const metadata: JsonObject = {};
  let crs: CoordinateSystemJSON | null = null;
  if (typeof document.crs_epsg === 'number') {
    try {
      crs = fromEpsg(document.crs_epsg).toJSON();
    } catch {
      // Keep a code this version does not bundle instead of failing the whole project.
      metadata.legacyCrsEpsg = document.crs_epsg;
    }
  }
  return {
    id: legacyId('project', document.name, created),
    name: document.name,
    description: text(document.description, ''),
    createdAt: created,
    modifiedAt: text(document.modified, created),
    datasets,
    processing,
    crs,
    metadata,
  };
}

const PROJECT_FORMAT: VersionedFormat<UncheckedProjectFile> = {
  kind: 'project',
  currentVersion: PROJECT_FORMAT_VERSION,
  migrations: [migrateProjectFromV0],
  schema: projectFileSchema,
  invalidCode: 'PROJECT_INVALID',
};

/** Where a referenced dataset is now. */
export type DatasetLocationStatus = 'ok' | 'moved' | 'missing' | 'mismatch';

/** The result of looking for one referenced dataset. */
export interface DatasetLocation {
  /** The reference as the project has it. */
  reference: DatasetReference;
  /**
   * `ok`: at its path (and the same dataset, when it has a fingerprint). `moved`: not at its path
   * but found by name or fingerprint in the project's folder or a search path (`foundAt`).
   * `missing`: nowhere. `mismatch`: its path holds a different dataset and the right one was not
   * found elsewhere.
   */
  status: DatasetLocationStatus;
  /** Where a moved dataset was found. */
  foundAt: string | undefined;
}

/** Options of {@link ProjectManager}. */
export interface ProjectManagerOptions {
  /** Folders searched for moved datasets, after the project file's own folder. */
  searchPaths?: string[];
  /** How many folder levels below each search folder are searched. Default 2. */
  searchDepth?: number;
  /** Stale period of project write locks, see {@link WriteLockOptions}. */
  lockStaleMs?: number;
}

/** Options of {@link ProjectManager.load}. */
export interface ProjectLoadOptions {
  /** Open without the write lock: always possible, even while another process writes; cannot save. */
  readOnly?: boolean;
}

/** What a new project starts with. */
export interface NewProject {
  /** Name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Coordinate system of the survey. */
  crs?: CoordinateSystem | null;
  /** Host application data. */
  metadata?: { [key: string]: JsonValue };
}

// Bounds the search for moved datasets, so a search path such as a home folder cannot stall it.
const MAX_SEARCH_ENTRIES = 20_000;

/**
 * Creates and loads projects. A project loaded for writing holds its file's write lock until
 * {@link OpenProject.close}; another writer, in this process or another, gets `DATASET_LOCKED`,
 * while read-only loads always succeed.
 */
export class ProjectManager {
  /** Folders searched for moved datasets. */
  readonly searchPaths: readonly string[];
  /** Folder levels searched below each search folder. */
  readonly searchDepth: number;
  readonly #lockStaleMs: number | undefined;

  constructor(options: ProjectManagerOptions = {}) {
    this.searchPaths = (options.searchPaths ?? []).map((p) => nodePath.resolve(p));
    this.searchDepth = options.searchDepth ?? 2;
    this.#lockStaleMs = options.lockStaleMs;
  }

  /**
   * Create a project file and open it for writing.
   *
   * @throws DatasetError `DATASET_EXISTS` when the file exists (unless `overwrite`);
   *   `DATASET_LOCKED` when another writer holds it.
   * @throws ApplicationError `IO_ERROR` when it cannot be written.
   */
  async create(path: string, init: NewProject, options: { overwrite?: boolean } = {}): Promise<OpenProject> {
    if (typeof init.name !== 'string' || init.name === '') throw new ArgumentError('a project needs a name');
    const file = nodePath.resolve(path);
    // The lock directory goes next to the file, so its folder must exist before the lock.
    await fs.mkdir(nodePath.dirname(file), { recursive: true }).catch((cause) => {
      throw new ApplicationError('IO_ERROR', 'cannot create the project folder', { path: file, cause });
    });
    const lock = await acquireWriteLock(file, { staleMs: this.#lockStaleMs });
    try {
      const exists = await fs.lstat(file).then(
        () => true,
        () => false,
      );
      if (exists && !options.overwrite) {
        throw new DatasetError('DATASET_EXISTS', 'project file already exists', { path: file });
      }
      const now = new Date().toISOString();
      const project: Project = {
        id: randomUUID(),
        name: init.name,
        description: init.description ?? '',
        createdAt: now,
        modifiedAt: now,
        datasets: [],
        processing: [],
        crs: init.crs ? init.crs.toJSON() : null,
        metadata: structuredClone(init.metadata ?? {}),
      };
      const open = new OpenProject(this, file, project, lock, undefined);
      await open.save();
      return open;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Load a project file, migrating an older format in memory (the file is rewritten, with a
   * `<file>.v<N>.bak` copy of the old one, at the first save).
   *
   * @throws ApplicationError `PROJECT_NOT_FOUND` when there is no such file; `PROJECT_INVALID`
   *   when it cannot be understood (context `issues` lists each problem); `IO_ERROR` when it
   *   cannot be read.
   * @throws DatasetError `DATASET_LOCKED` when opening for writing while another writer holds it.
   */
  async load(path: string, options: ProjectLoadOptions = {}): Promise<OpenProject> {
    const file = nodePath.resolve(path);
    const lock = options.readOnly ? undefined : await acquireWriteLock(file, { staleMs: this.#lockStaleMs });
    try {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new ApplicationError('PROJECT_NOT_FOUND', 'no project file', { path: file });
        }
        throw new ApplicationError('IO_ERROR', 'cannot read the project file', { path: file, cause });
      }
      const { value, migratedFrom } = parseVersionedDocument(text, PROJECT_FORMAT, file);
      const { format_version: _version, processing, ...rest } = value;
      const project: Project = { ...rest, processing: checkedSteps(processing, file) };
      const folder = nodePath.dirname(file);
      for (const dataset of project.datasets) dataset.path = nodePath.resolve(folder, dataset.path);
      return new OpenProject(this, file, project, lock, migratedFrom);
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /**
   * Find where each referenced dataset of a project is now.
   *
   * @param projectFile the project file, whose folder is searched first.
   */
  async locateDatasets(project: Project, projectFile: string): Promise<DatasetLocation[]> {
    const roots = [nodePath.dirname(nodePath.resolve(projectFile)), ...this.searchPaths];
    const search = new DatasetSearch(roots, this.searchDepth);
    const locations: DatasetLocation[] = [];
    for (const reference of project.datasets) {
      const here = await inspectDataset(reference.path);
      const sameData = reference.fingerprint === null || here.fingerprint === reference.fingerprint;
      if (here.exists && sameData) {
        locations.push({ reference, status: 'ok', foundAt: undefined });
        continue;
      }
      const foundAt = await search.find(reference);
      locations.push({
        reference,
        status: foundAt ? 'moved' : here.exists ? 'mismatch' : 'missing',
        foundAt,
      });
    }
    return locations;
  }
}

/**
 * A project loaded from its file. Change it through the methods (which need write access), then
 * {@link OpenProject.save}; {@link OpenProject.close} releases the write lock.
 */
export class OpenProject {
  /** The project file. */
  readonly path: string;
  /** True when loaded without the write lock. */
  readonly readOnly: boolean;
  /** The version the file had, when it was migrated from an older one. */
  readonly migratedFrom: number | undefined;
  readonly #manager: ProjectManager;
  readonly #project: Project;
  readonly #lock: WriteLock | undefined;
  #backupPending: boolean;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  /** @internal Use {@link ProjectManager.create} or {@link ProjectManager.load}. */
  constructor(
    manager: ProjectManager,
    path: string,
    project: Project,
    lock: WriteLock | undefined,
    migratedFrom: number | undefined,
  ) {
    this.#manager = manager;
    this.path = path;
    this.#project = project;
    this.#lock = lock;
    this.readOnly = lock === undefined;
    this.migratedFrom = migratedFrom;
    this.#backupPending = migratedFrom !== undefined;
  }

  /** The project (a deep copy: change it through the methods). */
  get project(): Project {
    return structuredClone(this.#project);
  }

  /** The project's coordinate system, if set. */
  get coordinateSystem(): CoordinateSystem | null {
    return this.#project.crs === null ? null : CoordinateSystem.fromJSON(this.#project.crs);
  }

  /**
   * Rename the project or change its description or host metadata.
   *
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  update(changes: { name?: string; description?: string; metadata?: { [key: string]: JsonValue } }): void {
    this.#assertWritable();
    if (changes.name !== undefined) {
      if (changes.name === '') throw new ArgumentError('a project needs a name');
      this.#project.name = changes.name;
    }
    if (changes.description !== undefined) this.#project.description = changes.description;
    if (changes.metadata !== undefined) this.#project.metadata = structuredClone(changes.metadata);
  }

  /**
   * Set the survey's coordinate system, or none.
   *
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  setCoordinateSystem(crs: CoordinateSystem | null): void {
    this.#assertWritable();
    this.#project.crs = crs ? crs.toJSON() : null;
  }

  /**
   * Add a dataset (adding the same path again returns the existing reference).
   *
   * @throws DatasetError `DATASET_NOT_FOUND` when nothing exists at `path`.
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  async addDataset(path: string, options: { name?: string } = {}): Promise<DatasetReference> {
    this.#assertWritable();
    const absolute = nodePath.resolve(path);
    const existing = this.#project.datasets.find((d) => d.path === absolute);
    if (existing) return structuredClone(existing);
    const found = await inspectDataset(absolute);
    if (!found.exists) throw new DatasetError('DATASET_NOT_FOUND', 'no dataset to add', { path: absolute });
    const reference: DatasetReference = {
      id: randomUUID(),
      name: options.name ?? nodePath.basename(absolute).replace(/\.seis$/, ''),
      path: absolute,
      addedAt: new Date().toISOString(),
      fingerprint: found.fingerprint,
    };
    this.#project.datasets.push(reference);
    return structuredClone(reference);
  }

  /**
   * Remove a dataset reference (the dataset itself stays). Returns false for an unknown id.
   *
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  removeDataset(id: string): boolean {
    this.#assertWritable();
    const index = this.#project.datasets.findIndex((d) => d.id === id);
    if (index < 0) return false;
    this.#project.datasets.splice(index, 1);
    return true;
  }

  /**
   * Point a reference at the dataset's new place.
   *
   * @throws DatasetError `DATASET_NOT_FOUND` when nothing is at `newPath`; `DATASET_MISMATCH`
   *   when it is a different dataset than the reference's fingerprint says.
   * @throws ArgumentError `INVALID_ARGUMENT` for an unknown id.
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  async relocateDataset(id: string, newPath: string): Promise<DatasetReference> {
    this.#assertWritable();
    const reference = this.#project.datasets.find((d) => d.id === id);
    if (!reference) throw new ArgumentError(`the project has no dataset with id ${id}`, { id });
    const absolute = nodePath.resolve(newPath);
    const found = await inspectDataset(absolute);
    if (!found.exists)
      throw new DatasetError('DATASET_NOT_FOUND', 'no dataset at the new path', { path: absolute });
    if (reference.fingerprint !== null && found.fingerprint !== reference.fingerprint) {
      throw new DatasetError('DATASET_MISMATCH', `the dataset at the new path is not "${reference.name}"`, {
        path: absolute,
        expected: reference.fingerprint,
        found: found.fingerprint,
      });
    }
    reference.path = absolute;
    return structuredClone(reference);
  }

  /**
   * Record a processing step in the project's log.
   *
   * @throws ArgumentError `INVALID_ARGUMENT` for a malformed step.
   * @throws ApplicationError `READ_ONLY` for a read-only project.
   */
  recordProcessingStep(step: ProcessingStep): void {
    this.#assertWritable();
    let checked: ProcessingStep;
    try {
      [checked] = parseHistory([structuredClone(step)], this.path) as [ProcessingStep];
    } catch (cause) {
      throw new ArgumentError(`invalid processing step: ${(cause as Error).message}`, { cause });
    }
    this.#project.processing.push(checked);
  }

  /**
   * Find where each referenced dataset is now (see {@link ProjectManager.locateDatasets}); with
   * `relocate`, point the references of moved datasets at their new place (needs write access).
   *
   * @throws ApplicationError `READ_ONLY` when relocating in a read-only project.
   */
  async locateDatasets(options: { relocate?: boolean } = {}): Promise<DatasetLocation[]> {
    if (options.relocate) this.#assertWritable();
    const locations = await this.#manager.locateDatasets(this.#project, this.path);
    if (options.relocate) {
      for (const location of locations) {
        if (location.status !== 'moved') continue;
        const reference = this.#project.datasets.find((d) => d.id === location.reference.id)!;
        reference.path = location.foundAt!;
      }
    }
    return locations.map((location) => ({ ...location, reference: structuredClone(location.reference) }));
  }

  /**
   * Write the project atomically, with paths inside the project folder stored relative to it.
   * Saves are serialised.
   *
   * @throws ApplicationError `READ_ONLY` for a read-only project; `IO_ERROR` when it cannot be
   *   written.
   * @throws DatasetError `DATASET_LOCKED` when the write lock was lost.
   */
  async save(): Promise<void> {
    this.#assertWritable();
    const run = this.#saving.then(() => this.#write());
    this.#saving = run.catch(() => undefined);
    return run;
  }

  /**
   * Wait for pending saves and release the write lock (a read-only project has none). Changes
   * and saves are refused with `READ_ONLY` afterwards.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#saving;
    await this.#lock?.release();
  }

  async #write(): Promise<void> {
    this.#lock!.assertHeld();
    if (this.#backupPending) {
      // The old format cannot be read back by the version that wrote it once rewritten: keep it.
      const backup = `${this.path}.v${this.migratedFrom}.bak`;
      await fs
        .copyFile(this.path, backup, fs.constants.COPYFILE_EXCL)
        .catch((cause: NodeJS.ErrnoException) => {
          if (cause.code !== 'EEXIST') {
            throw new ApplicationError('IO_ERROR', 'cannot back up the old project file', {
              path: backup,
              cause,
            });
          }
        });
      this.#backupPending = false;
    }
    this.#project.modifiedAt = new Date().toISOString();
    const folder = nodePath.dirname(this.path);
    const file: ProjectFile = {
      format_version: PROJECT_FORMAT_VERSION,
      ...this.#project,
      datasets: this.#project.datasets.map((d) => ({ ...d, path: storedPath(folder, d.path) })),
    };
    await writeJsonAtomic(this.path, file);
  }

  #assertWritable(): void {
    if (this.readOnly || this.#closed) {
      const why = this.readOnly ? 'the project was opened read-only' : 'the project was closed';
      throw new ApplicationError('READ_ONLY', why, { path: this.path });
    }
    this.#lock!.assertHeld();
  }
}

/** The processing log of a project file, checked by provenance's parser. */
function checkedSteps(steps: unknown[], file: string): ProcessingStep[] {
  try {
    return parseHistory(steps, file);
  } catch (cause) {
    throw new ApplicationError('PROJECT_INVALID', `project file: ${(cause as Error).message}`, {
      path: file,
      cause,
    });
  }
}

/** Relative to the project folder when inside it, so the folder can move as a whole. */
function storedPath(folder: string, path: string): string {
  const relative = nodePath.relative(folder, path);
  return relative !== '' && !relative.startsWith('..') && !nodePath.isAbsolute(relative) ? relative : path;
}

/** Whether something exists at `path` and, if it is a seisproc dataset, its fingerprint. */
async function inspectDataset(path: string): Promise<{ exists: boolean; fingerprint: string | null }> {
  const exists = await fs.stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) return { exists, fingerprint: null };
  try {
    const metadata = await readDatasetMetadata(path);
    const identity = [
      metadata.created_at,
      metadata.trace_count,
      metadata.sample_count,
      metadata.sample_interval_us,
      metadata.source?.head_sha256 ?? null,
      metadata.source?.tail_sha256 ?? null,
    ];
    return {
      exists,
      fingerprint: createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32),
    };
  } catch {
    // A SEG-Y file or a folder that is not (or no longer) a readable dataset has no fingerprint.
    return { exists, fingerprint: null };
  }
}

/** A bounded walk of the search folders, done once per lookup and shared by all references. */
class DatasetSearch {
  readonly #roots: string[];
  readonly #depth: number;
  #listing: Promise<{ entries: string[]; datasets: string[] }> | undefined;
  readonly #fingerprints = new Map<string, Promise<string | null>>();

  constructor(roots: string[], depth: number) {
    this.#roots = [...new Set(roots)];
    this.#depth = depth;
  }

  /**
   * A place other than its own path where the referenced dataset is. With a fingerprint: an
   * entry of the same name with that fingerprint, else any dataset with it (renamed). Without:
   * the first entry of the same name.
   */
  async find(reference: DatasetReference): Promise<string | undefined> {
    this.#listing ??= this.#list();
    const { entries, datasets } = await this.#listing;
    const name = nodePath.basename(reference.path);
    const sameName = entries.filter((entry) => entry !== reference.path && nodePath.basename(entry) === name);
    if (reference.fingerprint === null) return sameName[0];
    const renamed = datasets.filter((entry) => entry !== reference.path && nodePath.basename(entry) !== name);
    for (const entry of [...sameName, ...renamed]) {
      if ((await this.#fingerprint(entry)) === reference.fingerprint) return entry;
    }
    return undefined;
  }

  #fingerprint(entry: string): Promise<string | null> {
    let fingerprint = this.#fingerprints.get(entry);
    if (!fingerprint) {
      fingerprint = inspectDataset(entry).then((found) => found.fingerprint);
      this.#fingerprints.set(entry, fingerprint);
    }
    return fingerprint;
  }

  async #list(): Promise<{ entries: string[]; datasets: string[] }> {
    const entries: string[] = [];
    const datasets: string[] = [];
    const walk = async (folder: string, level: number): Promise<void> => {
      const children = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const child of children) {
        // Hidden entries include the temporary siblings of unfinished writes.
        if (child.name.startsWith('.') || entries.length >= MAX_SEARCH_ENTRIES) continue;
        const full = nodePath.join(folder, child.name);
        entries.push(full);
        if (!child.isDirectory()) continue;
        if (await isDatasetFolder(full)) datasets.push(full);
        else if (level < this.#depth) await walk(full, level + 1);
      }
    };
    for (const root of this.#roots) await walk(root, 0);
    return { entries, datasets };
  }
}

async function isDatasetFolder(folder: string): Promise<boolean> {
  return fs.stat(nodePath.join(folder, 'zarr.json')).then(
    () => true,
    () => false,
  );
}
