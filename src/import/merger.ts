/**
 * The merge and index stages of an import, and the assembly of what segments share. A chunk or
 * header row group cut by a segment boundary is assembled from the segments' pieces by the
 * importer that writes the last piece (through {@link OutputMerger.assembleChunk} and
 * {@link OutputMerger.assembleRowGroup}); the merge stage splices the header table from the row
 * group files without decoding them. The gather index is built by streaming the key columns of
 * the finished header table.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatasetError } from '../errors/index.js';
import type { Segment } from '../partition/index.js';
import type { Endianness, HeaderField } from '../segy/index.js';
import {
  type DatasetChunkWriter,
  DEFAULT_ROW_GROUP_SIZE,
  ENSEMBLE_COLUMNS,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  ParquetTableReader,
  ParquetTableWriter,
  readLittleEndianSamples,
  storedSampleArray,
  writeFileAtomic,
} from '../storage/index.js';
import type { ImportControl } from './control.js';
import {
  type EncodedRowGroup,
  encodeHeaderRowGroup,
  HeaderTableSplicer,
  parseRowGroupFile,
  rowGroupFileBytes,
} from './header-table.js';
import {
  chunkPieceRowBytes,
  chunkRange,
  type ImportGeometry,
  intersect,
  rowGroupCount,
  rowGroupRange,
  type SharedUnit,
  sharedUnits,
  type TraceRange,
  type WorkDirectory,
} from './layout.js';

/** Called after each unit of merge work, and between units to stop a cancelled import. */
export interface MergeHooks {
  /** One unit (file) done. */
  onUnit(): void;
  /** Throws when the import was cancelled. */
  checkCancelled(): void;
}

/**
 * Assembles the outputs of the segment importers into the dataset in the work directory.
 */
export class OutputMerger {
  private readonly units: SharedUnit[];

  /**
   * @internal The coordinator builds the merger from its work directory and partition; so does a
   * segment importer that assembles a shared unit. `control` tells which shared units the
   * importers already assembled.
   */
  constructor(
    private readonly work: WorkDirectory,
    private readonly geometry: ImportGeometry,
    private readonly segments: readonly Segment[],
    private readonly fields: readonly HeaderField[],
    private readonly endianness: Endianness,
    private readonly control: ImportControl | undefined,
  ) {
    this.units = sharedUnits(geometry, segments);
  }

  /** Units of work of {@link OutputMerger.mergeHeaders}: the row groups. */
  get unitCount(): number {
    return rowGroupCount(this.geometry);
  }

  /** Write shared chunk `chunk` into the arrays from the pieces the segments wrote; returns its digest. */
  async assembleChunk(writer: DatasetChunkWriter, chunk: number): Promise<Uint8Array> {
    const { sampleCount, traceHeaderSize } = this.geometry;
    const range = chunkRange(this.geometry, chunk);
    const rows = range.end - range.start;
    const samples = storedSampleArray(this.geometry.sampleType, rows * sampleCount);
    const rawHeaders = new Uint8Array(rows * traceHeaderSize);
    for (const piece of this.pieces(range)) {
      const pieceRows = piece.end - piece.start;
      const file = this.work.chunkPiece(chunk, piece);
      const bytes = await readExactly(file, pieceRows * chunkPieceRowBytes(this.geometry));
      const offset = piece.start - range.start;
      const pieceSamples = samples.subarray(offset * sampleCount, (offset + pieceRows) * sampleCount);
      readLittleEndianSamples(bytes, pieceSamples);
      rawHeaders.set(bytes.subarray(pieceSamples.byteLength), offset * traceHeaderSize);
    }
    return writer.writeChunk(chunk, samples, rawHeaders);
  }

  /**
   * Encode shared row group `group` from the pieces the segments wrote, into the same row group
   * file a segment importer writes for a row group of its own.
   */
  async assembleRowGroup(group: number): Promise<void> {
    await writeFileAtomic(
      this.work.rowGroupFile(group),
      rowGroupFileBytes(await this.encodeFromPieces(group)),
    );
  }

  /**
   * Write `headers.parquet` into the dataset: row group after row group, copied from the row group
   * files. Fails when a shared chunk or row group was not assembled by the segment importers.
   */
  async mergeHeaders(hooks: MergeHooks): Promise<void> {
    for (const [slot, unit] of this.units.entries()) {
      if (!this.control?.assembled(slot)) {
        const name = unit.kind === 'chunk' ? `chunk ${unit.index}` : `header row group ${unit.index}`;
        throw incomplete(`${name}, cut by a segment boundary, was not assembled`, this.work.partsDir);
      }
    }
    const target = path.join(this.work.dataset, HEADERS_TABLE);
    const temporary = `${target}.partial`;
    const splicer = new HeaderTableSplicer(temporary, this.fields);
    try {
      for (let group = 0; group < rowGroupCount(this.geometry); group++) {
        hooks.checkCancelled();
        splicer.append(await this.rowGroupFile(group));
        hooks.onUnit();
      }
      splicer.close();
    } catch (error) {
      splicer.abandon();
      await fs.rm(temporary, { force: true });
      throw error;
    }
    await fs.rename(temporary, target);
  }

  private async rowGroupFile(group: number): Promise<EncodedRowGroup> {
    const range = rowGroupRange(this.geometry, group);
    const file = this.work.rowGroupFile(group);
    const bytes = await fs.readFile(file).catch(() => undefined);
    const parsed = bytes && parseRowGroupFile(bytes, range.end - range.start, this.fields);
    if (!parsed) throw incomplete(`header row group ${group} is missing or invalid`, file);
    return parsed;
  }

