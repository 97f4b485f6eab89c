/**
 * Running one work unit: read its traces, apply the processor, write its output chunks with their
 * raw headers. The same code runs in worker threads and, for small inputs, in the calling thread.
 */
import { OperationError } from '../errors/index.js';
import { type Dataset, type DatasetChunkWriter, DIGEST_BYTES } from '../storage/index.js';
import type { WorkUnit } from './plan.js';
import type { Processor } from './processor.js';

/** Where a unit reads, what it applies and where it writes, and the buffers it reads into. */
export interface UnitTarget {
  input: Dataset;
  processor: Processor;
  writer: DatasetChunkWriter;
  buffers: SampleBufferPool;
}

/**
 * Sample buffers reused from unit to unit by one thread: a fresh array of several MiB per unit
 * costs more than reading the unit into it (page faults, allocator, garbage collection). A thread
 * has at most {@link UNITS_IN_FLIGHT} units in flight, so it keeps at most that many buffers.
 */
export class SampleBufferPool {
  private readonly free: Float32Array[] = [];

  /** A buffer of exactly `length` samples, reused when a free one is large enough. */
  acquire(length: number): Float32Array {
    const index = this.free.findIndex((buffer) => buffer.length >= length);
    const buffer = index >= 0 ? this.free.splice(index, 1)[0]! : new Float32Array(length);
    return buffer.subarray(0, length);
  }

  /** Give back a buffer from {@link acquire} (the view it returned). */
  release(view: Float32Array): void {
    if (this.free.length < UNITS_IN_FLIGHT) this.free.push(new Float32Array(view.buffer));
  }
}

/**
 * Units one thread works on at once: one is read or written while the other is processed.
 */
export const UNITS_IN_FLIGHT = 2;

/** What a unit wrote: its output traces, and the digests of its output chunks from `unit.firstChunk` on. */
export interface UnitOutcome {
  traces: number;
  chunkDigests: Uint8Array;
}

/** Process `unit` and write its chunks. */
export async function processUnit(target: UnitTarget, unit: WorkUnit): Promise<UnitOutcome> {
  const samples = target.buffers.acquire((unit.readEnd - unit.readStart) * target.input.sampleCount);
  try {
    return await processInto(target, unit, samples);
  } finally {
    target.buffers.release(samples);
  }
}

async function processInto(
  { input, processor, writer }: UnitTarget,
  unit: WorkUnit,
  samples: Float32Array,
): Promise<UnitOutcome> {
  const { readStart, readEnd } = unit;
  const traceCount = readEnd - readStart;
  await input.traces(readStart, readEnd, { into: samples });
  const headers = processor.headerColumns.length
    ? await input.headers(processor.headerColumns, { start: readStart, end: readEnd })
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
  let traces = 0;
  const chunkDigests = new Uint8Array((unit.endChunk - unit.firstChunk) * DIGEST_BYTES);
  for (let chunk = unit.firstChunk; chunk < unit.endChunk; chunk++) {
    const { start, end } = writer.chunkRange(chunk);
    const rows = output.subarray(
      (start - readStart) * input.sampleCount,
      (end - readStart) * input.sampleCount,
    );
    const digest = await writer.writeChunk(chunk, rows, await input.readRawHeaders(start, end));
    chunkDigests.set(digest, (chunk - unit.firstChunk) * DIGEST_BYTES);
    traces += end - start;
  }
  return { traces, chunkDigests };
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
