/**
 * Recording, reading and checking processing provenance. Each step is stored in the metadata of
 * the dataset it produced, after the steps inherited from its input, so a dataset carries its
 * whole lineage with it.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors/index.js';
import { isRemote, redactLocation, type StorageOptions } from '../io/index.js';
import {
  ChunkedProcessor,
  type ProcessorParameters,
  type ProcessorRegistry,
  type ProcessorSpec,
  processors,
} from '../process/index.js';
import {
  acquireWriteLock,
  Dataset,
  datasetChecksum,
  datasetDigest,
  readDatasetMetadata,
  recordedDigest,
  type SampleDigest,
  temporarySibling,
  writeDatasetMetadata,
} from '../storage/index.js';
import { version } from '../version.js';
import {
  type DatasetFingerprint,
  formatHistory,
  type HistoryFormat,
  type ProcessingStep,
  parseHistory,
} from './step.js';

/** Options of {@link ProvenanceTracker.recordStep}. */
export interface RecordStepOptions {
  /** When the processing started (default: now). */
  startedAt?: Date;
  /**
   * The input's sample digest, when the caller has it. Default: the digest recorded in the input's
   * metadata by its writer, else read from the input here.
   */
  inputDigest?: SampleDigest;
  /** The output's sample digest (default: recorded in the output's metadata, else read here). */
  outputDigest?: SampleDigest;
  /**
   * Path to record as the output's, when the output is still under a temporary path and will be
   * moved there once complete. Default: the output's own path.
   */
  recordAs?: string;
}

/** Options of {@link ProvenanceTracker.verifyReproducibility}. */
export interface VerifyOptions {
  /**
   * The dataset whose samples the step's output should still have. Default: the step's recorded
   * output path. When nothing is there, only the re-run is compared.
   */
  outputPath?: string;
  /** Worker threads for the re-run (default: all cores). */
  workers?: number;
  /** Cancels the re-run. */
  signal?: AbortSignal;
  /** Runs the step again; attach listeners to it to follow the re-run's progress. */
  runner?: ChunkedProcessor;
}

/**
 * What differs between a recorded step and the data now. Values are hex SHA-256: sample digests,
 * or `seisproc checksum` values for a step recorded before digests.
 */
export interface ChecksumDifference {
  /** `input`: the input changed; `rerun`: re-running gives other samples; `output`: the output changed. */
  subject: 'input' | 'rerun' | 'output';
  /** The recorded value. */
  expected: string;
  /** The value found now. */
  actual: string;
}

/**
 * The outcome of a successful {@link ProvenanceTracker.verifyReproducibility}: values recomputed
 * from the samples, of the kind the step recorded (sample digests, or `seisproc checksum` values
 * for a step recorded before digests).
 */
export interface ReproducibilityReport {
  /** The step checked. */
  step: ProcessingStep;
  /** The input's value now (equal to the recorded one). */
  inputChecksum: string;
  /** The re-run output's value (equal to the recorded one). */
  rerunChecksum: string;
  /** The output dataset's value now; undefined when it is no longer there. */
  outputChecksum: string | undefined;
}

/**
 * Records processing steps with the sample digests of input and output, reads a dataset's history
 * back, re-runs steps to check they are reproducible, and exports histories as JSON or YAML.
 */
export class ProvenanceTracker {
  private readonly registry: ProcessorRegistry;

  /** @param options.registry where re-runs find processors by name (default: {@link processors}). */
  constructor(options: { registry?: ProcessorRegistry } = {}) {
    this.registry = options.registry ?? processors;
  }

  /**
   * Record that `processor` with `parameters` turned `input` into `output`: takes the sample
   * digests given or recorded by the datasets' writers, reads those that are neither (streaming,
   * chunk by chunk), then appends the step to the output's metadata after the history inherited
   * from the input. The output's write lock is held from before its digest is taken until its
   * metadata is written, so a concurrent writer of the output (a processing run into it, another
   * step being recorded) can neither change the samples the digest describes nor lose this update
   * or have its own lost.
   *
   * @throws DatasetError `DATASET_LOCKED` (context `path`, `lockPath`) while another writer holds the
   *   output's write lock; `DATASET_NOT_FOUND` / `DATASET_INVALID` for a missing or damaged dataset.
   */
  async recordStep(
    processor: Pick<ProcessorSpec, 'name' | 'version'>,
    input: Dataset | string,
    output: Dataset | string,
    parameters: ProcessorParameters,
    options: RecordStepOptions = {},
  ): Promise<ProcessingStep> {
    const startedAt = options.startedAt ?? new Date();
    const outputDataset = typeof output === 'string' ? await Dataset.open(output) : output;
    const outputLock = await acquireWriteLock(outputDataset.path);
    try {
      return await this.appendStep(processor, input, outputDataset, parameters, { ...options, startedAt });
    } finally {
      await outputLock.release();
    }
  }

