/**
 * Application settings kept between runs: the datasets the user had loaded, the active one, the
 * dataset cache limit, whether to reload the last datasets at start, and the last session.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import nodePath from 'node:path';
import envPaths from 'env-paths';
import type { z } from 'zod';
import { ArgumentError } from '../errors/index.js';
import { lazy, loadZod } from '../lazy.js';
import {
  type FileRecovery,
  type JsonObject,
  readVersionedFile,
  recoverFrom,
  type VersionedFormat,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from './json-file.js';
import { SessionState, type SessionStateJSON, sessionStateSchemas } from './session-state.js';

/** The settings file format this version writes. */
export const SETTINGS_FORMAT_VERSION = 1;

/** The dataset cache limit of fresh settings: 1 GiB. */
export const DEFAULT_DATASET_CACHE_LIMIT_BYTES = 1024 ** 3;

/** A dataset the user had loaded. */
export interface LoadedDataset {
  /** Stable id, referred to by `activeDatasetId` and sessions. */
  id: string;
  /** Absolute path of the dataset (or SEG-Y file). */
  path: string;
  /** Display name. */
  name: string;
  /** ISO 8601 time it was (last) loaded. */
  loadedAt: string;
}

/** The plain data of {@link AppSettings}, as stored (with `format_version`) in the settings file. */
export interface AppSettingsJSON {
  /** Datasets loaded, in the order they were first loaded. */
  loadedDatasets: LoadedDataset[];
  /** Id of the active dataset (one of `loadedDatasets`), or `null`. */
  activeDatasetId: string | null;
  /** Bytes the gather cache of open datasets may use. */
  datasetCacheLimitBytes: number;
  /** Reload the loaded datasets at start. */
  autoLoadLast: boolean;
  /** The last session, or `null`. */
  session: SessionStateJSON | null;
}

/** The schema of the settings file, built on first use. */
const settingsSchema = lazy(() => {
  const { z } = loadZod();
  const loadedDatasetSchema = z.object({
    id: z.string().min(1),
    path: z.string().min(1),
    name: z.string(),
    loadedAt: z.string(),
  });

  return z
    .object({
      format_version: z.literal(SETTINGS_FORMAT_VERSION),
      loadedDatasets: z
        .array(loadedDatasetSchema)
        .refine((list) => new Set(list.map((d) => d.id)).size === list.length, 'dataset ids must be unique'),
      activeDatasetId: z.string().nullable(),
      datasetCacheLimitBytes: z.number().int().positive(),
      autoLoadLast: z.boolean(),
      session: sessionStateSchemas().state.nullable(),
    })
    .refine(
      (s) => s.activeDatasetId === null || s.loadedDatasets.some((d) => d.id === s.activeDatasetId),
      'activeDatasetId must name a loaded dataset',
    );
});

type SettingsFile = z.infer<ReturnType<typeof settingsSchema>>;

/**
 * Version 0 (before the format had a version): snake_case keys, datasets as paths or
 * `{ path, name?, loaded_at? }`, the active dataset by path, the cache limit in MiB and the last
 * session under `last_session`.
 */
function migrateSettingsFromV0(document: JsonObject): JsonObject {
  const entries = Array.isArray(document.loaded_datasets) ? document.loaded_datasets : [];
  const loadedDatasets: LoadedDataset[] = [];
  for (const entry of entries) {
    const legacy =
      typeof entry === 'string'
        ? { path: entry }
        : (entry as { path?: unknown; name?: unknown; loaded_at?: unknown });
    if (typeof legacy.path !== 'string' || legacy.path === '') continue;
    if (loadedDatasets.some((d) => d.path === legacy.path)) continue;
    loadedDatasets.push({
      id: legacyDatasetId(legacy.path),
      path: legacy.path,
      name: typeof legacy.name === 'string' ? legacy.name : displayName(legacy.path),
      loadedAt: typeof legacy.loaded_at === 'string' ? legacy.loaded_at : new Date(0).toISOString(),
    });
  }
  const active = loadedDatasets.find((d) => d.path === document.active_dataset);
  const cacheMiB = document.cache_limit_mb;
  // An old session that no longer validates is dropped rather than spoiling the whole file.
  const session = sessionStateSchemas().state.safeParse(document.last_session);
  return {
    loadedDatasets,
    activeDatasetId: active?.id ?? null,
    datasetCacheLimitBytes:
      typeof cacheMiB === 'number' && Number.isInteger(cacheMiB) && cacheMiB > 0
        ? cacheMiB * 1024 * 1024
        : DEFAULT_DATASET_CACHE_LIMIT_BYTES,
    autoLoadLast: typeof document.auto_load_last === 'boolean' ? document.auto_load_last : false,
    session: session.success ? session.data : null,
  };
}

