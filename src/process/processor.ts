/**
 * The processor contract: a named, versioned, pure function over a chunk of traces, bound to JSON
 * parameters. Because a processor is fully described by `{ name, version, parameters }`, a worker
 * thread can rebuild it from the registry, and provenance can re-run it later.
 */

/** A JSON value, as stored in provenance records. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The parameters of a processor: a JSON object. */
export type ProcessorParameters = { [key: string]: JsonValue };

/** What a processor is handed: a block of consecutive traces and what it needs to know about them. */
export interface ProcessorChunk {
  /**
   * Samples of `traceCount` traces, trace after trace (`traceCount × sampleCount` values). The
   * buffer belongs to the processor for the duration of the call: it may write its result into it
   * and return it, which saves an allocation per chunk. It is reused for a later chunk once the
   * result is written, so a processor must not keep it (or a view of it) beyond the call.
   */
  samples: Float32Array;
  /** Traces in this chunk. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
  /** Sample interval in microseconds (as in the dataset metadata). */
  sampleInterval: number;
  /** Recording delay of the first sample, in milliseconds (the dataset's `delay_ms`). */
  delayMs: number;
  /** Index of the chunk's first trace in the dataset. */
  firstTrace: number;
  /**
   * The header columns the processor asked for in {@link ProcessorDefinition.headerColumns}, one
   * value per trace of the chunk.
   */
  headers: Record<string, ArrayLike<number | bigint | string>>;
  /**
   * For processors that need whole gathers: where each gather starts within the chunk, plus a
   * final entry equal to `traceCount` (gather `g` is traces `[gatherOffsets[g], gatherOffsets[g + 1])`).
   * Undefined for other processors.
   */
  gatherOffsets?: Int32Array;
}

/** The pure function a processor applies: returns `traceCount × sampleCount` output samples. */
export type TraceFunction = (chunk: ProcessorChunk) => Float32Array;

/**
 * A kind of processor, registered by name in a {@link ProcessorRegistry}. `create` binds it to
 * parameters; the result must be a pure function of the chunk (no state carried between chunks),
 * because chunks are processed in any order, in several threads, and again when provenance is
 * verified.
 */
export interface ProcessorDefinition<P extends ProcessorParameters = ProcessorParameters> {
  /** Unique name, e.g. `bandpass`. */
  name: string;
  /** Version of the algorithm; change it whenever the output for the same input can change. */
  version: string;
  /** One line for help texts. */
  description: string;
  /** True when the function must see whole gathers (of the dataset's first ensemble key). */
  wholeGathers?: boolean;
  /** Header columns (from `headers.parquet`) the function reads; none by default. */
  headerColumns?: readonly string[];
  /**
   * URL of an ES module that exports this definition (under any export name), e.g.
   * `import.meta.url` of the module that defines it. Worker threads import it to rebuild a
   * user-registered processor; without it such a processor runs in the calling thread. Built-ins
   * need none.
   */
  module?: string;
  /**
   * Check raw parameters and return them complete (defaults filled in). Throw on bad input;
   * the registry reports the message as an `INVALID_ARGUMENT` error. Without it any JSON object
   * is accepted as is.
   */
  parseParameters?: (raw: ProcessorParameters) => P;
  /** Bind the parameters; called once per thread, so expensive set-up (tables) belongs here. */
  create(parameters: P): TraceFunction;
}

/** What identifies a processor run: enough to rebuild it anywhere from the registry. */
export interface ProcessorSpec {
  /** Registered name. */
  name: string;
  /** Version of the definition. */
  version: string;
  /** Complete parameters (defaults filled in). */
  parameters: ProcessorParameters;
}

/** A processor bound to its parameters, ready to run (see {@link ProcessorRegistry.create}). */
export interface Processor extends ProcessorSpec {
  /** True when the function must see whole gathers. */
  readonly wholeGathers: boolean;
  /** Header columns the function reads. */
  readonly headerColumns: readonly string[];
  /** The definition it was bound from. */
  readonly definition: ProcessorDefinition;
  /** Apply the processor to one chunk. */
  readonly process: TraceFunction;
}

/**
 * Type a processor definition with its own parameter type and return it in the registry's
 * parameter-agnostic form: `processors.register(defineProcessor({ ... }))`.
 */
export function defineProcessor<P extends ProcessorParameters>(
  definition: ProcessorDefinition<P>,
): ProcessorDefinition {
  // The registry only ever calls `create` with what `parseParameters` returned, so erasing P is safe.
  return definition as unknown as ProcessorDefinition;
}
