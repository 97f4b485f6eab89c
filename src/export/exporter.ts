/**
 * {@link SEGYExporter}: the export operation a host application drives, with progress events
 * (stages `export` in traces and `finalize` in bytes), `cancel()` or an `AbortSignal`, and an
 * atomic result: the output is written to a temporary sibling and renamed into place only when
 * complete; on failure or cancellation the temporary file is removed and nothing is left. The
 * output path's write lock is held throughout, so two exports into one file cannot race.
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
} from '../errors/index.js';
import { OperationEmitter, type ProgressEvent } from '../progress/index.js';
import {
  acquireWriteLock,
  commitPath,
  Dataset,
  removeAbandonedSiblings,
  requireLocalPath,
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
  /** Absolute path of the file written. */
  outputPath: string;
  /** Milliseconds from start to the file being in place. */
  elapsedMs: number;
};

/** Options of {@link SEGYExporter.exportFromZarrChunked}. */
export interface ZarrExportOptions extends Omit<DatasetExportOptions, 'format' | 'originalSegyPath'> {
  /** File to write. */
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
   *
   * @throws SeisprocError `DATASET_EXISTS` when the output exists and `overwrite` is not set;
   *   `DATASET_LOCKED` (context `path`, `lockPath`) while another export or writer holds the output's
   *   write lock; `CANCELLED`; the format's own errors.
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
    return this.#operate(format.name, outputPath, options, (io) =>
      format.write({ ...io, dataset: opened, outputPath: path.resolve(outputPath), options }),
    );
  }

  /** Write lock, temporary file, progress, cancellation, finalisation and clean-up around a format's writer. */
  async #operate<Written extends ExportWriteResult>(
    format: string,
    outputPath: string,
    options: { overwrite?: boolean; sync?: boolean; signal?: AbortSignal },
    write: (io: ExportIO) => Promise<Written>,
  ): Promise<ExportResult<Written>> {
    requireLocalPath(outputPath, 'an export output');
    const started = performance.now();
    const finalPath = path.resolve(outputPath);
    const controller = new AbortController();
    const forward = () => controller.abort();
    options.signal?.addEventListener('abort', forward, { once: true });
    if (options.signal?.aborted) controller.abort();
    this.#running.add(controller);
    const temporaryPath = temporarySibling(finalPath, 'export');
    // If the process dies mid-export (Ctrl-C, an uncaught error elsewhere), the partial file goes too.
    const removeOnExit = onExit(() => rmSync(temporaryPath, { force: true }));
    let outputLock: WriteLock | undefined;
    try {
      // One writer per output file, across processes: a second export into the same file gets
      // DATASET_LOCKED now instead of racing this one to the rename.
      outputLock = await acquireWriteLock(finalPath);
      // An export killed before (SIGKILL, out of memory) left its partial file; this one holds the lock.
      await removeAbandonedSiblings(finalPath, ['export', 'old']);
      if (!options.overwrite && (await fs.lstat(finalPath).catch(() => undefined))) {
        throw new DatasetError('DATASET_EXISTS', 'output already exists (pass overwrite to replace it)', {
          path: finalPath,
        });
      }
      const written = await write({
        temporaryPath,
        signal: controller.signal,
        startStage: (stage, total, unit) => this.startStage(stage, total, unit),
        warn: (message) => this.emit('warning', { stage: 'export', message }),
      });
      const finalize = this.startStage('finalize', written.bytes, 'bytes');
      const { size } = await fs.stat(temporaryPath);
      if (size !== written.bytes) {
        throw new OperationError(
          'EXPORT_FAILED',
          `the output holds ${size} bytes, ${written.bytes} were expected`,
          {
            path: temporaryPath,
          },
        );
      }
      if (options.sync) await syncFile(temporaryPath);
      if (controller.signal.aborted) throw new CancelledError('export cancelled');
      outputLock.assertHeld();
      await commitPath(temporaryPath, finalPath, { overwrite: options.overwrite ?? false });
      finalize.end();
      const result: ExportResult<Written> = {
        ...written,
        format,
        outputPath: finalPath,
        elapsedMs: performance.now() - started,
      };
      this.emit('done', result);
      return result;
    } catch (error) {
      await fs.rm(temporaryPath, { force: true });
      const failure = asSeisprocError(error, finalPath);
      this.emit('error', failure);
      throw failure;
    } finally {
      await outputLock?.release();
      removeOnExit();
      options.signal?.removeEventListener('abort', forward);
      this.#running.delete(controller);
    }
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
