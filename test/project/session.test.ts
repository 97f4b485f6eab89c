import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  defaultSessionState,
  type SeisprocError,
  type SessionChange,
  SessionManager,
  SessionState,
  type SessionStateJSON,
} from '../../src/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { thrown } from './helpers/errors.js';
import { startChild } from './helpers/processes.js';

let dir: string;
beforeEach(async () => {
  dir = await scratchDirectory('session');
});
afterEach(async () => {
  vi.useRealTimers();
  await fs.rm(dir, { recursive: true, force: true });
});

const EXAMPLE: SessionStateJSON = {
  viewport: { timeStartMs: -100, timeEndMs: 2000, traceStart: 0, traceEnd: 240 },
  gain: { scale: 3.5, agcWindowMs: 250, clipPercentile: 99.5 },
  colormap: 'seismic',
  interpolation: 'cubic',
  currentDatasetId: 'line-001',
  currentGather: { key: 'inline,crossline', index: 12 },
  sortKeys: ['fieldRecord', 'offset'],
  panelLayout: {
    orientation: 'vertical',
    panels: [
      { id: 'section', kind: 'section', visible: true, size: 3 },
      { id: 'headers', kind: 'headers', visible: false, size: 1 },
    ],
  },
};

async function readJson(file: string): Promise<{ format_version: number; state: SessionStateJSON }> {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

describe('SessionState', () => {
  it('round-trips every field through JSON', () => {
    const state = SessionState.fromJSON(JSON.parse(JSON.stringify(EXAMPLE)));
    expect(state.toJSON()).toEqual(EXAMPLE);
    expect(state.sortKeys).toEqual(['fieldRecord', 'offset']);
    expect(new SessionState().toJSON()).toEqual(defaultSessionState());
  });

  it('validates changes, announces them and counts revisions', () => {
    const state = new SessionState();
    const changes: SessionChange[] = [];
    state.on('change', (change) => changes.push(change));
    state.setGain({ scale: 2 });
    state.setGain({ scale: 2 });
    state.setCurrentGather({ key: 'fieldRecord', index: 3 });
    expect(changes.map((c) => c.field)).toEqual(['gain', 'currentGather']);
    expect(changes[0]).toMatchObject({
      previous: { scale: 1, agcWindowMs: null, clipPercentile: null },
      current: { scale: 2, agcWindowMs: null, clipPercentile: null },
    });
    expect(state.revision).toBe(2);

    const refused = thrown(() =>
      state.setViewport({ timeStartMs: 0, timeEndMs: 100, traceStart: 5, traceEnd: 5 }),
    );
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.context.field).toBe('viewport');
    expect(thrown(() => state.setSortKeys(['offset', 'offset'])).message).toContain('must not repeat');
    expect(thrown(() => state.setInterpolation('sinc' as never)).code).toBe('INVALID_ARGUMENT');
    expect(state.revision).toBe(2);
  });

  it('hands out values that cannot change it behind its back', () => {
    const state = SessionState.fromJSON(EXAMPLE);
    expect(() => {
      (state.gain as { scale: number }).scale = 99;
    }).toThrow(TypeError);
    const json = state.toJSON();
    json.sortKeys.push('cdp');
    expect(state.sortKeys).toEqual(['fieldRecord', 'offset']);
  });

  it('refuses invalid JSON naming each bad field', () => {
    const bad = {
      ...EXAMPLE,
      gain: { scale: -1, agcWindowMs: null, clipPercentile: 150 },
      currentGather: { key: '', index: 1.5 },
      panelLayout: { orientation: 'diagonal', panels: [] },
    };
    const error = thrown(() => SessionState.fromJSON(bad));
    expect(error.code).toBe('SESSION_INVALID');
    const paths = (error.context.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'gain.scale',
        'gain.clipPercentile',
        'currentGather.key',
        'currentGather.index',
        'panelLayout.orientation',
      ]),
    );
    for (const value of [null, 'state', [], { ...EXAMPLE, colormap: 7 }]) {
      expect(thrown(() => SessionState.fromJSON(value)).code).toBe('SESSION_INVALID');
    }
  });
});

