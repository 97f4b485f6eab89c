/**
 * Parquet tables of a dataset (`headers.parquet`, `ensembles.parquet`): written in row groups as
 * batches arrive (never the whole table in memory) with hyparquet-writer, read column by column
 * and row range by row range with hyparquet.
 */
import { writeFileSync } from 'node:fs';
import type { ColumnSource, ParquetWriter } from 'hyparquet-writer';
import { DatasetError } from '../errors/index.js';
import type { ByteSource } from '../io/index.js';
import { version } from '../version.js';
import { ParquetTableReader } from './table-reader.js';

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
  private writer: Promise<ParquetWriter> | undefined;
  private rows = 0;

  private constructor(
    readonly path: string,
    readonly columns: readonly ParquetColumnSpec[],
    private readonly rowGroupSize: number,
  ) {
    // Truncated now, so that a path that cannot be written fails here; the header is written with
    // the first row group, when hyparquet-writer is loaded (importing seisproc does not load it).
    writeFileSync(path, new Uint8Array(0));
  }

  /** The hyparquet-writer of the file, started (and its header written) on first use. */
  private started(): Promise<ParquetWriter> {
    this.writer ??= import('hyparquet-writer').then(
      ({ ParquetWriter, fileWriter }) =>
        new ParquetWriter({
          writer: fileWriter(this.path),
          schema: [
            { name: 'root', num_children: this.columns.length },
            ...this.columns.map((c) =>
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
        }),
    );
    return this.writer;
  }

  /** Create (truncate) the file; its header is written with the first rows, or on close. */
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
    await (await this.started()).write({ columnData, rowGroupSize: this.rowGroupSize });
    this.rows += length;
  }

  /** Write the footer and close the file. */
  async close(): Promise<void> {
    await (await this.started()).finish();
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

/**
 * Load the Parquet reader and writer now, in the background: an import's calling thread waits
 * for its workers, and the merge and index stages that follow need both (tens of milliseconds of
 * module loading otherwise spent on their critical path).
 */
export function preloadParquetModules(): void {
  for (const loading of [import('hyparquet'), import('hyparquet-writer')]) loading.catch(() => undefined);
}

/** Row range of a read, end exclusive. */
export interface RowRange {
  start: number;
  end: number;
}

/** Number of rows and column names of a Parquet file (a path or a byte source), from its footer only. */
export async function parquetTableInfo(
  file: string | ByteSource,
): Promise<{ rowCount: number; columns: string[] }> {
  const reader = new ParquetTableReader(file);
  try {
    return { rowCount: await reader.rowCount(), columns: await reader.columnNames() };
  } finally {
    await reader.release();
  }
}

/**
 * Read columns (all when omitted) of a Parquet file (a path or a byte source), optionally only a row range (clamped to the
 * table). Only the row groups overlapping the range are read. Numbers come back as typed arrays
 * (INT64 as `BigInt64Array`), strings as arrays. A one-off read of a {@link ParquetTableReader};
 * a column the table lacks, or more rows than `maxRows`, makes the table `DATASET_INVALID`.
 */
export async function readParquetColumns(
  file: string | ByteSource,
  columns?: readonly string[],
  rows?: RowRange,
  maxRows?: number,
): Promise<Record<string, ParquetColumnValues>> {
  const reader = new ParquetTableReader(file, maxRows);
  try {
    const available = await reader.columnNames();
    const missing = (columns ?? []).filter((c) => !available.includes(c));
    if (missing.length) {
      throw new DatasetError('DATASET_INVALID', `no column ${missing.join(', ')} in table`, {
        path: reader.path,
      });
    }
    const total = await reader.rowCount();
    const start = Math.max(0, Math.min(rows?.start ?? 0, total));
    const end = Math.max(start, Math.min(rows?.end ?? total, total));
    return await reader.read(columns, { start, end });
  } finally {
    await reader.release();
  }
}
