/**
 * Reads a dataset's Parquet tables (`headers.parquet`, `ensembles.parquet`) through one
 * {@link ByteSource} (locally one open file handle) and a footer parsed once: every read fetches only the column chunks of the columns asked
 * for, in the row groups that overlap the rows asked for; statistics come from the footer (and,
 * for distinct counts, from dictionary page headers) without decoding any column when they
 * suffice.
 */
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { ArgumentError, DatasetError, StorageError } from '../errors/index.js';
import type { ByteSource } from '../io/index.js';
import type { ParquetColumnValues, RowRange } from './parquet.js';
import { SharedFile } from './shared-file.js';

/** Statistics of one header column. */
export interface HeaderColumnStats {
  /** Column name. */
  column: string;
  /** Number of non-null values. */
  count: number;
  /** Number of nulls (0 for the required columns seisproc writes). */
  nullCount: number;
  /** Smallest value (NaN ignored); undefined when there is no value. 64-bit columns give bigints. */
  min: number | bigint | undefined;
  /** Largest value (NaN ignored); undefined when there is no value. */
  max: number | bigint | undefined;
  /**
   * Number of distinct values, given only where it is exact and cheap: a constant column, a
   * column whose row groups have their own exact distinct counts (footer statistics or dictionary
   * pages) over disjoint value ranges, or a gather key (from the gather index).
   */
  distinct?: number;
  /**
   * `statistics` when everything came from the footer and page headers; `scan` when some row
   * group had no min/max statistics and its column chunk was read.
   */
  source: 'statistics' | 'scan';
}

interface OpenTable {
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** Column index in row groups and physical type, by name. */
  columns: Map<string, { index: number; type: string | undefined; unsigned: boolean }>;
}

type MinMax = number | bigint;

/**
 * Read access to a Parquet table of a dataset (`headers.parquet`, `ensembles.parquet`), opened on
 * first use; its footer is parsed once for every later read, so many small reads (of a range of
 * rows, of a few columns) stay cheap.
 */
export class ParquetTableReader {
  private table: Promise<OpenTable> | undefined;
  private readonly file: ByteSource;
  /** Where the table is: a file path, or a URL without credentials or query. */
  readonly path: string;

  /**
   * @param file - the Parquet file: a local path, or any byte source (a table in an object store)
   * @param maxRows - the most rows the table may have (e.g. a dataset's trace count for its
   *   header table): a footer claiming more is refused before anything is sized by it
   */
  constructor(
    file: string | ByteSource,
    private readonly maxRows = Number.MAX_SAFE_INTEGER,
  ) {
    this.file = typeof file === 'string' ? new SharedFile(file) : file;
    this.path = this.file.location;
  }

  private open(): Promise<OpenTable> {
    this.table ??= openTable(this.file, this.maxRows).catch((error: unknown) => {
      this.table = undefined;
      throw error;
    });
    return this.table;
  }

  /** Names of the columns, in table order. */
  async columnNames(): Promise<string[]> {
    return [...(await this.open()).columns.keys()];
  }

  /** Number of rows. */
  async rowCount(): Promise<number> {
    return Number((await this.open()).metadata.num_rows);
  }

