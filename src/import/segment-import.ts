/**
 * Importing one segment of a SEG-Y file: the body of every import worker, and of the in-process
 * path for small files. It reads the segment chunk by chunk into reused buffers, decodes the
 * samples straight into the chunk's sample buffer and writes whole chunks into the final arrays.
 * What it shares with a neighbouring segment (a chunk or a header row group cut by the segment
 * boundary) it writes as a piece instead; the importer that writes the last piece of such a unit
 * assembles it at once, so the merge stage is left with splicing the header table.
 */
import { promises as fs } from 'node:fs';
import { OperationError, SegyError } from '../errors/index.js';
import type { Segment } from '../partition/index.js';
import {
  copyRecords,
  type Endianness,
  type HeaderMappingJSON,
  type SampleFormatCode,
  SegyFile,
  type SegyKind,
  type SegyOpenOptions,
} from '../segy/index.js';
import {
  DatasetChunkWriter,
  littleEndianBytes,
  type StoredSampleArray,
  storedSampleArray,
  writeFileAtomic,
} from '../storage/index.js';
import type { ImportControl } from './control.js';
import { encodeHeaderRowGroup, parseRowGroupFile, rowGroupFileBytes } from './header-table.js';
import {
  chunkPieceRowBytes,
  chunkRange,
  contains,
  type ImportGeometry,
  intersect,
  rowGroupRange,
  type SharedUnit,
  sharedUnits,
  type TraceRange,
  unitsOverlapping,
  WorkDirectory,
} from './layout.js';
import { OutputMerger } from './merger.js';

/**
 * How to open the source exactly as the coordinator did: its open options with the detected byte
 * order, format and kind filled in (no detection differences between threads), and what it found.
 */
export interface SourceSpec {
  /**
   * The input as the coordinator opened it: a path or the URL as given, whose query string may
   * carry a presigned signature, so messages name the file's redacted `path` instead.
   */
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
  /** Every segment of the import (which pieces make up a shared unit). */
  segments: Segment[];
  /** Keep outputs of an interrupted run that verify, instead of writing them again. */
  resume: boolean;
  /** Read the source and write chunk files with blocking calls (see `ImportConfig.blockingIO`). */
  blockingIO: boolean;
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
  /** Pieces of shared chunks and row groups written. */
  piecesWritten: number;
  /** Row groups encoded as Parquet. */
  rowGroupsWritten: number;
  /** Bytes of trace data read from the source. */
  bytesRead: number;
  /**
   * Digests of the whole chunks this importer wrote, kept from an interrupted run or assembled
   * from pieces (the parts of the dataset's sample digest, see storage's `ChunkDigestSet`).
   */
  chunkDigests: Array<{ chunk: number; digest: Uint8Array }>;
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
  const file = await SegyFile.open(task.source.path, {
    ...task.source.options,
    blockingReads: task.blockingIO,
  });
  try {
    checkSourceUnchanged(file, task.source, segment);
    const writer = await DatasetChunkWriter.open(work.dataset, { blockingWrites: task.blockingIO });
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
      { path: file.path, traceIndex: file.traceCount, segmentId: segment.segmentId },
    );
  }
  if (file.traceCount !== source.traceCount || file.traceSize !== source.traceSize) {
    throw new OperationError('IMPORT_FAILED', 'the source file changed while it was being imported', {
      path: file.path,
      segmentId: segment.segmentId,
    });
  }
}

/** One chunk's share of the segment. */
interface ChunkWork {
  chunk: number;
  /** The chunk's traces that belong to the segment. */
  part: TraceRange;
  /** True when the whole chunk belongs to the segment (written directly, not as a piece). */
  whole: boolean;
  group: GroupWork;
  /** Verified output of an interrupted run: nothing to write. */
  kept: boolean;
}

/** One header row group's share of the segment. */
interface GroupWork {
  group: number;
  /** The row group's traces that belong to the segment. */
  mine: TraceRange;
  /** True when the whole row group belongs to the segment (encoded here, not left as a piece). */
  whole: boolean;
  /** Verified output of an interrupted run: the headers need not be collected. */
  kept: boolean;
  /** Index in the segment's chunk list of the row group's last chunk. */
  lastWork: number;
}

