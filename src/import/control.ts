/**
 * State shared between the coordinator and the segment importers (in worker threads or in
 * process) through one `SharedArrayBuffer`: a cancel flag, traces done per segment, the thread
 * running each segment, and the pieces written of each shared unit (see `sharedUnits`). Plain
 * memory needs no messages, so progress costs nothing and a cancel is seen at the next chunk
 * boundary.
 */
import { CancelledError } from '../errors/index.js';

const CANCEL_SLOT = 0;
const SEGMENT_COUNT_SLOT = 1;
const FIRST_SEGMENT_SLOT = 2;
const SLOTS_PER_SEGMENT = 2;
/** The value of a shared unit's slot once it is assembled (a piece count is never negative). */
const ASSEMBLED = -1;

/** Cancel flag, progress counters, thread ids and shared unit states of one import. */
export class ImportControl {
  private readonly cells: Int32Array;
  private readonly firstUnitSlot: number;

  /** Wrap an existing buffer (in a worker) or make one for a number of segments and shared units. */
  constructor(source: SharedArrayBuffer | { segments: number; sharedUnits: number }) {
    if (source instanceof SharedArrayBuffer) {
      this.cells = new Int32Array(source);
    } else {
      const slots = FIRST_SEGMENT_SLOT + SLOTS_PER_SEGMENT * source.segments + source.sharedUnits;
      this.cells = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * slots));
      this.cells[SEGMENT_COUNT_SLOT] = source.segments;
    }
    this.firstUnitSlot = FIRST_SEGMENT_SLOT + SLOTS_PER_SEGMENT * this.cells[SEGMENT_COUNT_SLOT]!;
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
    Atomics.add(this.cells, FIRST_SEGMENT_SLOT + SLOTS_PER_SEGMENT * segmentId, traces);
  }

  /** Traces done so far in segment `segmentId`. */
  progress(segmentId: number): number {
    return Atomics.load(this.cells, FIRST_SEGMENT_SLOT + SLOTS_PER_SEGMENT * segmentId);
  }

  /** Record which thread runs segment `segmentId` (0 for the main thread). */
  setThread(segmentId: number, threadId: number): void {
    Atomics.store(this.cells, FIRST_SEGMENT_SLOT + 1 + SLOTS_PER_SEGMENT * segmentId, threadId);
  }

  /** The thread that runs segment `segmentId`, or 0 when none or the main thread. */
  threadOf(segmentId: number): number {
    return Atomics.load(this.cells, FIRST_SEGMENT_SLOT + 1 + SLOTS_PER_SEGMENT * segmentId);
  }

  /**
   * Count one more piece of shared unit `unit` written (after its file is complete); returns the
   * pieces written so far, so that exactly one importer sees the last one.
   */
  pieceWritten(unit: number): number {
    return Atomics.add(this.cells, this.firstUnitSlot + unit, 1) + 1;
  }

  /** Record that shared unit `unit` is assembled: the merge stage leaves it alone. */
  markAssembled(unit: number): void {
    Atomics.store(this.cells, this.firstUnitSlot + unit, ASSEMBLED);
  }

  /** True once shared unit `unit` was assembled during the import stage. */
  assembled(unit: number): boolean {
    return Atomics.load(this.cells, this.firstUnitSlot + unit) === ASSEMBLED;
  }
}
