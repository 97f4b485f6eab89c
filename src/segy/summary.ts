/**
 * A quick survey of trace header values: the range of each field over the file, from every trace
 * of a small file or an even sample of a big one, so that it takes seconds on any file.
 *
 * @module
 */
import type { SegyFile } from './file.js';

/** Range of one header field. */
export interface FieldRange {
  /** Smallest value seen. */
  min: number | bigint;
  /** Largest value seen. */
  max: number | bigint;
}

/** Result of {@link summarizeTraceHeaders}. */
export interface TraceHeaderSummary {
  /** Traces whose headers were read. */
  tracesRead: number;
  /** True when the traces read are an even sample of the file, not all of them. */
  sampled: boolean;
  /** Range of each field asked for, keyed like the request. */
  ranges: Record<string, FieldRange>;
}

/** Traces read in one go when every trace is scanned. */
const BATCH_TRACES = 8192;

/**
 * Ranges of trace header fields. Reads every trace header when the file has at most `maxTraces`
 * traces (default 50 000), else `sampleTraces` (default 2000) evenly spaced traces including the
 * first and the last.
 */
export async function summarizeTraceHeaders(
  file: SegyFile,
  fields: readonly string[],
  options: { maxTraces?: number; sampleTraces?: number } = {},
): Promise<TraceHeaderSummary> {
  const maxTraces = options.maxTraces ?? 50_000;
  const sampleTraces = Math.max(2, options.sampleTraces ?? 2000);
  const ranges: Record<string, FieldRange> = {};
  const fold = (columns: Record<string, ArrayLike<number | bigint>>) => {
    for (const name of fields) {
      const column = columns[name]!;
      for (let i = 0; i < column.length; i++) {
        const v = column[i]!;
        const range = ranges[name];
        if (!range) ranges[name] = { min: v, max: v };
        else {
          if (v < range.min) range.min = v;
          if (v > range.max) range.max = v;
        }
      }
    }
  };
  const n = file.traceCount;
  if (n <= maxTraces) {
    for (let start = 0; start < n; start += BATCH_TRACES) {
      fold(await file.readTraceHeaders(start, Math.min(n, start + BATCH_TRACES), fields));
    }
    return { tracesRead: n, sampled: false, ranges };
  }
  const indices = new Set<number>();
  for (let i = 0; i < sampleTraces; i++) indices.add(Math.round((i * (n - 1)) / (sampleTraces - 1)));
  for (const index of indices) fold(await file.readTraceHeaders(index, index + 1, fields));
  return { tracesRead: indices.size, sampled: true, ranges };
}
