/**
 * The SEG-Y/SU export engine: plan, preallocate the output, write its segments (in worker threads
 * or, for small exports, in the calling thread) and report progress. Committing the file into
 * place is the caller's job ({@link SEGYExporter}).
 *
 * SEG-Y traces have a fixed size, so the offset of every output trace is known before anything is
 * written: each segment writes its traces at their final offsets in the one preallocated file.
 * There are no segment files and no merge stage. An output in object storage is written in order
 * by one writer in the calling thread into a multipart upload (see {@link PartUploader}): a part
 * upload cannot be shared with worker threads, and the network, not the encoding, bounds its rate.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  ArgumentError,
  CancelledError,
  OperationError,
  reviveError,
  type SeisprocError,
  WorkerError,
} from '../errors/index.js';
import type { MultipartUpload } from '../io/index.js';
import { DEFAULT_IN_PROCESS_THRESHOLD, type ProgressUnit, type StageTracker } from '../progress/index.js';
import {
  buildFileHeaders,
  type Endianness,
  type SampleFormatCode,
  type SegyKind,
  SegyWriter,
} from '../segy/index.js';
import { PartUploader } from './part-upload.js';
import {
  buildExportPlan,
  type ExportPlan,
  type ExportSegment,
  type SegyExportRequest,
  splitIntoSegments,
} from './plan.js';
import { CONTROL_CANCEL, CONTROL_TRACES_DONE, createControl, writeSegments } from './segment-writer.js';
import { readAheadBlocks } from './sources.js';
import type { ExportWorkerOutcome, ExportWorkerTask } from './worker.js';

/** Segments per worker: more segments than workers keep every worker busy to the end. */
const SEGMENTS_PER_WORKER = 4;

/** How often the shared progress counter is turned into progress events. */
const PROGRESS_POLL_MS = 100;

/** How an export uses threads. */
export interface ParallelOptions {
  /**
   * Writers. Default: one per two cores (`os.availableParallelism() / 2`, at least one), since a
   * writer keeps about two cores busy: its thread encodes while libuv's threads read and write.
   * 1 writes in the calling thread; more run in worker threads.
   */
  workers?: number;
  /** Outputs smaller than this run in the calling thread. Default {@link DEFAULT_IN_PROCESS_THRESHOLD}. */
  inProcessThreshold?: number;
}

/** What the engine needs from the operation running it. */
export interface ExportIO {
  /** The temporary file to write; for an output in object storage, its URL (for messages: write to `upload`). */
  temporaryPath: string;
  /**
   * Set for an output in object storage: the multipart upload to write the whole file into, in
   * order. The caller completes it, or aborts it when the writer fails.
   */
  upload?: MultipartUpload;
  /** Aborted when the export is cancelled. */
  signal: AbortSignal;
  /** Start a progress stage. */
  startStage(stage: string, total: number, unit: ProgressUnit): StageTracker;
  /** Report a non-fatal problem. */
  warn(message: string): void;
}

/** What a SEG-Y/SU export wrote. */
export interface SegyExportSummary {
  /** `segy` or `su`. */
  kind: SegyKind;
  /** Sample format written. */
  formatCode: SampleFormatCode;
  /** Byte order written. */
  endianness: Endianness;
  /** Traces written. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
  /** Bytes of the output file. */
  bytes: number;
  /** Worker threads used (1: the calling thread). */
  workers: number;
}

/** Run a SEG-Y/SU export into `io.temporaryPath`, or `io.upload` when given. */
export async function runSegyExport(
  request: SegyExportRequest & ParallelOptions,
  io: ExportIO,
): Promise<SegyExportSummary> {
  const plan = await buildExportPlan(request, io.temporaryPath);
  if (io.signal.aborted) throw new CancelledError('export cancelled');
  for (const warning of plan.warnings) io.warn(warning);

  const uploader = io.upload ? await startUpload(plan, io.upload) : undefined;
  if (!uploader) await preallocate(plan);

  const workers = uploader ? 1 : chooseWorkers(request, plan);
  const segments = splitIntoSegments(
    plan.ranges,
    workers === 1 ? 1 : workers * SEGMENTS_PER_WORKER,
    plan.sourceBlockTraces,
  );
  const control = createControl();
  const cancel = () => Atomics.store(control, CONTROL_CANCEL, 1);
  if (io.signal.aborted) cancel();
  io.signal.addEventListener('abort', cancel, { once: true });

  const tracker = io.startStage('export', plan.traceCount, 'traces');
  const busy = { workers };
  const poll = setInterval(
    () => tracker.set(Atomics.load(control, CONTROL_TRACES_DONE), busy.workers),
    PROGRESS_POLL_MS,
  );
  try {
    if (workers === 1) {
      await writeSegments(plan, segments, control, readAheadBlocks(1), uploader);
      await uploader?.finish();
    } else {
      await runInPool(plan, segments, control, workers, busy);
    }
  } catch (error) {
    await uploader?.settle();
    throw error;
  } finally {
    clearInterval(poll);
    io.signal.removeEventListener('abort', cancel);
  }
  if (io.signal.aborted) throw new CancelledError('export cancelled');
  tracker.end();
  return {
    kind: plan.writer.kind ?? 'segy',
    formatCode: plan.writer.formatCode,
    endianness: plan.writer.endianness,
    traceCount: plan.traceCount,
    sampleCount: plan.writer.sampleCount,
    bytes: plan.fileSize,
    workers,
  };
}

