/**
 * Applying a processor to a whole dataset, chunk by chunk (or gather by gather), in parallel
 * worker threads, into a new dataset with the same headers, recording the step's provenance.
 */

import { existsSync, promises as fs, constants as fsConstants } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type Tinypool from 'tinypool';
import {
  ArgumentError,
  CancelledError,
  DatasetError,
  isSeisprocError,
  OperationError,
  reviveError,
  type SeisprocError,
  WorkerError,
} from '../errors/index.js';
import { DEFAULT_IN_PROCESS_THRESHOLD, OperationEmitter, type StageTracker } from '../progress/index.js';
import { type ProcessingStep, ProvenanceTracker } from '../provenance/index.js';
import {
  acquireWriteLock,
  ChunkDigestSet,
  commitPath,
  createDatasetArrays,
  DATASET_FORMAT_VERSION,
  Dataset,
  DatasetChunkWriter,
  type DatasetMetadata,
  datasetDigest,
  digestChunkCount,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  recordDigest,
  recordedDigest,
  removeAbandonedSiblings,
  requireLocalPath,
  type SampleDigest,
  temporarySibling,
} from '../storage/index.js';
import { version } from '../version.js';
import { planChunkUnits, planGatherUnits, readGatherStarts, type WorkUnit } from './plan.js';
import type { Processor } from './processor.js';
import { BUILTIN_PROCESSORS } from './registry.js';
import { processUnit, SampleBufferPool, UNITS_IN_FLIGHT, type UnitTarget } from './unit.js';
import type {
  ProcessUnitTask,
  ProcessWorkerReply,
  ProcessWorkerTask,
  WorkerProcessorSpec,
  WorkerResult,
} from './worker.js';

/** Options of {@link ChunkedProcessor.run}. */
export interface ChunkedProcessorOptions {
  /** Worker threads (default: all cores). */
  workers?: number;
  /** Traces per output chunk, and so per work unit (default: the input's chunk size). */
  chunkTraces?: number;
  /** Cancels the run; nothing is left behind. */
  signal?: AbortSignal;
  /** Replace an existing output dataset (default false: `DATASET_EXISTS`). */
  overwrite?: boolean;
  /**
   * Run in the calling thread (true) or in worker threads (false). Default: in the calling thread
   * when the input holds less than `inProcessThreshold` bytes of samples, or when the processor
   * cannot be loaded by a worker (a user processor registered without a `module`).
   */
  inProcess?: boolean;
  /** Inputs with fewer bytes of samples run in the calling thread. Default {@link DEFAULT_IN_PROCESS_THRESHOLD}. */
  inProcessThreshold?: number;
  /** Record the step in the output's provenance (default true). */
  recordProvenance?: boolean;
  /** The tracker that records the step (default: a new {@link ProvenanceTracker}). */
  tracker?: ProvenanceTracker;
  /** URL or path of the worker entry (default: `process-worker.js` of the built package). */
  workerUrl?: string | URL;
  /**
   * Worker threads read and write chunk files with blocking system calls instead of through
   * libuv's thread pool. Default: when the workers take every core (`os.availableParallelism()`),
   * where each hand-off to the pool costs context switches that no overlap pays back (`npm run
   * bench` prints a scale run each way); with a core to spare the pool's overlap wins. The calling
   * thread never blocks.
   */
  blockingIO?: boolean;
}

/** What a finished run did. */
export interface ProcessResult {
  /** Absolute path of the output dataset. */
  outputPath: string;
  /** Absolute path of the input dataset. */
  inputPath: string;
  /** Traces processed. */
  traceCount: number;
  /** Work units (chunks or gather-aligned chunk groups) processed. */
  units: number;
  /** Worker threads used; 0 when the run stayed in the calling thread. */
  workers: number;
  /** True when the workers read and wrote with blocking calls (see `ChunkedProcessorOptions.blockingIO`). */
  blockingIO: boolean;
  /** Milliseconds of the `process` stage. */
  processMs: number;
  /** Milliseconds of the whole run (process and finalize). */
  elapsedMs: number;
  /** The recorded step; undefined when `recordProvenance` is false. */
  step: ProcessingStep | undefined;
}

/**
 * Runs processors over datasets. An {@link OperationEmitter}: each run has the stages `process`
 * (unit: traces) and `finalize` (copying the header tables, the input's sample digest when its
 * writer did not record one, provenance, committing; unit: traces hashed).
 *
 * The output's sample digest comes from the chunks as they are written, so no run reads its
 * output again; the input's is the one recorded in its metadata (`seisproc verify` recomputes
 * both).
 *
 * The output is written under a temporary sibling and moved into place only when complete; a
 * failed or cancelled run leaves nothing. Memory is bounded by the chunk size: each worker holds
 * one unit (a chunk, or for whole-gather processors a chunk group widened to whole gathers) and at
 * most two units per worker are in flight.
 */
