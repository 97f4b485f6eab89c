/**
 * The import worker (tinypool entry, built as `dist/import-worker.js`): imports one segment per
 * task. It never throws: a failure comes back as a {@link WorkerReply} carrying the error in its
 * JSON form (a structured clone would drop the error's class, code and context) and the trace
 * the worker had reached.
 */
import { threadId } from 'node:worker_threads';
import { ImportControl } from './control.js';
import { importSegment, type SegmentOutcome, type SegmentTask } from './segment-import.js';

/** A failure as it crosses the thread boundary. */
export interface SerializedFailure {
  name: string;
  message: string;
  code?: string;
  context?: Record<string, unknown>;
  stack?: string;
}

/** The answer of a worker to one segment task. */
export type WorkerReply =
  | { ok: true; outcome: SegmentOutcome }
  | { ok: false; error: SerializedFailure; traceIndex: number };

/** Run one segment task (the worker's default export, called by tinypool). */
export default async function runSegmentTask(task: SegmentTask): Promise<WorkerReply> {
  const control = new ImportControl(task.control);
  control.setThread(task.segment.segmentId, threadId);
  try {
    return { ok: true, outcome: await importSegment(task, control) };
  } catch (error) {
    return {
      ok: false,
      error: serializeFailure(error),
      traceIndex: task.segment.startTrace + control.progress(task.segment.segmentId),
    };
  }
}

/** The JSON form of any thrown value. */
export function serializeFailure(error: unknown): SerializedFailure {
  if (error instanceof Error) {
    const withJson = error as Error & { toJSON?: () => SerializedFailure };
    const base =
      typeof withJson.toJSON === 'function'
        ? withJson.toJSON()
        : { name: error.name, message: error.message };
    return { ...base, ...(error.stack === undefined ? {} : { stack: error.stack }) };
  }
  return { name: 'Error', message: String(error) };
}
