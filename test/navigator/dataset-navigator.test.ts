import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetNavigator } from '../../src/navigator/index.js';
import { type SyntheticSpec, scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const SPEC: SyntheticSpec = { shots: 12, channels: 8, sampleCount: 20, chunkTraces: 30 };
/** One shot gather with default read options: samples + trace indices + fieldRecord. */
const GATHER_BYTES = 8 * 20 * 4 + 8 * 4 + 8 * 4;

let scratch: string;
const paths: string[] = [];

beforeAll(async () => {
  scratch = await scratchDirectory('datasets');
  for (const [name, codec] of [
    ['raw', 'none'],
    ['filtered', 'zstd'],
    ['migrated', 'none'],
    ['stack', 'blosc'],
  ] as const) {
    const dir = path.join(scratch, `${name}.seis`);
    await writeSyntheticDataset(dir, { ...SPEC, codec });
    paths.push(dir);
  }
  // A smaller survey: fewer shots and channels, to compare against.
  await writeSyntheticDataset(path.join(scratch, 'short.seis'), { shots: 4, channels: 6, sampleCount: 20 });
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('DatasetNavigator', () => {
  it('adds, activates, lists and removes datasets with events', async () => {
    const navigator = new DatasetNavigator();
    const events: string[] = [];
    navigator.on('dataset-added', (e) => events.push(`added ${e.name}`));
    navigator.on('dataset-removed', (e) => events.push(`removed ${e.name}`));
    navigator.on('active-dataset-changed', (e) =>
      events.push(`active ${e.id === undefined ? '-' : navigator.getDataset(e.id).name}`),
    );
    const raw = await navigator.addDataset(paths[0]!);
    const filtered = await navigator.addDataset(paths[1]!, { name: 'bandpass' });
    expect(raw).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(navigator.getActiveDataset()?.id).toBe(raw);
    await navigator.setActiveDataset(filtered);
    expect(navigator.getActiveDataset()?.name).toBe('bandpass');
    expect(navigator.getDatasetMetadata(filtered).compression.codec).toBe('zstd');
    expect(navigator.listDatasets().map((d) => [d.name, d.active, d.warm, d.traceCount])).toEqual([
      ['raw.seis', false, true, 96],
      ['bandpass', true, true, 96],
    ]);
    await navigator.removeDataset(filtered);
    expect(navigator.getActiveDataset()).toBeUndefined();
    expect(() => navigator.getDataset(filtered)).toThrow(
      expect.objectContaining({ code: 'DATASET_NOT_FOUND' }),
    );
    await expect(navigator.removeDataset(filtered)).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' });
    await expect(navigator.addDataset(path.join(scratch, 'absent.seis'))).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
    });
    expect(events).toEqual([
      'added raw.seis',
      'active raw.seis',
      'added bandpass',
      'active bandpass',
      'removed bandpass',
      'active -',
    ]);
    await navigator.dispose();
    expect(navigator.listDatasets()).toEqual([]);
  });

  it('keeps warm caches for the most recently activated datasets only, and reloads nothing on a switch', async () => {
    const navigator = new DatasetNavigator({
      maxWarmDatasets: 3,
      navigator: { cacheBytes: 10 * GATHER_BYTES, prefetchDepth: 1 },
    });
    const ids: string[] = [];
    for (const dir of paths) ids.push(await navigator.addDataset(dir, { activate: true }));
    // Visit a few gathers in every dataset, activating each in turn.
    for (const id of ids) {
      const { navigator: gathers } = await navigator.setActiveDataset(id);
      await gathers.goTo(4);
      await gathers.next();
      await gathers.whenIdle();
    }
    const warmth = () =>
      navigator.listDatasets().map((d) => [d.warm, d.stats.cachedGathers, d.stats.cacheLimit]);
    // Most recently activated: 3, 2, 1 — dataset 0 gave its cache up when 3 was activated.
    expect(warmth()).toEqual([
      [false, 0, 0],
      [true, 3, 10 * GATHER_BYTES],
      [true, 3, 10 * GATHER_BYTES],
      [true, 3, 10 * GATHER_BYTES],
    ]);
    expect(navigator.getDataset(ids[0]!).navigator.current).toBeUndefined();
    await navigator.setActiveDataset(ids[1]!);
    await navigator.setActiveDataset(ids[0]!);
    const before = navigator.getDataset(ids[1]!);
    const statsBefore = before.navigator.stats;
    // Activation order now: 0, 1, 3, 2 → dataset 2 is released, dataset 0 is warm again (and empty).
    expect(warmth()).toEqual([
      [true, 0, 10 * GATHER_BYTES],
      [true, 3, 10 * GATHER_BYTES],
      [false, 0, 0],
      [true, 3, 10 * GATHER_BYTES],
    ]);
    const switched = await navigator.setActiveDataset(ids[1]!);
    expect(switched.dataset).toBe(before.dataset);
    expect(switched.navigator.currentIndex).toBe(5);
    await switched.navigator.goTo(5);
    expect(switched.navigator.stats).toMatchObject({
      hits: statsBefore.hits + 1,
      misses: statsBefore.misses,
    });

    navigator.setMemoryBudget(3 * 2 * GATHER_BYTES);
    expect(navigator.listDatasets().map((d) => d.stats.cacheLimit)).toEqual([
      2 * GATHER_BYTES,
      2 * GATHER_BYTES,
      0,
      2 * GATHER_BYTES,
    ]);
    for (const d of navigator.listDatasets())
      expect(d.stats.bytesHeld).toBeLessThanOrEqual(d.stats.cacheLimit);
    // A released dataset still navigates (reading, not caching), and warms up when activated.
    const cold = navigator.getDataset(ids[2]!);
    expect((await cold.navigator.goTo(1)).values).toEqual([1001]);
    expect(cold.navigator.stats.bytesHeld).toBe(0);
    await navigator.setActiveDataset(ids[2]!);
    expect(cold.navigator.stats.cacheLimit).toBe(2 * GATHER_BYTES);
    await navigator.dispose();
  });

  it('aligns the gather shown when switching, by key values', async () => {
    const navigator = new DatasetNavigator({ navigator: { prefetchDepth: 0 } });
    const raw = await navigator.addDataset(paths[0]!);
    const short = await navigator.addDataset(path.join(scratch, 'short.seis'));
    await navigator.getDataset(raw).navigator.goToKey({ fieldRecord: 1002 });
    const shown = await navigator.setActiveDataset(short, { alignGather: true });
    expect(shown.navigator.current?.values).toEqual([1002]);
    await navigator.setActiveDataset(raw);
    await navigator.getDataset(raw).navigator.goToKey({ fieldRecord: 1009 });
    // The short survey has no shot 1009: it stays where it was.
    expect(
      (await navigator.setActiveDataset(short, { alignGather: true })).navigator.current?.values,
    ).toEqual([1002]);
    await navigator.dispose();
  });

  it('compares the same gather across two datasets trace by trace', async () => {
    const navigator = new DatasetNavigator();
    const raw = await navigator.addDataset(paths[0]!);
    const filtered = await navigator.addDataset(paths[1]!);
    const short = await navigator.addDataset(path.join(scratch, 'short.seis'));

    const same = await navigator.compareGather(raw, filtered, { fieldRecord: 1003 });
    expect(same.matchedBy).toEqual(['sourceX', 'groupX', 'offset']);
    expect(same.pairs).toEqual(Array.from({ length: 8 }, (_, i) => ({ a: i, b: i })));
    expect([same.onlyInA, same.onlyInB, same.samplingMatches]).toEqual([[], [], true]);
    expect(Array.from(same.b.samples)).toEqual(Array.from(same.a.samples));

    // Shot 1002 has 8 channels (offsets 400..50) in raw and 6 (offsets 300..50) in short.
    const partial = await navigator.compareGather(raw, short, 2);
    expect(partial.values).toEqual([1002]);
    expect(partial.pairs).toEqual(Array.from({ length: 6 }, (_, i) => ({ a: i + 2, b: i })));
    expect(partial.onlyInA).toEqual([0, 1]);
    expect(partial.onlyInB).toEqual([]);

    const byPosition = await navigator.compareGather(short, raw, { fieldRecord: 1001 }, { matchBy: [] });
    expect(byPosition.pairs.length).toBe(6);
    expect(byPosition.onlyInB).toEqual([6, 7]);

    await expect(navigator.compareGather(raw, short, { fieldRecord: 1010 })).rejects.toMatchObject({
      code: 'GATHER_NOT_FOUND',
      message: expect.stringContaining('short.seis'),
    });
    await expect(navigator.compareGather(raw, 'nope', 0)).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
    });
    await navigator.dispose();
  });

  it('rejects bad options', () => {
    expect(() => new DatasetNavigator({ maxWarmDatasets: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new DatasetNavigator().setMemoryBudget(-5)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
