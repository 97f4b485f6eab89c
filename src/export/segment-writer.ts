/**
 * Writing segments of an export into the preallocated output file: read a block of samples and
 * headers, encode whole traces into a reused buffer, write it with one positional write at the
 * block's own offset. Each writer (a worker thread, or the calling thread for small exports)
 * opens the sources and the output once and claims segments from a shared counter until none is
 * left, so fast writers take more segments and both paths write the same bytes.
 */
import { CancelledError, isSeisprocError, OperationError } from '../errors/index.js';
import {
  copyRecords,
  encodeSampleRuns,
  encodeSampleRunsNative,
  isNativeRunArray,
  type SampleRuns,
  SegyWriter,
} from '../segy/index.js';
import { convertStoredSamples, type StoredSampleArray } from '../storage/index.js';
import { isVerbatim, transformTraceHeaders } from './headers.js';
import type { ExportPlan, ExportSegment } from './plan.js';
import { type HeaderSource, openHeaderSource, openSampleSource, type SampleSource } from './sources.js';

/** Slot of the shared control array raised to cancel the export. */
export const CONTROL_CANCEL = 0;
/** Slot counting traces written by all writers. */
export const CONTROL_TRACES_DONE = 1;
/** Slot holding the index of the next segment to claim. */
export const CONTROL_NEXT_SEGMENT = 2;
/** Length of the control array. */
const CONTROL_LENGTH = 3;

/** A control array on shared memory: the caller raises cancel; writers claim segments and add traces written. */
export function createControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_LENGTH * Int32Array.BYTES_PER_ELEMENT));
}

/** Where a writer puts encoded traces: the output file ({@link SegyWriter}) or a part uploader. */
export interface TraceSink {
  /** Write whole encoded traces at output trace `startTrace`. */
  writeEncodedTraces(startTrace: number, block: Uint8Array): Promise<void>;
}

/** One write of a segment: source traces [start, end) go to output traces from `outputStart` on. */
interface WriteBlock {
  start: number;
  end: number;
  outputStart: number;
}

/** What a writer holds open while it writes its segments. */
interface WriterContext {
  plan: ExportPlan;
  samples: SampleSource;
  headers: HeaderSource;
  writer: TraceSink;
  encoders: [TraceEncoder, TraceEncoder];
  control: Int32Array;
  /** Blocks read ahead of the one encoded (see `readAheadBlocks`). */
  readAhead: number;
}

/**
 * Claim and write segments of `plan` into the already preallocated `plan.outputPath` until every
 * segment is claimed. Stops with CancelledError before the next block once
 * `control[CONTROL_CANCEL]` is set. `readAhead` blocks are read ahead of the one encoded.
 * Encoded traces go to `sink` when given (which the caller finishes), else to `plan.outputPath`.
 *
 * @returns the number of traces this writer wrote.
 */
export async function writeSegments(
  plan: ExportPlan,
  segments: readonly ExportSegment[],
  control: Int32Array,
  readAhead: number,
  sink?: TraceSink,
): Promise<number> {
  const samples = await openSampleSource(plan.samples, readAhead);
  let headers: HeaderSource | undefined;
  let file: SegyWriter | undefined;
  let segment: ExportSegment | undefined;
  try {
    headers = await openHeaderSource(plan.headers);
    file = sink ? undefined : await SegyWriter.openForWrite(plan.outputPath, plan.writer);
    const writer = sink ?? file!;
    const encoders: [TraceEncoder, TraceEncoder] = [new TraceEncoder(plan), new TraceEncoder(plan)];
    const context: WriterContext = { plan, samples, headers, writer, encoders, control, readAhead };
    let written = 0;
    for (;;) {
      segment = segments[Atomics.add(control, CONTROL_NEXT_SEGMENT, 1)];
      if (!segment) return written;
      written += await writeSegment(context, segment);
    }
  } catch (error) {
    if (isSeisprocError(error)) throw error;
    throw new OperationError('EXPORT_FAILED', `export failed: ${(error as Error).message}`, {
      path: plan.outputPath,
      segmentId: segment?.id,
      cause: error,
    });
  } finally {
    await Promise.allSettled([samples.close(), headers?.close(), file?.close()]);
  }
}

/**
 * Write one segment. Reading, encoding and writing overlap: the next `readAhead` blocks are read
 * while the current one is encoded, and a block is written while the next is encoded into the
 * other buffer. A writer therefore holds at most `readAhead + 1` source blocks and two encoded
 * blocks.
 */
