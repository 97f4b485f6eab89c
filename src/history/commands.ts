/**
 * Ready-made commands for seismic viewers: navigating gathers, changing the viewport and the
 * display gain of a session, processing a gather, and grouping commands into one undo step.
 */
import { ApplicationError, ArgumentError } from '../errors/index.js';
import type { DisplayGain, SessionState, Viewport } from '../project/index.js';
import type { Command } from './command-history.js';

/**
 * Several commands that execute, undo and redo as one. If one of them fails, those already run
 * are reversed so the group is all-or-nothing.
 */
export class CompositeCommand implements Command {
  /** What the group does. */
  readonly description: string;
  readonly #commands: readonly Command[];

  /** @throws ArgumentError `INVALID_ARGUMENT` for an empty group. */
  constructor(description: string, commands: readonly Command[]) {
    if (commands.length === 0) throw new ArgumentError('a composite command needs at least one command');
    this.description = description;
    this.#commands = [...commands];
  }

  /** Execute every command in order. */
  execute(): Promise<void> {
    return this.#forward((command) => command.execute());
  }

  /** Redo every command in order. */
  redo(): Promise<void> {
    return this.#forward((command) => (command.redo ? command.redo() : command.execute()));
  }

  /** Undo every command in reverse order; if one fails, the ones already undone are redone. */
  async undo(): Promise<void> {
    const commands = this.#commands;
    for (let i = commands.length - 1; i >= 0; i--) {
      try {
        await commands[i]!.undo();
      } catch (error) {
        await this.#restore(error, commands.slice(i + 1), (command) =>
          command.redo ? command.redo() : command.execute(),
        );
      }
    }
  }

  /** Dispose every command. */
  dispose(): void {
    for (const command of this.#commands) command.dispose?.();
  }

  async #forward(step: (command: Command) => void | Promise<void>): Promise<void> {
    const commands = this.#commands;
    for (let i = 0; i < commands.length; i++) {
      try {
        await step(commands[i]!);
      } catch (error) {
        await this.#restore(error, commands.slice(0, i).reverse(), (command) => command.undo());
      }
    }
  }

  /** Reverse what already ran, then rethrow the original failure. */
  async #restore(
    failure: unknown,
    done: readonly Command[],
    reverse: (command: Command) => void | Promise<void>,
  ): Promise<never> {
    for (const command of done) {
      try {
        await reverse(command);
      } catch (rollbackError) {
        throw new ApplicationError(
          'COMMAND_FAILED',
          `"${this.description}" failed and could not be rolled back: "${command.description}" failed too; state is inconsistent`,
          { description: this.description, cause: failure, rollbackError },
        );
      }
    }
    throw failure;
  }
}

/**
 * Anything that shows one gather at a time. A `GatherNavigator` is one; so is any object with
 * these two members.
 */
export interface GatherNavigationTarget {
  /** The gather shown now (0-based), or `undefined` before the first. */
  readonly currentIndex: number | undefined;
  /** Show gather `index`; may load it asynchronously (a returned promise is awaited). */
  goTo(index: number): unknown;
}

/**
 * Go to a gather; undo goes back to the gather shown before. Undoing the very first navigation
 * (when no gather was shown) leaves the gather on screen, as there is nothing to go back to.
 */
export class NavigateGatherCommand implements Command {
  /** Where to go. */
  readonly gather: number;
  readonly #target: GatherNavigationTarget;
  #previous: { index: number | undefined } | undefined;

  /** @throws ArgumentError `INVALID_ARGUMENT` unless `gather` is a non-negative integer. */
  constructor(target: GatherNavigationTarget, gather: number) {
    if (!Number.isSafeInteger(gather) || gather < 0) {
      throw new ArgumentError(`gather must be a non-negative integer, got ${gather}`, { gather });
    }
    this.#target = target;
    this.gather = gather;
  }

  /** `Go to gather N`. */
  get description(): string {
    return `Go to gather ${this.gather}`;
  }

  /** Remember the gather shown, then go. */
  async execute(): Promise<void> {
    const previous = this.#target.currentIndex;
    await this.#target.goTo(this.gather);
    this.#previous = { index: previous };
  }

