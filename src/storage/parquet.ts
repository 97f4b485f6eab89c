/**
 * Parquet tables of a dataset (`headers.parquet`, `ensembles.parquet`): written in row groups as
 * batches arrive (never the whole table in memory) with hyparquet-writer, read column by column
 * and row range by row range with hyparquet.
 */
import { promises as fs } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { type ColumnSource, fileWriter, ParquetWriter } from 'hyparquet-writer';
import { DatasetError } from '../errors/index.js';
import { version } from '../version.js';

/** Physical column types used by seisproc tables. */
export type ParquetColumnType = 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'STRING';

/** One column of a table written by {@link ParquetTableWriter}. */
export interface ParquetColumnSpec {
  name: string;
  type: ParquetColumnType;
}

/** Column values of a batch or a read: typed arrays for numbers, arrays for strings and 64-bit ints. */
export type ParquetColumnValues = ArrayLike<number | bigint | string>;

/** Rows per row group unless given: 64k rows keep statistics useful and memory small. */
export const DEFAULT_ROW_GROUP_SIZE = 65_536;

/**
 * Streaming Parquet writer: {@link ParquetTableWriter.append} a batch of rows at a time; each
 * batch becomes one or more row groups with column statistics.
 */
export class ParquetTableWriter {
  private readonly writer: ParquetWriter;
  private rows = 0;

  private constructor(
    readonly path: string,
    readonly columns: readonly ParquetColumnSpec[],
    private readonly rowGroupSize: number,
  ) {
    this.writer = new ParquetWriter({
      writer: fileWriter(path),
      schema: [
        { name: 'root', num_children: columns.length },
        ...columns.map((c) =>
          c.type === 'STRING'
            ? {
                name: c.name,
                type: 'BYTE_ARRAY' as const,
                converted_type: 'UTF8' as const,
                repetition_type: 'REQUIRED' as const,
              }
            : { name: c.name, type: c.type, repetition_type: 'REQUIRED' as const },
        ),
      ],
      codec: 'SNAPPY',
      createdBy: `seisproc ${version}`,
    });
  }

  /** Create (truncate) the file and write its header. */
  static create(
    path: string,
    columns: readonly ParquetColumnSpec[],
    options: { rowGroupSize?: number } = {},
  ): ParquetTableWriter {
    return new ParquetTableWriter(path, columns, options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE);
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  /** Append a batch of rows: one array per column, all of the same length. */
  async append(batch: Record<string, ParquetColumnValues>): Promise<void> {
    const length = batch[this.columns[0]?.name ?? '']?.length ?? 0;
    if (length === 0) return;
    const columnData = this.columns.map((c) => {
      const values = batch[c.name];
      if (!values || values.length !== length) {
        throw new DatasetError('DATASET_MISMATCH', `column ${c.name} needs ${length} values`, {
          path: this.path,
        });
      }
      return { name: c.name, data: toParquetValues(values, c.type) };
    });
    await this.writer.write({ columnData, rowGroupSize: this.rowGroupSize });
    this.rows += length;
  }

  /** Write the footer and close the file. */
  async close(): Promise<void> {
    await this.writer.finish();
  }
}

function toParquetValues(values: ParquetColumnValues, type: ParquetColumnType): ColumnSource['data'] {
  // hyparquet-writer slices its input per row group; typed arrays and arrays both support that.
  if (type === 'INT64') {
    const out = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i] as number | bigint);
    return out;
  }
  if (ArrayBuffer.isView(values) || Array.isArray(values)) return values as ColumnSource['data'];
  return Array.from(values) as ColumnSource['data'];
}

/** Row range of a read, end exclusive. */
export interface RowRange {
  start: number;
  end: number;
}

/** Number of rows and column names of a Parquet file, from its footer only. */
export async function parquetTableInfo(path: string): Promise<{ rowCount: number; columns: string[] }> {
  const file = await openParquet(path);
  const metadata = await parquetMetadataAsync(file);
  return {
    rowCount: Number(metadata.num_rows),
    columns: parquetSchema(metadata).children.map((c) => c.element.name),
  };
}

/**
 * Read columns (all when omitted) of a Parquet file, optionally only a row range. Only the row
 * groups overlapping the range are read. Numbers come back as typed arrays (INT64 as
 * `BigInt64Array`), strings as arrays.
 */
export async function readParquetColumns(
  path: string,
  columns?: string[],
  rows?: RowRange,
): Promise<Record<string, ParquetColumnValues>> {
  const file = await openParquet(path);
  const metadata = await parquetMetadataAsync(file);
  const schema = parquetSchema(metadata);
  const available = schema.children.map((c) => c.element.name);
  const wanted = columns ?? available;
  const missing = wanted.filter((c) => !available.includes(c));
  if (missing.length) {
    throw new DatasetError('DATASET_INVALID', `no column ${missing.join(', ')} in table`, { path });
  }
  const total = Number(metadata.num_rows);
  const from = Math.max(0, Math.min(rows?.start ?? 0, total));
  const to = Math.max(from, Math.min(rows?.end ?? total, total));
  const pieces = new Map<string, Array<{ rowStart: number; rowEnd: number; data: ArrayLike<unknown> }>>();
  for (const name of wanted) pieces.set(name, []);
  if (wanted.length && to > from) {
    await parquetRead({
      file,
      metadata,
      columns: wanted,
      rowStart: from,
      rowEnd: to,
      onChunk: (chunk) => {
        pieces
          .get(chunk.columnName)
          ?.push({ rowStart: chunk.rowStart, rowEnd: chunk.rowEnd, data: chunk.columnData });
      },
    }).catch((cause: unknown) => {
      throw new DatasetError('DATASET_INVALID', 'unreadable Parquet table', { path, cause });
    });
  }
  const result: Record<string, ParquetColumnValues> = {};
  for (const name of wanted) result[name] = assembleColumn(pieces.get(name)!, from, to);
  return result;
}

/** Join column chunks (which may reach outside the range asked for) into one array for [from, to). */
function assembleColumn(
  pieces: Array<{ rowStart: number; rowEnd: number; data: ArrayLike<unknown> }>,
  from: number,
  to: number,
): ParquetColumnValues {
  pieces.sort((a, b) => a.rowStart - b.rowStart);
  const first = pieces[0]?.data;
  const typed = first !== undefined && ArrayBuffer.isView(first);
  type Settable = { set(values: ArrayLike<unknown>, offset: number): void; length: number };
  const out: Settable | unknown[] = typed
    ? new (first as unknown as { constructor: new (n: number) => Settable }).constructor(to - from)
    : new Array(to - from);
  for (const piece of pieces) {
    const lo = Math.max(from, piece.rowStart);
    const hi = Math.min(to, piece.rowEnd);
    if (hi <= lo) continue;
    const part = sliceOf(piece.data, lo - piece.rowStart, hi - piece.rowStart);
    if (Array.isArray(out)) for (let i = 0; i < part.length; i++) out[lo - from + i] = part[i];
    else out.set(part, lo - from);
  }
  return out as unknown as ParquetColumnValues;
}

function sliceOf(data: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  return (data as unknown as { slice(s: number, e: number): ArrayLike<unknown> }).slice(start, end);
}

async function openParquet(path: string) {
  await fs.stat(path).catch(() => {
    throw new DatasetError('DATASET_INCOMPLETE', 'missing Parquet table', { path });
  });
  return asyncBufferFromFile(path);
}
