/**
 * The processing worker (tsup entry `process-worker`, run by tinypool in worker threads). A task
 * either processes one work unit or computes the digests of a range of a dataset's chunks. Datasets, chunk writers
 * and processors are kept between tasks of the same run, so a task costs only its I/O and compute.
 */
import type { MessagePort } from 'node:worker_threads';
import { isSeisprocError, OperationError, type SeisprocError } from '../errors/index.js';
import { Dataset, DatasetChunkWriter, datasetDigestParts } from '../storage/index.js';
import type { WorkUnit } from './plan.js';
import type { Processor, ProcessorSpec } from './processor.js';
import { bindProcessor, isProcessorDefinition, processors } from './registry.js';
import { processUnit, SampleBufferPool } from './unit.js';

/** How a worker finds a processor: its spec, plus the module defining it unless it is a built-in. */
export interface WorkerProcessorSpec extends ProcessorSpec {
  module?: string;
}

/** Process one unit of `inputPath` into the dataset directory `outputPath`. */
export interface ProcessUnitTask {
  kind: 'unit';
  inputPath: string;
  outputPath: string;
  processor: WorkerProcessorSpec;
  unit: WorkUnit;
  /** Read and write with blocking calls (see `ChunkedProcessorOptions.blockingIO`). */
  blockingIO: boolean;
}

/**
 * Compute the digests of chunks `[firstChunk, endChunk)` of a dataset (one part of its sample
 * digest), posting the traces done so far on `progress`.
 */
export interface DigestTask {
  kind: 'digest';
  path: string;
  firstChunk: number;
  endChunk: number;
  chunkTraces: number;
  progress: MessagePort;
  /** Read with blocking calls (see `ChunkedProcessorOptions.blockingIO`). */
  blockingIO: boolean;
}

/** A task of the processing worker. */
export type ProcessWorkerTask = ProcessUnitTask | DigestTask;

/** What a task did: traces processed or hashed, and the digests of the chunks written or hashed. */
export interface WorkerResult {
  traces: number;
  chunkDigests: Uint8Array;
}

/** The reply to a task: its result, or the error as plain data (classes do not cross threads). */
export type ProcessWorkerReply =
  | ({ ok: true } & WorkerResult)
  | { ok: false; error: ReturnType<SeisprocError['toJSON']> };

const datasets = new Map<string, Promise<Dataset>>();
const writers = new Map<string, Promise<DatasetChunkWriter>>();
const boundProcessors = new Map<string, Promise<Processor>>();
/** This thread's sample buffers, reused by every unit it runs. */
const buffers = new SampleBufferPool();

/** Keep at most a few entries: one run uses one input, one output and one processor. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    value = make();
    // A failed open must not stay cached: the next run may find the file fixed.
    value.catch(() => cache.delete(key));
    cache.set(key, value);
  }
  return value;
}

/** Rebuild a processor: built-ins from the registry, others from the module that exports them. */
async function loadProcessor(spec: WorkerProcessorSpec): Promise<Processor> {
  if (spec.module === undefined) return processors.fromSpec(spec);
  const exports = (await import(spec.module)) as Record<string, unknown>;
  const definition = Object.values(exports).find(
    (value) => isProcessorDefinition(value) && value.name === spec.name && value.version === spec.version,
  );
  if (!isProcessorDefinition(definition)) {
    throw new OperationError(
      'PROCESS_FAILED',
      `module ${spec.module} exports no processor "${spec.name}" version ${spec.version}`,
    );
  }
  return bindProcessor(definition, spec.parameters);
}

async function runTask(task: ProcessWorkerTask): Promise<WorkerResult> {
  if (task.kind === 'digest') {
    const dataset = await Dataset.open(task.path, { blockingReads: task.blockingIO });
    try {
      let traces = 0;
      const chunkDigests = await datasetDigestParts(dataset, task.firstChunk, task.endChunk, {
        chunkTraces: task.chunkTraces,
        onProgress: (done) => {
          traces = done;
          task.progress.postMessage(done);
        },
      });
      return { traces, chunkDigests };
    } finally {
      task.progress.close();
      await dataset.close();
    }
  }
  const [input, writer, processor] = await Promise.all([
    cached(datasets, task.inputPath, () => Dataset.open(task.inputPath, { blockingReads: task.blockingIO })),
    cached(writers, task.outputPath, () =>
      DatasetChunkWriter.open(task.outputPath, { blockingWrites: task.blockingIO }),
    ),
    cached(boundProcessors, JSON.stringify(task.processor), () => loadProcessor(task.processor)),
  ]);
  return processUnit({ input, processor, writer, buffers }, task.unit);
}

/** tinypool entry point. */
export default async function processWorker(task: ProcessWorkerTask): Promise<ProcessWorkerReply> {
  try {
    return { ok: true, ...(await runTask(task)) };
  } catch (error) {
    const failure = isSeisprocError(error)
      ? error
      : new OperationError('PROCESS_FAILED', error instanceof Error ? error.message : String(error), {
          cause: error,
        });
    return { ok: false, error: failure.toJSON() };
  }
}
