/**
 * Keeps a {@link SessionState} in a file between runs: load (a missing or damaged file gives
 * defaults, the damaged file kept aside), save atomically, auto-save on an interval and when
 * the process exits.
 */
import { EventEmitter } from 'eventemitter3';
import { onExit } from 'signal-exit';
import type { SeisprocError } from '../errors/index.js';
import { lazy, loadZod } from '../lazy.js';
import {
  type FileRecovery,
  type ReadOutcome,
  readVersionedFile,
  recoverFrom,
  type VersionedFormat,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from './json-file.js';
import { SessionState, type SessionStateJSON, sessionStateSchemas } from './session-state.js';

/** The session file format this version writes. */
export const SESSION_FORMAT_VERSION = 1;

interface SessionFile {
  format_version: number;
  savedAt: string;
  state: SessionStateJSON;
}

const SESSION_FORMAT: VersionedFormat<SessionFile> = {
  kind: 'session',
  currentVersion: SESSION_FORMAT_VERSION,
  // Version 0 is a bare state object, as written before the file had a header.
  migrations: [(document) => ({ savedAt: new Date(0).toISOString(), state: document })],
  schema: lazy(() => {
    const { z } = loadZod();
    return z.object({
      format_version: z.literal(SESSION_FORMAT_VERSION),
      savedAt: z.string(),
      state: sessionStateSchemas().state,
    });
  }),
  invalidCode: 'SESSION_INVALID',
};

/** How a {@link SessionManager} got its state. */
export interface SessionLoadResult {
  /** `file`: read from the session file; `defaults`: the file was missing or damaged. */
  source: 'file' | 'defaults';
  /** Set when a damaged file was replaced by defaults. */
  recovered: FileRecovery | undefined;
  /** The version the file had, when it was migrated from an older one. */
  migratedFrom: number | undefined;
}

/** Options of {@link SessionManager.open}. */
export interface SessionManagerOptions {
  /** Save every this many ms when the state changed; 0 turns interval saving off. Default 30 000. */
  autoSaveIntervalMs?: number;
  /** Save when the process exits (normally or on a signal) if the state changed. Default true. */
  saveOnExit?: boolean;
}

/** Events of a {@link SessionManager}. */
export interface SessionManagerEvents {
  /** The state was written (`revision` is the state's revision written). */
  saved: (event: { path: string; revision: number }) => void;
  /** An automatic save failed (explicit saves reject instead). */
  error: (error: SeisprocError) => void;
}

const DEFAULT_AUTO_SAVE_MS = 30_000;

/**
 * A session bound to its file. Open with {@link SessionManager.open}; {@link SessionManager.close}
 * when done (which saves a changed state and stops the timers and the exit hook).
 */
export class SessionManager extends EventEmitter<SessionManagerEvents> {
  /** The session file. */
  readonly path: string;
  /** The live state; the same object for the manager's whole life. */
  readonly state: SessionState;
  /** How the state was obtained. */
  readonly loadResult: SessionLoadResult;
  #savedRevision: number;
  #timer: NodeJS.Timeout | undefined;
  #removeExitHook: (() => void) | undefined;
  #saving: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, state: SessionState, loadResult: SessionLoadResult) {
    super();
    this.path = path;
    this.state = state;
    this.loadResult = loadResult;
    // A state fresh from its file needs no saving; defaults replacing a damaged or missing file do.
    this.#savedRevision = loadResult.source === 'file' && loadResult.migratedFrom === undefined ? 0 : -1;
  }

  /**
   * Load the session from `path` and start auto-saving. Never fails on the file's content: a
   * missing file gives defaults, a damaged one gives defaults and is moved aside as
   * `<path>.corrupt-<timestamp>`; {@link SessionManager.loadResult} tells which happened.
   */
  static async open(path: string, options: SessionManagerOptions = {}): Promise<SessionManager> {
    const outcome = await readVersionedFile(path, SESSION_FORMAT);
    const { state, result } = await stateFrom(path, outcome);
    const manager = new SessionManager(path, state, result);
    const interval = options.autoSaveIntervalMs ?? DEFAULT_AUTO_SAVE_MS;
    if (interval > 0) {
      manager.#timer = setInterval(() => manager.#autoSave(), interval);
      // The timer must not keep a finished host process alive; the exit hook saves instead.
      manager.#timer.unref();
    }
    if (options.saveOnExit ?? true) {
      manager.#removeExitHook = onExit(() => manager.#saveOnExit());
    }
    return manager;
  }

  /** True when the state changed since it was last saved or loaded. */
  get dirty(): boolean {
    return this.state.revision !== this.#savedRevision;
  }

  /**
   * Write the state now (atomically), whether or not it changed. Saves are serialised.
   *
   * @throws ApplicationError `IO_ERROR` when the file cannot be written.
   */
  save(): Promise<void> {
    const run = this.#saving.then(async () => {
      const revision = this.state.revision;
      await writeJsonAtomic(this.path, this.#document());
      this.#savedRevision = revision;
      this.emit('saved', { path: this.path, revision });
    });
    this.#saving = run.catch(() => undefined);
    return run;
  }

  /**
   * Write the state synchronously. For hosts with their own shutdown path; the exit hook does
   * this by itself.
   *
   * @throws ApplicationError `IO_ERROR` when the file cannot be written.
   */
  saveSync(): void {
    const revision = this.state.revision;
    writeJsonAtomicSync(this.path, this.#document());
    this.#savedRevision = revision;
    this.emit('saved', { path: this.path, revision });
  }

  /**
   * Stop auto-saving, remove the exit hook, and save if the state changed. Closing twice does
   * nothing.
   *
   * @throws ApplicationError `IO_ERROR` when the final save fails (timers are stopped anyway).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#removeExitHook?.();
    await this.#saving;
    if (this.dirty) await this.save();
  }

  #document(): SessionFile {
    return {
      format_version: SESSION_FORMAT_VERSION,
      savedAt: new Date().toISOString(),
      state: this.state.toJSON(),
    };
  }

  #autoSave(): void {
    if (!this.dirty) return;
    this.save().catch((error: SeisprocError) => this.emit('error', error));
  }

  #saveOnExit(): void {
    if (!this.dirty) return;
    try {
      this.saveSync();
    } catch {
      // The process is exiting: there is nobody left to tell, and throwing here would turn a
      // clean exit into a crash.
    }
  }
}

async function stateFrom(
  path: string,
  outcome: ReadOutcome<SessionFile>,
): Promise<{ state: SessionState; result: SessionLoadResult }> {
  if (outcome.status === 'ok') {
    return {
      state: new SessionState(outcome.value.state),
      result: { source: 'file', recovered: undefined, migratedFrom: outcome.migratedFrom },
    };
  }
  return {
    state: new SessionState(),
    result: { source: 'defaults', recovered: await recoverFrom(path, outcome), migratedFrom: undefined },
  };
}