/** Create the output file with its headers, at its full size, for the writers to fill. */
async function preallocate(plan: ExportPlan): Promise<void> {
  const created = await SegyWriter.create(plan.outputPath, plan.writer);
  await created.close();
  if (created.traceSize !== plan.traceSize) {
    throw new OperationError(
      'EXPORT_FAILED',
      `planned ${plan.traceSize}-byte traces but the writer lays out ${created.traceSize}-byte traces`,
      { path: plan.outputPath },
    );
  }
}

/**
 * Send the file headers into the upload; the returned uploader takes the traces. A layout that
 * disagrees with the plan shows as writes out of order or a short total, which the uploader refuses.
 */
async function startUpload(plan: ExportPlan, upload: MultipartUpload): Promise<PartUploader> {
  const headers = plan.writer.kind === 'su' ? new Uint8Array(0) : buildFileHeaders(plan.writer);
  const uploader = new PartUploader(upload, {
    fileSize: plan.fileSize,
    dataOffset: headers.byteLength,
    traceSize: plan.traceSize,
    location: plan.outputPath,
  });
  await uploader.writeHeaders(headers);
  return uploader;
}

function chooseWorkers(options: ParallelOptions, plan: ExportPlan): number {
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new ArgumentError(`workers must be a positive integer, got ${options.workers}`);
  }
  // On two cores one writer beat two in every configuration of the export benchmark (its thread
  // and libuv's threads already fill both cores; writers of one file also queue on its inode lock).
  const wanted = options.workers ?? Math.max(1, Math.floor(os.availableParallelism() / 2));
  if (plan.fileSize < (options.inProcessThreshold ?? DEFAULT_IN_PROCESS_THRESHOLD)) return 1;
  const blocks = Math.ceil(plan.traceCount / plan.chunkTraces);
  return Math.max(1, Math.min(wanted, blocks));
}

/** The built worker: next to the bundle in dist/, or dist/ of the package when running from src/. */
function workerFile(): string {
  const candidates = [
    new URL('./export-worker.js', import.meta.url),
    new URL('../../dist/export-worker.js', import.meta.url),
  ];
  for (const candidate of candidates) {
    const file = fileURLToPath(candidate);
    if (existsSync(file)) return file;
  }
  throw new OperationError(
    'EXPORT_FAILED',
    'the export worker dist/export-worker.js is missing: build the package first (npm run build)',
  );
}

async function runInPool(
  plan: ExportPlan,
  segments: ExportSegment[],
  control: Int32Array,
  workers: number,
  busy: { workers: number },
): Promise<void> {
  const { default: Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: workerFile(), minThreads: workers, maxThreads: workers });
  const task: ExportWorkerTask = { plan, segments, control, readAhead: readAheadBlocks(workers) };
  let failure: SeisprocError | undefined;
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        const outcome: ExportWorkerOutcome = await pool.run(task).catch((error: unknown) => ({
          ok: false as const,
          error: new WorkerError(
            'WORKER_FAILED',
            `export worker died: ${(error as Error)?.message ?? String(error)}`,
            {
              path: plan.outputPath,
            },
          ).toJSON(),
        }));
        busy.workers -= 1;
        if (!outcome.ok && !failure) {
          // The first failure is the cause; stop the other workers within one block.
          failure =
            reviveError(outcome.error) ??
            new WorkerError('WORKER_FAILED', 'export worker failed with an unreadable error');
          Atomics.store(control, CONTROL_CANCEL, 1);
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
  if (failure) throw failure;
}
