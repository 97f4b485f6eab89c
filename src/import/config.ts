/**
 * What an import is asked to do ({@link ImportConfig}) and what it reports ({@link ImportResult}).
 */
import { availableParallelism } from 'node:os';
import { ArgumentError } from '../errors/index.js';
import type { DEFAULT_IN_PROCESS_THRESHOLD } from '../progress/index.js';
import type { SegyOpenOptions } from '../segy/index.js';
import type { CompressionCodec, CompressionOptions, SampleDigest } from '../storage/index.js';

/**
 * Options of an import. Only `input` and `output` are required. The options of
 * `SegyFile.open` (`kind`, `endianness`, `formatCode`, `mapping`, `ignoreTruncated`, `ibm`,
 * `storage`, …) say how to read the input.
 */
export interface ImportConfig extends Omit<SegyOpenOptions, 'blockingReads'> {
  /**
   * SEG-Y or SU file to import: a local path or a URL (`https://…`, `s3://bucket/key`, read with
   * `storage`). The dataset records it without credentials or query string.
   */
  input: string;
  /** Dataset directory to create, by convention `NAME.seis`. */
  output: string;
  /** Worker threads. Default: the cores available (`os.availableParallelism()`). */
  workers?: number;
  /** Traces per chunk of the arrays. Default: chunks of about 8 MiB. */
  chunkTraces?: number;
  /**
   * Gather keys to index in `ensembles.parquet`, each a list of one or two integer header fields
   * (keys or aliases): e.g. `[["fieldRecord"], ["inline", "crossline"]]`. The first key set also
   * guides where the file is split between workers. Default `[["fieldRecord"], ["cdp"]]`.
   */
  ensembleKeys?: readonly (readonly string[])[];
  /** Compression of the traces: a codec name or full options. Default `none`. */
  compression?: CompressionCodec | CompressionOptions;
  /**
   * Keep the work directory when the import is cancelled or fails, and continue from it: the
   * next run with the same input and options keeps every chunk that verifies and gives the same
   * dataset as an uninterrupted run.
   */
  resume?: boolean;
  /** Replace an existing output. Default false (`DATASET_EXISTS`). */
  overwrite?: boolean;
  /** Cancels the import, like {@link ParallelImportCoordinator.cancel}. */
  signal?: AbortSignal;
  /**
   * Files smaller than this many bytes are imported in the calling thread (the same dataset, byte
   * for byte). Default {@link DEFAULT_IN_PROCESS_THRESHOLD}.
   */
  inProcessThreshold?: number;
  /** Probe distance of the partitioner (see `SmartPartitioner`). */
  maxProbeDistance?: number;
  /**
   * Location of the built worker entry (`import-worker.js`). Default: next to the bundle that
   * holds the coordinator (`dist/`), or the repository's `dist/` when running from source. Set it
   * when a bundler moves the file.
   */
  workerUrl?: string | URL;
  /**
   * Worker threads read the source and write chunk files with blocking system calls instead of
   * through libuv's thread pool. Default: when the workers take every core
   * (`os.availableParallelism()`), where each hand-off to the pool costs context switches that no
   * overlap pays back (`npm run bench` prints an import each way). The in-process path never
   * blocks the calling thread.
   */
  blockingIO?: boolean;
  /** Coordinate reference system to record (JSON form of a `CoordinateSystem`). */
  crs?: unknown;
}

/** Default gather keys. */
export const DEFAULT_ENSEMBLE_KEYS: readonly (readonly string[])[] = [['fieldRecord'], ['cdp']];

/** What a finished import reports. */
export interface ImportResult {
  /** Always true: a failed import throws instead. */
  success: true;
  /** Absolute path of the dataset written. */
  outputPath: string;
  /** The source file: its absolute path, or its URL without credentials or query string. */
  inputPath: string;
  traceCount: number;
  sampleCount: number;
  /** Ensembles of the first key set (0 without keys). */
  gatherCount: number;
  /** Ensembles per key set, keyed `"fieldRecord"`, `"inline,crossline"`, … */
  gatherCounts: Record<string, number>;
  /** Worker threads used (0 for the in-process path). */
  workers: number;
  /** Segments the file was split into. */
  segments: number;
  /** True when the file was imported in the calling thread. */
  inProcess: boolean;
  /** True when the workers read and wrote with blocking calls (see {@link ImportConfig.blockingIO}). */
  blockingIO: boolean;
  /** Chunks kept from an interrupted run (resume), 0 otherwise. */
  chunksResumed: number;
  /** Bytes of trace data read from the source. */
  bytesRead: number;
  /**
   * The dataset's sample digest, combined from the chunks as the workers wrote them and recorded
   * in its metadata (`sample_digest`), where processing takes it from.
   */
  sampleDigest: SampleDigest;
  /** Milliseconds from start to finish. */
  elapsedMs: number;
  /** Milliseconds per stage (`import`, `merge`, `index`, `cleanup`). */
  stageMs: Record<string, number>;
}

/** Normalise the compression option. */
export function resolveCompression(value: ImportConfig['compression']): CompressionOptions {
  const options: CompressionOptions =
    typeof value === 'string' ? { codec: value } : (value ?? { codec: 'none' });
  if (!['none', 'zstd', 'blosc'].includes(options.codec)) {
    throw new ArgumentError(`compression must be none, zstd or blosc, got "${options.codec}"`);
  }
  if (options.level !== undefined) {
    const max = options.codec === 'blosc' ? 9 : 22;
    if (!Number.isInteger(options.level) || options.level < 1 || options.level > max) {
      throw new ArgumentError(
        `${options.codec} level must be an integer from 1 to ${max}, got ${options.level}`,
      );
    }
  }
  if (
    options.keepBits !== undefined &&
    (!Number.isInteger(options.keepBits) || options.keepBits < 1 || options.keepBits > 23)
  ) {
    throw new ArgumentError(`keepBits must be an integer from 1 to 23, got ${options.keepBits}`);
  }
  const resolved: CompressionOptions = { codec: options.codec };
  if (options.codec !== 'none') resolved.level = options.level ?? (options.codec === 'zstd' ? 3 : 5);
  if (options.keepBits !== undefined && options.keepBits < 23) resolved.keepBits = options.keepBits;
  return resolved;
}

/** The worker count asked for, or the cores available. */
export function resolveWorkers(value: number | undefined): number {
  if (value === undefined) return Math.max(1, availableParallelism());
  if (!Number.isInteger(value) || value < 1)
    throw new ArgumentError(`workers must be a positive integer, got ${value}`);
  return value;
}
