import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ApplicationError,
  ChangeGainCommand,
  ChangeViewportCommand,
  CommandHistory,
  type GatherNavigationTarget,
  NavigateGatherCommand,
  ProcessGatherCommand,
  SessionState,
} from '../../src/index.js';
import { GatherNavigator } from '../../src/navigator/index.js';
import { Dataset } from '../../src/storage/index.js';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';
import { rejection } from '../project/helpers/errors.js';

/** A navigator stand-in with gathers 0..count-1 that loads asynchronously. */
class FakeNavigator implements GatherNavigationTarget {
  currentIndex: number | undefined = 0;
  visits: number[] = [];
  constructor(readonly count: number) {}
  async goTo(gather: number): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (gather >= this.count) throw new RangeError(`no gather ${gather}`);
    this.currentIndex = gather;
    this.visits.push(gather);
  }
}

describe('NavigateGatherCommand', () => {
  it('goes to a gather and back', async () => {
    const navigator = new FakeNavigator(10);
    const history = new CommandHistory();
    await history.execute(new NavigateGatherCommand(navigator, 4));
    await history.execute(new NavigateGatherCommand(navigator, 7));
    expect(navigator.currentIndex).toBe(7);
    expect(history.getState().undoDescription).toBe('Go to gather 7');
    await history.undo();
    expect(navigator.currentIndex).toBe(4);
    await history.undo();
    expect(navigator.currentIndex).toBe(0);
    await history.redo();
    expect(navigator.currentIndex).toBe(4);
    expect(navigator.visits).toEqual([4, 7, 4, 0, 4]);
  });

  it('stays where it was when the gather does not exist', async () => {
    const navigator = new FakeNavigator(3);
    const history = new CommandHistory();
    await history.execute(new NavigateGatherCommand(navigator, 2));
    const error = await rejection(history.execute(new NavigateGatherCommand(navigator, 9)));
    expect(error.code).toBe('COMMAND_FAILED');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(navigator.currentIndex).toBe(2);
    expect(history.getHistory().undo.map((e) => e.description)).toEqual(['Go to gather 2']);
  });

  it('drives a real GatherNavigator over a dataset', async () => {
    const dir = await scratchDirectory('navigate');
    try {
      await writeSyntheticDataset(path.join(dir, 'shots.seis'), { shots: 4, channels: 3, sampleCount: 5 });
      const dataset = await Dataset.open(path.join(dir, 'shots.seis'));
      const navigator = new GatherNavigator(dataset, { key: 'fieldRecord', prefetchDepth: 0 });
      const history = new CommandHistory();
      await history.execute(new NavigateGatherCommand(navigator, 2));
      await history.execute(new NavigateGatherCommand(navigator, 3));
      expect(navigator.currentIndex).toBe(3);
      await history.undo();
      expect(navigator.currentIndex).toBe(2);
      // Nothing was shown before the first navigation: undoing it leaves gather 2 on screen.
      await history.undo();
      expect(navigator.currentIndex).toBe(2);
      const error = await rejection(history.execute(new NavigateGatherCommand(navigator, 4)));
      expect((error.cause as ApplicationError).code).toBe('GATHER_NOT_FOUND');
      expect(navigator.currentIndex).toBe(2);
      await dataset.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a gather number that is not a non-negative integer', () => {
    for (const gather of [-1, 1.5, Number.NaN]) {
      expect(() => new NavigateGatherCommand(new FakeNavigator(1), gather)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('cannot be undone before it ran', async () => {
    await expect(new NavigateGatherCommand(new FakeNavigator(1), 0).undo()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('ChangeViewportCommand', () => {
  const zoom = { timeStartMs: 500, timeEndMs: 1500, traceStart: 10, traceEnd: 60 };

  it('sets the viewport and restores the previous one', async () => {
    const session = new SessionState();
    const history = new CommandHistory();
    await history.execute(new ChangeViewportCommand(session, zoom));
    expect(session.viewport).toEqual(zoom);
    expect(history.getState().undoDescription).toBe('Zoom to 500–1500 ms, traces 10–59');
    await history.execute(new ChangeViewportCommand(session, null));
    expect(history.getState().undoDescription).toBe('Fit the gather');
    await history.undo();
    expect(session.viewport).toEqual(zoom);
    await history.undo();
    expect(session.viewport).toBeNull();
  });

  it('merges the steps of a drag into one undo step', async () => {
    const session = new SessionState();
    const history = new CommandHistory();
    await history.execute(new ChangeViewportCommand(session, zoom));
    for (let shift = 1; shift <= 5; shift++) {
      const dragged = { ...zoom, traceStart: zoom.traceStart + shift, traceEnd: zoom.traceEnd + shift };
      await history.execute(new ChangeViewportCommand(session, dragged), { merge: true });
    }
    expect(session.viewport).toEqual({ ...zoom, traceStart: 15, traceEnd: 65 });
    expect(history.getHistory().undo).toHaveLength(1);
    await history.undo();
    expect(session.viewport).toBeNull();
    await history.redo();
    expect(session.viewport).toEqual({ ...zoom, traceStart: 15, traceEnd: 65 });
  });

  it('does not merge changes of another session', async () => {
    const [one, two] = [new SessionState(), new SessionState()];
    const history = new CommandHistory();
    await history.execute(new ChangeViewportCommand(one, zoom));
    await history.execute(new ChangeViewportCommand(two, zoom), { merge: true });
    expect(history.getHistory().undo).toHaveLength(2);
  });

  it('fails without a trace when the session refuses the viewport', async () => {
    const session = new SessionState();
    const history = new CommandHistory();
    const inverted = { timeStartMs: 900, timeEndMs: 100, traceStart: 0, traceEnd: 10 };
    const error = await rejection(history.execute(new ChangeViewportCommand(session, inverted)));
    expect(error.code).toBe('COMMAND_FAILED');
    expect((error.cause as ApplicationError).code).toBe('INVALID_ARGUMENT');
    expect(session.viewport).toBeNull();
    expect(session.revision).toBe(0);
    expect(history.canUndo()).toBe(false);
  });
});

describe('ChangeGainCommand', () => {
  it('changes some gain settings and restores all of them', async () => {
    const session = new SessionState({ gain: { scale: 2, agcWindowMs: null, clipPercentile: 99 } });
    const history = new CommandHistory();
    await history.execute(new ChangeGainCommand(session, { agcWindowMs: 500 }));
    expect(session.gain).toEqual({ scale: 2, agcWindowMs: 500, clipPercentile: 99 });
    expect(history.getState().undoDescription).toBe('Set gain: AGC 500 ms');
    await history.execute(new ChangeGainCommand(session, { scale: 4, clipPercentile: null }));
    expect(history.getState().undoDescription).toBe('Set gain: scale 4, no clip');
    await history.undo();
    await history.undo();
    expect(session.gain).toEqual({ scale: 2, agcWindowMs: null, clipPercentile: 99 });
  });

  it('merges successive changes of a slider', async () => {
    const session = new SessionState();
    const history = new CommandHistory();
    await history.execute(new ChangeGainCommand(session, { scale: 1.5 }));
    await history.execute(new ChangeGainCommand(session, { scale: 2 }), { merge: true });
    await history.execute(new ChangeGainCommand(session, { clipPercentile: 98 }), { merge: true });
    expect(history.getHistory().undo.map((e) => e.description)).toEqual(['Set gain: scale 2, clip 98 %']);
    await history.undo();
    expect(session.gain).toEqual({ scale: 1, agcWindowMs: null, clipPercentile: null });
  });

  it('refuses a non-positive scale and leaves the gain alone', async () => {
    const session = new SessionState();
    const history = new CommandHistory();
    const error = await rejection(history.execute(new ChangeGainCommand(session, { scale: 0 })));
    expect(error.code).toBe('COMMAND_FAILED');
    expect(session.gain.scale).toBe(1);
  });
});

describe('ProcessGatherCommand', () => {
  /** A gather held in memory, processed in place; apply keeps the original samples for undo. */
  function setup() {
    const gather = Float32Array.from([1, -2, 3, -4]);
    const released: Float32Array[] = [];
    const command = new ProcessGatherCommand<Float32Array>({
      description: 'Scale gather 3 by 10',
      apply: async () => {
        const original = gather.slice();
        for (let i = 0; i < gather.length; i++) gather[i]! *= 10;
        return original;
      },
      revert: async (original) => {
        gather.set(original);
      },
      release: (original) => released.push(original),
    });
    return { gather, released, command };
  }

  it('processes the gather and restores it on undo', async () => {
    const { gather, command } = setup();
    const history = new CommandHistory();
    await history.execute(command);
    expect(Array.from(gather)).toEqual([10, -20, 30, -40]);
    expect(history.getState().undoDescription).toBe('Scale gather 3 by 10');
    await history.undo();
    expect(Array.from(gather)).toEqual([1, -2, 3, -4]);
    await history.redo();
    expect(Array.from(gather)).toEqual([10, -20, 30, -40]);
  });

  it('releases what it kept when it falls off the history', async () => {
    const { released, command } = setup();
    const history = new CommandHistory({ limit: 1 });
    await history.execute(command);
    await history.execute(new NavigateGatherCommand(new FakeNavigator(5), 1));
    expect(released.map((r) => Array.from(r))).toEqual([[1, -2, 3, -4]]);
  });

  it('keeps the history when the processing fails', async () => {
    const history = new CommandHistory();
    const error = await rejection(
      history.execute(
        new ProcessGatherCommand({
          description: 'bandpass',
          apply: async () => {
            throw new Error('filter unstable');
          },
          revert: () => undefined,
        }),
      ),
    );
    expect(error.code).toBe('COMMAND_FAILED');
    expect((error.cause as Error).message).toBe('filter unstable');
    expect(history.canUndo()).toBe(false);
  });

  it('keeps the processed gather on the undo stack when reverting fails', async () => {
    let failRevert = true;
    const history = new CommandHistory();
    await history.execute(
      new ProcessGatherCommand({
        description: 'agc',
        apply: () => 'backup',
        revert: () => {
          if (failRevert) throw new Error('disk full');
        },
      }),
    );
    expect((await rejection(history.undo())).code).toBe('COMMAND_FAILED');
    expect(history.getState()).toMatchObject({ canUndo: true, canRedo: false });
    failRevert = false;
    await history.undo();
    expect(history.getState()).toMatchObject({ canUndo: false, canRedo: true });
  });
});
