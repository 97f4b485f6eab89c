/**
 * The footer (`FileMetaData`) of a Parquet file of flat, required columns, serialised with the
 * Thrift compact protocol. The header table has ~90 columns and, for a 12-million-trace survey,
 * some 800 row groups: hyparquet-writer's generic serialiser needs ~140 µs per column chunk for
 * that, this one about a microsecond. Field ids and enum values are those of parquet.thrift.
 */

/** Physical types used by the header table (parquet.thrift `Type`). */
export const PARQUET_TYPE = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5 } as const;
/** `Encoding` values. */
export const PARQUET_ENCODING: Readonly<Record<string, number>> = {
  PLAIN: 0,
  RLE: 3,
  DELTA_BINARY_PACKED: 5,
};
/** `CompressionCodec` values. */
export const PARQUET_CODEC: Readonly<Record<string, number>> = { UNCOMPRESSED: 0, SNAPPY: 1 };
/** `ConvertedType` values for unsigned integers. */
export const PARQUET_CONVERTED = { UINT_32: 13, UINT_64: 14 } as const;

/** One column of the schema: flat and required. */
export interface FooterColumn {
  name: string;
  type: keyof typeof PARQUET_TYPE;
  convertedType?: keyof typeof PARQUET_CONVERTED;
}

/** A column chunk as the footer lists it; offsets are absolute file positions. */
export interface FooterColumnChunk {
  encodings: readonly string[];
  codec: string;
  numValues: number;
  uncompressedSize: number;
  compressedSize: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  /** Statistics, as the little-endian bytes of the physical value. */
  min?: Uint8Array;
  max?: Uint8Array;
}

/** A row group as the footer lists it. */
export interface FooterRowGroup {
  numRows: number;
  columns: readonly FooterColumnChunk[];
}

// Thrift compact protocol type ids.
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

const TEXT = new TextEncoder();

/** Growable byte buffer with the Thrift compact primitives. */
class CompactWriter {
  private bytes = new Uint8Array(1 << 16);
  private length = 0;
  private readonly lastField: number[] = [0];

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  varint(value: number): void {
    this.ensure(10);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.length++] = value;
  }

  /** Zigzag varint of an integer within ±2^52. */
  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  binary(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
  }

  fieldHeader(id: number, type: number): void {
    const delta = id - this.lastField[this.lastField.length - 1]!;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
    this.lastField[this.lastField.length - 1] = id;
  }

  i32(id: number, value: number): void {
    this.fieldHeader(id, T_I32);
    this.zigzag(value);
  }

  i64(id: number, value: number): void {
    this.fieldHeader(id, T_I64);
    this.zigzag(value);
  }

  string(id: number, value: string): void {
    this.fieldHeader(id, T_BINARY);
    this.binary(TEXT.encode(value));
  }

  bytesField(id: number, value: Uint8Array): void {
    this.fieldHeader(id, T_BINARY);
    this.binary(value);
  }

  listHeader(id: number, elementType: number, size: number): void {
    this.fieldHeader(id, T_LIST);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  /** A struct: as a field (`id`) or as a list element (no id). */
  struct(id: number | undefined, body: () => void): void {
    if (id !== undefined) this.fieldHeader(id, T_STRUCT);
    this.lastField.push(0);
    body();
    this.byte(0);
    this.lastField.pop();
  }
}

/**
 * The serialised `FileMetaData` of a file with `columns` and `rowGroups` (without the trailing
 * length and magic).
 */
export function serializeFooter(
  columns: readonly FooterColumn[],
  rowGroups: readonly FooterRowGroup[],
  createdBy: string,
): Uint8Array {
  const w = new CompactWriter();
  const names = columns.map((column) => TEXT.encode(column.name));
  w.struct(undefined, () => {
    w.i32(1, 2);
    w.listHeader(2, T_STRUCT, columns.length + 1);
    w.struct(undefined, () => {
      w.string(4, 'root');
      w.i32(5, columns.length);
    });
    for (const column of columns) {
      w.struct(undefined, () => {
        w.i32(1, PARQUET_TYPE[column.type]);
        w.i32(3, 0); // REQUIRED
        w.string(4, column.name);
        if (column.convertedType) w.i32(6, PARQUET_CONVERTED[column.convertedType]);
      });
    }
    w.i64(
      3,
      rowGroups.reduce((sum, group) => sum + group.numRows, 0),
    );
    w.listHeader(4, T_STRUCT, rowGroups.length);
    for (const group of rowGroups) {
      w.struct(undefined, () => {
        w.listHeader(1, T_STRUCT, group.columns.length);
        group.columns.forEach((chunk, i) => {
          writeColumnChunk(w, names[i]!, columns[i]!, chunk);
        });
        w.i64(
          2,
          group.columns.reduce((sum, c) => sum + c.uncompressedSize, 0),
        );
        w.i64(3, group.numRows);
        w.i64(
          6,
          group.columns.reduce((sum, c) => sum + c.compressedSize, 0),
        );
      });
    }
    w.string(6, createdBy);
  });
  return w.result();
}

function writeColumnChunk(
  w: CompactWriter,
  name: Uint8Array,
  column: FooterColumn,
  chunk: FooterColumnChunk,
): void {
  const start = chunk.dictionaryPageOffset ?? chunk.dataPageOffset;
  w.struct(undefined, () => {
    w.i64(2, start);
    w.struct(3, () => {
      w.i32(1, PARQUET_TYPE[column.type]);
      w.listHeader(2, T_I32, chunk.encodings.length);
      for (const encoding of chunk.encodings) w.zigzag(enumValue(PARQUET_ENCODING, encoding, 'encoding'));
      w.listHeader(3, T_BINARY, 1);
      w.binary(name);
      w.i32(4, enumValue(PARQUET_CODEC, chunk.codec, 'codec'));
      w.i64(5, chunk.numValues);
      w.i64(6, chunk.uncompressedSize);
      w.i64(7, chunk.compressedSize);
      w.i64(9, chunk.dataPageOffset);
      if (chunk.dictionaryPageOffset !== undefined) w.i64(11, chunk.dictionaryPageOffset);
      w.struct(12, () => {
        w.i64(3, 0); // null_count: the columns are required
        if (chunk.max) w.bytesField(5, chunk.max);
        if (chunk.min) w.bytesField(6, chunk.min);
      });
    });
  });
}

function enumValue(table: Readonly<Record<string, number>>, name: string, what: string): number {
  const value = table[name];
  if (value === undefined) throw new Error(`no Parquet ${what} value for ${name}`);
  return value;
}
