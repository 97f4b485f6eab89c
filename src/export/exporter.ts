/**
 * {@link SEGYExporter}: the export operation a host application drives, with progress events
 * (stages `export` in traces and `finalize` in bytes), `cancel()` or an `AbortSignal`, and an
 * atomic result: the output is written to a temporary sibling and renamed into place only when
 * complete; on failure or cancellation the temporary file is removed and nothing is left. The
 * output path's write lock is held throughout, so two exports into one file cannot race. An
 * output at an `s3://bucket/key` URL is written as one multipart upload, completed when whole and
 * aborted on failure or cancellation, so no partial object ever becomes visible (no lock: locks
 * are local files).
 *
 * @module
 */
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { onExit } from 'signal-exit';
import {
  ArgumentError,
  CancelledError,
  DatasetError,
  isSeisprocError,
  OperationError,
  type SeisprocError,
  StorageError,
} from '../errors/index.js';
import {
  isRemote,
  type MultipartUpload,
  type ObjectStore,
  openObjectStore,
  redactLocation,
} from '../io/index.js';
import { OperationEmitter, type ProgressEvent } from '../progress/index.js';
import {
  acquireWriteLock,
  commitPath,
  Dataset,
  removeAbandonedSiblings,
  temporarySibling,
  type WriteLock,
} from '../storage/index.js';
import { type ExportIO, runSegyExport, type SegyExportSummary } from './engine.js';
import { type DatasetExportOptions, type ExportWriteResult, getExportFormat } from './formats.js';
import { datasetSourceSpec, sampleSourceSpecOf } from './sources.js';

/** The result of an export: what the format wrote, where, and how long it took. */
export type ExportResult<Written extends ExportWriteResult = ExportWriteResult> = Written & {
  /** Format name, e.g. `segy`. */
  format: string;
  /** Absolute path of the file written, or its URL (without credentials) for an output in object storage. */
  outputPath: string;
  /** Milliseconds from start to the file being in place. */
  elapsedMs: number;
};

/** Options of {@link SEGYExporter.exportFromZarrChunked}. */
export interface ZarrExportOptions extends Omit<DatasetExportOptions, 'format' | 'originalSegyPath'> {
  /** File to write: a local path or an `s3://bucket/key` URL. */
  outputPath: string;
  /** The original SEG-Y/SU file whose textual, binary and trace headers are written. */
  originalSegyPath: string;
  /** A seisproc dataset directory or a bare 2-D Zarr v3 array [trace, sample] with the samples. */
  zarrPath?: string;
  /** The samples as an opened dataset (or its path); alternative to `zarrPath`. */
  dataset?: Dataset | string;
}

/**
 * Exports datasets to SEG-Y, Seismic Unix or any registered format.
 *
 * ```ts
 * const exporter = new SEGYExporter();
 * exporter.on('progress', (e) => console.log(e.stage, e.done, e.total, e.rate, e.etaMs));
 * await exporter.exportDataset('line.seis', 'line.sgy', { formatCode: 5, endianness: 'little' });
 * await exporter.exportFromZarrChunked({ outputPath: 'gain.sgy', originalSegyPath: 'line.sgy', zarrPath: 'gain.seis' });
 * ```
 *
 * One exporter may run several exports; `cancel()` cancels all that are running.
 */
export class SEGYExporter extends OperationEmitter<ExportResult> {
  readonly #running = new Set<AbortController>();

