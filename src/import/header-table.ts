/**
 * `headers.parquet` of an imported dataset, built from row groups encoded in parallel.
 *
 * Row group `g` always holds traces `[g·R, (g+1)·R)` (R = rows per row group), whatever the
 * segments of the import, so the table is byte-identical for any number of workers. A worker
 * encodes every row group that lies wholly inside its segment (its column chunks, and their
 * metadata); the merger encodes the few row groups cut by a segment boundary from the workers'
 * raw header pieces, then splices all row groups into the final table by copying their bytes and
 * writing one footer: no row group is decoded again and the table is never whole in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ColumnSource } from 'hyparquet-writer';
import {
  decodeHeaderColumns,
  type Endianness,
  type HeaderField,
  type HeaderValueType,
} from '../segy/index.js';
import { version } from '../version.js';
import { type FooterColumn, type FooterColumnChunk, serializeFooter } from './parquet-footer.js';

type Physical = FooterColumn['type'];

/**
 * Parquet physical type of each header value type, exact for every value the field can hold.
 * Unsigned 32- and 64-bit fields keep their bits under an unsigned annotation (UINT_32, UINT_64),
 * which pandas, DuckDB and hyparquet read back as unsigned.
 */
const PHYSICAL_TYPE: Record<HeaderValueType, Physical> = {
  int8: 'INT32',
  uint8: 'INT32',
  int16: 'INT32',
  uint16: 'INT32',
  int24: 'INT32',
  uint24: 'INT32',
  int32: 'INT32',
  uint32: 'INT32',
  int64: 'INT64',
  uint64: 'INT64',
  ibm32: 'FLOAT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
};

const UNSIGNED_ANNOTATION: Partial<Record<HeaderValueType, 'UINT_32' | 'UINT_64'>> = {
  uint32: 'UINT_32',
  uint64: 'UINT_64',
};

/** The columns of `headers.parquet`: one required column per mapped header field, named by its key. */
export function headerTableColumns(fields: readonly HeaderField[]): FooterColumn[] {
  return fields.map((field) => {
    const convertedType = UNSIGNED_ANNOTATION[field.type];
    return { name: field.key, type: PHYSICAL_TYPE[field.type], ...(convertedType ? { convertedType } : {}) };
  });
}

/** True when a header field can serve as an ensemble key (an integer value). */
export function isIntegerHeaderField(field: HeaderField): boolean {
  const physical = PHYSICAL_TYPE[field.type];
  return physical === 'INT32' || physical === 'INT64';
}

/** A row group of the header table, encoded: its column chunks and their metadata. */
export interface EncodedRowGroup {
  numRows: number;
  /** The column chunks, one after the other. */
  body: Uint8Array;
  /** Metadata of each column chunk; offsets count from the start of `body`. */
  columns: FooterColumnChunk[];
}

/**
 * Encode `rows` trace headers (`raw` holds them `stride` bytes apart) as one row group of the
 * header table. The same input always gives the same bytes.
 *
 * hyparquet-writer encodes the pages; every column is handed over in its physical typed array
 * (integers up to 32 bits as Int32Array, which takes its fast delta path) as a single page, and
 * the statistics are computed here in one typed loop per column: the writer's own per-value
 * statistics and page sizing cost several times the encoding itself.
 */
export async function encodeHeaderRowGroup(
  raw: Uint8Array,
  rows: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
): Promise<EncodedRowGroup> {
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const columns = decodePhysicalColumns(raw, rows, stride, fields, endianness);
  const writer = new ByteWriter(1 << 20);
  const parquet = new ParquetWriter({
    writer,
    schema: [
      { name: 'root', num_children: fields.length },
      ...headerTableColumns(fields).map((c) => ({
        name: c.name,
        type: c.type,
        repetition_type: 'REQUIRED' as const,
        ...(c.convertedType ? { converted_type: c.convertedType } : {}),
      })),
    ],
    codec: 'SNAPPY',
    statistics: false,
  });
  const columnData: ColumnSource[] = fields.map((field, i) => {
    const physical = PHYSICAL_TYPE[field.type];
    return {
      name: field.key,
      data: columns[i]!,
      // Delta encoding suits header integers (sequence numbers, coordinates) and is fast to write.
      encoding: physical === 'INT32' || physical === 'INT64' ? 'DELTA_BINARY_PACKED' : 'PLAIN',
      // One page per column chunk: a page index would be useless.
      offsetIndex: false,
    };
  });
  parquet.write({ columnData, rowGroupSize: Math.max(1, rows), pageSize: 0 });
  // The file written so far is the magic "PAR1" and the column chunks; no footer is needed here.
  const body = writer.getBytes().subarray(4);
  const chunks = parquet.row_groups[0]?.columns ?? [];
  return {
    numRows: rows,
    body,
    columns: chunks.map((chunk, i) => {
      const meta = chunk.meta_data!;
      const range = columnStatistics(columns[i]!, fields[i]!.type);
      return {
        encodings: meta.encodings,
        codec: meta.codec,
        numValues: Number(meta.num_values),
        uncompressedSize: Number(meta.total_uncompressed_size),
        compressedSize: Number(meta.total_compressed_size),
        dataPageOffset: Number(meta.data_page_offset) - 4,
        ...(meta.dictionary_page_offset === undefined
          ? {}
          : { dictionaryPageOffset: Number(meta.dictionary_page_offset) - 4 }),
        ...(range ? { min: range.min, max: range.max } : {}),
      };
    }),
  };
}

