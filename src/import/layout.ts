/**
 * The geometry of an import (chunks, row groups, what each segment writes) and the files of its
 * work directory. Shared by the coordinator, the workers and the merger, so they agree on every
 * name and range without talking to each other.
 */
import path from 'node:path';
import type { Segment } from '../partition/index.js';
import { chooseChunkTraces, type StoredSampleType, storedSampleBytes } from '../storage/index.js';

/**
 * Rows per row group of `headers.parquet` aimed at (rounded to whole chunks): small enough that a
 * worker collects and encodes one in a few MiB, large enough for a compact footer (some 800 row
 * groups for 12 million traces).
 */
export const TARGET_ROW_GROUP_TRACES = 16_384;

/** A half-open range of traces. */
export interface TraceRange {
  start: number;
  end: number;
}

/** Sizes of the dataset being written. */
export interface ImportGeometry {
  traceCount: number;
  sampleCount: number;
  /** Data type of the traces array (and of the samples of chunk pieces). */
  sampleType: StoredSampleType;
  traceHeaderSize: number;
  /** Traces per chunk of `traces/` and `raw_headers/`. */
  chunkTraces: number;
  /** Traces per row group of `headers.parquet`: a whole number of chunks. */
  rowGroupTraces: number;
}

/**
 * Bytes of samples per chunk aimed at by an import. 4 MiB keeps sequential reads and writes at
 * full speed and each worker's buffers (and the compressor's working memory) small, and a gather
 * read touches less data than with larger chunks.
 */
export const IMPORT_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Chunk rows for {@link IMPORT_CHUNK_BYTES} chunks of samples of `bytesPerSample` bytes. The raw
 * header chunk counts too: traces of a few samples would otherwise give header chunks far larger
 * than the sample chunks.
 */
export function defaultChunkTraces(
  sampleCount: number,
  bytesPerSample: number,
  traceHeaderSize: number,
  traceCount: number,
): number {
  return chooseChunkTraces(
    Math.max(sampleCount, Math.ceil(traceHeaderSize / bytesPerSample)),
    traceCount,
    IMPORT_CHUNK_BYTES,
    bytesPerSample,
  );
}

/** Row group rows for a chunk size: the multiple of `chunkTraces` nearest to {@link TARGET_ROW_GROUP_TRACES}. */
export function rowGroupTracesFor(chunkTraces: number): number {
  return chunkTraces * Math.max(1, Math.round(TARGET_ROW_GROUP_TRACES / chunkTraces));
}

/** Bytes of one trace in a chunk piece: its samples in the stored type, then its raw header. */
export function chunkPieceRowBytes(geometry: ImportGeometry): number {
  return geometry.sampleCount * storedSampleBytes(geometry.sampleType) + geometry.traceHeaderSize;
}

/** Trace range of chunk `index`. */
export function chunkRange(geometry: ImportGeometry, index: number): TraceRange {
  const start = index * geometry.chunkTraces;
  return { start, end: Math.min(geometry.traceCount, start + geometry.chunkTraces) };
}

/** Trace range of row group `index`. */
export function rowGroupRange(geometry: ImportGeometry, index: number): TraceRange {
  const start = index * geometry.rowGroupTraces;
  return { start, end: Math.min(geometry.traceCount, start + geometry.rowGroupTraces) };
}

/** Number of chunks along the trace axis. */
export function chunkCount(geometry: ImportGeometry): number {
  return Math.ceil(geometry.traceCount / geometry.chunkTraces);
}

/** Number of row groups of `headers.parquet`. */
export function rowGroupCount(geometry: ImportGeometry): number {
  return Math.ceil(geometry.traceCount / geometry.rowGroupTraces);
}

/** Indices of the units (chunks or row groups of `size` traces) overlapping a range. */
export function unitsOverlapping(range: TraceRange, size: number): { first: number; last: number } {
  return { first: Math.floor(range.start / size), last: Math.ceil(range.end / size) - 1 };
}