  /** Cancel every export this exporter is running. Each rejects with `CANCELLED` and leaves no output. */
  cancel(): void {
    for (const controller of this.#running) controller.abort();
  }

  /**
   * Write the samples of a (processed) dataset or Zarr array with the textual, binary and trace
   * headers of the original SEG-Y file, chunk by chunk. Trace and sample counts must match the
   * original's; this is checked before anything is written.
   *
   * @throws SeisprocError `EXPORT_DIMENSION_MISMATCH` naming both shapes; `CANCELLED`; `DATASET_EXISTS`;
   *   `DATASET_LOCKED` while another writer holds the output's write lock.
   */
  async exportFromZarrChunked(options: ZarrExportOptions): Promise<ExportResult<SegyExportSummary>> {
    const { outputPath, originalSegyPath, zarrPath, dataset, su, originalOptions, ...rest } = options;
    if ((zarrPath === undefined) === (dataset === undefined)) {
      throw new ArgumentError('give the samples as exactly one of zarrPath or dataset', { path: outputPath });
    }
    return this.#operate('segy', outputPath, options, async (io) => {
      const opened = typeof dataset === 'string' ? await Dataset.open(dataset) : dataset;
      const samples = opened ? datasetSourceSpec(opened) : await sampleSourceSpecOf(zarrPath!);
      const summary = await runSegyExport(
        {
          ...rest,
          ...(su ? { kind: 'su' as const } : {}),
          samples,
          ...(opened ? { dataset: opened } : {}),
          original: { path: originalSegyPath, options: originalOptions ?? {} },
        },
        io,
      );
      return summary;
    });
  }

  /**
   * Export a dataset. Headers come from the dataset itself (its raw trace headers and stored
   * textual and binary headers) unless `originalSegyPath` is given. The format is `options.format`
   * (`segy`, `su` or a registered one); by default `su` for datasets imported from Seismic Unix.
   * `outputPath` may be an `s3://bucket/key` URL (configured by `options.storage`).
   *
   * @throws SeisprocError `DATASET_EXISTS` when the output exists and `overwrite` is not set;
   *   `DATASET_LOCKED` (context `path`, `lockPath`) while another export or writer holds the output's
   *   write lock; `CANCELLED`; `STORAGE_UNSUPPORTED` for a URL the format or backend cannot
   *   write (HTTP); the storage errors of an upload; the format's own errors.
   */
  async exportDataset(
    dataset: Dataset | string,
    outputPath: string,
    options: DatasetExportOptions = {},
  ): Promise<ExportResult> {
    const opened = typeof dataset === 'string' ? await Dataset.open(dataset) : dataset;
    const name =
      options.format ?? (options.su || opened.metadata.source_format.kind === 'su' ? 'su' : 'segy');
    const format = getExportFormat(name);
    if (isRemote(outputPath) && !format.uploads) {
      const location = redactLocation(outputPath);
      throw new StorageError(
        'STORAGE_UNSUPPORTED',
        `export format ${format.name} writes local files only, not ${location}`,
        { path: location },
      );
    }
    return this.#operate(format.name, outputPath, options, (io, location) =>
      format.write({ ...io, dataset: opened, outputPath: location, options }),
    );
  }

  /** Progress, cancellation, finalisation and clean-up around a format's writer, into a local or remote output. */
  async #operate<Written extends ExportWriteResult>(
    format: string,
    outputPath: string,
    options: ExportOutputOptions,
    write: (io: ExportIO, location: string) => Promise<Written>,
  ): Promise<ExportResult<Written>> {
    const started = performance.now();
    const controller = new AbortController();
    const forward = () => controller.abort();
    options.signal?.addEventListener('abort', forward, { once: true });
    if (options.signal?.aborted) controller.abort();
    this.#running.add(controller);
    const output = isRemote(outputPath) ? new UploadOutput(outputPath) : new FileOutput(outputPath);
    try {
      const target = await output.prepare(options);
      const io: ExportIO = {
        ...target,
        signal: controller.signal,
        startStage: (stage, total, unit) => this.startStage(stage, total, unit),
        warn: (message) => this.emit('warning', { stage: 'export', message }),
      };
      const written = await write(io, output.location);
      const finalize = this.startStage('finalize', written.bytes, 'bytes');
      await output.commit(written.bytes, options, () => {
        if (controller.signal.aborted) throw new CancelledError('export cancelled');
      });
      finalize.end();
      const result: ExportResult<Written> = {
        ...written,
        format,
        outputPath: output.location,
        elapsedMs: performance.now() - started,
      };
      this.emit('done', result);
      return result;
    } catch (error) {
      await output.discard();
      const failure = asSeisprocError(error, output.location);
      this.emit('error', failure);
      throw failure;
    } finally {
      await output.release();
      options.signal?.removeEventListener('abort', forward);
      this.#running.delete(controller);
    }
  }
}

/** The options of an export that concern its output. */
type ExportOutputOptions = Pick<DatasetExportOptions, 'overwrite' | 'sync' | 'signal' | 'storage'>;

/** Where an export's bytes go until they are committed, and how they are committed or discarded. */
interface ExportOutput {
  /** The output as results and errors name it: an absolute path, or a URL without credentials. */
  readonly location: string;
  /** Check the output may be written and return where the format writes. */
  prepare(options: ExportOutputOptions): Promise<Pick<ExportIO, 'temporaryPath' | 'upload'>>;
  /** Make the output visible, whole; `checkCancelled` throws when the export was cancelled meanwhile. */
  commit(bytes: number, options: ExportOutputOptions, checkCancelled: () => void): Promise<void>;
  /** Remove whatever was written (after a failure or cancellation). */
  discard(): Promise<void>;
  /** Release what the output holds, success or not. */
  release(): Promise<void>;
}

/**
 * A local file: written to a temporary sibling under the output path's write lock, renamed into
 * place when complete. The lock makes a second export into the same file fail with
 * `DATASET_LOCKED` instead of racing this one to the rename.
 */
class FileOutput implements ExportOutput {
  readonly location: string;
  readonly #temporaryPath: string;
  readonly #removeOnExit: () => void;
  #lock: WriteLock | undefined;

