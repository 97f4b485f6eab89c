/**
 * A processing step as recorded in a dataset's metadata (`attributes.seisproc.provenance`), and
 * its export as JSON or YAML.
 */

import type { z as Zod } from 'zod';
import { DatasetError } from '../errors/index.js';
import { lazy, loadYaml, loadZod } from '../lazy.js';
import type { ProcessorParameters } from '../process/index.js';
import type { SampleDigest } from '../storage/index.js';

/**
 * A dataset as a step saw it: where it was and what its samples were. A step holds the sample
 * digest; steps recorded before seisproc recorded digests hold the `seisproc checksum` instead,
 * and are checked by that.
 */
export interface DatasetFingerprint {
  /** Absolute path of the dataset when the step ran. */
  path: string;
  /** The sample digest of the dataset (`SampleDigest`: chunked SHA-256 of the stored samples). */
  digest?: SampleDigest;
  /**
   * SHA-256 of every sample as float32 little-endian in trace order (`seisproc checksum`): what
   * steps recorded before sample digests hold instead of `digest`.
   */
  sha256?: string;
  /** Traces in the dataset. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
}

/** One application of a processor to a dataset, with what is needed to reproduce and check it. */
export interface ProcessingStep {
  /** Unique id (UUID). */
  id: string;
  /** Registered processor name. */
  processor: string;
  /** Version of the processor's algorithm. */
  processorVersion: string;
  /** Complete parameters (defaults filled in). */
  parameters: ProcessorParameters;
  /** The dataset read. */
  input: DatasetFingerprint;
  /** The dataset written. */
  output: DatasetFingerprint;
  /** ISO 8601 time the processing started. */
  startedAt: string;
  /** ISO 8601 time the step (including its checksums) was complete. */
  finishedAt: string;
  /** Version of seisproc that ran the step. */
  seisprocVersion: string;
}

/** The schema of a stored step, built on first use. */
const stepSchema = lazy(() => {
  const { z } = loadZod();
  const jsonValue: Zod.ZodType<unknown> = z.lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValue),
      z.record(z.string(), jsonValue),
    ]),
  );
  const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
  const fingerprintSchema = z
    .object({
      path: z.string(),
      digest: z.object({ chunkTraces: z.number().int().positive(), sha256: sha256Hex }).optional(),
      sha256: sha256Hex.optional(),
      traceCount: z.number().int().nonnegative(),
      sampleCount: z.number().int().nonnegative(),
    })
    .refine((fingerprint) => (fingerprint.digest === undefined) !== (fingerprint.sha256 === undefined), {
      message: 'a dataset fingerprint holds either a digest or a sha256',
    });
  return z.object({
    id: z.string().min(1),
    processor: z.string().min(1),
    processorVersion: z.string(),
    parameters: z.record(z.string(), jsonValue),
    input: fingerprintSchema,
    output: fingerprintSchema,
    startedAt: z.string(),
    finishedAt: z.string(),
    seisprocVersion: z.string(),
  });
});

/**
 * Check the stored provenance list of a dataset. An entry that is not a processing step fails with
 * `DATASET_INVALID` naming its position, rather than being skipped: a history with holes would
 * claim a lineage the data does not have.
 */
export function parseHistory(entries: unknown, datasetPath: string): ProcessingStep[] {
  if (!Array.isArray(entries)) {
    throw new DatasetError('DATASET_INVALID', 'the provenance metadata is not a list', { path: datasetPath });
  }
  return entries.map((entry, index) => {
    const result = stepSchema().safeParse(entry);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new DatasetError(
        'DATASET_INVALID',
        `provenance entry ${index} is not a processing step (${issue.path.join('.') || 'entry'}: ${issue.message})`,
        { path: datasetPath },
      );
    }
    return result.data as ProcessingStep;
  });
}

/**
 * How a fingerprint's recorded value reads: `digest <hex> (chunks of C traces)`, or `sha256 <hex>`
 * for a step recorded before sample digests.
 */
export function describeSamples(fingerprint: DatasetFingerprint): string {
  return fingerprint.digest
    ? `digest ${fingerprint.digest.sha256} (chunks of ${fingerprint.digest.chunkTraces} traces)`
    : `sha256 ${fingerprint.sha256}`;
}

/** Formats a processing history can be exported in. */
export type HistoryFormat = 'json' | 'yaml';

/** A history as pretty-printed JSON or YAML text (ending with a newline). */
export function formatHistory(steps: readonly ProcessingStep[], format: HistoryFormat): string {
  return format === 'yaml' ? loadYaml().stringify(steps) : `${JSON.stringify(steps, null, 2)}\n`;
}
