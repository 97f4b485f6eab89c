import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'eventemitter3';
import { ApplicationError, ArgumentError } from '../errors/index.js';

/**
 * An undoable action. `execute` and `undo` may be async. A command that throws must leave
 * things as they were before the call (the history then stays as it was, too).
 */
export interface Command {
  /** What the command does, for menus: `Undo <description>`. May change after a merge. */
  readonly description: string;
  /** Do the action. */
  execute(): void | Promise<void>;
  /** Reverse the action. */
  undo(): void | Promise<void>;
  /** Do the action again after an undo; `execute` when absent. */
  redo?(): void | Promise<void>;
  /**
   * Absorb `next`, a command that was just executed after this one, so both undo as one step
   * (e.g. the steps of a slider drag). Return true if absorbed. Only asked when the caller
   * passes `merge: true` to {@link CommandHistory.execute}.
   */
  mergeWith?(next: Command): boolean;
  /**
   * Free what the command holds (e.g. a backup of processed data) once it has left the history
   * for good: trimmed by the depth limit, dropped from the redo stack, or cleared.
   */
  dispose?(): void;
}

/** A command in the history. */
export interface HistoryEntry {
  /** The command. */
  readonly command: Command;
  /** Its description now. */
  readonly description: string;
  /** When it was last executed or redone. */
  readonly executedAt: Date;
}

/** The two stacks of a {@link CommandHistory}. */
export interface HistorySnapshot {
  /** Commands that can be undone, oldest first (the last one is undone next). */
  undo: HistoryEntry[];
  /** Commands that can be redone, the next one to redo first. */
  redo: HistoryEntry[];
}

/** What undo and redo would do now, for enabling menu items. */
export interface HistoryState {
  /** True when there is something to undo. */
  canUndo: boolean;
  /** True when there is something to redo. */
  canRedo: boolean;
  /** Description of the command undo would reverse. */
  undoDescription: string | undefined;
  /** Description of the command redo would repeat. */
  redoDescription: string | undefined;
}

/** The history operation a failure happened in. */
export type HistoryOperation = 'execute' | 'undo' | 'redo' | 'dispose';

/** Events of a {@link CommandHistory}. */
export interface CommandHistoryEvents {
  /** A command was executed and is now on the undo stack (or merged into the command on top). */
  executed: (entry: HistoryEntry) => void;
  /** A command was undone. */
  undone: (entry: HistoryEntry) => void;
  /** A command was redone. */
  redone: (entry: HistoryEntry) => void;
  /** Commands left the history for good (depth limit, a new command cleared redo, or clear). */
  discarded: (entries: HistoryEntry[]) => void;
  /** The stacks changed; carries what undo and redo would do now. */
  changed: (state: HistoryState) => void;
  /** A command threw; the history is as it was. The same error rejects the call. */
  failed: (error: ApplicationError, operation: HistoryOperation) => void;
}

/** Options of {@link CommandHistory}. */
export interface CommandHistoryOptions {
  /** Most commands kept for undo; older ones are discarded. Default 100; `Infinity` for no limit. */
  limit?: number;
}

/** Options of {@link CommandHistory.execute}. */
export interface ExecuteOptions {
  /**
   * Offer the command to the one on top of the undo stack ({@link Command.mergeWith}) so they
   * undo together. Ignored when something could be redone.
   */
  merge?: boolean;
}

const DEFAULT_LIMIT = 100;

// Which history, if any, is running a command in the current async context: a command that
// calls back into its own history would wait for itself forever, so that call is refused.
const runningIn = new AsyncLocalStorage<CommandHistory>();

/**
 * Undo/redo history of {@link Command}s. Operations are serialised: calls made while another
 * runs wait their turn, in call order. A command that throws (in execute, undo or redo) leaves
 * both stacks exactly as they were, and the call rejects with `COMMAND_FAILED` whose `cause` is
 * the command's error.
 */