  private async encodeFromPieces(group: number): Promise<EncodedRowGroup> {
    const range = rowGroupRange(this.geometry, group);
    const rows = range.end - range.start;
    const headerSize = this.geometry.traceHeaderSize;
    const raw = new Uint8Array(rows * headerSize);
    for (const piece of this.pieces(range)) {
      const bytes = await readExactly(
        this.work.rowGroupPiece(group, piece),
        (piece.end - piece.start) * headerSize,
      );
      raw.set(bytes, (piece.start - range.start) * headerSize);
    }
    return encodeHeaderRowGroup(raw, rows, headerSize, this.fields, this.endianness);
  }

  /** The parts of `range` that each segment wrote, in trace order. */
  private pieces(range: TraceRange): TraceRange[] {
    return this.segments
      .map((segment) => intersect(range, { start: segment.startTrace, end: segment.endTrace }))
      .filter((piece) => piece.end > piece.start);
  }

  /**
   * Write `ensembles.parquet` from the key columns of `headers.parquet`: one row per run of
   * consecutive traces with equal key values, reading one row group of keys at a time. Returns
   * the number of ensembles per key set (`"fieldRecord"`, `"inline,crossline"`).
   */
  async buildIndex(
    keySets: readonly (readonly string[])[],
    onTraces: (traces: number) => void,
    checkCancelled: () => void,
  ): Promise<Record<string, number>> {
    // One reader for every read: the footer (a few hundred column chunks) is parsed once.
    const headersTable = new ParquetTableReader(path.join(this.work.dataset, HEADERS_TABLE));
    const target = path.join(this.work.dataset, ENSEMBLES_TABLE);
    const temporary = `${target}.partial`;
    const table = ParquetTableWriter.create(temporary, ENSEMBLE_COLUMNS);
    const counts: Record<string, number> = {};
    try {
      for (const keys of keySets) {
        const runs = new RunCollector(keys.join(','), table);
        for (let start = 0; start < this.geometry.traceCount; start += INDEX_READ_TRACES) {
          checkCancelled();
          const range = { start, end: Math.min(this.geometry.traceCount, start + INDEX_READ_TRACES) };
          const columns = await headersTable.read(keys, range);
          const first = columns[keys[0]!]! as ArrayLike<number | bigint>;
          const second = keys.length > 1 ? (columns[keys[1]!]! as ArrayLike<number | bigint>) : undefined;
          for (let i = 0; i < range.end - range.start; i++)
            runs.add(range.start + i, first[i]!, second ? second[i]! : 0);
          await runs.flushFullGroups();
          onTraces(range.end - range.start);
        }
        counts[keys.join(',')] = await runs.finish();
      }
      await table.close();
    } catch (error) {
      await table.close().catch(() => undefined);
      await fs.rm(temporary, { force: true });
      throw error;
    } finally {
      await headersTable.release();
    }
    await fs.rename(temporary, target);
    return counts;
  }
}

/** Traces of key columns read at a time while indexing (a few MiB of keys). */
const INDEX_READ_TRACES = 65_536;

/**
 * Turns a stream of (trace, key values) into runs, appended to the table in row groups of
 * exactly {@link DEFAULT_ROW_GROUP_SIZE} rows (whatever the read batches), so the table's layout
 * depends on its content only.
 */
class RunCollector {
  // Key values are compared as read (numbers for 32-bit columns) and made bigint per run only.
  private value0: number | bigint = 0;
  private value1: number | bigint = 0;
  private first = -1;
  private count = 0;
  private runs = 0;
  private readonly pending = newBatch();

  constructor(
    private readonly key: string,
    private readonly table: ParquetTableWriter,
  ) {}

  /** Add one trace; a change of key values closes the current run. */
  add(trace: number, value0: number | bigint, value1: number | bigint): void {
    if (this.count > 0 && value0 === this.value0 && value1 === this.value1) {
      this.count++;
      return;
    }
    this.closeRun();
    this.value0 = value0;
    this.value1 = value1;
    this.first = trace;
    this.count = 1;
  }

  /** Append every full row group of closed runs to the table. */
  async flushFullGroups(): Promise<void> {
    while (this.pending.key.length >= DEFAULT_ROW_GROUP_SIZE) await this.flush(DEFAULT_ROW_GROUP_SIZE);
  }

  /** Close the last run and append everything; returns the number of runs. */
  async finish(): Promise<number> {
    this.closeRun();
    await this.flushFullGroups();
    if (this.pending.key.length > 0) await this.flush(this.pending.key.length);
    return this.runs;
  }

  private closeRun(): void {
    if (this.count === 0) return;
    const p = this.pending;
    p.key.push(this.key);
    p.value0.push(BigInt(this.value0));
    p.value1.push(BigInt(this.value1));
    p.first_trace.push(BigInt(this.first));
    p.trace_count.push(BigInt(this.count));
    this.runs++;
    this.count = 0;
  }

  private async flush(rows: number): Promise<void> {
    const p = this.pending;
    await this.table.append({
      key: p.key.splice(0, rows),
      value0: p.value0.splice(0, rows),
      value1: p.value1.splice(0, rows),
      first_trace: p.first_trace.splice(0, rows),
      trace_count: p.trace_count.splice(0, rows),
    });
  }
}

function newBatch() {
  return {
    key: [] as string[],
    value0: [] as bigint[],
    value1: [] as bigint[],
    first_trace: [] as bigint[],
    trace_count: [] as bigint[],
  };
}

async function readExactly(file: string, size: number): Promise<Uint8Array> {
  const bytes = await fs.readFile(file).catch(() => undefined);
  if (!bytes || bytes.length !== size) {
    throw incomplete(`piece ${path.basename(file)} is missing or has the wrong size`, file);
  }
  return bytes;
}

function incomplete(message: string, file: string): DatasetError {
  return new DatasetError('DATASET_INCOMPLETE', message, { path: file });
}
