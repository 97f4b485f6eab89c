/**
 * The export worker (tsup entry `export-worker`, loaded by tinypool from dist/): claims segments
 * of an export and writes them at their own offsets in the shared output file.
 *
 * Errors do not cross the thread boundary as thrown objects (structured clone keeps neither the
 * class nor the code of a SeisprocError), so the outcome is returned as data and revived by the
 * caller with `reviveError`.
 *
 * @module
 */
import { isSeisprocError, type SeisprocError, WorkerError } from '../errors/index.js';
import type { ExportPlan, ExportSegment } from './plan.js';
import { writeSegments } from './segment-writer.js';

/** What the exporter sends a worker. */
export interface ExportWorkerTask {
  /** The export. */
  plan: ExportPlan;
  /** Every segment of the export; the worker claims them through `control`. */
  segments: ExportSegment[];
  /** Shared control array (cancel flag, traces written, next segment). */
  control: Int32Array;
  /** Blocks each writer reads ahead (see `readAheadBlocks`). */
  readAhead: number;
}

/** What a worker sends back. */
export type ExportWorkerOutcome =
  | { ok: true; traces: number }
  | { ok: false; error: ReturnType<SeisprocError['toJSON']> };

/** Write segments until none is left; never throws. */
export default async function runExportTask(task: ExportWorkerTask): Promise<ExportWorkerOutcome> {
  try {
    return { ok: true, traces: await writeSegments(task.plan, task.segments, task.control, task.readAhead) };
  } catch (error) {
    const failure = isSeisprocError(error)
      ? error
      : new WorkerError(
          'WORKER_FAILED',
          `export worker failed: ${(error as Error)?.message ?? String(error)}`,
          {
            path: task.plan.outputPath,
          },
        );
    return { ok: false, error: failure.toJSON() };
  }
}