describe('SessionManager', () => {
  it('starts from defaults without a file and saves atomically', async () => {
    const file = path.join(dir, 'session.json');
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    expect(manager.loadResult).toEqual({ source: 'defaults', recovered: undefined, migratedFrom: undefined });
    expect(manager.state.toJSON()).toEqual(defaultSessionState());
    manager.state.setColormap('viridis');
    await manager.save();
    expect(manager.dirty).toBe(false);
    expect(await fs.readdir(dir)).toEqual(['session.json']);
    const written = await readJson(file);
    expect(written.format_version).toBe(1);
    expect(written.state.colormap).toBe('viridis');
    await manager.close();

    const reopened = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    expect(reopened.loadResult.source).toBe('file');
    expect(reopened.state.colormap).toBe('viridis');
    expect(reopened.dirty).toBe(false);
    await reopened.close();
  });

  it.each([
    ['not JSON', '{"format_version": 1, "state": {'],
    ['not an object', '[1, 2, 3]'],
    [
      'an invalid state',
      JSON.stringify({ format_version: 1, savedAt: 'x', state: { ...EXAMPLE, gain: { scale: 0 } } }),
    ],
    ['a newer format', JSON.stringify({ format_version: 99, state: EXAMPLE })],
  ])('keeps a session file that is %s aside and starts from defaults', async (_what, content) => {
    const file = path.join(dir, 'session.json');
    await fs.writeFile(file, content);
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    const { source, recovered } = manager.loadResult;
    expect(source).toBe('defaults');
    expect(recovered?.reason).toBe('corrupt');
    expect(recovered?.error.code).toBe('SESSION_INVALID');
    expect(path.basename(recovered!.keptAs!)).toMatch(/^session\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(await fs.readFile(recovered!.keptAs!, 'utf8')).toBe(content);
    expect(manager.state.toJSON()).toEqual(defaultSessionState());
    await manager.close();
    expect((await readJson(file)).state).toEqual(defaultSessionState());
  });

  it('starts from defaults when the session file cannot be read at all', async () => {
    const file = path.join(dir, 'session.json');
    await fs.mkdir(file);
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    expect(manager.loadResult.recovered).toMatchObject({ reason: 'unreadable', keptAs: undefined });
    expect(manager.loadResult.recovered?.error.code).toBe('IO_ERROR');
    await expect(manager.save()).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(manager.close()).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('reads a version-0 file (a bare state) and rewrites it in the current format', async () => {
    const file = path.join(dir, 'session.json');
    await fs.writeFile(file, JSON.stringify(EXAMPLE));
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    expect(manager.loadResult).toEqual({ source: 'file', recovered: undefined, migratedFrom: 0 });
    expect(manager.state.toJSON()).toEqual(EXAMPLE);
    expect(manager.dirty).toBe(true);
    await manager.close();
    expect(await readJson(file)).toMatchObject({ format_version: 1, state: EXAMPLE });
  });

  it('auto-saves on its interval only when the state changed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const file = path.join(dir, 'session.json');
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 5000, saveOnExit: false });
    const saves: number[] = [];
    const saved = () => new Promise<void>((resolve) => manager.once('saved', () => resolve()));
    manager.on('saved', ({ revision }) => saves.push(revision));

    let next = saved();
    vi.advanceTimersByTime(5000);
    await next;
    manager.state.setColormap('gray-inverted');
    next = saved();
    vi.advanceTimersByTime(5000);
    await next;
    vi.advanceTimersByTime(5000);
    await manager.close();
    expect(saves).toEqual([0, 1]);
    expect((await readJson(file)).state.colormap).toBe('gray-inverted');
  });

  it('reports a failed auto-save as an error event instead of throwing', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const file = path.join(dir, 'session.json');
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 1000, saveOnExit: false });
    // A folder where the file should go: the rename into place fails.
    await fs.mkdir(file);
    const failed = new Promise<SeisprocError>((resolve) => manager.once('error', resolve));
    vi.advanceTimersByTime(1000);
    expect((await failed).code).toBe('IO_ERROR');
    await expect(manager.close()).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('creates the folder of a new session file', async () => {
    const file = path.join(dir, 'config', 'app', 'session.json');
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    await manager.close();
    expect((await readJson(file)).format_version).toBe(1);
  });

  it('serialises saves', async () => {
    const file = path.join(dir, 'session.json');
    const manager = await SessionManager.open(file, { autoSaveIntervalMs: 0, saveOnExit: false });
    const revisions: number[] = [];
    manager.on('saved', ({ revision }) => revisions.push(revision));
    const saves: Promise<void>[] = [];
    for (const scale of [2, 3, 4]) {
      manager.state.setGain({ scale });
      saves.push(manager.save());
    }
    await Promise.all(saves);
    expect(revisions).toEqual([3, 3, 3]);
    expect((await readJson(file)).state.gain.scale).toBe(4);
    await manager.close();
  });

  it.each([
    ['process.exit()', 'exit', undefined],
    ['a signal', 'signal', 'SIGTERM'],
    ['the end of work', 'natural', undefined],
  ] as const)('saves a changed session when the process ends by %s', async (_how, how, signal) => {
    const file = path.join(dir, 'session.json');
    const child = startChild('session', file, how);
    if (signal) {
      await child.waitFor('ready');
      child.process.kill(signal);
    }
    const ended = await child.exited;
    expect(ended.stderr).toBe('');
    expect(ended.signal).toBe(signal ?? null);
    const { state } = await readJson(file);
    expect(state.colormap).toBe('seismic');
    expect(state.currentGather).toEqual({ key: 'fieldRecord', index: 7 });
  });
});