export class CommandHistory extends EventEmitter<CommandHistoryEvents> {
  /** Most commands kept for undo. */
  readonly limit: number;
  #undo: HistoryEntry[] = [];
  #redo: HistoryEntry[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  /** @throws ArgumentError `INVALID_ARGUMENT` unless `limit` is a positive integer or `Infinity`. */
  constructor(options: CommandHistoryOptions = {}) {
    super();
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit > 0))) {
      throw new ArgumentError(`history limit must be a positive integer or Infinity, got ${limit}`, {
        limit,
      });
    }
    this.limit = limit;
  }

  /**
   * Execute a command and put it on the undo stack, clearing the redo stack.
   *
   * @throws ApplicationError `COMMAND_FAILED` when the command throws (history unchanged), or
   *   when called from inside a command of this history.
   */
  execute(command: Command, options: ExecuteOptions = {}): Promise<void> {
    return this.#enqueue('execute', command.description, async () => {
      await this.#run('execute', command, () => command.execute());
      const top = this.#undo.at(-1);
      if (options.merge && top && this.#redo.length === 0 && top.command.mergeWith?.(command)) {
        const merged = entryOf(top.command);
        this.#undo[this.#undo.length - 1] = merged;
        this.emit('executed', merged);
      } else {
        const entry = entryOf(command);
        const dropped = this.#redo.reverse();
        this.#redo = [];
        this.#undo.push(entry);
        if (this.#undo.length > this.limit)
          dropped.push(...this.#undo.splice(0, this.#undo.length - this.limit));
        this.emit('executed', entry);
        this.#discard(dropped);
      }
      this.#changed();
    });
  }

  /**
   * Undo the last command.
   *
   * @returns the command undone, or `undefined` when there was nothing to undo.
   * @throws ApplicationError `COMMAND_FAILED` when the command's undo throws (it stays on the
   *   undo stack).
   */
  undo(): Promise<Command | undefined> {
    return this.#enqueue('undo', undefined, async () => {
      const entry = this.#undo.at(-1);
      if (!entry) return undefined;
      await this.#run('undo', entry.command, () => entry.command.undo());
      this.#undo.pop();
      this.#redo.unshift(entry);
      this.emit('undone', entry);
      this.#changed();
      return entry.command;
    });
  }

  /**
   * Redo the last undone command.
   *
   * @returns the command redone, or `undefined` when there was nothing to redo.
   * @throws ApplicationError `COMMAND_FAILED` when the command throws (it stays on the redo stack).
   */
  redo(): Promise<Command | undefined> {
    return this.#enqueue('redo', undefined, async () => {
      const entry = this.#redo[0];
      if (!entry) return undefined;
      const { command } = entry;
      await this.#run('redo', command, () => (command.redo ? command.redo() : command.execute()));
      this.#redo.shift();
      const redone = entryOf(command);
      this.#undo.push(redone);
      this.emit('redone', redone);
      this.#changed();
      return command;
    });
  }

  /** Forget every command (disposing them), after the operations already asked for. */
  clear(): Promise<void> {
    return this.#enqueue('clear', undefined, async () => {
      const dropped = [...this.#redo.reverse(), ...this.#undo.reverse()];
      this.#undo = [];
      this.#redo = [];
      this.#discard(dropped);
      this.#changed();
    });
  }

  /** True when there is something to undo now. */
  canUndo(): boolean {
    return this.#undo.length > 0;
  }

  /** True when there is something to redo now. */
  canRedo(): boolean {
    return this.#redo.length > 0;
  }

  /** What undo and redo would do now. */
  getState(): HistoryState {
    return {
      canUndo: this.canUndo(),
      canRedo: this.canRedo(),
      undoDescription: this.#undo.at(-1)?.command.description,
      redoDescription: this.#redo[0]?.command.description,
    };
  }

  /** Both stacks, with each command's description as it is now. */
  getHistory(): HistorySnapshot {
    const describe = (entry: HistoryEntry): HistoryEntry => ({
      ...entry,
      description: entry.command.description,
    });
    return { undo: this.#undo.map(describe), redo: this.#redo.map(describe) };
  }

  #enqueue<T>(method: string, description: string | undefined, job: () => Promise<T>): Promise<T> {
    if (runningIn.getStore() === this) {
      return Promise.reject(
        new ApplicationError(
          'COMMAND_FAILED',
          `a command called ${method}() on its own history, which would wait for itself forever`,
          { method, description },
        ),
      );
    }
    const run = this.#queue.then(job);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(
    operation: HistoryOperation,
    command: Command,
    action: () => void | Promise<void>,
  ): Promise<void> {
    try {
      await runningIn.run(this, action);
    } catch (cause) {
      const error = new ApplicationError(
        'COMMAND_FAILED',
        `${operation} of "${command.description}" failed`,
        {
          operation,
          description: command.description,
          cause,
        },
      );
      this.emit('failed', error, operation);
      throw error;
    }
  }

  #discard(entries: HistoryEntry[]): void {
    if (entries.length === 0) return;
    for (const { command } of entries) {
      try {
        command.dispose?.();
      } catch (cause) {
        // The command is gone either way; report the leak, do not fail the operation that
        // pushed it out.
        this.emit(
          'failed',
          new ApplicationError('COMMAND_FAILED', `dispose of "${command.description}" failed`, {
            operation: 'dispose',
            description: command.description,
            cause,
          }),
          'dispose',
        );
      }
    }
    this.emit('discarded', entries);
  }

  #changed(): void {
    this.emit('changed', this.getState());
  }
}

function entryOf(command: Command): HistoryEntry {
  return { command, description: command.description, executedAt: new Date() };
}
