/**
 * What an application keeps between runs: projects (datasets, processing log, CRS) in
 * versioned JSON files with migrations and one writer at a time, the viewing session with
 * auto-save and application settings. Write locks (one writer per dataset or project file) come
 * from storage.
 *
 * @module
 */
export type { FileRecovery } from './json-file.js';
export {
  type DatasetLocation,
  type DatasetLocationStatus,
  type DatasetReference,
  type NewProject,
  OpenProject,
  PROJECT_FORMAT_VERSION,
  type Project,
  type ProjectLoadOptions,
  ProjectManager,
  type ProjectManagerOptions,
} from './project.js';
export {
  SESSION_FORMAT_VERSION,
  type SessionLoadResult,
  SessionManager,
  type SessionManagerEvents,
  type SessionManagerOptions,
} from './session-manager.js';
export {
  type DisplayGain,
  defaultSessionState,
  type GatherPosition,
  type Interpolation,
  type PanelLayout,
  type PanelState,
  type SessionChange,
  type SessionField,
  SessionState,
  type SessionStateEvents,
  type SessionStateJSON,
  type Viewport,
  validateSessionState,
} from './session-state.js';
export {
  AppSettings,
  type AppSettingsJSON,
  type AppSettingsLoadOptions,
  type AppSettingsLoadResult,
  DEFAULT_DATASET_CACHE_LIMIT_BYTES,
  defaultSettingsPath,
  type LoadedDataset,
  SETTINGS_FORMAT_VERSION,
} from './settings.js';
