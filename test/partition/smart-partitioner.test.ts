import { describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import {
  type EnsembleKeyValue,
  type Segment,
  SmartPartitioner,
  sameEnsembleKey,
} from '../../src/partition/index.js';

/** Gathers given by their sizes, e.g. [3, 5] -> keys 0,0,0,1,1,1,1,1 (key = gather number * 10). */
function keysFromGatherSizes(sizes: number[]): number[] {
  return sizes.flatMap((size, gather) => Array.from({ length: size }, () => gather * 10));
}

function reader(keys: readonly EnsembleKeyValue[], reads: number[] = []) {
  return async (traceIndex: number) => {
    if (traceIndex < 0 || traceIndex >= keys.length) throw new Error(`read outside the file: ${traceIndex}`);
    reads.push(traceIndex);
    return keys[traceIndex]!;
  };
}

function expectCover(segments: Segment[], start: number, count: number): void {
  let next = start;
  segments.forEach((segment, i) => {
    expect(segment.segmentId).toBe(i);
    expect(segment.startTrace).toBe(next);
    expect(segment.traceCount).toBe(segment.endTrace - segment.startTrace);
    expect(segment.traceCount).toBeGreaterThan(0);
    next = segment.endTrace;
  });
  expect(next).toBe(start + count);
}

describe('SmartPartitioner', () => {
  it('splits evenly without an ensemble key', async () => {
    const segments = await new SmartPartitioner({ traceCount: 10, segments: 3 }).partition();
    expect(segments.map((s) => [s.startTrace, s.endTrace])).toEqual([
      [0, 3],
      [3, 7],
      [7, 10],
    ]);
  });

  it('honours startTrace and never makes more segments than traces', async () => {
    const segments = await new SmartPartitioner({ traceCount: 3, segments: 8, startTrace: 100 }).partition();
    expect(segments.map((s) => [s.startTrace, s.endTrace])).toEqual([
      [100, 101],
      [101, 102],
      [102, 103],
    ]);
    expect(await new SmartPartitioner({ traceCount: 0, segments: 4 }).partition()).toEqual([]);
  });

  it('moves each raw split point back to the first trace of its gather', async () => {
    // 100 traces in gathers of 12: raw points 25, 50, 75 -> gather starts 24, 48, 72.
    const keys = keysFromGatherSizes([12, 12, 12, 12, 12, 12, 12, 12, 4]);
    const reads: number[] = [];
    const partitioner = new SmartPartitioner({
      traceCount: 100,
      segments: 4,
      ensembleKey: reader(keys, reads),
    });
    const segments = await partitioner.partition();
    expect(segments.map((s) => s.startTrace)).toEqual([0, 24, 48, 72]);
    expectCover(segments, 0, 100);
    // Probing reads only the traces between each gather start and its raw point.
    expect(partitioner.probes).toBe(reads.length);
    expect(new Set(reads)).toEqual(new Set([25, 24, 23, 50, 49, 48, 47, 75, 74, 73, 72, 71]));
  });

  it('keeps the raw point when the gather is longer than maxProbeDistance', async () => {
    const keys = keysFromGatherSizes([10, 80, 10]);
    const reads: number[] = [];
    const segments = await new SmartPartitioner({
      traceCount: 100,
      segments: 2,
      ensembleKey: reader(keys, reads),
      maxProbeDistance: 5,
    }).partition();
    expect(segments.map((s) => [s.startTrace, s.endTrace])).toEqual([
      [0, 50],
      [50, 100],
    ]);
    // raw point itself plus 6 probes back (45..50 compared with their predecessors).
    expect(reads.length).toBe(7);
  });

  it('keeps the raw point rather than making an empty segment when one gather spans two raw points', async () => {
    // One gather covers everything from trace 2 to 97: every backward probe reaches the previous cut.
    const keys = keysFromGatherSizes([2, 96, 2]);
    const segments = await new SmartPartitioner({
      traceCount: 100,
      segments: 4,
      ensembleKey: reader(keys),
    }).partition();
    expect(segments.map((s) => s.startTrace)).toEqual([0, 2, 50, 75]);
    expectCover(segments, 0, 100);
  });

  it('covers every trace exactly once for many layouts', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const sizes = Array.from({ length: 1 + (seed % 9) }, (_, i) => 1 + ((seed * 7 + i * 13) % 23));
      const keys = keysFromGatherSizes(sizes);
      for (const count of [1, 2, 3, 4, 7, 16]) {
        const segments = await new SmartPartitioner({
          traceCount: keys.length,
          segments: count,
          ensembleKey: reader(keys),
          maxProbeDistance: seed % 4 === 0 ? 2 : 4096,
        }).partition();
        expect(segments.length).toBe(Math.min(count, keys.length));
        expectCover(segments, 0, keys.length);
      }
    }
  });

  it('compares composite keys value by value', async () => {
    const keys: EnsembleKeyValue[] = Array.from({ length: 40 }, (_, i) => [
      Math.floor(i / 16),
      Math.floor(i / 8) % 2,
    ]);
    const segments = await new SmartPartitioner({
      traceCount: 40,
      segments: 2,
      ensembleKey: reader(keys),
    }).partition();
    expect(segments.map((s) => s.startTrace)).toEqual([0, 16]);
    expect(sameEnsembleKey([1, 2], [1, 2])).toBe(true);
    expect(sameEnsembleKey([1, 2], [1, 3])).toBe(false);
    expect(sameEnsembleKey([1], 1)).toBe(false);
    expect(sameEnsembleKey(5n, 5n)).toBe(true);
  });

  it('reads a few thousand headers, not millions, for a 12-million-trace survey', async () => {
    const keyOf = (i: number) => Math.floor(i / 960);
    const reads: number[] = [];
    const partitioner = new SmartPartitioner({
      traceCount: 12_000_000,
      segments: 16,
      ensembleKey: async (i) => {
        reads.push(i);
        return keyOf(i);
      },
    });
    const segments = await partitioner.partition();
    for (const s of segments.slice(1)) expect(s.startTrace % 960).toBe(0);
    expect(partitioner.probes).toBeLessThan(16 * 961);
  });

  it('rejects bad arguments with INVALID_ARGUMENT', () => {
    for (const options of [
      { traceCount: -1, segments: 1 },
      { traceCount: 10, segments: 0 },
      { traceCount: 10, segments: 1.5 },
      { traceCount: 10, segments: 2, maxProbeDistance: -3 },
    ]) {
      let error: unknown;
      try {
        new SmartPartitioner(options);
      } catch (e) {
        error = e;
      }
      expect(isSeisprocError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('passes on a failing header read', async () => {
    const partitioner = new SmartPartitioner({
      traceCount: 10,
      segments: 2,
      ensembleKey: async () => {
        throw new Error('disk gone');
      },
    });
    await expect(partitioner.partition()).rejects.toThrow('disk gone');
  });
});