const SETTINGS_FORMAT: VersionedFormat<SettingsFile> = {
  kind: 'settings',
  currentVersion: SETTINGS_FORMAT_VERSION,
  migrations: [migrateSettingsFromV0],
  schema: settingsSchema,
  invalidCode: 'SETTINGS_INVALID',
};

/** What {@link AppSettings.load} found. */
export interface AppSettingsLoadResult {
  /** The settings, ready to use. */
  settings: AppSettings;
  /** `file`: read from the settings file; `defaults`: the file was missing or damaged. */
  source: 'file' | 'defaults';
  /** The version the file had, when it was migrated from an older one. */
  migratedFrom: number | undefined;
  /** Set when a damaged file was replaced by defaults. */
  recovered: FileRecovery | undefined;
  /** Loaded datasets whose path no longer exists (dropped unless `keepMissingDatasets`). */
  missingDatasets: LoadedDataset[];
}

/** Options of {@link AppSettings.load}. */
export interface AppSettingsLoadOptions {
  /** Keep datasets whose path is missing in the list (e.g. on a drive not mounted now). Default false. */
  keepMissingDatasets?: boolean;
}

/**
 * Application settings bound to their file. Load with {@link AppSettings.load}, change through
 * the methods (which validate), and {@link AppSettings.save}.
 */
export class AppSettings {
  /** The settings file. */
  readonly path: string;
  #data: AppSettingsJSON;