/** Reused buffers for one chunk: its decoded samples (in the stored type) and raw headers. */
interface ChunkBuffers {
  samples: StoredSampleArray;
  rawHeaders: Uint8Array;
}

/** One read of the pipeline: traces `range` of chunk work `work`. */
interface BlockRead {
  work: ChunkWork;
  range: TraceRange;
}

/**
 * File bytes read at a time. Reads are smaller than chunks: read-ahead then needs two small
 * buffers, not two chunk-sized ones, and a chunk is decoded while its next block is read.
 */
const READ_BLOCK_BYTES = 2 * 1024 * 1024;

class SegmentImporter {
  readonly outcome: SegmentOutcome;
  private readonly geometry: ImportGeometry;
  private readonly segment: Segment;
  private readonly segmentRange: TraceRange;
  /** Two sets, so that one chunk is decoded while the previous one is written. */
  private readonly buffers: [ChunkBuffers, ChunkBuffers];
  /** Two read buffers, so that one block is decoded while the next is read. */
  private readonly blocks: [Uint8Array, Uint8Array];
  /** Traces per read. */
  private readonly blockTraces: number;
  /** Raw headers of the row group being collected; allocated on first use. */
  private groupHeaders: Uint8Array | undefined;
  /** The import's shared units; a unit's index here is its slot in the control memory. */
  private readonly sharedUnits: SharedUnit[];
  /** Assembles the shared units whose last piece this importer writes; made on first use. */
  private assembler: OutputMerger | undefined;

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
    this.segmentRange = { start: this.segment.startTrace, end: this.segment.endTrace };
    const rows = Math.min(this.geometry.chunkTraces, this.segment.traceCount);
    const buffers = (): ChunkBuffers => ({
      samples: storedSampleArray(this.geometry.sampleType, rows * this.geometry.sampleCount),
      rawHeaders: new Uint8Array(rows * this.geometry.traceHeaderSize),
    });
    this.buffers = [buffers(), buffers()];
    this.blockTraces = Math.max(1, Math.min(rows, Math.floor(READ_BLOCK_BYTES / file.traceSize)));
    this.blocks = [
      new Uint8Array(this.blockTraces * file.traceSize),
      new Uint8Array(this.blockTraces * file.traceSize),
    ];
    this.sharedUnits = sharedUnits(this.geometry, task.segments);
    this.outcome = {
      segmentId: this.segment.segmentId,
      chunksWritten: 0,
      chunksKept: 0,
      piecesWritten: 0,
      rowGroupsWritten: 0,
      bytesRead: 0,
      chunkDigests: [],
    };
  }

  /**
   * Import the segment chunk by chunk, in a pipeline: the next block of traces is read while the
   * current one is decoded, and the previous chunk is written meanwhile.
   */
  async run(): Promise<void> {
    const works = await this.plan();
    const reads: BlockRead[] = [];
    for (const work of works) {
      if (work.kept) continue;
      for (let start = work.part.start; start < work.part.end; start += this.blockTraces) {
        reads.push({ work, range: { start, end: Math.min(work.part.end, start + this.blockTraces) } });
      }
    }
    let readCount = 0;
    const readNext = () => {
      const next = reads[readCount];
      return next && this.file.readTraceBlock(next.range.start, next.range.end, this.blocks[readCount % 2]);
    };
    let pendingRead = readNext();
    let pendingWrite: Promise<void> = Promise.resolve();
    let chunksDecoded = 0;
    try {
      for (const [index, work] of works.entries()) {
        this.control.throwIfCancelled();
        if (work.kept) {
          this.outcome.chunksKept++;
          if (!work.group.kept) {
            this.collectHeaders(work, await this.file.readRawTraceHeaders(work.part.start, work.part.end));
          }
          if (!work.whole) await this.pieceWritten('chunk', work.chunk);
        } else {
          // These buffers were last written out two chunks ago; that write has completed.
          const buffers = this.buffers[chunksDecoded++ % 2]!;
          while (reads[readCount]?.work === work) {
            const { range } = reads[readCount]!;
            const block = await pendingRead!;
            readCount++;
            pendingRead = readNext();
            this.decode(block, range, range.start - work.part.start, buffers);
          }
          if (!work.group.kept) this.collectHeaders(work, buffers.rawHeaders);
          await pendingWrite;
          pendingWrite = this.store(work, buffers);
        }
        this.control.addProgress(this.segment.segmentId, work.part.end - work.part.start);
        this.onChunk?.();
        if (work.group.lastWork === index) {
          if (!work.group.kept) await this.storeHeaders(work.group);
          else if (!work.group.whole) await this.pieceWritten('rowGroup', work.group.group);
        }
      }
      await pendingWrite;
    } catch (error) {
      // Let the write in flight finish so that nothing is half-written behind the cleanup.
      await pendingWrite.catch(() => undefined);
      pendingRead?.catch(() => undefined);
      throw error;
    }
  }

  /** The chunks and row groups of the segment; with resume, which of their outputs verify. */
  private async plan(): Promise<ChunkWork[]> {
    const { rowGroupTraces, chunkTraces } = this.geometry;
    const works: ChunkWork[] = [];
    const groups = unitsOverlapping(this.segmentRange, rowGroupTraces);
    for (let group = groups.first; group <= groups.last; group++) {
      const groupRange = rowGroupRange(this.geometry, group);
      const mine = intersect(groupRange, this.segmentRange);
      const whole = contains(this.segmentRange, groupRange);
      const groupWork: GroupWork = {
        group,
        mine,
        whole,
        kept: this.task.resume && (await this.headerOutputValid(group, mine, whole)),
        lastWork: -1,
      };
      const chunks = unitsOverlapping(mine, chunkTraces);
      for (let chunk = chunks.first; chunk <= chunks.last; chunk++) {
        const chunkTraceRange = chunkRange(this.geometry, chunk);
        const part = intersect(chunkTraceRange, this.segmentRange);
        const chunkWhole = contains(this.segmentRange, chunkTraceRange);
        const kept = this.task.resume && (await this.chunkOutputValid(chunk, part, chunkWhole));
        works.push({ chunk, part, whole: chunkWhole, group: groupWork, kept });
      }
      groupWork.lastWork = works.length - 1;
    }
    return works;
  }

  /** Split the traces read into raw headers and decoded samples, `offset` traces into the chunk buffers. */
  private decode(block: Uint8Array, range: TraceRange, offset: number, buffers: ChunkBuffers): void {
    const headerSize = this.geometry.traceHeaderSize;
    const traceSize = this.file.traceSize;
    const rows = range.end - range.start;
    this.outcome.bytesRead += rows * traceSize;
    copyRecords(
      block,
      traceSize,
      buffers.rawHeaders.subarray(offset * headerSize),
      headerSize,
      headerSize,
      rows,
    );
    const samples = buffers.samples.subarray(offset * this.geometry.sampleCount);
    // float32 holds every format it stores exactly (or, with bit rounding, as asked); the wider
    // stored types are the format's own, copied unconverted.
    if (samples instanceof Float32Array) this.file.decodeBlock(block, rows, samples);
    else this.file.decodeBlockNative(block, rows, samples);
  }

  /** Copy a chunk's raw headers into the row group being collected. */
  private collectHeaders(work: ChunkWork, rawHeaders: Uint8Array): void {
    const headerSize = this.geometry.traceHeaderSize;
    this.groupHeaders ??= new Uint8Array(this.geometry.rowGroupTraces * headerSize);
    const rows = work.part.end - work.part.start;
    this.groupHeaders.set(
      rawHeaders.subarray(0, rows * headerSize),
      (work.part.start - work.group.mine.start) * headerSize,
    );
  }

  /** Write a chunk into the arrays, or as a piece for the merger when it is shared. */
  private async store(work: ChunkWork, buffers: ChunkBuffers): Promise<void> {
    const rows = work.part.end - work.part.start;
    const samples = buffers.samples.subarray(0, rows * this.geometry.sampleCount);
    const rawHeaders = buffers.rawHeaders.subarray(0, rows * this.geometry.traceHeaderSize);
    if (work.whole) {
      const digest = await this.writer.writeChunk(work.chunk, samples, rawHeaders);
      this.outcome.chunkDigests.push({ chunk: work.chunk, digest });
      this.outcome.chunksWritten++;
    } else {
      await writeFileAtomic(
        this.work.chunkPiece(work.chunk, work.part),
        chunkPieceBytes(samples, rawHeaders),
      );
      this.outcome.piecesWritten++;
      await this.pieceWritten('chunk', work.chunk);
    }
  }

  /** Encode a whole row group, or keep a shared one's headers as a piece for the merger. */
  private async storeHeaders(group: GroupWork): Promise<void> {
    const headerSize = this.geometry.traceHeaderSize;
    const rows = group.mine.end - group.mine.start;
    const headers = this.groupHeaders!.subarray(0, rows * headerSize);
    if (group.whole) {
      const encoded = await encodeHeaderRowGroup(
        headers,
        rows,
        headerSize,
        this.file.mapping.fields,
        this.file.endianness,
      );
      await writeFileAtomic(this.work.rowGroupFile(group.group), rowGroupFileBytes(encoded));
      this.outcome.rowGroupsWritten++;
    } else {
      await writeFileAtomic(this.work.rowGroupPiece(group.group, group.mine), headers);
      this.outcome.piecesWritten++;
      await this.pieceWritten('rowGroup', group.group);
    }
  }

  /**
   * Count a piece of a shared unit as written (or kept from an interrupted run); when it is the
   * last, assemble the unit now, while the code and the codecs are warm in this thread and other
   * segments may still be running, instead of in the merge stage.
   */
  private async pieceWritten(kind: SharedUnit['kind'], index: number): Promise<void> {
    const slot = this.sharedUnits.findIndex((unit) => unit.kind === kind && unit.index === index);
    if (this.control.pieceWritten(slot) < this.sharedUnits[slot]!.pieces) return;
    this.assembler ??= new OutputMerger(
      this.work,
      this.geometry,
      this.task.segments,
      this.file.mapping.fields,
      this.file.endianness,
      this.control,
    );
    if (kind === 'chunk') {
      const digest = await this.assembler.assembleChunk(this.writer, index);
      this.outcome.chunkDigests.push({ chunk: index, digest });
    } else {
      await this.assembler.assembleRowGroup(index);
    }
    this.control.markAssembled(slot);
  }

  private async chunkOutputValid(chunk: number, part: TraceRange, whole: boolean): Promise<boolean> {
    if (whole) {
      const digest = await this.writer.validChunkDigest(chunk);
      if (digest) this.outcome.chunkDigests.push({ chunk, digest });
      return digest !== undefined;
    }
    const rows = part.end - part.start;
    return fileHasSize(this.work.chunkPiece(chunk, part), rows * chunkPieceRowBytes(this.geometry));
  }

  private async headerOutputValid(group: number, mine: TraceRange, whole: boolean): Promise<boolean> {
    const rows = mine.end - mine.start;
    if (!whole)
      return fileHasSize(this.work.rowGroupPiece(group, mine), rows * this.geometry.traceHeaderSize);
    const bytes = await fs.readFile(this.work.rowGroupFile(group)).catch(() => undefined);
    return bytes !== undefined && parseRowGroupFile(bytes, rows, this.file.mapping.fields) !== undefined;
  }
}

/** A chunk piece on disk: its samples in the stored type, little-endian, then its raw headers. */
export function chunkPieceBytes(samples: StoredSampleArray, rawHeaders: Uint8Array): Uint8Array {
  const out = new Uint8Array(samples.byteLength + rawHeaders.length);
  out.set(littleEndianBytes(samples));
  out.set(rawHeaders, samples.byteLength);
  return out;
}

/** True when `path` is a file of exactly `size` bytes. */
export async function fileHasSize(path: string, size: number): Promise<boolean> {
  const stat = await fs.stat(path).catch(() => undefined);
  return stat?.isFile() === true && stat.size === size;
}