type PhysicalColumn = Int32Array | BigInt64Array | Float32Array | Float64Array;

/**
 * Decode every field of `rows` headers into the typed array of its Parquet physical type, with
 * the reader's own column decoder: 8/16/24-bit integers are read straight into Int32Array
 * (`widen`), unsigned 32/64-bit columns are reinterpreted (same bits), the rest used as they come.
 */
function decodePhysicalColumns(
  raw: Uint8Array,
  rows: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
): PhysicalColumn[] {
  const columns = decodeHeaderColumns(raw, rows, stride, fields, endianness, { widen: true });
  return fields.map((field) => {
    const column = columns[field.key]!;
    if (column instanceof Uint32Array) return new Int32Array(column.buffer, column.byteOffset, column.length);
    if (column instanceof BigUint64Array)
      return new BigInt64Array(column.buffer, column.byteOffset, column.length);
    return column as PhysicalColumn;
  });
}

/**
 * Min and max of a column as the little-endian bytes of the physical value (NaN skipped,
 * unsigned columns compared as unsigned, zeros as -0 < +0 as Parquet orders floats).
 */
function columnStatistics(
  column: PhysicalColumn,
  type: HeaderValueType,
): { min: Uint8Array; max: Uint8Array } | undefined {
  if (column instanceof BigInt64Array) {
    const unsigned = type === 'uint64';
    const range = unsigned
      ? bigintRange(new BigUint64Array(column.buffer, column.byteOffset, column.length))
      : bigintRange(column);
    if (!range) return undefined;
    const bytes = (value: bigint) => {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      if (unsigned) view.setBigUint64(0, value, true);
      else view.setBigInt64(0, value, true);
      return out;
    };
    return { min: bytes(range.min), max: bytes(range.max) };
  }
  if (column instanceof Int32Array) {
    const range =
      type === 'uint32'
        ? uint32Range(new Uint32Array(column.buffer, column.byteOffset, column.length))
        : int32Range(column);
    if (!range) return undefined;
    // setUint32 of an unsigned value writes the same bits as setInt32 of the stored one.
    const bytes = (value: number) => {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, value >>> 0, true);
      return out;
    };
    return { min: bytes(range.min), max: bytes(range.max) };
  }
  const range = floatRange(column);
  if (!(range.min <= range.max)) return undefined;
  const width = column instanceof Float32Array ? 4 : 8;
  const bytes = (value: number) => {
    const out = new Uint8Array(width);
    const view = new DataView(out.buffer);
    if (width === 4) view.setFloat32(0, value, true);
    else view.setFloat64(0, value, true);
    return out;
  };
  return { min: bytes(range.min === 0 ? -0 : range.min), max: bytes(range.max === 0 ? 0 : range.max) };
}

