/**
 * `headers.parquet` of an imported dataset, built from row groups encoded in parallel.
 *
 * Row group `g` always holds traces `[g·R, (g+1)·R)` (R = rows per row group), whatever the
 * segments of the import, so the table is byte-identical for any number of workers. A worker
 * encodes every row group that lies wholly inside its segment as a small one-row-group Parquet
 * file; the merger encodes the few row groups cut by a segment boundary from the workers' raw
 * header pieces, then splices all row groups into the final table by copying their bytes and
 * writing one footer: no row group is decoded again and the table is never whole in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type FileMetaData, parquetMetadata } from 'hyparquet';
import { ByteWriter, type ColumnSource, ParquetWriter } from 'hyparquet-writer';
import { DatasetError, SegyError } from '../errors/index.js';
import { type Endianness, type HeaderField, type HeaderValueType, readHeaderValue } from '../segy/index.js';
import { version } from '../version.js';

/** Bytes of one standard trace header: every mapped field lies within them. */
const TRACE_HEADER_SIZE = 240;

type Physical = 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE';

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

/**
 * hyparquet-writer pins its own hyparquet release for its types; footers parsed by the reader
 * are the same Thrift structures, so they are handed over as the writer's types.
 */
type SchemaElement = ParquetWriter['schema'][number];
type WriterRowGroup = ParquetWriter['row_groups'][number];

/** Snappy keeps the mostly-constant header columns small at little cost. */
const CODEC: ParquetWriter['codec'] = 'SNAPPY';

/** The Parquet schema of `headers.parquet`: one required column per mapped header field, named by its key. */
export function headerTableSchema(fields: readonly HeaderField[]): SchemaElement[] {
  return [
    { name: 'root', num_children: fields.length },
    ...fields.map(
      (field): SchemaElement => ({
        name: field.key,
        type: PHYSICAL_TYPE[field.type],
        repetition_type: 'REQUIRED',
        ...(UNSIGNED_ANNOTATION[field.type] ? { converted_type: UNSIGNED_ANNOTATION[field.type] } : {}),
      }),
    ),
  ];
}

/** True when a header field can serve as an ensemble key (an integer value). */
export function isIntegerHeaderField(field: HeaderField): boolean {
  const physical = PHYSICAL_TYPE[field.type];
  return physical === 'INT32' || physical === 'INT64';
}

/**
 * Encode `rows` trace headers (`raw` holds them `stride` bytes apart) as a Parquet file with a
 * single row group. The same input always gives the same bytes.
 *
 * Every column is handed to the writer in its physical typed array (integers up to 32 bits as
 * Int32Array, which takes hyparquet-writer's fast delta path), as one page, and with statistics
 * computed here in one typed loop: the writer's own per-value statistics and page sizing cost
 * several times the encoding itself.
 */
export function encodeHeaderRowGroup(
  raw: Uint8Array,
  rows: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
): Uint8Array {
  const columns = decodePhysicalColumns(raw, rows, stride, fields, endianness);
  const writer = new ByteWriter(1 << 20);
  const parquet = new ParquetWriter({
    writer,
    schema: headerTableSchema(fields),
    codec: CODEC,
    createdBy: createdBy(),
    statistics: false,
  });
  const columnData: ColumnSource[] = fields.map((field, i) => {
    const physical = PHYSICAL_TYPE[field.type];
    return {
      name: field.key,
      data: columns[i]!,
      // Delta encoding suits header integers (sequence numbers, coordinates) and is fast to write.
      encoding: physical === 'INT32' || physical === 'INT64' ? 'DELTA_BINARY_PACKED' : 'PLAIN',
      // One page per column chunk: a page index would be useless (and hold absolute offsets).
      offsetIndex: false,
    };
  });
  parquet.write({ columnData, rowGroupSize: Math.max(1, rows), pageSize: 0 });
  parquet.row_groups[0]?.columns.forEach((chunk, i) => {
    if (chunk.meta_data) chunk.meta_data.statistics = columnStatistics(columns[i]!, fields[i]!.type);
  });
  parquet.finish();
  return writer.getBytes();
}

type PhysicalColumn = Int32Array | BigInt64Array | Float32Array | Float64Array;

/**
 * Decode every field of `rows` headers straight into the typed array of its Parquet physical
 * type (unsigned values keep their bits). The common 16- and 32-bit fields get one tight loop each;
 * the rare types go through the reader's own `readHeaderValue`.
 */