  /** Go back to the gather shown before. */
  async undo(): Promise<void> {
    if (this.#previous === undefined) throw new ArgumentError('cannot undo a navigation that never ran');
    if (this.#previous.index !== undefined) await this.#target.goTo(this.#previous.index);
  }
}

/** Set a session's viewport; merges with the next viewport change of the same session. */
export class ChangeViewportCommand implements Command {
  readonly #session: SessionState;
  #viewport: Viewport | null;
  #previous: Viewport | null | undefined;

  /** @param viewport the new viewport, or `null` to fit the whole gather. */
  constructor(session: SessionState, viewport: Viewport | null) {
    this.#session = session;
    this.#viewport = viewport === null ? null : { ...viewport };
  }

  /** `Zoom to …` or `Fit the gather`. */
  get description(): string {
    const v = this.#viewport;
    return v === null
      ? 'Fit the gather'
      : `Zoom to ${v.timeStartMs}–${v.timeEndMs} ms, traces ${v.traceStart}–${v.traceEnd - 1}`;
  }

  /** Remember the viewport, then set the new one (validated by the session). */
  execute(): void {
    const previous = this.#session.viewport;
    this.#session.setViewport(this.#viewport);
    this.#previous = previous === null ? null : { ...previous };
  }

  /** Restore the previous viewport. */
  undo(): void {
    if (this.#previous === undefined) throw new ArgumentError('cannot undo a viewport change that never ran');
    this.#session.setViewport(this.#previous);
  }

  /** Absorb a later viewport change of the same session (one undo step for a whole drag). */
  mergeWith(next: Command): boolean {
    if (!(next instanceof ChangeViewportCommand) || next.#session !== this.#session) return false;
    this.#viewport = next.#viewport;
    return true;
  }
}

/** Change some display gain settings of a session; merges with the next gain change of the same session. */
export class ChangeGainCommand implements Command {
  readonly #session: SessionState;
  #gain: Partial<DisplayGain>;
  #previous: DisplayGain | undefined;

  constructor(session: SessionState, gain: Partial<DisplayGain>) {
    this.#session = session;
    this.#gain = { ...gain };
  }

  /** `Set gain: scale 2, AGC 500 ms, clip 99 %`. */
  get description(): string {
    const parts: string[] = [];
    const { scale, agcWindowMs, clipPercentile } = this.#gain;
    if (scale !== undefined) parts.push(`scale ${scale}`);
    if (agcWindowMs !== undefined) parts.push(agcWindowMs === null ? 'no AGC' : `AGC ${agcWindowMs} ms`);
    if (clipPercentile !== undefined)
      parts.push(clipPercentile === null ? 'no clip' : `clip ${clipPercentile} %`);
    return `Set gain: ${parts.join(', ') || 'unchanged'}`;
  }

  /** Remember the gain, then apply the change (validated by the session). */
  execute(): void {
    const previous = { ...this.#session.gain };
    this.#session.setGain(this.#gain);
    this.#previous = previous;
  }

  /** Restore the previous gain. */
  undo(): void {
    if (this.#previous === undefined) throw new ArgumentError('cannot undo a gain change that never ran');
    this.#session.setGain(this.#previous);
  }

  /** Absorb a later gain change of the same session. */
  mergeWith(next: Command): boolean {
    if (!(next instanceof ChangeGainCommand) || next.#session !== this.#session) return false;
    this.#gain = { ...this.#gain, ...next.#gain };
    return true;
  }
}

/** How a {@link ProcessGatherCommand} applies and reverts its processing. */
export interface GatherProcessing<Applied> {
  /** What the processing is, e.g. `AGC 500 ms on gather 12`. */
  description: string;
  /**
   * Process the gather. Returns what {@link GatherProcessing.revert} needs to undo it, typically
   * the original samples.
   */
  apply(): Applied | Promise<Applied>;
  /** Undo the processing with what `apply` returned. */
  revert(applied: Applied): void | Promise<void>;
  /** Free what `apply` returned when the command leaves the history while applied. */
  release?(applied: Applied): void;
}

/** Process a gather in place; undo restores it from what the processing kept. */
export class ProcessGatherCommand<Applied> implements Command {
  readonly #processing: GatherProcessing<Applied>;
  #applied: { value: Applied } | undefined;

  constructor(processing: GatherProcessing<Applied>) {
    this.#processing = processing;
  }

  /** The processing's description. */
  get description(): string {
    return this.#processing.description;
  }

  /** Apply the processing, keeping what undo needs. */
  async execute(): Promise<void> {
    this.#applied = { value: await this.#processing.apply() };
  }

  /** Revert the processing. */
  async undo(): Promise<void> {
    if (!this.#applied) throw new ArgumentError('cannot undo processing that is not applied');
    await this.#processing.revert(this.#applied.value);
    this.#applied = undefined;
  }

  /** Release what the applied processing kept. */
  dispose(): void {
    if (this.#applied) this.#processing.release?.(this.#applied.value);
    this.#applied = undefined;
  }
}
