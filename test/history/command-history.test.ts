import { describe, expect, it } from 'vitest';
import {
  type ApplicationError,
  type Command,
  CommandHistory,
  CompositeCommand,
  type HistoryState,
  isSeisprocError,
} from '../../src/index.js';
import { rejection } from '../project/helpers/errors.js';

/** A command that appends to / removes from a shared log, optionally failing on demand. */
class Append implements Command {
  failOn: 'execute' | 'undo' | 'redo' | undefined;
  disposed = 0;
  constructor(
    readonly log: string[],
    readonly value: string,
  ) {}
  get description(): string {
    return `append ${this.value}`;
  }
  async execute(): Promise<void> {
    await Promise.resolve();
    if (this.failOn === 'execute') throw new Error(`boom ${this.value}`);
    this.log.push(this.value);
  }
  async undo(): Promise<void> {
    if (this.failOn === 'undo') throw new Error(`boom undo ${this.value}`);
    expect(this.log.at(-1)).toBe(this.value);
    this.log.pop();
  }
  redo(): void {
    if (this.failOn === 'redo') throw new Error(`boom redo ${this.value}`);
    this.log.push(this.value);
  }
  dispose(): void {
    this.disposed++;
  }
}

function descriptions(history: CommandHistory): { undo: string[]; redo: string[] } {
  const { undo, redo } = history.getHistory();
  return { undo: undo.map((e) => e.description), redo: redo.map((e) => e.description) };
}

