import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteLruCache, type CacheEvent, GatherNavigator } from '../../src/navigator/index.js';
import { Dataset, type GatherInfo, type GatherOptions } from '../../src/storage/index.js';
import { type SyntheticSpec, scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const SPEC: SyntheticSpec = { shots: 20, channels: 10, sampleCount: 50, chunkTraces: 25 };
/** Bytes of one shot gather read with default options: samples + trace indices + fieldRecord column. */
const GATHER_BYTES = 10 * 50 * 4 + 10 * 4 + 10 * 4;

let scratch: string;
let dataset: Dataset;

beforeAll(async () => {
  scratch = await scratchDirectory('navigator');
  await writeSyntheticDataset(path.join(scratch, 'line.seis'), SPEC);
  dataset = await Dataset.open(path.join(scratch, 'line.seis'));
});
afterAll(async () => {
  await dataset.close();
  await fs.rm(scratch, { recursive: true, force: true });
});

/**
 * A view of `dataset` whose gather reads wait until their gather is released, then read for real
 * (so a cancelled read fails with CANCELLED as it would on a slow disk).
 */
function controlledDataset() {
  const waiting = new Map<number, () => void>();
  const released = new Set<number>();
  let everything = false;
  const signals = new Map<number, AbortSignal>();
  const controlled = Object.create(dataset) as Dataset;
  // The navigator reads float32 gathers only: one signature of readGather's overloads.
  controlled.readGather = (async (info: GatherInfo, options: GatherOptions = {}) => {
    if (options.signal) signals.set(info.index, options.signal);
    if (!everything && !released.has(info.index))
      await new Promise<void>((resolve) => waiting.set(info.index, resolve));
    return dataset.readGather(info, options);
  }) as Dataset['readGather'];
  const release = (index: number) => {
    released.add(index);
    waiting.get(index)?.();
  };
  /** Release every waiting read and every later one. */
  const releaseAll = () => {
    everything = true;
    for (const index of waiting.keys()) release(index);
  };
  return { controlled, release, releaseAll, signals };
}

describe('GatherNavigator', () => {
  it('steps through gathers in order and reports each change', async () => {
    const navigator = new GatherNavigator(dataset, { prefetchDepth: 0 });
    const changes: Array<[number, number | undefined]> = [];
    navigator.on('gather-changed', (event) => changes.push([event.index, event.previousIndex]));
    expect(navigator.current).toBeUndefined();
    expect((await navigator.first()).values).toEqual([1000]);
    expect((await navigator.next()).values).toEqual([1001]);
    expect((await navigator.next()).values).toEqual([1002]);
    expect((await navigator.previous()).values).toEqual([1001]);
    expect((await navigator.last()).values).toEqual([1019]);
    expect((await navigator.next()).values).toEqual([1019]);
    expect((await navigator.goTo(7)).values).toEqual([1007]);
    expect((await navigator.goToKey({ fieldRecord: 1012 })).index).toBe(12);
    await navigator.goTo(0);
    expect((await navigator.previous()).index).toBe(0);
    expect(navigator.currentIndex).toBe(0);
    expect(navigator.current?.values).toEqual([1000]);
    expect(navigator.gatherCount).toBe(20);
    expect(navigator.key).toEqual(['fieldRecord']);
    expect(changes).toEqual([
      [0, undefined],
      [1, 0],
      [2, 1],
      [1, 2],
      [19, 1],
      [19, 19],
      [7, 19],
      [12, 7],
      [0, 12],
      [0, 0],
    ]);
  });

  it('makes the last navigation asked for current when reads overlap', async () => {
    const { controlled, release } = controlledDataset();
    const navigator = new GatherNavigator(controlled, { prefetchDepth: 0 });
    const slow = navigator.goTo(3);
    const fast = navigator.goTo(9);
    release(9);
    await fast;
    expect(navigator.currentIndex).toBe(9);
    release(3);
    expect((await slow).values).toEqual([1003]);
    expect(navigator.currentIndex).toBe(9);
    expect(navigator.current?.values).toEqual([1009]);
  });

  it('navigates another key set with sorted traces', async () => {
    const navigator = new GatherNavigator(dataset, {
      key: 'cdp',
      read: { sortBy: 'offset' },
      prefetchDepth: 0,
    });
    const gather = await navigator.goToKey({ cdp: 108 });
    const offsets = Array.from(gather.headers.offset as ArrayLike<number>);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(gather.runs.length).toBeGreaterThan(1);
    await expect(navigator.goToKey({ fieldRecord: 1001 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('never holds more bytes than its limit, after every step and every cache event', async () => {
    const limit = 3 * GATHER_BYTES + 100;
    const navigator = new GatherNavigator(dataset, { cacheBytes: limit, prefetchDepth: 2 });
    const violations: CacheEvent[] = [];
    navigator.on('cache', (event) => {
      if (event.bytesHeld > navigator.stats.cacheLimit) violations.push(event);
    });
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 60; step++) {
      const target =
        random() < 0.6 ? Math.min(19, (navigator.currentIndex ?? 0) + 1) : Math.floor(random() * 20);
      const gather = await navigator.goTo(target);
      expect(gather.byteLength).toBe(GATHER_BYTES);
      expect(navigator.stats.bytesHeld).toBeLessThanOrEqual(limit);
      if (step % 5 === 0) await navigator.whenIdle();
      expect(navigator.stats.bytesHeld).toBeLessThanOrEqual(limit);
      expect(navigator.cachedIndices()).toContain(target);
    }
    await navigator.whenIdle();
    expect(violations).toEqual([]);
    // Three gathers fit: the window shrinks to one neighbour on each side.
    expect(navigator.stats.effectiveDepth).toBe(1);
    expect(navigator.stats.evictions).toBeGreaterThan(0);

    navigator.setMemoryBudget(GATHER_BYTES + 10);
    expect(navigator.stats.bytesHeld).toBeLessThanOrEqual(GATHER_BYTES + 10);
    expect(navigator.cachedIndices()).toEqual([navigator.currentIndex]);
    navigator.setMemoryBudget(100);
    expect(navigator.stats.bytesHeld).toBe(0);
    expect((await navigator.next()).byteLength).toBe(GATHER_BYTES);
    expect(navigator.stats.bytesHeld).toBe(0);
    expect(navigator.stats.effectiveDepth).toBe(0);
  });

  it('prefetches neighbours nearest first and serves them from the cache', async () => {
    const navigator = new GatherNavigator(dataset, { prefetchDepth: 2, prefetchConcurrency: 1 });
    const started: number[] = [];
    navigator.on('prefetch', (event) => {
      if (event.state === 'start') started.push(event.index);
    });
    await navigator.goTo(5);
    await navigator.whenIdle();
    expect(started).toEqual([6, 4, 7, 3]);
    expect(navigator.cachedIndices().sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7]);
    expect(navigator.stats).toMatchObject({
      hits: 0,
      misses: 1,
      prefetched: 4,
      cancelled: 0,
      cachedGathers: 5,
    });
    await navigator.next();
    await navigator.next();
    expect(navigator.stats).toMatchObject({ hits: 2, misses: 1 });
    await navigator.whenIdle();
    expect(started).toEqual([6, 4, 7, 3, 8, 9]);
    expect(navigator.stats.bytesHeld).toBe(7 * GATHER_BYTES);
  });

  it('cancels the prefetches that navigation made pointless', async () => {
    const { controlled, release, releaseAll, signals } = controlledDataset();
    const navigator = new GatherNavigator(controlled, { prefetchDepth: 2, prefetchConcurrency: 2 });
    const events: Array<[string, number]> = [];
    navigator.on('prefetch', (event) => events.push([event.state, event.index]));
    release(10);
    await navigator.goTo(10);
    expect(events).toEqual([
      ['start', 11],
      ['start', 9],
    ]);
    release(18);
    await navigator.goTo(18);
    // Cancelled reads give up their slots at once: the new neighbours start without waiting for them.
    expect(events.slice(2)).toEqual([
      ['cancelled', 11],
      ['cancelled', 9],
      ['start', 19],
      ['start', 17],
    ]);
    expect([signals.get(11)?.aborted, signals.get(9)?.aborted]).toEqual([true, true]);
    releaseAll();
    await navigator.whenIdle();
    expect(navigator.cachedIndices().sort((a, b) => a - b)).toEqual([10, 16, 17, 18, 19]);
    expect(navigator.stats).toMatchObject({ cancelled: 2, prefetched: 3, prefetchFailed: 0, misses: 2 });
    const done = events.filter(([state]) => state === 'done').map(([, index]) => index);
    expect(done.sort((a, b) => a - b)).toEqual([16, 17, 19]);
  });

  it('rejects bad options and gathers outside the index with typed errors', async () => {
    expect(() => new GatherNavigator(dataset, { cacheBytes: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new GatherNavigator(dataset, { prefetchDepth: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new GatherNavigator(dataset, { prefetchConcurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const navigator = new GatherNavigator(dataset);
    await expect(navigator.goTo(20)).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(navigator.goToKey({ fieldRecord: 5 })).rejects.toMatchObject({ code: 'GATHER_NOT_FOUND' });
    await expect(new GatherNavigator(dataset, { key: 'inline' }).first()).rejects.toMatchObject({
      code: 'GATHER_NOT_FOUND',
    });
    expect(() => navigator.setMemoryBudget(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(navigator.currentIndex).toBeUndefined();
  });
});

describe('ByteLruCache', () => {
  it('evicts least recently used entries, the protected one last, and refuses what cannot fit', () => {
    const evicted: string[] = [];
    const cache = new ByteLruCache<string, string>(10, (key) => evicted.push(key));
    expect(cache.set('a', 'A', 4)).toBe(true);
    expect(cache.set('b', 'B', 4)).toBe(true);
    cache.get('a');
    expect(cache.set('c', 'C', 4)).toBe(true);
    expect(evicted).toEqual(['b']);
    expect(cache.set('huge', 'H', 11)).toBe(false);
    cache.protect('a');
    expect(cache.set('d', 'D', 4)).toBe(true);
    expect(evicted).toEqual(['b', 'c']);
    expect(cache.set('e', 'E', 8, (key) => key !== 'd')).toBe(false);
    expect(cache.keys()).toEqual(['a', 'd']);
    expect(cache.set('e', 'E', 8)).toBe(true);
    expect(evicted).toEqual(['b', 'c', 'd', 'a']);
    cache.setLimit(5);
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
    expect(() => cache.setLimit(-1)).toThrow(RangeError);
  });
});