  /** The body of {@link recordStep}, run while the output's write lock is held. */
  private async appendStep(
    processor: Pick<ProcessorSpec, 'name' | 'version'>,
    input: Dataset | string,
    outputDataset: Dataset,
    parameters: ProcessorParameters,
    options: RecordStepOptions & { startedAt: Date },
  ): Promise<ProcessingStep> {
    const inputDataset = typeof input === 'string' ? await Dataset.open(input) : input;
    // Re-read the metadata: the Dataset object holds a snapshot from when it was opened.
    const metadata = await readDatasetMetadata(outputDataset.path);
    const inputDigest =
      options.inputDigest ?? recordedDigest(inputDataset.metadata) ?? (await datasetDigest(inputDataset));
    const outputDigest =
      options.outputDigest ?? recordedDigest(metadata) ?? (await datasetDigest(outputDataset));
    const step: ProcessingStep = {
      id: randomUUID(),
      processor: processor.name,
      processorVersion: processor.version,
      parameters,
      input: fingerprint(inputDataset, inputDataset.path, inputDigest),
      output: fingerprint(outputDataset, path.resolve(options.recordAs ?? outputDataset.path), outputDigest),
      startedAt: options.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seisprocVersion: version,
    };
    const inherited = parseHistory(
      metadata.provenance.length ? metadata.provenance : inputDataset.metadata.provenance,
      outputDataset.path,
    );
    await writeDatasetMetadata(outputDataset.path, { ...metadata, provenance: [...inherited, step] });
    return step;
  }

  /**
   * The processing history of a dataset (a directory or a URL, read with `storage`), oldest step
   * first (empty for an unprocessed import).
   */
  async getHistory(datasetPath: string, storage?: StorageOptions): Promise<ProcessingStep[]> {
    const { provenance } = await readDatasetMetadata(datasetPath, storage);
    return parseHistory(
      provenance,
      isRemote(datasetPath) ? redactLocation(datasetPath) : path.resolve(datasetPath),
    );
  }

  /** The history of a dataset (a directory or a URL, read with `storage`) as JSON or YAML text. */
  async exportHistory(datasetPath: string, format: HistoryFormat, storage?: StorageOptions): Promise<string> {
    return formatHistory(await this.getHistory(datasetPath, storage), format);
  }

  /**
   * Re-run `step` on its input into a temporary dataset and compare what the step recorded with
   * values recomputed from the samples (never taken from metadata): the input must be unchanged,
   * the re-run must give the recorded output samples, and the output dataset (when still there)
   * must still hold them. The re-run writes chunks of the size the step's output digest was taken
   * over. Fails with `PROVENANCE_MISMATCH` listing every difference
   * (`context.differences`), with `DATASET_NOT_FOUND` when the input is gone, and with
   * `INVALID_ARGUMENT` when the processor or its version is not registered here.
   */
  async verifyReproducibility(
    step: ProcessingStep,
    options: VerifyOptions = {},
  ): Promise<ReproducibilityReport> {
    const processor = this.registry.create(step.processor, step.parameters, {
      version: step.processorVersion,
    });
    const input = await Dataset.open(step.input.path);
    const outputPath = path.resolve(options.outputPath ?? step.output.path);
    const current = await fs.stat(outputPath).then(
      () => Dataset.open(outputPath),
      () => undefined,
    );
    const rerunPath = temporarySibling(outputPath, 'verify');
    const inputChecksum = await measureLike(step.input, input, options.signal);
    let rerunChecksum: string;
    try {
      const result = await (options.runner ?? new ChunkedProcessor()).run(input, processor, rerunPath, {
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(step.output.digest ? { chunkTraces: step.output.digest.chunkTraces } : {}),
        tracker: this,
      });
      // The re-run's digest was taken from its chunks as they were written.
      rerunChecksum = step.output.digest
        ? result.step!.output.digest!.sha256
        : await Dataset.open(rerunPath).then(async (rerun) => {
            try {
              return await measureLike(step.output, rerun, options.signal);
            } finally {
              await rerun.close();
            }
          });
    } finally {
      await fs.rm(rerunPath, { recursive: true, force: true });
    }
    const outputChecksum = current ? await measureLike(step.output, current, options.signal) : undefined;
    const differences: ChecksumDifference[] = [];
    const compare = (
      subject: ChecksumDifference['subject'],
      expected: string,
      actual: string | undefined,
    ) => {
      if (actual !== undefined && actual !== expected) differences.push({ subject, expected, actual });
    };
    compare('input', recordedValue(step.input), inputChecksum);
    compare('rerun', recordedValue(step.output), rerunChecksum);
    compare('output', recordedValue(step.output), outputChecksum);
    if (differences.length) {
      throw new OperationError(
        'PROVENANCE_MISMATCH',
        `step ${step.id} (${step.processor}) does not match: ${differences.map(describeDifference).join('; ')}`,
        { path: outputPath, stepId: step.id, differences },
      );
    }
    return { step, inputChecksum, rerunChecksum, outputChecksum };
  }
}

function fingerprint(dataset: Dataset, recordedPath: string, digest: SampleDigest): DatasetFingerprint {
  return { path: recordedPath, digest, traceCount: dataset.traceCount, sampleCount: dataset.sampleCount };
}

/** The hex SHA-256 a fingerprint recorded: its sample digest, or a legacy `seisproc checksum`. */
function recordedValue(fingerprint: DatasetFingerprint): string {
  return fingerprint.digest?.sha256 ?? fingerprint.sha256!;
}

/** Recompute from `dataset`'s samples the kind of value `fingerprint` recorded. */
async function measureLike(
  fingerprint: DatasetFingerprint,
  dataset: Dataset,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (fingerprint.digest) {
    const digest = await datasetDigest(dataset, {
      chunkTraces: fingerprint.digest.chunkTraces,
      ...(signal ? { signal } : {}),
    });
    return digest.sha256;
  }
  return datasetChecksum(dataset, undefined, signal);
}

function describeDifference(difference: ChecksumDifference): string {
  const what = {
    input: 'the input samples changed since the step ran',
    rerun: 're-running the step gives different samples',
    output: 'the output samples changed since the step ran',
  }[difference.subject];
  return `${what} (recorded ${difference.expected.slice(0, 12)}…, now ${difference.actual.slice(0, 12)}…)`;
}