function decodePhysicalColumns(
  raw: Uint8Array,
  rows: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
): PhysicalColumn[] {
  if (rows > 0 && raw.byteLength < (rows - 1) * stride + TRACE_HEADER_SIZE) {
    throw new SegyError(
      'SEGY_RANGE',
      `header buffer of ${raw.byteLength} bytes is too small for ${rows} headers`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = endianness === 'little';
  return fields.map((field) => {
    const at = field.byte - 1;
    switch (field.type) {
      case 'int16':
        return readInt16(view, at, stride, rows, le);
      case 'uint16':
        return readUint16(view, at, stride, rows, le);
      case 'int32':
      case 'uint32':
        return readInt32(view, at, stride, rows, le);
      case 'float32':
        return readFloat32(view, at, stride, rows, le);
      case 'float64':
        return readFloat64(view, at, stride, rows, le);
      default:
        return readGeneric(raw, field, stride, rows, endianness);
    }
  });
}

// One function per layout keeps each loop monomorphic.
function readInt16(view: DataView, at: number, stride: number, rows: number, le: boolean): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0, p = at; i < rows; i++, p += stride) out[i] = view.getInt16(p, le);
  return out;
}

function readUint16(view: DataView, at: number, stride: number, rows: number, le: boolean): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0, p = at; i < rows; i++, p += stride) out[i] = view.getUint16(p, le);
  return out;
}

function readInt32(view: DataView, at: number, stride: number, rows: number, le: boolean): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0, p = at; i < rows; i++, p += stride) out[i] = view.getInt32(p, le);
  return out;
}

function readFloat32(view: DataView, at: number, stride: number, rows: number, le: boolean): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0, p = at; i < rows; i++, p += stride) out[i] = view.getFloat32(p, le);
  return out;
}

function readFloat64(view: DataView, at: number, stride: number, rows: number, le: boolean): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0, p = at; i < rows; i++, p += stride) out[i] = view.getFloat64(p, le);
  return out;
}

function readGeneric(
  raw: Uint8Array,
  field: HeaderField,
  stride: number,
  rows: number,
  endianness: Endianness,
): PhysicalColumn {
  const physical = PHYSICAL_TYPE[field.type];
  const out =
    physical === 'INT64'
      ? new BigInt64Array(rows)
      : physical === 'FLOAT'
        ? new Float32Array(rows)
        : new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const value = readHeaderValue(
      new DataView(raw.buffer, raw.byteOffset + i * stride, stride),
      field,
      endianness,
    );
    if (out instanceof BigInt64Array) out[i] = BigInt.asIntN(64, BigInt(value));
    else out[i] = Number(value);
  }
  return out;
}

/** Min and max of a column as the writer's footer expects them (NaN skipped, unsigned as unsigned). */
function columnStatistics(column: PhysicalColumn, type: HeaderValueType) {
  let range: { min: number | bigint; max: number | bigint } | undefined;
  let nanCount: bigint | undefined;
  if (column instanceof BigInt64Array) {
    range =
      type === 'uint64'
        ? bigintRange(new BigUint64Array(column.buffer, column.byteOffset, column.length))
        : bigintRange(column);
  } else if (column instanceof Int32Array) {
    range =
      type === 'uint32'
        ? uint32Range(new Uint32Array(column.buffer, column.byteOffset, column.length))
        : int32Range(column);
  } else {
    const floats = floatRange(column);
    nanCount = BigInt(floats.nanCount);
    // Parquet orders zeros as -0 < +0: a column with zeros has minimum -0 and maximum +0.
    if (floats.min <= floats.max)
      range = { min: floats.min === 0 ? -0 : floats.min, max: floats.max === 0 ? 0 : floats.max };
  }
  return {
    null_count: 0n,
    ...(range ? { min_value: range.min, max_value: range.max } : {}),
    ...(nanCount === undefined ? {} : { nan_count: nanCount }),
  };
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
  let nanCount = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) nanCount++;
    else {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return { min, max, nanCount };
}

function createdBy(): string {
  return `seisproc ${version}`;
}

/** The parsed footer and row-group bytes of a one-row-group Parquet file. */
export interface RowGroupFile {
  /** Footer of the file. */
  metadata: FileMetaData;
  /** The column chunks of its row group (bytes 4 up to the footer). */
  body: Uint8Array;
}

