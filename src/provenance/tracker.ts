/**
 * Recording, reading and checking processing provenance. Each step is stored in the metadata of
 * the dataset it produced, after the steps inherited from its input, so a dataset carries its
 * whole lineage with it.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors/index.js';
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
  readDatasetMetadata,
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
  /** Input checksum already computed (e.g. in parallel by the runner); computed here otherwise. */
  inputChecksum?: string;
  /** Output checksum already computed; computed here otherwise. */
  outputChecksum?: string;
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

/** What differs between a recorded step and the data now. */
export interface ChecksumDifference {
  /** `input`: the input changed; `rerun`: re-running gives other samples; `output`: the output changed. */
  subject: 'input' | 'rerun' | 'output';
  /** The recorded checksum. */
  expected: string;
  /** The checksum found now. */
  actual: string;
}

/** The outcome of a successful {@link ProvenanceTracker.verifyReproducibility}. */
export interface ReproducibilityReport {
  /** The step checked. */
  step: ProcessingStep;
  /** Checksum of the input now (equal to the recorded one). */
  inputChecksum: string;
  /** Checksum of the re-run's output (equal to the recorded one). */
  rerunChecksum: string;
  /** Checksum of the output dataset now; undefined when it is no longer there. */
  outputChecksum: string | undefined;
}

/**
 * Records processing steps with SHA-256 checksums of input and output samples, reads a dataset's
 * history back, re-runs steps to check they are reproducible, and exports histories as JSON or YAML.
 */
export class ProvenanceTracker {
  private readonly registry: ProcessorRegistry;

  /** @param options.registry where re-runs find processors by name (default: {@link processors}). */
  constructor(options: { registry?: ProcessorRegistry } = {}) {
    this.registry = options.registry ?? processors;
  }

  /**
   * Record that `processor` with `parameters` turned `input` into `output`: computes the checksums
   * not given (streaming, chunk by chunk), then appends the step to the output's metadata after the
   * history inherited from the input. The output's write lock is held from before its checksum is
   * read until its metadata is written, so a concurrent writer of the output (a processing run
   * into it, another step being recorded) can neither change the samples the checksum describes
   * nor lose this update or have its own lost.
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
    const inputChecksum = options.inputChecksum ?? (await datasetChecksum(inputDataset));
    const outputChecksum = options.outputChecksum ?? (await datasetChecksum(outputDataset));
    const step: ProcessingStep = {
      id: randomUUID(),
      processor: processor.name,
      processorVersion: processor.version,
      parameters,
      input: fingerprint(inputDataset, inputDataset.path, inputChecksum),
      output: fingerprint(
        outputDataset,
        path.resolve(options.recordAs ?? outputDataset.path),
        outputChecksum,
      ),
      startedAt: options.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seisprocVersion: version,
    };
    // Re-read the metadata: the Dataset object holds a snapshot from when it was opened.
    const metadata = await readDatasetMetadata(outputDataset.path);
    const inherited = parseHistory(
      metadata.provenance.length ? metadata.provenance : inputDataset.metadata.provenance,
      outputDataset.path,
    );
    await writeDatasetMetadata(outputDataset.path, { ...metadata, provenance: [...inherited, step] });
    return step;
  }

  /** The processing history of a dataset, oldest step first (empty for an unprocessed import). */
  async getHistory(datasetPath: string): Promise<ProcessingStep[]> {
    const dir = path.resolve(datasetPath);
    return parseHistory((await readDatasetMetadata(dir)).provenance, dir);
  }

  /** The history of a dataset as JSON or YAML text. */
  async exportHistory(datasetPath: string, format: HistoryFormat): Promise<string> {
    return formatHistory(await this.getHistory(datasetPath), format);
  }

  /**
   * Re-run `step` on its input into a temporary dataset and compare checksums: the input must be
   * unchanged, the re-run must give the recorded output samples, and the output dataset (when still
   * there) must still hold them. Fails with `PROVENANCE_MISMATCH` listing every difference
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
    let rerun: ProcessingStep;
    try {
      const result = await (options.runner ?? new ChunkedProcessor()).run(input, processor, rerunPath, {
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.signal ? { signal: options.signal } : {}),
        tracker: this,
      });
      rerun = result.step!;
    } finally {
      await fs.rm(rerunPath, { recursive: true, force: true });
    }
    const outputChecksum = current ? await datasetChecksum(current) : undefined;
    const differences: ChecksumDifference[] = [];
    const compare = (
      subject: ChecksumDifference['subject'],
      expected: string,
      actual: string | undefined,
    ) => {
      if (actual !== undefined && actual !== expected) differences.push({ subject, expected, actual });
    };
    compare('input', step.input.sha256, rerun.input.sha256);
    compare('rerun', step.output.sha256, rerun.output.sha256);
    compare('output', step.output.sha256, outputChecksum);
    if (differences.length) {
      throw new OperationError(
        'PROVENANCE_MISMATCH',
        `step ${step.id} (${step.processor}) does not match: ${differences.map(describeDifference).join('; ')}`,
        { path: outputPath, stepId: step.id, differences },
      );
    }
    return { step, inputChecksum: rerun.input.sha256, rerunChecksum: rerun.output.sha256, outputChecksum };
  }
}

function fingerprint(dataset: Dataset, recordedPath: string, sha256: string): DatasetFingerprint {
  return { path: recordedPath, sha256, traceCount: dataset.traceCount, sampleCount: dataset.sampleCount };
}

function describeDifference(difference: ChecksumDifference): string {
  const what = {
    input: 'the input samples changed since the step ran',
    rerun: 're-running the step gives different samples',
    output: 'the output samples changed since the step ran',
  }[difference.subject];
  return `${what} (recorded ${difference.expected.slice(0, 12)}…, now ${difference.actual.slice(0, 12)}…)`;
}
