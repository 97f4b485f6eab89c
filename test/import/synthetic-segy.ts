/**
 * Synthetic prestack SEG-Y files for import tests: CDP gathers of `gatherSize` traces with
 * increasing offsets, samples a deterministic function of trace and sample index.
 */
import { encodeTraceHeaders, type SampleFormatCode, SegyWriter } from '../../src/segy/index.js';

/** Layout of a synthetic file. */
export interface SyntheticSpec {
  traces: number;
  samples: number;
  /** Traces per CDP gather. */
  gatherSize: number;
  /** Sample format; default 1 (IBM float). */
  formatCode?: SampleFormatCode;
  /** Traces written per call (bounds the writer's memory). Default 4096. */
  batch?: number;
}

/** The samples of trace `trace`. */
export function syntheticTrace(
  trace: number,
  samples: number,
  out = new Float32Array(samples),
): Float32Array {
  for (let s = 0; s < samples; s++) {
    out[s] = Math.sin(trace * 0.013 + s * 0.071) * (1 + (trace % 11)) + (s % 5) * 0.25;
  }
  return out;
}

/** The header values of trace `trace`. */
export function syntheticHeaders(trace: number, gatherSize: number) {
  const gather = Math.floor(trace / gatherSize);
  return {
    traceSequenceLine: trace + 1,
    traceSequenceFile: trace + 1,
    fieldRecord: 1 + Math.floor(gather / 3),
    traceNumber: (trace % gatherSize) + 1,
    cdp: 1000 + gather,
    cdpTrace: (trace % gatherSize) + 1,
    offset: 50 + 25 * (trace % gatherSize),
    sourceX: 500_000 + 10 * gather,
    groupX: 500_000 + 10 * gather + 25 * (trace % gatherSize),
    inline: 100 + Math.floor(gather / 40),
    crossline: 200 + (gather % 40),
  };
}

/** Write a synthetic SEG-Y file (big-endian) to `path`. */
export async function writeSyntheticSegy(path: string, spec: SyntheticSpec): Promise<void> {
  const { traces, samples, gatherSize } = spec;
  const batch = spec.batch ?? 4096;
  const writer = await SegyWriter.create(path, {
    sampleCount: samples,
    sampleInterval: 2000,
    formatCode: spec.formatCode ?? 1,
    endianness: 'big',
    textHeader: 'C 1 synthetic prestack CDP gathers for seisproc tests',
    traceCount: traces,
  });
  try {
    for (let start = 0; start < traces; start += batch) {
      const count = Math.min(batch, traces - start);
      const data = new Float32Array(count * samples);
      const columns: Record<string, number[]> = {};
      for (let t = 0; t < count; t++) {
        syntheticTrace(start + t, samples, data.subarray(t * samples, (t + 1) * samples));
        for (const [key, value] of Object.entries(syntheticHeaders(start + t, gatherSize))) {
          const column = columns[key] ?? [];
          column.push(value);
          columns[key] = column;
        }
      }
      const headers = encodeTraceHeaders(
        count,
        { ...columns, sampleCount: samples, sampleInterval: 2000 },
        {
          endianness: 'big',
        },
      );
      await writer.writeTraces(start, data, headers);
    }
  } finally {
    await writer.close();
  }
}