export class ChunkedProcessor extends OperationEmitter<ProcessResult> {
  private controller: AbortController | undefined;

  /**
   * Apply `processor` to every trace of `input` and write the result as a new dataset at
   * `outputPath`, with the input's raw headers, header tables, chunk layout and metadata, and the
   * step appended to its provenance. Fails with `PROCESS_FAILED` (naming the chunk and traces)
   * when the processor throws, `CANCELLED` when cancelled, `DATASET_EXISTS` when the output exists.
   * One run at a time per instance.
   */
  async run(
    input: Dataset | string,
    processor: Processor,
    outputPath: string,
    options: ChunkedProcessorOptions = {},
  ): Promise<ProcessResult> {
    if (this.controller) throw new ArgumentError('this ChunkedProcessor is already running');
    const controller = new AbortController();
    this.controller = controller;
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.signal?.aborted) throw new CancelledError();
      const run = new ProcessingRun(this.stageStarter(), processor, controller.signal, options);
      const result = await run.execute(input, outputPath);
      this.emit('done', result);
      return result;
    } catch (error) {
      // Once cancelled, whatever the stopped workers reported is a consequence of the cancellation.
      const failure = controller.signal.aborted ? new CancelledError() : toSeisprocError(error);
      this.emit('error', failure);
      throw failure;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.controller = undefined;
    }
  }

  /** Cancel the running run: workers stop, the temporary output is removed, `run` rejects with `CANCELLED`. */
  cancel(): void {
    this.controller?.abort();
  }

  private stageStarter(): StageStarter {
    return (stage, total) => this.startStage(stage, total, 'traces');
  }
}

type StageStarter = (stage: 'process' | 'finalize', total: number) => StageTracker;

/** One run of a processor over a dataset. */
class ProcessingRun {
  private readonly started = performance.now();
  private readonly startedAt = new Date();

  constructor(
    private readonly startStage: StageStarter,
    private readonly processor: Processor,
    private readonly signal: AbortSignal,
    private readonly options: ChunkedProcessorOptions,
  ) {}

  async execute(inputArg: Dataset | string, outputArg: string): Promise<ProcessResult> {
    // The tables are copied and the workers reopen the input by path: local datasets only for now.
    requireLocalPath(typeof inputArg === 'string' ? inputArg : inputArg.path, 'the dataset processed');
    requireLocalPath(outputArg, 'a processing output');
    const input = typeof inputArg === 'string' ? await Dataset.open(inputArg) : inputArg;
    const outputPath = path.resolve(outputArg);
    if (outputPath === input.path) {
      throw new ArgumentError('the output dataset must not be the input dataset', { path: outputPath });
    }
    if (!this.options.overwrite && (await fs.lstat(outputPath).catch(() => undefined))) {
      throw new DatasetError('DATASET_EXISTS', `output already exists: ${outputPath}`, { path: outputPath });
    }
    const chunkTraces = this.options.chunkTraces ?? input.chunkTraces;
    if (!Number.isInteger(chunkTraces) || chunkTraces < 1) {
      throw new ArgumentError(`chunkTraces must be a positive integer, got ${chunkTraces}`);
    }
    const units = this.processor.wholeGathers
      ? planGatherUnits(input.traceCount, chunkTraces, await readGatherStarts(input))
      : planChunkUnits(input.traceCount, chunkTraces);
    const temp = temporarySibling(outputPath);
    // One writer per output path at a time, across processes: a second run gets DATASET_LOCKED.
    const outputLock = await acquireWriteLock(outputPath);
    // A run killed before (SIGKILL, out of memory) left its temporary output; this one holds the lock.
    await removeAbandonedSiblings(outputPath, ['tmp', 'old']);
    let pool: WorkerPool | undefined;
    const stopInputDigest = new AbortController();
    try {
      // The worker threads start first: they boot while the output's arrays are created.
      pool = this.usesWorkers(input, units.length)
        ? new WorkerPool(
            (await import('tinypool')).default,
            this.workerCount(units.length),
            this.options.workerUrl,
            this.options.blockingIO,
          )
        : undefined;
      const outputMetadata = this.outputMetadata(input.metadata, chunkTraces);
      await createDatasetArrays(temp, outputMetadata);
      const record = this.options.recordProvenance ?? true;
      // An input whose writer recorded no digest (written before digests were recorded) is read
      // for one. That needs nothing from the output: with a core to spare (fewer processing threads
      // than cores) this thread reads it while the units are processed; otherwise it would slow
      // them down as much as it saves, and waits for finalize, where the workers share it.
      const knownInputDigest = recordedDigest(input.metadata);
      const spareCore = (pool?.size ?? 1) < availableParallelism();
      const inputDigest =
        knownInputDigest ??
        (record && spareCore ? digestOf(input, undefined, stopInputDigest.signal) : undefined);
      const outputDigests = new ChunkDigestSet(digestChunkCount(input.traceCount, chunkTraces), chunkTraces);
      const processMs = await this.processStage(input, temp, units, pool, outputDigests);
      const step = await this.finalizeStage(
        input,
        temp,
        outputPath,
        { metadata: outputMetadata, digest: outputDigests.combine() },
        record ? { pool, inputDigest } : undefined,
      );
      return {
        outputPath,
        inputPath: input.path,
        traceCount: input.traceCount,
        units: units.length,
        workers: pool?.size ?? 0,
        blockingIO: pool?.blockingIO ?? false,
        processMs,
        elapsedMs: performance.now() - this.started,
        step,
      };
    } catch (error) {
      await pool?.destroy();
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    } finally {
      stopInputDigest.abort();
      await pool?.destroy();
      await outputLock.release();
    }
  }