/**
 * Check a one-row-group Parquet file produced by {@link encodeHeaderRowGroup} (verified, not
 * trusted, when resuming): the right magic bytes, one row group of `rows` rows and the columns
 * of `fields` in order. Returns `undefined` when it does not match.
 */
export function parseRowGroupFile(
  bytes: Uint8Array,
  rows: number,
  fields: readonly HeaderField[],
): RowGroupFile | undefined {
  if (bytes.length < 12 || !hasMagic(bytes, 0) || !hasMagic(bytes, bytes.length - 4)) return undefined;
  let metadata: FileMetaData;
  try {
    const copy = bytes.slice();
    metadata = parquetMetadata(copy.buffer);
  } catch {
    return undefined;
  }
  const group = metadata.row_groups[0];
  const names = metadata.schema.slice(1).map((element) => element.name);
  const expected = headerTableSchema(fields).slice(1);
  if (
    metadata.row_groups.length !== 1 ||
    group === undefined ||
    Number(group.num_rows) !== rows ||
    names.length !== expected.length ||
    names.some((name, i) => name !== expected[i]!.name || metadata.schema[i + 1]!.type !== expected[i]!.type)
  ) {
    return undefined;
  }
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(
    bytes.length - 8,
    true,
  );
  return { metadata, body: bytes.subarray(4, bytes.length - 8 - footerLength) };
}

function hasMagic(bytes: Uint8Array, at: number): boolean {
  // "PAR1"
  return bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
}

/** Flush the in-memory part of a {@link ByteWriter} to a file descriptor past this many bytes. */
const FLUSH_BYTES = 1 << 20;

/**
 * Writes `headers.parquet` from one-row-group files, in order: the column chunk bytes of each
 * are copied as they are (their offsets rebased) and the footer lists every row group.
 */
export class HeaderTableSplicer {
  private readonly fd: number;
  private readonly writer: ByteWriter;
  private readonly parquet: ParquetWriter;
  private closed = false;

  /** Create (truncate) `path` for the table of `fields`. */
  constructor(
    readonly path: string,
    fields: readonly HeaderField[],
  ) {
    this.fd = openSync(path, 'w');
    this.writer = new ByteWriter(FLUSH_BYTES * 2);
    const writer = this.writer;
    const fd = this.fd;
    const grow = writer.ensure.bind(writer);
    writer.ensure = (size: number) => {
      if (writer.index > FLUSH_BYTES) flushWriter(writer, fd);
      grow(size);
    };
    writer.finish = () => flushWriter(writer, fd);
    this.parquet = new ParquetWriter({
      writer,
      schema: headerTableSchema(fields),
      codec: CODEC,
      createdBy: createdBy(),
    });
  }

  /** Rows appended so far. */
  get rowCount(): number {
    return Number(this.parquet.num_rows);
  }

  /** Append the row group of a file checked by {@link parseRowGroupFile}. */
  append(file: RowGroupFile): void {
    const group = file.metadata.row_groups[0]!;
    flushWriter(this.writer, this.fd);
    // Offsets inside the part count from its own byte 0; its body starts at byte 4 there.
    const delta = BigInt(this.writer.offset - 4);
    writeAll(this.fd, file.body);
    this.writer.offset += file.body.length;
    for (const column of group.columns) {
      column.file_offset += delta;
      const meta = column.meta_data;
      if (!meta) continue;
      meta.data_page_offset += delta;
      if (meta.dictionary_page_offset !== undefined) meta.dictionary_page_offset += delta;
      if (meta.index_page_offset !== undefined) meta.index_page_offset += delta;
    }
    this.parquet.row_groups.push(group as unknown as WriterRowGroup);
    this.parquet.num_rows += group.num_rows;
  }

  /** Write the footer and close the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.parquet.finish();
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
}

function flushWriter(writer: ByteWriter, fd: number): void {
  if (writer.index === 0) return;
  writeAll(fd, new Uint8Array(writer.buffer, 0, writer.index));
  writer.index = 0;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** A row group file that failed verification where it had to be valid. */
export function invalidRowGroupError(path: string, rowGroup: number): DatasetError {
  return new DatasetError('DATASET_INVALID', `header row group ${rowGroup} is not a valid Parquet part`, {
    path,
  });
}