  /**
   * Columns (all when omitted) for rows `range` (all when omitted). Only the row groups that
   * overlap the range are read. Unknown columns are an `INVALID_ARGUMENT` error.
   */
  async read(columns?: readonly string[], range?: RowRange): Promise<Record<string, ParquetColumnValues>> {
    const table = await this.open();
    const wanted = columns ? [...columns] : [...table.columns.keys()];
    this.checkColumns(table, wanted);
    const total = Number(table.metadata.num_rows);
    const start = range?.start ?? 0;
    const end = range?.end ?? total;
    const out: Record<string, ParquetColumnValues> = {};
    for (const name of wanted) out[name] = allocateColumn(table.columns.get(name)!, end - start);
    if (!wanted.length || end <= start) return out;
    const { parquetRead, snappyUncompress } = await import('hyparquet');
    // hyparquet calls onChunk outside the promise it returns: a throw there would be an
    // unhandled rejection, so the first failure is kept and thrown once the read is over.
    const filled = new Map(wanted.map((name) => [name, 0]));
    let failure: unknown;
    await parquetRead({
      file: table.file,
      metadata: table.metadata,
      columns: wanted,
      rowStart: start,
      rowEnd: end,
      compressors: boundedCompressors(snappyUncompress),
      onChunk: (chunk) => {
        try {
          const target = out[chunk.columnName] as unknown as { [i: number]: unknown };
          const data = chunk.columnData as ArrayLike<unknown>;
          const from = Math.max(start, chunk.rowStart);
          const to = Math.min(end, chunk.rowEnd, chunk.rowStart + data.length);
          for (let row = from; row < to; row++) target[row - start] = data[row - chunk.rowStart];
          filled.set(chunk.columnName, filled.get(chunk.columnName)! + Math.max(0, to - from));
        } catch (error) {
          failure ??= error;
        }
      },
    }).catch((cause: unknown) => {
      failure ??= cause;
    });
    // A store that failed (the network, permissions) is not a damaged table.
    if (failure instanceof StorageError) throw failure;
    if (failure !== undefined) {
      throw new DatasetError('DATASET_INVALID', 'unreadable Parquet table', {
        path: this.path,
        cause: failure,
      });
    }
    for (const [name, rows] of filled) {
      if (rows !== end - start) {
        throw new DatasetError(
          'DATASET_INVALID',
          `column ${name} holds ${rows} of the ${end - start} rows [${start}, ${end}) its footer promises`,
          { path: this.path },
        );
      }
    }
    return out;
  }

  /** Statistics of a column from the footer, reading data only where statistics are missing. */
  async stats(column: string): Promise<HeaderColumnStats> {
    const table = await this.open();
    this.checkColumns(table, [column]);
    const { index } = table.columns.get(column)!;
    let min: MinMax | undefined;
    let max: MinMax | undefined;
    let count = 0;
    let nullCount = 0;
    let source: HeaderColumnStats['source'] = 'statistics';
    const groups: Array<{ min: MinMax; max: MinMax; distinct: number | undefined }> = [];
    let distinctKnown = true;
    let row = 0;
    for (const group of table.metadata.row_groups) {
      const rows = Number(group.num_rows);
      const meta = group.columns[index]?.meta_data;
      const statistics = meta?.statistics;
      const nulls = Number(statistics?.null_count ?? 0n);
      let groupMin = numeric(statistics?.min_value ?? statistics?.min);
      let groupMax = numeric(statistics?.max_value ?? statistics?.max);
      if (groupMin === undefined || groupMax === undefined) {
        const scanned = await this.scanRange(column, { start: row, end: row + rows });
        groupMin = scanned.min;
        groupMax = scanned.max;
        source = 'scan';
      }
      row += rows;
      count += rows - nulls;
      nullCount += nulls;
      if (groupMin === undefined || groupMax === undefined) continue;
      if (min === undefined || groupMin < min) min = groupMin;
      if (max === undefined || groupMax > max) max = groupMax;
      let distinct = statistics?.distinct_count === undefined ? undefined : Number(statistics.distinct_count);
      if (distinct === undefined && groupMin === groupMax) distinct = 1;
      if (distinct === undefined && meta?.dictionary_page_offset !== undefined) {
        distinct = await dictionarySize(table.file, Number(meta.dictionary_page_offset));
      }
      if (distinct === undefined) distinctKnown = false;
      groups.push({ min: groupMin, max: groupMax, distinct });
    }
    const result: HeaderColumnStats = { column, count, nullCount, min, max, source };
    if (min !== undefined && min === max) result.distinct = 1;
    else if (distinctKnown && disjoint(groups))
      result.distinct = groups.reduce((sum, g) => sum + g.distinct!, 0);
    return result;
  }

  private async scanRange(column: string, range: RowRange): Promise<{ min?: MinMax; max?: MinMax }> {
    const values = (await this.read([column], range))[column] as ArrayLike<unknown>;
    let min: MinMax | undefined;
    let max: MinMax | undefined;
    for (let i = 0; i < values.length; i++) {
      const value = numeric(values[i]);
      if (value === undefined) continue;
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
    }
    return { min, max };
  }