  private usesWorkers(input: Dataset, unitCount: number): boolean {
    if (unitCount === 0) return false;
    const loadable =
      this.processor.definition.module !== undefined ||
      BUILTIN_PROCESSORS.includes(this.processor.definition);
    if (this.options.inProcess !== undefined) {
      if (!this.options.inProcess && !loadable) {
        throw new ArgumentError(
          `processor "${this.processor.name}" has no module, so worker threads cannot load it; register it with \`module: import.meta.url\``,
        );
      }
      return !this.options.inProcess;
    }
    return (
      loadable &&
      unitCount > 1 &&
      input.traceCount * input.sampleCount * 4 >=
        (this.options.inProcessThreshold ?? DEFAULT_IN_PROCESS_THRESHOLD)
    );
  }

  private workerCount(unitCount: number): number {
    const wanted = this.options.workers ?? availableParallelism();
    if (!Number.isInteger(wanted) || wanted < 1) {
      throw new ArgumentError(`workers must be a positive integer, got ${wanted}`);
    }
    return Math.min(wanted, unitCount);
  }

  private outputMetadata(input: DatasetMetadata, chunkTraces: number): DatasetMetadata {
    // Output samples are float32 (createDatasetArrays' default) whatever the input stores; the
    // output is a dataset of the format this seisproc writes, also from a version-1 input.
    return {
      ...input,
      format_version: DATASET_FORMAT_VERSION,
      created_by: `seisproc ${version}`,
      created_at: this.startedAt.toISOString(),
      chunk_traces: chunkTraces,
      provenance: [...input.provenance],
      // The input's digest describes the input's samples; the output's is recorded in finalize.
      sample_digest: undefined,
    };
  }

  private async processStage(
    input: Dataset,
    temp: string,
    units: WorkUnit[],
    pool: WorkerPool | undefined,
    outputDigests: ChunkDigestSet,
  ): Promise<number> {
    const stage = this.startStage('process', input.traceCount);
    if (pool) {
      const spec: WorkerProcessorSpec = {
        name: this.processor.name,
        version: this.processor.version,
        parameters: this.processor.parameters,
        ...(this.processor.definition.module ? { module: this.processor.definition.module } : {}),
      };
      await pool.runAll(
        units.map((unit) => ({
          kind: 'unit',
          inputPath: input.path,
          outputPath: temp,
          processor: spec,
          unit,
          blockingIO: pool.blockingIO,
        })),
        this.signal,
        (task, reply, active) => {
          outputDigests.set(task.unit.firstChunk, reply.chunkDigests);
          stage.advance(reply.traces, active);
        },
      );
    } else {
      const target = {
        input,
        processor: this.processor,
        writer: await DatasetChunkWriter.open(temp),
        buffers: new SampleBufferPool(),
      };
      await this.inProcessUnits(units, target, stage, outputDigests);
    }
    return stage.end();
  }