/** True when `inner` lies wholly inside `outer`. */
export function contains(outer: TraceRange, inner: TraceRange): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** Intersection of two ranges (may be empty: end <= start). */
export function intersect(a: TraceRange, b: TraceRange): TraceRange {
  return { start: Math.max(a.start, b.start), end: Math.min(a.end, b.end) };
}

/** Chunks cut by a segment boundary: their traces come from two or more segments. */
export function sharedChunks(geometry: ImportGeometry, segments: readonly Segment[]): number[] {
  const shared = new Set<number>();
  for (const segment of segments.slice(1)) {
    if (segment.startTrace % geometry.chunkTraces !== 0)
      shared.add(Math.floor(segment.startTrace / geometry.chunkTraces));
  }
  return [...shared].sort((a, b) => a - b);
}

/** Row groups cut by a segment boundary. */
export function sharedRowGroups(geometry: ImportGeometry, segments: readonly Segment[]): Set<number> {
  const shared = new Set<number>();
  for (const segment of segments.slice(1)) {
    if (segment.startTrace % geometry.rowGroupTraces !== 0) {
      shared.add(Math.floor(segment.startTrace / geometry.rowGroupTraces));
    }
  }
  return shared;
}

/**
 * A chunk or row group cut by a segment boundary: each segment overlapping it writes its piece,
 * and the importer that writes the last piece assembles it.
 */
export interface SharedUnit {
  kind: 'chunk' | 'rowGroup';
  /** Chunk or row group index. */
  index: number;
  /** Pieces it is assembled from: one per segment overlapping it. */
  pieces: number;
}

/**
 * Every shared unit of an import: the shared chunks in order, then the shared row groups in
 * order. A unit's position in this list is its slot in the import's `ImportControl`.
 */
export function sharedUnits(geometry: ImportGeometry, segments: readonly Segment[]): SharedUnit[] {
  const piecesOf = (range: TraceRange) =>
    segments.filter((segment) => segment.startTrace < range.end && segment.endTrace > range.start).length;
  return [
    ...sharedChunks(geometry, segments).map(
      (index): SharedUnit => ({ kind: 'chunk', index, pieces: piecesOf(chunkRange(geometry, index)) }),
    ),
    ...[...sharedRowGroups(geometry, segments)]
      .sort((a, b) => a - b)
      .map(
        (index): SharedUnit => ({
          kind: 'rowGroup',
          index,
          pieces: piecesOf(rowGroupRange(geometry, index)),
        }),
      ),
  ];
}

/**
 * Files of the work directory of an import into `output`: `<dir>/.<name>.import/`. The name is
 * fixed (not random) so that a resumed import finds the work of the interrupted one.
 */
export class WorkDirectory {
  /** The work directory itself. */
  readonly root: string;

  constructor(output: string) {
    const absolute = path.resolve(output);
    this.root = path.join(path.dirname(absolute), `.${path.basename(absolute)}.import`);
  }

  /** The plan of the import (fingerprint, geometry, segments). */
  get planFile(): string {
    return path.join(this.root, 'plan.json');
  }

  /** The dataset being built, renamed to the output when complete. */
  get dataset(): string {
    return path.join(this.root, 'dataset');
  }

  /** Pieces of shared chunks and row groups. */
  get partsDir(): string {
    return path.join(this.root, 'parts');
  }

  /** Row groups encoded by the workers. */
  get rowGroupsDir(): string {
    return path.join(this.root, 'row-groups');
  }

  /** The samples and raw headers of traces `range` of shared chunk `chunk`. */
  chunkPiece(chunk: number, range: TraceRange): string {
    return path.join(this.partsDir, `chunk-${chunk}-${range.start}-${range.end}.bin`);
  }

  /** The raw headers of traces `range` of shared row group `group`. */
  rowGroupPiece(group: number, range: TraceRange): string {
    return path.join(this.partsDir, `row-group-${group}-${range.start}-${range.end}.bin`);
  }

  /** Row group `group`, encoded (see `rowGroupFileBytes`). */
  rowGroupFile(group: number): string {
    return path.join(this.rowGroupsDir, `row-group-${group}.bin`);
  }
}
