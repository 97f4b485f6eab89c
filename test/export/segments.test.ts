/** Cutting an export's trace selection into worker segments. */
import { describe, expect, it } from 'vitest';
import { type ExportSegment, splitIntoSegments } from '../../src/export/plan.js';
import type { TraceRange } from '../../src/export/sources.js';

/** Every source trace of the segments, in output order, with the output index it lands at. */
function flatten(segments: readonly ExportSegment[]): Array<[output: number, source: number]> {
  const out: Array<[number, number]> = [];
  for (const segment of segments) {
    let output = segment.outputStart;
    for (const range of segment.ranges) for (let t = range.start; t < range.end; t++) out.push([output++, t]);
  }
  return out;
}

function expectExactCover(segments: readonly ExportSegment[], ranges: readonly TraceRange[]): void {
  const expected = ranges.flatMap((r) => Array.from({ length: r.end - r.start }, (_, i) => r.start + i));
  expect(flatten(segments)).toEqual(expected.map((source, output) => [output, source]));
  expect(segments.map((s) => s.id)).toEqual(segments.map((_, i) => i));
  for (const segment of segments) expect(segment.ranges.every((r) => r.end > r.start)).toBe(true);
}

describe('splitIntoSegments', () => {
  it('cuts one range into equal parts on chunk boundaries', () => {
    const ranges = [{ start: 0, end: 100_000 }];
    const segments = splitIntoSegments(ranges, 8, 2097);
    expectExactCover(segments, ranges);
    expect(segments).toHaveLength(8);
    for (const segment of segments.slice(1)) expect(segment.ranges[0]!.start % 2097).toBe(0);
    const sizes = segments.map((s) => s.ranges[0]!.end - s.ranges[0]!.start);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2097);
  });

  it('keeps one segment for one part and never makes empty segments', () => {
    expect(splitIntoSegments([{ start: 5, end: 9 }], 1, 64)).toEqual([
      { id: 0, outputStart: 0, ranges: [{ start: 5, end: 9 }] },
    ]);
    const tiny = splitIntoSegments([{ start: 0, end: 3 }], 8, 1);
    expectExactCover(tiny, [{ start: 0, end: 3 }]);
    expect(tiny).toHaveLength(3);
  });

  it('splits a list of gather runs, inside runs where needed, keeping output order', () => {
    const ranges = [
      { start: 500, end: 530 },
      { start: 10, end: 20 },
      { start: 1000, end: 1100 },
      { start: 40, end: 41 },
    ];
    for (const parts of [2, 3, 5, 16]) {
      const segments = splitIntoSegments(ranges, parts, 32);
      expectExactCover(segments, ranges);
      expect(segments.length).toBeLessThanOrEqual(parts);
    }
  });

  it('starts a range that does not begin on a chunk boundary without misaligning the rest', () => {
    const ranges = [{ start: 1000, end: 9000 }];
    const segments = splitIntoSegments(ranges, 4, 1024);
    expectExactCover(segments, ranges);
    for (const segment of segments.slice(1)) expect(segment.ranges[0]!.start % 1024).toBe(0);
  });

  it('never cuts inside a stored chunk: a cut with no chunk boundary near moves to the end of the range', () => {
    // 20 000 traces in chunks of 5242: the last chunk [15726, 20000) is one segment, not two.
    const ranges = [{ start: 0, end: 20_000 }];
    const segments = splitIntoSegments(ranges, 8, 5242);
    expectExactCover(segments, ranges);
    expect(segments.map((s) => s.ranges[0]!.start)).toEqual([0, 5242, 10484, 15726]);
    expect(splitIntoSegments([{ start: 0, end: 1000 }], 4, 4096)).toHaveLength(1);
  });
});