  constructor(outputPath: string) {
    this.location = path.resolve(outputPath);
    this.#temporaryPath = temporarySibling(this.location, 'export');
    // If the process dies mid-export (Ctrl-C, an uncaught error elsewhere), the partial file goes too.
    this.#removeOnExit = onExit(() => rmSync(this.#temporaryPath, { force: true }));
  }

  async prepare(options: ExportOutputOptions): Promise<{ temporaryPath: string }> {
    this.#lock = await acquireWriteLock(this.location);
    // An export killed before (SIGKILL, out of memory) left its partial file; this one holds the lock.
    await removeAbandonedSiblings(this.location, ['export', 'old']);
    if (!options.overwrite && (await fs.lstat(this.location).catch(() => undefined))) {
      throw new DatasetError('DATASET_EXISTS', 'output already exists (pass overwrite to replace it)', {
        path: this.location,
      });
    }
    return { temporaryPath: this.#temporaryPath };
  }

  async commit(bytes: number, options: ExportOutputOptions, checkCancelled: () => void): Promise<void> {
    const { size } = await fs.stat(this.#temporaryPath);
    if (size !== bytes) {
      throw new OperationError('EXPORT_FAILED', `the output holds ${size} bytes, ${bytes} were expected`, {
        path: this.#temporaryPath,
      });
    }
    if (options.sync) await syncFile(this.#temporaryPath);
    checkCancelled();
    this.#lock!.assertHeld();
    await commitPath(this.#temporaryPath, this.location, { overwrite: options.overwrite ?? false });
  }

  async discard(): Promise<void> {
    await fs.rm(this.#temporaryPath, { force: true });
  }

  async release(): Promise<void> {
    await this.#lock?.release();
    this.#removeOnExit();
  }
}

/**
 * An object in S3-compatible storage: written as one multipart upload, which becomes visible
 * only when completed and is aborted (its parts freed) on failure or cancellation. There is no
 * write lock (locks are local files): two exports into one object race, and the last to
 * complete wins, whole. A process killed mid-export leaves an incomplete upload, invisible,
 * which the bucket's lifecycle rule for incomplete multipart uploads removes.
 */
class UploadOutput implements ExportOutput {
  readonly location: string;
  readonly #url: string;
  #store: ObjectStore | undefined;
  #upload: MultipartUpload | undefined;

  constructor(url: string) {
    this.#url = url;
    this.location = redactLocation(url);
  }

  /** The object's key and the store of its parent (`s3://bucket/dir/out.sgy`: `out.sgy` in `s3://bucket/dir`). */
  #split(): { root: string; key: string } {
    const slash = this.#url.lastIndexOf('/');
    return { root: this.#url.slice(0, slash), key: this.#url.slice(slash + 1) };
  }

  async prepare(options: ExportOutputOptions): Promise<{ temporaryPath: string; upload: MultipartUpload }> {
    const { root, key } = this.#split();
    this.#store = await openObjectStore(root, options.storage);
    if (!this.#store.writable) {
      throw new StorageError(
        'STORAGE_UNSUPPORTED',
        `an export output cannot be written to ${this.location}`,
        {
          path: this.location,
        },
      );
    }
    if (!options.overwrite && (await this.#store.size(key)) !== undefined) {
      throw new DatasetError('DATASET_EXISTS', 'output already exists (pass overwrite to replace it)', {
        path: this.location,
      });
    }
    this.#upload = await this.#store.createUpload(key);
    return { temporaryPath: this.location, upload: this.#upload };
  }

  async commit(_bytes: number, _options: ExportOutputOptions, checkCancelled: () => void): Promise<void> {
    checkCancelled();
    await this.#upload!.complete();
    this.#upload = undefined;
  }

  async discard(): Promise<void> {
    // The export's own error is the one to report; a failed abort leaves an invisible upload behind.
    await this.#upload?.abort().catch(() => {});
    this.#upload = undefined;
  }

  async release(): Promise<void> {
    await this.#store?.close();
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function asSeisprocError(error: unknown, outputPath: string): SeisprocError {
  if (isSeisprocError(error)) return error;
  return new OperationError('EXPORT_FAILED', `export failed: ${(error as Error)?.message ?? String(error)}`, {
    path: outputPath,
    cause: error,
  });
}

/** Options of {@link exportDataset}: those of {@link SEGYExporter.exportDataset} and a progress listener. */
export interface ExportDatasetOptions extends DatasetExportOptions {
  /** Receives every progress event of the export. */
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Export a dataset to SEG-Y (or SU, or a registered format) in one call: see
 * {@link SEGYExporter.exportDataset}. Use a {@link SEGYExporter} directly to receive every event.
 */
export function exportDataset(
  dataset: Dataset | string,
  outputPath: string,
  options: ExportDatasetOptions = {},
): Promise<ExportResult> {
  const exporter = new SEGYExporter();
  if (options.onProgress) exporter.on('progress', options.onProgress);
  return exporter.exportDataset(dataset, outputPath, options);
}