  private checkColumns(table: OpenTable, wanted: readonly string[]): void {
    const unknown = wanted.filter((name) => !table.columns.has(name));
    if (unknown.length) {
      throw new ArgumentError(
        `no header column ${unknown.join(', ')}; columns: ${[...table.columns.keys()].join(', ')}`,
        { path: this.path },
      );
    }
  }

  /** Close the file and forget the footer; the next read opens and parses it again. */
  async release(): Promise<void> {
    this.table = undefined;
    await this.file.close();
  }
}

/** "PAR1" at both ends, and the footer's length before the last one. */
const MAGIC_BYTES = 4;
const FOOTER_TAIL_BYTES = 8;

async function openTable(source: ByteSource, maxRows: number): Promise<OpenTable> {
  const size = await source.size().catch((cause: unknown) => {
    if (cause instanceof StorageError && cause.code === 'STORAGE_NOT_FOUND') {
      throw new DatasetError('DATASET_INCOMPLETE', 'no such table', { path: source.location, cause });
    }
    throw cause;
  });
  const file: AsyncBuffer = {
    byteLength: size,
    slice: async (start: number, end?: number) => {
      const stop = end ?? size;
      // Offsets come from the file's own footer: never allocate for bytes the file does not have.
      if (!(start >= 0 && stop <= size)) {
        throw new DatasetError(
          'DATASET_INVALID',
          `Parquet read [${start}, ${stop}) beyond the file's ${size} bytes`,
          { path: source.location },
        );
      }
      const length = Math.max(0, stop - start);
      const bytes = await source.read(start, length);
      if (bytes.length !== length) {
        throw new DatasetError('DATASET_INVALID', `short read at byte ${start}`, {
          path: source.location,
          byteOffset: start,
        });
      }
      // hyparquet wants the bytes as an ArrayBuffer of their own.
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      return (whole ? bytes : bytes.slice()).buffer as ArrayBuffer;
    },
  };
  const footerLength = await readFooterLength(file, source.location);
  let metadata: FileMetaData;
  try {
    const { parquetMetadataAsync } = await import('hyparquet');
    metadata = await parquetMetadataAsync(file);
  } catch (cause) {
    if (cause instanceof StorageError || cause instanceof DatasetError) throw cause;
    throw new DatasetError('DATASET_INVALID', 'unreadable Parquet table', { path: source.location, cause });
  }
  const columns = new Map<string, { index: number; type: string | undefined; unsigned: boolean }>();
  for (const element of metadata.schema.slice(1)) {
    columns.set(element.name, {
      index: columns.size,
      type: element.type,
      unsigned: element.converted_type === 'UINT_64' || element.converted_type === 'UINT_32',
    });
  }
  const problem = footerProblem(metadata, columns.size, size - FOOTER_TAIL_BYTES - footerLength, maxRows);
  if (problem)
    throw new DatasetError('DATASET_INVALID', `Parquet footer: ${problem}`, { path: source.location });
  return { file, metadata, columns };
}

/** The footer's length field, checked against the file's size before anything reads the footer. */
async function readFooterLength(file: AsyncBuffer, path: string): Promise<number> {
  const size = file.byteLength;
  if (size < MAGIC_BYTES + FOOTER_TAIL_BYTES) {
    throw new DatasetError('DATASET_INVALID', `${size} bytes are too few for a Parquet file`, { path });
  }
  const tail = new DataView(await file.slice(size - FOOTER_TAIL_BYTES, size));
  const footerLength = tail.getUint32(0, true);
  if (footerLength > size - FOOTER_TAIL_BYTES - MAGIC_BYTES) {
    throw new DatasetError(
      'DATASET_INVALID',
      `Parquet footer length ${footerLength} exceeds the file's ${size} bytes`,
      { path, byteOffset: size - FOOTER_TAIL_BYTES },
    );
  }
  return footerLength;
}

/**
 * What is wrong with a parsed footer, if anything: row counts that disagree or exceed
 * `maxRows`, a row group without one chunk per column, a column chunk outside the data bytes
 * (`[4, dataEnd)`) or with a negative count.
 */
