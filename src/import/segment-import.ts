/**
 * Importing one segment of a SEG-Y file: the body of every import worker, and of the in-process
 * path for small files. It reads the segment chunk by chunk into reused buffers, decodes the
 * samples straight into the chunk's sample buffer and writes whole chunks into the final arrays.
 * What it shares with a neighbouring segment (a chunk or a header row group cut by the segment
 * boundary) it writes as a piece for the merger instead.
 */
import { promises as fs } from 'node:fs';
import { OperationError, SegyError } from '../errors/index.js';
import type { Segment } from '../partition/index.js';
import {
  type Endianness,
  type HeaderMappingJSON,
  type SampleFormatCode,
  SegyFile,
  type SegyKind,
  type SegyOpenOptions,
} from '../segy/index.js';
import { DatasetChunkWriter, littleEndianBytes, writeFileAtomic } from '../storage/index.js';
import type { ImportControl } from './control.js';
import { encodeHeaderRowGroup, parseRowGroupFile } from './header-table.js';
import {
  chunkRange,
  contains,
  type ImportGeometry,
  intersect,
  rowGroupRange,
  type TraceRange,
  unitsOverlapping,
  WorkDirectory,
} from './layout.js';

/**
 * How to open the source exactly as the coordinator did: its open options with the detected byte
 * order, format and kind filled in (no detection differences between threads), and what it found.
 */
export interface SourceSpec {
  path: string;
  options: Omit<SegyOpenOptions, 'mapping' | 'kind' | 'endianness' | 'formatCode'> & {
    kind: SegyKind;
    endianness: Endianness;
    formatCode: SampleFormatCode;
    mapping: HeaderMappingJSON;
  };
  /** Traces the coordinator found; a different count means the file changed under the import. */
  traceCount: number;
  /** Bytes per trace the coordinator found. */
  traceSize: number;
}

/** Everything a segment importer needs; plain data, so it can cross to a worker thread. */
export interface SegmentTask {
  source: SourceSpec;
  /** The import's output path (the work directory is derived from it). */
  output: string;
  geometry: ImportGeometry;
  segment: Segment;
  /** Keep outputs of an interrupted run that verify, instead of writing them again. */
  resume: boolean;
  /** {@link ImportControl} memory. */
  control: SharedArrayBuffer;
}

/** What a segment importer did. */
export interface SegmentOutcome {
  segmentId: number;
  /** Whole chunks written into the arrays. */
  chunksWritten: number;
  /** Chunks (or chunk pieces) already present from an interrupted run and verified. */
  chunksKept: number;
  /** Pieces of shared chunks and row groups written for the merger. */
  piecesWritten: number;
  /** Row groups encoded as Parquet. */
  rowGroupsWritten: number;
  /** Bytes of trace data read from the source. */
  bytesRead: number;
}

/**
 * Import the traces of `task.segment`. `onChunk` is called after each chunk (the in-process path
 * reports progress through it; workers report through `control` only).
 */
export async function importSegment(
  task: SegmentTask,
  control: ImportControl,
  onChunk?: () => void,
): Promise<SegmentOutcome> {
  const { segment } = task;
  const work = new WorkDirectory(task.output);
  const file = await SegyFile.open(task.source.path, task.source.options);
  try {
    checkSourceUnchanged(file, task.source, segment);
    const writer = await DatasetChunkWriter.open(work.dataset);
    const importer = new SegmentImporter(file, writer, work, task, control, onChunk);
    await importer.run();
    return importer.outcome;
  } finally {
    await file.close();
  }
}

function checkSourceUnchanged(file: SegyFile, source: SourceSpec, segment: Segment): void {
  if (file.traceCount < source.traceCount) {
    throw new SegyError(
      'SEGY_TRUNCATED',
      `the file has ${file.traceCount} traces now, ${source.traceCount} when the import started`,
      { path: source.path, traceIndex: file.traceCount, segmentId: segment.segmentId },
    );
  }
  if (file.traceCount !== source.traceCount || file.traceSize !== source.traceSize) {
    throw new OperationError('IMPORT_FAILED', 'the source file changed while it was being imported', {
      path: source.path,
      segmentId: segment.segmentId,
    });
  }
}

class SegmentImporter {
  readonly outcome: SegmentOutcome;
  private readonly geometry: ImportGeometry;
  private readonly segment: Segment;
  private readonly samples: Float32Array;
  private readonly rawHeaders: Uint8Array;
  private readonly block: Uint8Array;
  /** Raw headers of the row group being collected; allocated on first use. */
  private groupHeaders: Uint8Array | undefined;

  constructor(
    private readonly file: SegyFile,
    private readonly writer: DatasetChunkWriter,
    private readonly work: WorkDirectory,
    private readonly task: SegmentTask,
    private readonly control: ImportControl,
    private readonly onChunk: (() => void) | undefined,
  ) {
    this.geometry = task.geometry;
    this.segment = task.segment;
    const rows = Math.min(this.geometry.chunkTraces, this.segment.traceCount);
    this.samples = new Float32Array(rows * this.geometry.sampleCount);
    this.rawHeaders = new Uint8Array(rows * this.geometry.traceHeaderSize);
    this.block = new Uint8Array(rows * file.traceSize);
    this.outcome = {
      segmentId: this.segment.segmentId,
      chunksWritten: 0,
      chunksKept: 0,
      piecesWritten: 0,
      rowGroupsWritten: 0,
      bytesRead: 0,
    };
  }

