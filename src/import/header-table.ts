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
import { DatasetError } from '../errors/index.js';
import {
  decodeHeaderColumns,
  type Endianness,
  type HeaderColumn,
  type HeaderField,
  type HeaderValueType,
} from '../segy/index.js';
import { version } from '../version.js';

/** Parquet physical type of each header value type: exact for every value the field can hold. */
const PHYSICAL_TYPE: Record<HeaderValueType, 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE'> = {
  int8: 'INT32',
  uint8: 'INT32',
  int16: 'INT32',
  uint16: 'INT32',
  int24: 'INT32',
  uint24: 'INT32',
  int32: 'INT32',
  uint32: 'INT64',
  int64: 'INT64',
  uint64: 'INT64',
  ibm32: 'FLOAT',
  float32: 'FLOAT',
  float64: 'DOUBLE',
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
        ...(field.type === 'uint64' ? { converted_type: 'UINT_64' as const } : {}),
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
 */
export function encodeHeaderRowGroup(
  raw: Uint8Array,
  rows: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
): Uint8Array {
  const columns = decodeHeaderColumns(raw, rows, stride, fields, endianness);
  const writer = new ByteWriter(1 << 20);
  const parquet = new ParquetWriter({
    writer,
    schema: headerTableSchema(fields),
    codec: CODEC,
    createdBy: createdBy(),
  });
  const columnData: ColumnSource[] = fields.map((field) => {
    const physical = PHYSICAL_TYPE[field.type];
    return {
      name: field.key,
      data: toPhysical(columns[field.key]!, physical),
      // Delta encoding suits header integers (sequence numbers, coordinates) and is fast to write.
      encoding: physical === 'INT32' || physical === 'INT64' ? 'DELTA_BINARY_PACKED' : 'PLAIN',
      // One page index per column chunk is useless; it would also hold absolute file offsets.
      offsetIndex: false,
    };
  });
  parquet.write({ columnData, rowGroupSize: Math.max(1, rows) });
  parquet.finish();
  return writer.getBytes();
}

function toPhysical(
  values: HeaderColumn,
  physical: 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE',
): ColumnSource['data'] {
  if (physical !== 'INT64' || values instanceof BigInt64Array) return values as ColumnSource['data'];
  const out = new BigInt64Array(values.length);
  if (values instanceof BigUint64Array) {
    // UINT_64 columns store the two's complement bit pattern.
    for (let i = 0; i < values.length; i++) out[i] = BigInt.asIntN(64, values[i]!);
  } else {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i] as number);
  }
  return out;
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
