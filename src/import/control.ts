/**
 * State shared between the coordinator and the segment importers (in worker threads or in
 * process) through one `SharedArrayBuffer`: a cancel flag, traces done per segment and the thread
 * running each segment. Plain memory needs no messages, so progress costs nothing and a cancel
 * is seen at the next chunk boundary.
 */
import { CancelledError } from '../errors/index.js';

const CANCEL_SLOT = 0;
const SLOTS_PER_SEGMENT = 2;

/** Cancel flag, progress counters and thread ids of one import. */
export class ImportControl {
  private readonly cells: Int32Array;

  /** Wrap an existing buffer (in a worker) or make one for `segments` segments. */
  constructor(source: SharedArrayBuffer | number) {
    const buffer =
      typeof source === 'number'
        ? new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (1 + SLOTS_PER_SEGMENT * Math.max(1, source)))
        : source;
    this.cells = new Int32Array(buffer);
  }

  /** The shared memory, to hand to a worker. */
  get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  /** Ask every segment importer to stop at its next chunk. */
  cancel(): void {
    Atomics.store(this.cells, CANCEL_SLOT, 1);
  }

  /** True once {@link ImportControl.cancel} was called. */
  get cancelled(): boolean {
    return Atomics.load(this.cells, CANCEL_SLOT) === 1;
  }

  /** Throw a {@link CancelledError} if the import was cancelled. */
  throwIfCancelled(): void {
    if (this.cancelled) throw new CancelledError('import cancelled');
  }

  /** Count `traces` more traces done in segment `segmentId`. */
  addProgress(segmentId: number, traces: number): void {
    Atomics.add(this.cells, 1 + SLOTS_PER_SEGMENT * segmentId, traces);
  }

  /** Traces done so far in segment `segmentId`. */
  progress(segmentId: number): number {
    return Atomics.load(this.cells, 1 + SLOTS_PER_SEGMENT * segmentId);
  }

  /** Record which thread runs segment `segmentId` (0 for the main thread). */
  setThread(segmentId: number, threadId: number): void {
    Atomics.store(this.cells, 2 + SLOTS_PER_SEGMENT * segmentId, threadId);
  }

  /** The thread that runs segment `segmentId`, or 0 when none or the main thread. */
  threadOf(segmentId: number): number {
    return Atomics.load(this.cells, 2 + SLOTS_PER_SEGMENT * segmentId);
  }
}