describe('CommandHistory', () => {
  it('executes, undoes and redoes in order', async () => {
    const log: string[] = [];
    const history = new CommandHistory();
    expect(history.canUndo()).toBe(false);
    await history.execute(new Append(log, 'a'));
    await history.execute(new Append(log, 'b'));
    expect(log).toEqual(['a', 'b']);
    expect(descriptions(history)).toEqual({ undo: ['append a', 'append b'], redo: [] });

    expect((await history.undo())?.description).toBe('append b');
    expect(log).toEqual(['a']);
    await history.undo();
    expect(log).toEqual([]);
    expect(await history.undo()).toBeUndefined();
    expect(descriptions(history)).toEqual({ undo: [], redo: ['append a', 'append b'] });
    expect(history.getState()).toEqual({
      canUndo: false,
      canRedo: true,
      undoDescription: undefined,
      redoDescription: 'append a',
    });

    await history.redo();
    expect(log).toEqual(['a']);
    await history.redo();
    expect(log).toEqual(['a', 'b']);
    expect(await history.redo()).toBeUndefined();
    expect(history.canRedo()).toBe(false);
  });

  it('clears (and disposes) the redo stack when a new command runs', async () => {
    const log: string[] = [];
    const history = new CommandHistory();
    const [a, b, c] = ['a', 'b', 'c'].map((v) => new Append(log, v)) as [Append, Append, Append];
    const discarded: string[][] = [];
    history.on('discarded', (entries) => discarded.push(entries.map((e) => e.description)));
    await history.execute(a);
    await history.execute(b);
    await history.undo();
    await history.execute(c);
    expect(log).toEqual(['a', 'c']);
    expect(descriptions(history)).toEqual({ undo: ['append a', 'append c'], redo: [] });
    expect(b.disposed).toBe(1);
    expect(discarded).toEqual([['append b']]);
  });

  it('keeps at most `limit` commands, disposing the oldest', async () => {
    const log: string[] = [];
    const history = new CommandHistory({ limit: 2 });
    const commands = ['a', 'b', 'c'].map((v) => new Append(log, v));
    for (const command of commands) await history.execute(command);
    expect(descriptions(history).undo).toEqual(['append b', 'append c']);
    expect(commands.map((c) => c.disposed)).toEqual([1, 0, 0]);
    await history.undo();
    await history.undo();
    expect(await history.undo()).toBeUndefined();
    expect(log).toEqual(['a']);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      expect(() => new CommandHistory({ limit })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(new CommandHistory({ limit: Number.POSITIVE_INFINITY }).limit).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(['execute', 'undo', 'redo'] as const)(
    'leaves the history as it was when %s throws',
    async (operation) => {
      const log: string[] = [];
      const history = new CommandHistory();
      const a = new Append(log, 'a');
      const b = new Append(log, 'b');
      await history.execute(a);
      if (operation !== 'execute') await history.execute(b);
      if (operation === 'redo') await history.undo();
      const before = descriptions(history);
      const logBefore = [...log];
      const failures: string[] = [];
      history.on('failed', (error, op) => failures.push(`${op}:${error.code}`));

      b.failOn = operation;
      const error = await rejection(
        operation === 'execute' ? history.execute(b) : operation === 'undo' ? history.undo() : history.redo(),
      );
      expect(isSeisprocError(error, 'COMMAND_FAILED')).toBe(true);
      expect(error.name).toBe('ApplicationError');
      expect(error.context).toMatchObject({ operation, description: 'append b' });
      expect((error.cause as Error).message).toContain('boom');
      expect(failures).toEqual([`${operation}:COMMAND_FAILED`]);
      expect(descriptions(history)).toEqual(before);
      expect(log).toEqual(logBefore);

      // The same command succeeds once it stops failing: nothing was left half-done.
      b.failOn = undefined;
      if (operation === 'execute') await history.execute(b);
      if (operation === 'undo') await history.undo();
      if (operation === 'redo') await history.redo();
      expect(log).toEqual(operation === 'undo' ? ['a'] : ['a', 'b']);
    },
  );

  it('serialises concurrent calls in call order', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Command = {
      description: 'slow',
      execute: async () => {
        order.push('slow start');
        await gate;
        order.push('slow end');
      },
      undo: () => {
        order.push('slow undo');
      },
    };
    const fast: Command = {
      description: 'fast',
      execute: () => {
        order.push('fast');
      },
      undo: () => {
        order.push('fast undo');
      },
    };
    const history = new CommandHistory();
    const calls = [history.execute(slow), history.execute(fast), history.undo(), history.undo()];
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['slow start']);
    release();
    await Promise.all(calls);
    expect(order).toEqual(['slow start', 'slow end', 'fast', 'fast undo', 'slow undo']);
    expect(descriptions(history)).toEqual({ undo: [], redo: ['slow', 'fast'] });
  });

  it('keeps serving calls after one failed', async () => {
    const log: string[] = [];
    const history = new CommandHistory();
    const bad = new Append(log, 'bad');
    bad.failOn = 'execute';
    const results = await Promise.allSettled([
      history.execute(bad),
      history.execute(new Append(log, 'good')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(log).toEqual(['good']);
  });

  it('refuses a command that calls back into its own history instead of hanging', async () => {
    const history = new CommandHistory();
    const nested: Command = {
      description: 'nested',
      execute: () =>
        history.execute({ description: 'inner', execute: () => undefined, undo: () => undefined }),
      undo: () => undefined,
    };
    const error = await rejection(history.execute(nested));
    expect(error.code).toBe('COMMAND_FAILED');
    expect((error.cause as ApplicationError).message).toContain('on its own history');
    expect(history.canUndo()).toBe(false);
  });

  it('merges into the command on top when asked and the command agrees', async () => {
    class SetValue implements Command {
      constructor(
        readonly target: { value: number },
        public to: number,
        private from = 0,
      ) {}
      get description(): string {
        return `set ${this.to}`;
      }
      execute(): void {
        this.from = this.target.value;
        this.target.value = this.to;
      }
      undo(): void {
        this.target.value = this.from;
      }
      mergeWith(next: Command): boolean {
        if (!(next instanceof SetValue)) return false;
        this.to = next.to;
        return true;
      }
    }
    const target = { value: 0 };
    const history = new CommandHistory();
    await history.execute(new SetValue(target, 1));
    await history.execute(new SetValue(target, 2), { merge: true });
    await history.execute(new SetValue(target, 3), { merge: true });
    expect(descriptions(history).undo).toEqual(['set 3']);
    await history.execute(new SetValue(target, 4));
    expect(descriptions(history).undo).toEqual(['set 3', 'set 4']);
    await history.undo();
    await history.undo();
    expect(target.value).toBe(0);
  });

  it('emits executed, undone, redone and changed with what menus need', async () => {
    const history = new CommandHistory();
    const events: string[] = [];
    const states: HistoryState[] = [];
    history.on('executed', (e) => events.push(`executed ${e.description}`));
    history.on('undone', (e) => events.push(`undone ${e.description}`));
    history.on('redone', (e) => events.push(`redone ${e.description}`));
    history.on('changed', (state) => states.push(state));
    await history.execute(new Append([], 'x'));
    await history.undo();
    await history.redo();
    await history.clear();
    expect(events).toEqual(['executed append x', 'undone append x', 'redone append x']);
    expect(states.map((s) => [s.undoDescription, s.redoDescription])).toEqual([
      ['append x', undefined],
      [undefined, 'append x'],
      ['append x', undefined],
      [undefined, undefined],
    ]);
  });

  it('clear disposes everything and reports a failing dispose without failing', async () => {
    const history = new CommandHistory();
    const kept = new Append([], 'a');
    const leaky: Command = {
      description: 'leaky',
      execute: () => undefined,
      undo: () => undefined,
      dispose: () => {
        throw new Error('cannot free');
      },
    };
    const failures: string[] = [];
    history.on('failed', (error, operation) => failures.push(`${operation} ${error.code}`));
    await history.execute(kept);
    await history.execute(leaky);
    await history.undo();
    await history.clear();
    expect(kept.disposed).toBe(1);
    expect(failures).toEqual(['dispose COMMAND_FAILED']);
    expect(history.getHistory()).toEqual({ undo: [], redo: [] });
  });
});

describe('CompositeCommand', () => {
  it('executes, undoes and redoes its commands as one step', async () => {
    const log: string[] = [];
    const history = new CommandHistory();
    await history.execute(new CompositeCommand('a and b', [new Append(log, 'a'), new Append(log, 'b')]));
    expect(log).toEqual(['a', 'b']);
    expect(descriptions(history).undo).toEqual(['a and b']);
    await history.undo();
    expect(log).toEqual([]);
    await history.redo();
    expect(log).toEqual(['a', 'b']);
  });

  it('rolls back the commands already run when one fails', async () => {
    const log: string[] = [];
    const failing = new Append(log, 'c');
    failing.failOn = 'execute';
    const history = new CommandHistory();
    const error = await rejection(
      history.execute(new CompositeCommand('abc', [new Append(log, 'a'), new Append(log, 'b'), failing])),
    );
    expect(error.code).toBe('COMMAND_FAILED');
    expect((error.cause as Error).message).toBe('boom c');
    expect(log).toEqual([]);
    expect(history.canUndo()).toBe(false);
  });

  it('redoes what it undid when an undo in the middle fails', async () => {
    const log: string[] = [];
    const first = new Append(log, 'a');
    const history = new CommandHistory();
    await history.execute(new CompositeCommand('ab', [first, new Append(log, 'b')]));
    first.failOn = 'undo';
    await rejection(history.undo());
    expect(log).toEqual(['a', 'b']);
    expect(history.canUndo()).toBe(true);
  });

  it('says when the rollback itself fails', async () => {
    const log: string[] = [];
    const first = new Append(log, 'a');
    first.failOn = 'undo';
    const second = new Append(log, 'b');
    second.failOn = 'execute';
    const error = await rejection(new CompositeCommand('ab', [first, second]).execute());
    expect(error.code).toBe('COMMAND_FAILED');
    expect(error.message).toContain('could not be rolled back');
    expect((error.cause as Error).message).toBe('boom b');
  });

  it('refuses an empty group', () => {
    expect(() => new CompositeCommand('nothing', [])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