  /**
   * Settings for `path` from defaults overridden by `initial`, without reading the file.
   *
   * @throws ArgumentError `INVALID_ARGUMENT` when the result does not validate.
   */
  constructor(path: string, initial: Partial<AppSettingsJSON> = {}) {
    this.path = nodePath.resolve(path);
    const candidate = { ...defaultSettings(), ...initial, format_version: SETTINGS_FORMAT_VERSION };
    const parsed = settingsSchema().safeParse(candidate);
    if (!parsed.success) {
      throw new ArgumentError(
        `invalid settings: ${loadZod().z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
      );
    }
    this.#data = withoutVersion(parsed.data);
  }

  /**
   * Load settings, migrating an older file, and check that the loaded datasets still exist.
   * Never fails on the file's content: a missing file gives defaults, a damaged one gives
   * defaults and is moved aside as `<path>.corrupt-<timestamp>`.
   */
  static async load(path: string, options: AppSettingsLoadOptions = {}): Promise<AppSettingsLoadResult> {
    const outcome = await readVersionedFile(path, SETTINGS_FORMAT);
    if (outcome.status !== 'ok') {
      return {
        settings: new AppSettings(path),
        source: 'defaults',
        migratedFrom: undefined,
        recovered: await recoverFrom(path, outcome),
        missingDatasets: [],
      };
    }
    // Paths in older files may be relative: to the settings file's folder, as written.
    const folder = nodePath.dirname(nodePath.resolve(path));
    const data = withoutVersion(outcome.value);
    for (const dataset of data.loadedDatasets) dataset.path = nodePath.resolve(folder, dataset.path);
    const settings = new AppSettings(path, data);
    const missingDatasets: LoadedDataset[] = [];
    for (const dataset of settings.loadedDatasets) {
      const exists = await fs.stat(dataset.path).then(
        () => true,
        () => false,
      );
      if (!exists) missingDatasets.push(dataset);
    }
    if (!options.keepMissingDatasets) {
      for (const dataset of missingDatasets) settings.removeLoadedDataset(dataset.id);
    }
    return {
      settings,
      source: 'file',
      migratedFrom: outcome.migratedFrom,
      recovered: undefined,
      missingDatasets,
    };
  }

  /** Datasets loaded, in the order they were first loaded. */
  get loadedDatasets(): readonly Readonly<LoadedDataset>[] {
    return this.#data.loadedDatasets;
  }

  /** Id of the active dataset, or `null`. */
  get activeDatasetId(): string | null {
    return this.#data.activeDatasetId;
  }

  /** The active dataset, if any. */
  get activeDataset(): Readonly<LoadedDataset> | undefined {
    return this.#data.loadedDatasets.find((d) => d.id === this.#data.activeDatasetId);
  }

  /** Bytes the gather cache may use. */
  get datasetCacheLimitBytes(): number {
    return this.#data.datasetCacheLimitBytes;
  }

  /** Reload the loaded datasets at start. */
  get autoLoadLast(): boolean {
    return this.#data.autoLoadLast;
  }

  /** The last session, or `null`. */
  get session(): SessionStateJSON | null {
    return this.#data.session === null ? null : structuredClone(this.#data.session);
  }

  /**
   * Record a loaded dataset. Loading the same path again refreshes its `loadedAt` and name and
   * keeps its id.
   *
   * @returns the entry, with its id.
   */
  addLoadedDataset(
    path: string,
    options: { name?: string; id?: string; loadedAt?: Date } = {},
  ): LoadedDataset {
    const absolute = nodePath.resolve(path);
    const loadedAt = (options.loadedAt ?? new Date()).toISOString();
    const existing = this.#data.loadedDatasets.find((d) => d.path === absolute);
    if (existing) {
      existing.loadedAt = loadedAt;
      if (options.name !== undefined) existing.name = options.name;
      return { ...existing };
    }
    const id = options.id ?? randomUUID();
    if (this.#data.loadedDatasets.some((d) => d.id === id)) {
      throw new ArgumentError(`a loaded dataset already has id ${id}`, { id });
    }
    const entry = { id, path: absolute, name: options.name ?? displayName(absolute), loadedAt };
    this.#data.loadedDatasets.push(entry);
    return { ...entry };
  }

  /** Forget a loaded dataset (and make no dataset active if it was). Returns false if unknown. */
  removeLoadedDataset(id: string): boolean {
    const index = this.#data.loadedDatasets.findIndex((d) => d.id === id);
    if (index < 0) return false;
    this.#data.loadedDatasets.splice(index, 1);
    if (this.#data.activeDatasetId === id) this.#data.activeDatasetId = null;
    return true;
  }

  /**
   * Make a loaded dataset active, or none with `null`.
   *
   * @throws ArgumentError `INVALID_ARGUMENT` for an id that is not loaded.
   */
  setActiveDataset(id: string | null): void {
    if (id !== null && !this.#data.loadedDatasets.some((d) => d.id === id)) {
      throw new ArgumentError(`no loaded dataset has id ${id}`, { id });
    }
    this.#data.activeDatasetId = id;
  }

  /**
   * @throws ArgumentError `INVALID_ARGUMENT` unless `bytes` is a positive integer.
   */
  setDatasetCacheLimit(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) {
      throw new ArgumentError(`dataset cache limit must be a positive integer of bytes, got ${bytes}`, {
        bytes,
      });
    }
    this.#data.datasetCacheLimitBytes = bytes;
  }

  /** Choose whether the loaded datasets are reloaded at start. */
  setAutoLoadLast(enabled: boolean): void {
    this.#data.autoLoadLast = enabled;
  }

  /**
   * Keep a session in the settings (a copy of it now), or none with `null`.
   *
   * @throws ApplicationError `SESSION_INVALID` for session JSON that does not validate.
   */
  setSession(session: SessionState | SessionStateJSON | null): void {
    this.#data.session =
      session === null
        ? null
        : session instanceof SessionState
          ? session.toJSON()
          : SessionState.fromJSON(session).toJSON();
  }

  /** The plain data. */
  toJSON(): AppSettingsJSON {
    return structuredClone(this.#data);
  }

  /**
   * Write the settings atomically.
   *
   * @throws ApplicationError `IO_ERROR` when the file cannot be written.
   */
  async save(): Promise<void> {
    await writeJsonAtomic(this.path, this.#document());
  }

  /**
   * Write the settings synchronously, e.g. from a process exit handler.
   *
   * @throws ApplicationError `IO_ERROR` when the file cannot be written.
   */
  saveSync(): void {
    writeJsonAtomicSync(this.path, this.#document());
  }

  #document(): SettingsFile {
    return { format_version: SETTINGS_FORMAT_VERSION, ...this.toJSON() };
  }
}

/**
 * Where an application keeps its settings file by the platform's convention
 * (`$XDG_CONFIG_HOME/<app>/settings.json` on Linux, `~/Library/Preferences/<app>` on macOS,
 * `%APPDATA%\<app>\Config` on Windows).
 */
export function defaultSettingsPath(appName = 'seisproc'): string {
  return nodePath.join(envPaths(appName, { suffix: '' }).config, 'settings.json');
}

function defaultSettings(): AppSettingsJSON {
  return {
    loadedDatasets: [],
    activeDatasetId: null,
    datasetCacheLimitBytes: DEFAULT_DATASET_CACHE_LIMIT_BYTES,
    autoLoadLast: false,
    session: null,
  };
}

function withoutVersion(file: SettingsFile): AppSettingsJSON {
  const { format_version: _version, ...data } = file;
  return data;
}

/** `survey.seis` -> `survey`. */
function displayName(path: string): string {
  return nodePath.basename(path).replace(/\.(seis|sgy|segy|su)$/i, '');
}

/** Ids for datasets of version-0 files, stable so that reading the same old file twice agrees. */
function legacyDatasetId(path: string): string {
  return `legacy-${createHash('sha256').update(path).digest('hex').slice(0, 16)}`;
}