function footerProblem(
  metadata: FileMetaData,
  columnCount: number,
  dataEnd: number,
  maxRows: number,
): string | undefined {
  const rows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > maxRows) {
    return `${metadata.num_rows} rows, at most ${maxRows} expected`;
  }
  let groupRows = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const groupCount = Number(group.num_rows);
    if (!Number.isSafeInteger(groupCount) || groupCount < 0)
      return `row group ${g} has ${group.num_rows} rows`;
    groupRows += groupCount;
    if (group.columns.length !== columnCount) {
      return `row group ${g} has ${group.columns.length} column chunks for ${columnCount} columns`;
    }
    for (const [c, chunk] of group.columns.entries()) {
      const meta = chunk.meta_data;
      if (!meta) return `row group ${g} column ${c} has no metadata`;
      const first = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = first + Number(meta.total_compressed_size);
      const values = Number(meta.num_values);
      if (!(first >= MAGIC_BYTES && end <= dataEnd && end > first) || !(values >= 0)) {
        return `row group ${g} column ${c}: bytes [${first}, ${end}) outside the data [${MAGIC_BYTES}, ${dataEnd}) or ${values} values`;
      }
    }
  }
  return groupRows === rows ? undefined : `row groups hold ${groupRows} rows, the footer says ${rows}`;
}

/**
 * Snappy expands at most ~21 times (a 3-byte copy makes 64 bytes); a page header promising more
 * is damaged, and the page is refused before its buffer is allocated.
 */
const SNAPPY_MAX_EXPANSION = 24;

/** hyparquet's decompressors, with Snappy refusing pages that promise more than it can expand to. */
function boundedCompressors(snappyUncompress: (input: Uint8Array, output: Uint8Array) => void) {
  return {
    SNAPPY: (input: Uint8Array, outputLength: number): Uint8Array => {
      if (outputLength > SNAPPY_MAX_EXPANSION * input.length + 64) {
        throw new Error(`a page of ${input.length} Snappy bytes cannot hold ${outputLength} bytes`);
      }
      const output = new Uint8Array(outputLength);
      snappyUncompress(input, output);
      return output;
    },
  };
}

function allocateColumn(
  column: { type: string | undefined; unsigned: boolean },
  length: number,
): ParquetColumnValues {
  switch (column.type) {
    case 'INT32':
      return column.unsigned ? new Uint32Array(length) : new Int32Array(length);
    case 'INT64':
      return column.unsigned ? new BigUint64Array(length) : new BigInt64Array(length);
    case 'FLOAT':
      return new Float32Array(length);
    case 'DOUBLE':
      return new Float64Array(length);
    default:
      return new Array(length);
  }
}

function numeric(value: unknown): MinMax | undefined {
  if (typeof value === 'bigint') return value;
  // Writers store a zero minimum as −0 (the Parquet rule for signed zeros); report it as 0.
  if (typeof value === 'number' && !Number.isNaN(value)) return value === 0 ? 0 : value;
  return undefined;
}

/** True when no two row groups' [min, max] ranges overlap, so their distinct values are disjoint. */
function disjoint(groups: ReadonlyArray<{ min: MinMax; max: MinMax }>): boolean {
  const sorted = [...groups].sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (!(sorted[i - 1]!.max < sorted[i]!.min)) return false;
  return true;
}

/** Page headers are small; 256 bytes hold any dictionary page header a writer produces. */
const PAGE_HEADER_BYTES = 256;

/**
 * The number of entries of the dictionary page at `offset`: a writer's dictionary holds each
 * value of its column chunk once, so this is the chunk's distinct count, read from a page header
 * without decoding the page.
 */
async function dictionarySize(file: AsyncBuffer, offset: number): Promise<number | undefined> {
  const length = Math.min(PAGE_HEADER_BYTES, file.byteLength - offset);
  if (length <= 0) return undefined;
  const [bytes, { parquetHeader }] = await Promise.all([
    file.slice(offset, offset + length),
    import('hyparquet/src/column.js'),
  ]);
  try {
    const header = parquetHeader({ view: new DataView(bytes), offset: 0 });
    return header.dictionary_page_header?.num_values;
  } catch {
    // A header longer than the bytes read (or a corrupt one): no cheap answer.
    return undefined;
  }
}