// One function per array type keeps each loop monomorphic (several times faster in V8).
function int32Range(values: Int32Array) {
  let min = values[0] ?? 0;
  let max = min;
  for (let i = 1; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  return values.length ? { min, max } : undefined;
}

function uint32Range(values: Uint32Array) {
  let min = values[0] ?? 0;
  let max = min;
  for (let i = 1; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  return values.length ? { min, max } : undefined;
}

function bigintRange(values: BigInt64Array | BigUint64Array) {
  let min = values[0] ?? 0n;
  let max = min;
  for (const value of values) {
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  return values.length ? { min, max } : undefined;
}

function floatRange(values: Float32Array | Float64Array) {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/** Magic of a row group work file ("SPRG"), at its very end. */
const ROW_GROUP_MAGIC = 0x47525053;

/**
 * A row group as a work file: the column chunk bytes, the metadata as JSON (statistics as
 * base64), then the JSON length, the body length and a magic number (u32 little-endian each).
 */
export function rowGroupFileBytes(group: EncodedRowGroup): Uint8Array {
  const json = new TextEncoder().encode(
    JSON.stringify({
      numRows: group.numRows,
      columns: group.columns.map((c) => ({
        ...c,
        min: c.min && Buffer.from(c.min).toString('base64'),
        max: c.max && Buffer.from(c.max).toString('base64'),
      })),
    }),
  );
  const out = new Uint8Array(group.body.length + json.length + 12);
  out.set(group.body);
  out.set(json, group.body.length);
  const trailer = new DataView(out.buffer, group.body.length + json.length, 12);
  trailer.setUint32(0, json.length, true);
  trailer.setUint32(4, group.body.length, true);
  trailer.setUint32(8, ROW_GROUP_MAGIC, true);
  return out;
}

/**
 * Read back a row group work file, checking it (verified, not trusted, when resuming): the
 * trailer, `rows` rows and one chunk per field with ranges inside the body. Returns `undefined`
 * when it does not check out.
 */
export function parseRowGroupFile(
  bytes: Uint8Array,
  rows: number,
  fields: readonly HeaderField[],
): EncodedRowGroup | undefined {
  if (bytes.length < 12) return undefined;
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 12, 12);
  const jsonLength = trailer.getUint32(0, true);
  const bodyLength = trailer.getUint32(4, true);
  if (trailer.getUint32(8, true) !== ROW_GROUP_MAGIC || bodyLength + jsonLength + 12 !== bytes.length)
    return undefined;
  let parsed: { numRows?: unknown; columns?: Array<Record<string, unknown>> };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(bodyLength, bodyLength + jsonLength)));
  } catch {
    return undefined;
  }
  if (parsed.numRows !== rows || !Array.isArray(parsed.columns) || parsed.columns.length !== fields.length) {
    return undefined;
  }
  const columns = parsed.columns.map((c) => ({
    encodings: c.encodings as string[],
    codec: c.codec as string,
    numValues: c.numValues as number,
    uncompressedSize: c.uncompressedSize as number,
    compressedSize: c.compressedSize as number,
    dataPageOffset: c.dataPageOffset as number,
    ...(typeof c.dictionaryPageOffset === 'number' ? { dictionaryPageOffset: c.dictionaryPageOffset } : {}),
    ...(typeof c.min === 'string' ? { min: new Uint8Array(Buffer.from(c.min, 'base64')) } : {}),
    ...(typeof c.max === 'string' ? { max: new Uint8Array(Buffer.from(c.max, 'base64')) } : {}),
  }));
  const inside = columns.every(
    (c) =>
      c.numValues === rows &&
      Number.isInteger(c.dataPageOffset) &&
      c.dataPageOffset >= 0 &&
      (c.dictionaryPageOffset ?? c.dataPageOffset) + c.compressedSize <= bodyLength,
  );
  return inside ? { numRows: rows, body: bytes.subarray(0, bodyLength), columns } : undefined;
}

/**
 * Writes `headers.parquet` from encoded row groups, in order: their column chunk bytes are
 * copied as they are and the footer lists every row group with its offsets rebased.
 */
export class HeaderTableSplicer {
  private readonly fd: number;
  private offset = 0;
  private readonly rowGroups: Array<{ numRows: number; columns: FooterColumnChunk[] }> = [];
  private closed = false;

  /** Create (truncate) `path` for the table of `fields`. */
  constructor(
    readonly path: string,
    private readonly fields: readonly HeaderField[],
  ) {
    this.fd = openSync(path, 'w');
    this.write(PARQUET_MAGIC);
  }

  /** Rows appended so far. */
  get rowCount(): number {
    return this.rowGroups.reduce((sum, group) => sum + group.numRows, 0);
  }

  /** Append one row group. */
  append(group: EncodedRowGroup): void {
    const base = this.offset;
    this.write(group.body);
    this.rowGroups.push({
      numRows: group.numRows,
      columns: group.columns.map((c) => ({
        ...c,
        dataPageOffset: c.dataPageOffset + base,
        ...(c.dictionaryPageOffset === undefined
          ? {}
          : { dictionaryPageOffset: c.dictionaryPageOffset + base }),
      })),
    });
  }

  /** Write the footer and close the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      const footer = serializeFooter(headerTableColumns(this.fields), this.rowGroups, `seisproc ${version}`);
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, footer.length, true);
      this.write(footer);
      this.write(length);
      this.write(PARQUET_MAGIC);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Close the file without completing it (on failure); the caller removes it. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.offset += bytes.length;
  }
}

/** "PAR1", at both ends of a Parquet file. */
const PARQUET_MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
