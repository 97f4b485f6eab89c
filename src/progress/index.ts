/**
 * Typed progress events shared by every long operation (import, export, processing …).
 *
 * A long operation is an {@link OperationEmitter}: an eventemitter3 `EventEmitter` with the events
 * of {@link OperationEvents}. Each stage is driven by a {@link StageTracker}, which throttles
 * `progress` events (at most one per ~1 % of the total or per 250 ms, whichever comes first) and
 * guarantees that the last event of a stage has `done === total`.
 *
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { SeisprocError } from '../errors/index.js';

/**
 * Below this many bytes of data, a long operation (import, export, processing) runs in the
 * calling thread by the same code instead of in worker threads: starting workers (each loads the
 * library and opens its inputs) costs more than it saves below ~64 MiB. Each operation takes an
 * `inProcessThreshold` option that overrides it.
 */
export const DEFAULT_IN_PROCESS_THRESHOLD = 64 * 1024 * 1024;

/** What a stage counts. */
export type ProgressUnit = 'traces' | 'bytes' | 'segments' | 'files' | 'gathers' | 'chunks';

/** A throttled progress report of one stage. */
export interface ProgressEvent {
  /** Stage name, e.g. `import`, `merge`, `index`, `cleanup`, `export`. */
  stage: string;
  /** Units done so far. */
  done: number;
  /** Units in the stage. */
  total: number;
  /** What `done` and `total` count. */
  unit: ProgressUnit;
  /** Milliseconds since the stage started. */
  elapsedMs: number;
  /** Estimated milliseconds until the stage ends; `undefined` before there is a rate. */
  etaMs: number | undefined;
  /** Units per second since the stage started. */
  rate: number;
  /** Workers busy at the time of the report (1 for in-process work). */
  activeWorkers: number;
}

/** Emitted when a stage starts. */
export interface StageStartEvent {
  stage: string;
  total: number;
  unit: ProgressUnit;
}

/** Emitted when a stage ends. */
export interface StageEndEvent {
  stage: string;
  total: number;
  unit: ProgressUnit;
  elapsedMs: number;
}

/** A non-fatal problem worth telling the user about. */
export interface WarningEvent {
  stage: string;
  message: string;
  code?: string;
  context?: Record<string, unknown>;
}

/** The events of every long operation. `done` carries the operation's result. */
export interface OperationEvents<Result> {
  'stage-start': (event: StageStartEvent) => void;
  progress: (event: ProgressEvent) => void;
  'stage-end': (event: StageEndEvent) => void;
  warning: (event: WarningEvent) => void;
  done: (result: Result) => void;
  error: (error: SeisprocError) => void;
}

/**
 * Base class of long operations. Subclasses emit through {@link OperationEmitter.startStage}.
 *
 * Note: as with eventemitter3, an `error` event with no listener is simply dropped; the
 * operation's promise rejects with the same error, so nothing is lost.
 */
export class OperationEmitter<Result> extends EventEmitter<OperationEvents<Result>> {
  /**
   * Start a stage and return its tracker. The tracker emits `stage-start` now, throttled
   * `progress` as work is reported, and `stage-end` from {@link StageTracker.end}.
   */
  protected startStage(
    stage: string,
    total: number,
    unit: ProgressUnit,
    options?: StageTrackerOptions,
  ): StageTracker {
    return new StageTracker(
      (event, payload) => this.emit(event, payload as never),
      stage,
      total,
      unit,
      options,
    );
  }
}

/** Throttling of a {@link StageTracker}. */
export interface StageTrackerOptions {
  /** Minimum milliseconds between two events unless a percent step is crossed. Default 250. */
  intervalMs?: number;
  /** Emit whenever this fraction of the total is crossed. Default 0.01. */
  fractionStep?: number;
  /** Clock, for tests. Default `performance.now`. */
  now?: () => number;
}

/** Where a {@link StageTracker} sends its events. */
export type StageEventSink = (
  event: 'stage-start' | 'progress' | 'stage-end',
  payload: StageStartEvent | ProgressEvent | StageEndEvent,
) => void;

/** Progress reporting of one stage, throttled, with rate and ETA. */
export class StageTracker {
  private doneUnits = 0;
  private workers = 1;
  private readonly started: number;
  private lastEmitTime: number;
  private lastEmitDone = -1;
  private ended = false;
  private readonly intervalMs: number;
  private readonly step: number;
  private readonly now: () => number;

  /**
   * @param emit receives the stage's `stage-start`, `progress` and `stage-end` events; an
   *   {@link OperationEmitter} passes its own `emit`.
   */
  constructor(
    private readonly emit: StageEventSink,
    readonly stage: string,
    readonly total: number,
    readonly unit: ProgressUnit,
    options: StageTrackerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.now = options.now ?? (() => performance.now());
    this.step = Math.max(1, Math.floor(total * (options.fractionStep ?? 0.01)));
    this.started = this.now();
    this.lastEmitTime = this.started;
    this.emit('stage-start', { stage, total, unit });
    this.emitProgress();
  }

  /** Units done so far. */
  get done(): number {
    return this.doneUnits;
  }

  /** Record `units` more done; emits `progress` when the throttle allows. */
  advance(units: number, activeWorkers?: number): void {
    this.set(this.doneUnits + units, activeWorkers);
  }

  /** Set the absolute count done; emits `progress` when the throttle allows. */
  set(done: number, activeWorkers?: number): void {
    if (activeWorkers !== undefined) this.workers = activeWorkers;
    this.doneUnits = Math.min(done, this.total);
    const t = this.now();
    if (this.doneUnits - this.lastEmitDone >= this.step || t - this.lastEmitTime >= this.intervalMs) {
      this.emitProgress(t);
    }
  }

  /** Emit a `progress` event now, whatever the throttle says (e.g. from a heartbeat timer). */
  emitProgress(t = this.now()): void {
    if (this.ended) return;
    this.lastEmitTime = t;
    this.lastEmitDone = this.doneUnits;
    const elapsedMs = t - this.started;
    const rate = elapsedMs > 0 ? (this.doneUnits * 1000) / elapsedMs : 0;
    const remaining = this.total - this.doneUnits;
    const event: ProgressEvent = {
      stage: this.stage,
      done: this.doneUnits,
      total: this.total,
      unit: this.unit,
      elapsedMs,
      etaMs: remaining === 0 ? 0 : rate > 0 ? (remaining * 1000) / rate : undefined,
      rate,
      activeWorkers: this.workers,
    };
    this.emit('progress', event);
  }

  /**
   * End the stage: a final `progress` with `done === total`, then `stage-end`. Returns the
   * stage's elapsed milliseconds. Calling it twice has no further effect.
   */
  end(): number {
    const elapsedMs = this.now() - this.started;
    if (this.ended) return elapsedMs;
    this.doneUnits = this.total;
    this.workers = 0;
    this.emitProgress();
    this.ended = true;
    this.emit('stage-end', {
      stage: this.stage,
      total: this.total,
      unit: this.unit,
      elapsedMs,
    });
    return elapsedMs;
  }
}