  /**
   * Process `units` in this thread, {@link UNITS_IN_FLIGHT} at a time (one is read or written
   * while another is processed). On a failure or cancellation no new unit starts, and the units
   * under way finish before the error is thrown, so nothing writes into the output after cleanup.
   */
  private async inProcessUnits(
    units: WorkUnit[],
    target: UnitTarget,
    stage: StageTracker,
    outputDigests: ChunkDigestSet,
  ): Promise<void> {
    let next = 0;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      while (next < units.length && failure === undefined) {
        if (this.signal.aborted) {
          failure ??= new CancelledError();
          return;
        }
        try {
          const unit = units[next++]!;
          const outcome = await processUnit(target, unit);
          outputDigests.set(unit.firstChunk, outcome.chunkDigests);
          stage.advance(outcome.traces, 1);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(units.length, UNITS_IN_FLIGHT) }, lane));
    if (failure !== undefined) throw failure;
  }

  /**
   * Copy the header tables, record the output's digest, record provenance when `provenance` is
   * given (with the input's digest: recorded, under way, or computed now by the workers), commit.
   * Progress counts the input traces hashed here.
   */
  private async finalizeStage(
    input: Dataset,
    temp: string,
    outputPath: string,
    output: { metadata: DatasetMetadata; digest: SampleDigest },
    provenance:
      | { pool: WorkerPool | undefined; inputDigest: SampleDigest | RunningDigest | undefined }
      | undefined,
  ): Promise<ProcessingStep | undefined> {
    const running = provenance
      ? (provenance.inputDigest ?? digestOf(input, provenance.pool, this.signal))
      : undefined;
    const stage = this.startStage('finalize', running instanceof RunningDigest ? input.traceCount : 0);
    for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
      await fs.copyFile(path.join(input.path, table), path.join(temp, table), fsConstants.COPYFILE_FICLONE);
    }
    await recordDigest(temp, output.metadata, output.digest);
    let step: ProcessingStep | undefined;
    if (running) {
      let inputDigest: SampleDigest;
      if (running instanceof RunningDigest) {
        running.onProgress = () => stage.set(running.done);
        stage.set(running.done);
        inputDigest = await running.result;
      } else {
        inputDigest = running;
      }
      if (this.signal.aborted) throw new CancelledError();
      step = await (this.options.tracker ?? new ProvenanceTracker()).recordStep(
        this.processor,
        input,
        temp,
        this.processor.parameters,
        { startedAt: this.startedAt, inputDigest, outputDigest: output.digest, recordAs: outputPath },
      );
    }
    if (this.signal.aborted) throw new CancelledError();
    await commitPath(temp, outputPath, { overwrite: this.options.overwrite ?? false });
    stage.end();
    return step;
  }
}

/** A dataset's sample digest under way, and how far it has got. */
class RunningDigest {
  /** Traces hashed so far. */
  done = 0;
  /** Called after each chunk hashed. */
  onProgress: (() => void) | undefined;
  /** The digest. */
  readonly result: Promise<SampleDigest>;

  constructor(compute: (onTraces: (traces: number) => void) => Promise<SampleDigest>) {
    this.result = compute((traces) => {
      this.done = traces;
      this.onProgress?.();
    });
    // Awaited in finalize; a run that fails before then stops it and must not see it as unhandled.
    this.result.catch(() => undefined);
  }
}

/**
 * Start reading the sample digest of `dataset` (under its own chunking): its chunks shared out
 * between the workers of `pool`, or in this thread.
 */
function digestOf(dataset: Dataset, pool: WorkerPool | undefined, signal: AbortSignal): RunningDigest {
  return new RunningDigest((onTraces) =>
    pool ? pool.digest(dataset, signal, onTraces) : datasetDigest(dataset, { onProgress: onTraces, signal }),
  );
}

/**
 * A tinypool of processing workers that runs {@link UNITS_IN_FLIGHT} tasks per thread at once, stops
 * at the first failure, and notices a thread that dies (tinypool alone would wait for it forever).
 */
class WorkerPool {
  private readonly pool: Tinypool;
  private readonly exited: Promise<never>;
  private failExit!: (error: SeisprocError) => void;
  private destroyed = false;
  private died = false;
  /** Whether the threads read and write with blocking calls (see `ChunkedProcessorOptions.blockingIO`). */
  readonly blockingIO: boolean;

  constructor(
    Pool: typeof Tinypool,
    readonly size: number,
    workerUrl: string | URL | undefined,
    blockingIO: boolean | undefined,
  ) {
    this.blockingIO = blockingIO ?? size >= availableParallelism();
    this.pool = new Pool({
      filename: resolveWorkerEntry(workerUrl),
      minThreads: size,
      maxThreads: size,
      concurrentTasksPerWorker: UNITS_IN_FLIGHT,
    });
    this.exited = new Promise<never>((_, reject) => {
      this.failExit = reject;
    });
    this.exited.catch(() => undefined);
    for (const thread of this.pool.threads as unknown as Worker[]) {
      thread.once('exit', (code) => {
        if (this.destroyed) return;
        this.died = true;
        this.failExit(
          new WorkerError('WORKER_FAILED', `a processing worker thread exited with code ${code}`),
        );
      });
    }
  }