async function writeSegment(context: WriterContext, segment: ExportSegment): Promise<number> {
  const { plan, samples, headers, writer, encoders, control, readAhead } = context;
  const blocks = writeBlocks(plan, segment);
  const fetch = (block: WriteBlock) =>
    Promise.all([samples.read(block.start, block.end), headers.read(block.start, block.end)]);
  let current: WriteBlock | undefined;
  // Reads under way, in block order.
  const reading: ReturnType<typeof fetch>[] = [];
  const startRead = (k: number) => {
    if (k < blocks.length) reading.push(settledLater(fetch(blocks[k]!)));
  };
  let writing: Promise<void> | undefined;
  try {
    for (let k = 0; k < readAhead; k++) startRead(k);
    for (let k = 0; k < blocks.length; k++) {
      current = blocks[k]!;
      const [blockSamples, blockHeaders] = await reading.shift()!;
      startRead(k + readAhead);
      if (Atomics.load(control, CONTROL_CANCEL) !== 0) throw new CancelledError('export cancelled');
      const encoded = encoders[k % 2]!.encode(blockSamples, blockHeaders, current.end - current.start);
      await writing;
      writing = settledLater(writeAndCount(writer, current, encoded, control));
    }
    await writing;
    return blocks.reduce((sum, block) => sum + block.end - block.start, 0);
  } catch (error) {
    await Promise.allSettled([...reading, writing]);
    if (isSeisprocError(error)) {
      // Errors from the sources (a damaged chunk, a short original file) say which file; add which
      // traces and which segment, for the report and for errors revived from a worker.
      if (error.code !== 'CANCELLED') {
        error.context.segmentId ??= segment.id;
        error.context.traceIndex ??= current?.start;
      }
      throw error;
    }
    throw new OperationError(
      'EXPORT_FAILED',
      `export of segment ${segment.id} failed: ${(error as Error).message}`,
      {
        path: plan.outputPath,
        segmentId: segment.id,
        traceIndex: current?.start ?? segment.ranges[0]?.start,
        cause: error,
      },
    );
  }
}

async function writeAndCount(
  writer: TraceSink,
  block: WriteBlock,
  encoded: Uint8Array,
  control: Int32Array,
): Promise<void> {
  await writer.writeEncodedTraces(block.outputStart, encoded);
  Atomics.add(control, CONTROL_TRACES_DONE, block.end - block.start);
}

/**
 * Mark a promise as handled now (its failure is observed later, when it is awaited): a read-ahead
 * that fails while the previous block is being encoded must not count as an unhandled rejection.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** The writes of a segment, in order. */
function writeBlocks(plan: ExportPlan, segment: ExportSegment): WriteBlock[] {
  const blocks: WriteBlock[] = [];
  let outputStart = segment.outputStart;
  for (const range of segment.ranges) {
    for (let start = range.start; start < range.end; ) {
      const end = blockEnd(start, range.end, plan);
      blocks.push({ start, end, outputStart });
      outputStart += end - start;
      start = end;
    }
  }
  return blocks;
}

/**
 * End of the write block starting at `start`: at most `chunkTraces` traces (never more than a
 * source block) and never past the end of the source block holding `start`, so every read is a
 * view of one source block (see {@link SampleSource}: blocks are refilled in turn).
 */
function blockEnd(start: number, rangeEnd: number, plan: ExportPlan): number {
  const sourceBlockEnd = (Math.floor(start / plan.sourceBlockTraces) + 1) * plan.sourceBlockTraces;
  return Math.min(rangeEnd, start + plan.chunkTraces, sourceBlockEnd);
}

/**
 * Encodes whole output traces (header then samples) into one buffer reused for every block.
 * Samples of the output format's own type (a dataset that stores int32, int64 or float64 samples,
 * exported in its source format) are copied unconverted, so the output is the source byte for
 * byte; float32 samples are encoded from float32; other stored types are converted through
 * float64, which holds every 32-bit integer exactly.
 */
class TraceEncoder {
  private readonly buffer: Uint8Array;
  private readonly verbatimHeaders: boolean;
  /** Samples converted to float64, for stored types that are neither float32 nor the output's. */
  private widened: Float64Array | undefined;

  constructor(private readonly plan: ExportPlan) {
    this.buffer = new Uint8Array(plan.chunkTraces * plan.traceSize);
    this.verbatimHeaders = isVerbatim(plan.transform);
  }

  /** Encode `count` traces; returns a view of the reused buffer, valid until the next call. */
  encode(samples: StoredSampleArray, rawHeaders: Uint8Array, count: number): Uint8Array {
    const { transform, traceSize, writer } = this.plan;
    const { sampleCount, formatCode, endianness } = writer;
    const sourceHeaderSize = transform.sourceSize;
    const targetHeaderSize = transform.targetSize;
    const out = this.buffer;
    if (this.verbatimHeaders) {
      copyRecords(rawHeaders, sourceHeaderSize, out, traceSize, sourceHeaderSize, count);
    } else {
      transformTraceHeaders(rawHeaders, count, out, traceSize, transform);
    }
    const runs: SampleRuns = {
      runLength: sampleCount,
      runs: count,
      stride: traceSize,
      offset: targetHeaderSize,
    };
    const values = samples.subarray(0, count * sampleCount) as StoredSampleArray;
    if (isNativeRunArray(values, formatCode)) {
      encodeSampleRunsNative(values, formatCode, endianness, out, runs);
    } else if (values instanceof Float32Array) {
      encodeSampleRuns(values, formatCode, endianness, out, runs);
    } else {
      this.widened ??= new Float64Array(this.plan.chunkTraces * sampleCount);
      const widened = this.widened.subarray(0, values.length);
      convertStoredSamples(values, widened);
      encodeSampleRuns(widened, formatCode, endianness, out, runs);
    }
    return out.subarray(0, count * traceSize);
  }
}