  async run(): Promise<void> {
    const segmentRange = { start: this.segment.startTrace, end: this.segment.endTrace };
    const { first, last } = unitsOverlapping(segmentRange, this.geometry.rowGroupTraces);
    for (let group = first; group <= last; group++) await this.importRowGroup(group, segmentRange);
  }

  /** Import the traces of row group `group` that belong to this segment, chunk by chunk. */
  private async importRowGroup(group: number, segmentRange: TraceRange): Promise<void> {
    const { traceHeaderSize: headerSize } = this.geometry;
    const groupRange = rowGroupRange(this.geometry, group);
    const mine = intersect(groupRange, segmentRange);
    const whole = contains(segmentRange, groupRange);
    const headerTarget = whole ? this.work.rowGroupFile(group) : this.work.rowGroupPiece(group, mine);
    const mineRows = mine.end - mine.start;
    const headersKept = this.task.resume && (await this.headerOutputValid(headerTarget, whole, mineRows));
    if (!headersKept) this.groupHeaders ??= new Uint8Array(this.geometry.rowGroupTraces * headerSize);

    const { first, last } = unitsOverlapping(mine, this.geometry.chunkTraces);
    for (let chunk = first; chunk <= last; chunk++) {
      this.control.throwIfCancelled();
      const chunkTraces = chunkRange(this.geometry, chunk);
      const part = intersect(chunkTraces, segmentRange);
      const rows = part.end - part.start;
      const chunkWhole = contains(segmentRange, chunkTraces);
      const kept = this.task.resume && (await this.chunkOutputValid(chunk, part, chunkWhole));
      if (kept) {
        this.outcome.chunksKept++;
        if (!headersKept) {
          const headers = await this.file.readRawTraceHeaders(part.start, part.end);
          this.groupHeaders!.set(
            headers.subarray(0, rows * headerSize),
            (part.start - mine.start) * headerSize,
          );
        }
      } else {
        await this.readChunk(part);
        const samples = this.samples.subarray(0, rows * this.geometry.sampleCount);
        const rawHeaders = this.rawHeaders.subarray(0, rows * headerSize);
        if (!headersKept) this.groupHeaders!.set(rawHeaders, (part.start - mine.start) * headerSize);
        if (chunkWhole) {
          await this.writer.writeChunk(chunk, samples, rawHeaders);
          this.outcome.chunksWritten++;
        } else {
          await writeFileAtomic(this.work.chunkPiece(chunk, part), chunkPieceBytes(samples, rawHeaders));
          this.outcome.piecesWritten++;
        }
      }
      this.control.addProgress(this.segment.segmentId, rows);
      this.onChunk?.();
    }

    if (headersKept) return;
    const headers = this.groupHeaders!.subarray(0, mineRows * headerSize);
    if (whole) {
      const bytes = encodeHeaderRowGroup(
        headers,
        mineRows,
        headerSize,
        this.file.mapping.fields,
        this.file.endianness,
      );
      await writeFileAtomic(headerTarget, bytes);
      this.outcome.rowGroupsWritten++;
    } else {
      await writeFileAtomic(headerTarget, headers);
      this.outcome.piecesWritten++;
    }
  }

  /** Read traces `range` and decode them into the sample and raw header buffers. */
  private async readChunk(range: TraceRange): Promise<void> {
    const headerSize = this.geometry.traceHeaderSize;
    const traceSize = this.file.traceSize;
    const rows = range.end - range.start;
    const block = await this.file.readTraceBlock(range.start, range.end, this.block);
    this.outcome.bytesRead += rows * traceSize;
    for (let t = 0; t < rows; t++) {
      this.rawHeaders.set(block.subarray(t * traceSize, t * traceSize + headerSize), t * headerSize);
    }
    this.file.decodeBlock(block, rows, this.samples);
  }

  private async chunkOutputValid(chunk: number, part: TraceRange, whole: boolean): Promise<boolean> {
    if (whole) return this.writer.hasValidChunk(chunk);
    const rows = part.end - part.start;
    return fileHasSize(
      this.work.chunkPiece(chunk, part),
      rows * (this.geometry.sampleCount * 4 + this.geometry.traceHeaderSize),
    );
  }

  private async headerOutputValid(target: string, whole: boolean, rows: number): Promise<boolean> {
    if (!whole) return fileHasSize(target, rows * this.geometry.traceHeaderSize);
    const bytes = await fs.readFile(target).catch(() => undefined);
    return bytes !== undefined && parseRowGroupFile(bytes, rows, this.file.mapping.fields) !== undefined;
  }
}

/** A chunk piece on disk: its samples as float32 little-endian, then its raw headers. */
export function chunkPieceBytes(samples: Float32Array, rawHeaders: Uint8Array): Uint8Array {
  const out = new Uint8Array(samples.length * 4 + rawHeaders.length);
  out.set(littleEndianBytes(samples));
  out.set(rawHeaders, samples.length * 4);
  return out;
}

/** True when `path` is a file of exactly `size` bytes. */
export async function fileHasSize(path: string, size: number): Promise<boolean> {
  const stat = await fs.stat(path).catch(() => undefined);
  return stat?.isFile() === true && stat.size === size;
}