  /** Run `tasks`, calling `onDone` with each task, its reply and the number of tasks still running. */
  async runAll(
    tasks: ProcessUnitTask[],
    signal: AbortSignal,
    onDone: (task: ProcessUnitTask, reply: WorkerResult, active: number) => void,
  ): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    let running = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks.length && !stop.signal.aborted) {
        const task = tasks[next++]!;
        running++;
        try {
          // No abort signal: tinypool gives a task with one a thread of its own, and a thread is
          // to run UNITS_IN_FLIGHT units at once. A cancelled run starts no new unit and ends
          // when the units under way (one chunk each) have ended; a failed one destroys the pool.
          const reply = await this.run(task);
          running--;
          onDone(task, reply, Math.min(running, this.size));
        } catch (error) {
          running--;
          stop.abort();
          throw error;
        }
      }
    };
    try {
      const lanes = Promise.all(
        Array.from({ length: Math.min(tasks.length, UNITS_IN_FLIGHT * this.size) }, lane),
      );
      await Promise.race([lanes, this.exited]);
      if (signal.aborted) throw new CancelledError();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The sample digest of `dataset`, its chunks cut into one contiguous range per worker, reporting
   * the traces hashed by all of them.
   */
  async digest(
    dataset: Dataset,
    signal: AbortSignal,
    onProgress: (traces: number) => void,
  ): Promise<SampleDigest> {
    const { chunkTraces } = dataset;
    const digests = new ChunkDigestSet(digestChunkCount(dataset.traceCount, chunkTraces), chunkTraces);
    const parts = Math.max(1, Math.min(this.size, digests.chunkCount));
    const done = new Array<number>(parts).fill(0);
    await Promise.all(
      Array.from({ length: parts }, async (_, part) => {
        const firstChunk = Math.floor((part * digests.chunkCount) / parts);
        const endChunk = Math.floor(((part + 1) * digests.chunkCount) / parts);
        const { port1, port2 } = new MessageChannel();
        port1.on('message', (traces: number) => {
          done[part] = traces;
          onProgress(done.reduce((sum, value) => sum + value, 0));
        });
        try {
          const task: ProcessWorkerTask = {
            kind: 'digest',
            path: dataset.path,
            firstChunk,
            endChunk,
            chunkTraces,
            progress: port2,
            blockingIO: this.blockingIO,
          };
          const reply = await Promise.race([this.run(task, signal, [port2]), this.exited]);
          digests.set(firstChunk, reply.chunkDigests);
        } finally {
          port1.close();
        }
      }),
    );
    return digests.combine();
  }

  private async run(
    task: ProcessWorkerTask,
    signal?: AbortSignal,
    transferList?: MessagePort[],
  ): Promise<WorkerResult> {
    let reply: ProcessWorkerReply;
    try {
      reply = (await this.pool.run(task, {
        ...(signal ? { signal } : {}),
        ...(transferList ? { transferList } : {}),
      })) as ProcessWorkerReply;
    } catch (error) {
      if (signal?.aborted) throw new CancelledError();
      throw new WorkerError(
        'WORKER_FAILED',
        `processing worker failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!reply.ok) {
      throw reviveError(reply.error) ?? new OperationError('PROCESS_FAILED', reply.error.message);
    }
    return reply;
  }

  /**
   * Terminate the threads. tinypool waits for an exit event from every thread, which a thread that
   * already died never sends again; then the live threads are terminated here (so none writes into
   * the temporary output after it is removed) and tinypool's own shutdown is left to itself.
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.died) return this.pool.destroy();
    await Promise.all((this.pool.threads as unknown as Worker[]).map((thread) => thread.terminate()));
    this.pool.destroy().catch(() => undefined);
  }
}

/** The worker entry: next to the built module (dist/), or dist/ of the package when running from source. */
function resolveWorkerEntry(configured: string | URL | undefined): string {
  if (configured !== undefined) return new URL(configured, `file://${process.cwd()}/`).href;
  for (const relative of ['./process-worker.js', '../../dist/process-worker.js']) {
    const url = new URL(relative, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new OperationError(
    'PROCESS_FAILED',
    'the processing worker entry process-worker.js was not found: run `npm run build` first',
  );
}

function toSeisprocError(error: unknown): SeisprocError {
  if (isSeisprocError(error)) return error;
  return new OperationError('PROCESS_FAILED', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
