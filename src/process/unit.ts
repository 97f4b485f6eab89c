/**
 * Running one work unit: read its traces, apply the processor, write its output chunks with their
 * raw headers. The same code runs in worker threads and, for small inputs, in the calling thread.
 */
import { OperationError } from '../errors/index.js';
import type { Dataset, DatasetChunkWriter } from '../storage/index.js';
import type { WorkUnit } from './plan.js';
import type { Processor } from './processor.js';

/** Where a unit reads, what it applies and where it writes. */
export interface UnitTarget {
  input: Dataset;
  processor: Processor;
  writer: DatasetChunkWriter;
}

/** Process `unit` and write its chunks; returns the number of output traces written. */
export async function processUnit({ input, processor, writer }: UnitTarget, unit: WorkUnit): Promise<number> {
  const { readStart, readEnd } = unit;
  const traceCount = readEnd - readStart;
  const samples = await readUnitSamples(input, writer.chunkTraces, unit);
  const headers = processor.headerColumns.length
    ? await input.readHeaderColumns([...processor.headerColumns], { start: readStart, end: readEnd })
    : {};
  let output: Float32Array;
  try {
    output = processor.process({
      samples,
      traceCount,
      sampleCount: input.sampleCount,
      sampleInterval: input.sampleInterval,
      delayMs: input.metadata.delay_ms,
      firstTrace: readStart,
      headers,
      ...(unit.gatherOffsets ? { gatherOffsets: unit.gatherOffsets } : {}),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw processFailure(input, processor, unit, reason, cause);
  }
  if (!(output instanceof Float32Array) || output.length !== traceCount * input.sampleCount) {
    const got = output instanceof Float32Array ? `${output.length} samples` : typeof output;
    throw processFailure(
      input,
      processor,
      unit,
      `returned ${got}, expected a Float32Array of ${traceCount * input.sampleCount} samples`,
    );
  }
  let written = 0;
  for (let chunk = unit.firstChunk; chunk < unit.endChunk; chunk++) {
    const { start, end } = writer.chunkRange(chunk);
    const rows = output.subarray(
      (start - readStart) * input.sampleCount,
      (end - readStart) * input.sampleCount,
    );
    await writer.writeChunk(chunk, rows, await input.readRawHeaders(start, end));
    written += end - start;
  }
  return written;
}

/** The unit's input samples: one stored chunk read whole when the unit is exactly that chunk. */
async function readUnitSamples(
  input: Dataset,
  outputChunkTraces: number,
  unit: WorkUnit,
): Promise<Float32Array> {
  const storedChunk = unit.readStart / input.chunkTraces;
  const isStoredChunk =
    outputChunkTraces === input.chunkTraces &&
    Number.isInteger(storedChunk) &&
    unit.readEnd === Math.min(input.traceCount, unit.readStart + input.chunkTraces);
  if (isStoredChunk) return (await input.readChunk(storedChunk)).samples;
  return input.readTraces(unit.readStart, unit.readEnd);
}

function processFailure(
  input: Dataset,
  processor: Processor,
  unit: WorkUnit,
  reason: string,
  cause?: unknown,
): OperationError {
  return new OperationError(
    'PROCESS_FAILED',
    `processor "${processor.name}" failed on traces ${unit.readStart}–${unit.readEnd - 1} (chunk ${unit.firstChunk}): ${reason}`,
    {
      path: input.path,
      traceIndex: unit.readStart,
      chunkIndex: unit.firstChunk,
      processor: processor.name,
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
