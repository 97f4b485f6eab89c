/**
 * Splitting a range of traces into contiguous segments, one per worker, cut at gather
 * boundaries so that a gather is (almost always) read by a single worker.
 */
import { ArgumentError } from '../errors/index.js';

/** A contiguous slice of traces handled by one worker. */
export interface Segment {
  /** 0-based position of the segment in trace order. */
  readonly segmentId: number;
  /** First trace of the segment (inclusive). */
  readonly startTrace: number;
  /** Trace after the last one of the segment (exclusive). */
  readonly endTrace: number;
  /** `endTrace − startTrace`, never 0. */
  readonly traceCount: number;
}

/** A value of an ensemble key: one header value, or several for a composite key (inline, crossline). */
export type EnsembleKeyValue = number | bigint | string | readonly (number | bigint | string)[];

/**
 * Reads the ensemble key of one trace. The partitioner calls it one trace at a time, only near
 * the split points, so a positional read of one header field is the intended implementation.
 */
export type EnsembleKeyReader = (traceIndex: number) => Promise<EnsembleKeyValue>;

/** Options of {@link SmartPartitioner}. */
export interface SmartPartitionerOptions {
  /** Number of traces to split (the range is `[startTrace, startTrace + traceCount)`). */
  traceCount: number;
  /** Number of segments wanted; fewer are made when there are fewer traces. */
  segments: number;
  /** First trace of the range. Default 0. */
  startTrace?: number;
  /** Reads a trace's ensemble key. Without it the range is split evenly. */
  ensembleKey?: EnsembleKeyReader;
  /**
   * How many traces to probe backward from a raw split point before giving up and cutting at
   * the raw point (a gather larger than this is split between two workers). Default
   * {@link DEFAULT_MAX_PROBE_DISTANCE}.
   */
  maxProbeDistance?: number;
}

/**
 * Default probe distance: large enough for the gathers of real surveys (a few thousand
 * channels), small enough that partitioning never reads more than a few thousand headers per
 * split point.
 */
export const DEFAULT_MAX_PROBE_DISTANCE = 4096;

/** True when two ensemble key values are the same key. */
export function sameEnsembleKey(a: EnsembleKeyValue, b: EnsembleKeyValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value, i) => value === b[i]);
  }
  return a === b;
}

/**
 * Splits a trace range into segments at gather boundaries.
 *
 * For each raw split point (the range divided evenly) it probes backward, one header read at a
 * time, to the first trace of the gather containing the point and cuts there. It gives up after
 * `maxProbeDistance` traces, or when the gather reaches back to the previous cut, and keeps the
 * raw point. Without an ensemble key it splits evenly. The segments never overlap, are never
 * empty and cover every trace exactly once.
 *
 * @example
 * ```ts
 * const file = await SegyFile.open('survey.sgy');
 * const segments = await new SmartPartitioner({
 *   traceCount: file.traceCount,
 *   segments: 4,
 *   ensembleKey: (i) => file.readHeaderValue(i, 'fieldRecord'),
 * }).partition();
 * ```
 */
export class SmartPartitioner {
  private readonly traceCount: number;
  private readonly segmentCount: number;
  private readonly startTrace: number;
  private readonly maxProbeDistance: number;
  private readonly readKey: EnsembleKeyReader | undefined;
  private headerReads = 0;

  constructor(options: SmartPartitionerOptions) {
    const { traceCount, segments, startTrace = 0, maxProbeDistance = DEFAULT_MAX_PROBE_DISTANCE } = options;
    requireInteger('traceCount', traceCount, 0);
    requireInteger('segments', segments, 1);
    requireInteger('startTrace', startTrace, 0);
    requireInteger('maxProbeDistance', maxProbeDistance, 0);
    this.traceCount = traceCount;
    this.segmentCount = segments;
    this.startTrace = startTrace;
    this.maxProbeDistance = maxProbeDistance;
    this.readKey = options.ensembleKey;
  }

  /** Header reads made by the last {@link SmartPartitioner.partition} call. */
  get probes(): number {
    return this.headerReads;
  }

  /** Compute the segments. */
  async partition(): Promise<Segment[]> {
    this.headerReads = 0;
    const count = Math.min(this.segmentCount, this.traceCount);
    if (count === 0) return [];
    const begin = this.startTrace;
    const end = begin + this.traceCount;
    const cuts = [begin];
    const cache = new Map<number, EnsembleKeyValue>();
    for (let k = 1; k < count; k++) {
      const raw = begin + Math.round((k * this.traceCount) / count);
      const previousCut = cuts[cuts.length - 1]!;
      // Even splitting of count <= traceCount traces keeps raw points strictly increasing.
      const cut = this.readKey ? await this.gatherStart(raw, previousCut, cache) : raw;
      cuts.push(cut);
    }
    cuts.push(end);
    return cuts.slice(0, -1).map((startTrace, segmentId) => {
      const endTrace = cuts[segmentId + 1]!;
      return { segmentId, startTrace, endTrace, traceCount: endTrace - startTrace };
    });
  }

  /**
   * First trace of the gather containing `raw`, if it lies after `previousCut` and within the
   * probe distance; otherwise `raw` itself.
   */
  private async gatherStart(
    raw: number,
    previousCut: number,
    cache: Map<number, EnsembleKeyValue>,
  ): Promise<number> {
    const key = await this.keyAt(raw, cache);
    const lowest = Math.max(previousCut + 1, raw - this.maxProbeDistance);
    for (let candidate = raw; candidate >= lowest; candidate--) {
      if (!sameEnsembleKey(await this.keyAt(candidate - 1, cache), key)) return candidate;
    }
    return raw;
  }

  private async keyAt(traceIndex: number, cache: Map<number, EnsembleKeyValue>): Promise<EnsembleKeyValue> {
    const known = cache.get(traceIndex);
    if (known !== undefined) return known;
    this.headerReads++;
    const value = await this.readKey!(traceIndex);
    cache.set(traceIndex, value);
    return value;
  }
}

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new ArgumentError(`${name} must be an integer >= ${minimum}, got ${value}`, { [name]: value });
  }
}
