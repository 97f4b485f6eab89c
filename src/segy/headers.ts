/**
 * Reading and writing header values, header columns, and {@link HeaderMapping}: the set of trace
 * header fields used for a file, with overridden byte positions and custom fields.
 *
 * @module
 */
import { SegyError } from '../errors/index.js';
import type { Endianness } from './codecs.js';
import { type HeaderColumn, readColumn } from './columns.js';
import {
  BINARY_HEADER_FIELDS,
  binaryFieldOffset,
  buildFieldIndex,
  HEADER_VALUE_SIZES,
  type HeaderField,
  type HeaderValueType,
  TRACE_HEADER_FIELDS,
} from './fields.js';
import { ieeeToIbmBits } from './ibm.js';

export type { HeaderColumn };

/** Scratch space for float32 ↔ IBM conversion of single header values. */
const scratch = new DataView(new ArrayBuffer(4));

/**
 * Decode one value of a field from a single header.
 *
 * @param view - a view whose byte 0 is the header's first byte (byte 1 in SEG-Y numbering).
 */
export function readHeaderValue(view: DataView, field: HeaderField, endianness: Endianness): number | bigint {
  return readColumn(view, 1, 0, field.byte - 1, field.type, endianness === 'little')[0]!;
}

/**
 * Encode one value of a field into a single header. Integers are truncated to the field width
 * (two's complement), as a C writer would; floats are rounded to the field's precision.
 *
 * @param view - a view whose byte 0 is the header's first byte.
 */
export function writeHeaderValue(
  view: DataView,
  field: HeaderField,
  value: number | bigint,
  endianness: Endianness,
): void {
  const at = field.byte - 1;
  const le = endianness === 'little';
  switch (field.type) {
    case 'int64':
      view.setBigInt64(at, BigInt.asIntN(64, BigInt(value)), le);
      return;
    case 'uint64':
      view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), le);
      return;
    case 'float32':
      view.setFloat32(at, Number(value), le);
      return;
    case 'float64':
      view.setFloat64(at, Number(value), le);
      return;
    case 'ibm32':
      scratch.setFloat32(0, Number(value));
      view.setUint32(at, ieeeToIbmBits(scratch.getUint32(0)), le);
      return;
  }
  const n = Number(value);
  if (!Number.isFinite(n)) {
    throw new SegyError('SEGY_BAD_HEADER_FIELD', `cannot store ${value} in integer field ${field.key}`, {
      field: field.key,
    });
  }
  const v = Math.trunc(n);
  switch (field.type) {
    case 'int8':
    case 'uint8':
      view.setUint8(at, v & 0xff);
      return;
    case 'int16':
    case 'uint16':
      view.setUint16(at, v & 0xffff, le);
      return;
    case 'int24':
    case 'uint24':
      view.setUint8(at + (le ? 2 : 0), (v >> 16) & 0xff);
      view.setUint8(at + 1, (v >> 8) & 0xff);
      view.setUint8(at + (le ? 0 : 2), v & 0xff);
      return;
    case 'int32':
    case 'uint32':
      view.setUint32(at, v >>> 0, le);
      return;
  }
}

/**
 * Decode header columns: `raw` holds `count` headers of `stride` bytes each (stride >= 240, e.g.
 * a trace header plus its extensions, or a whole trace). Returns one typed array per field, keyed
 * by the field's key. `options.widen` reads 8-, 16- and 24-bit integers into Int32Array (see
 * `readColumn`).
 */
export function decodeHeaderColumns(
  raw: Uint8Array,
  count: number,
  stride: number,
  fields: readonly HeaderField[],
  endianness: Endianness,
  options: { widen?: boolean } = {},
): Record<string, HeaderColumn> {
  if (count > 0 && raw.byteLength < (count - 1) * stride + 240) {
    throw new SegyError(
      'SEGY_RANGE',
      `header buffer of ${raw.byteLength} bytes is too small for ${count} headers`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = endianness === 'little';
  const columns: Record<string, HeaderColumn> = {};
  for (const field of fields) {
    const at = field.byte - 1;
    if (at + HEADER_VALUE_SIZES[field.type] > stride) {
      throw new SegyError(
        'SEGY_BAD_HEADER_FIELD',
        `field ${field.key} at byte ${field.byte} lies outside the ${stride}-byte header`,
        {
          field: field.key,
        },
      );
    }
    columns[field.key] = readColumn(view, count, stride, at, field.type, le, options.widen);
  }
  return columns;
}

/**
 * Decode a 400-byte binary header into an object keyed by {@link BINARY_HEADER_FIELDS} keys.
 */
export function decodeBinaryHeader(raw: Uint8Array, endianness: Endianness): Record<string, number | bigint> {
  if (raw.byteLength < 400)
    throw new SegyError('SEGY_BAD_BINARY_HEADER', `binary header holds ${raw.byteLength} of 400 bytes`);
  const view = new DataView(raw.buffer, raw.byteOffset, 400);
  const out: Record<string, number | bigint> = {};
  for (const field of BINARY_HEADER_FIELDS)
    out[field.key] = readHeaderValue(view, binaryView(field), endianness);
  return out;
}

/**
 * Encode binary header fields (by key or segyio alias) into a 400-byte header. Fields not given
 * stay zero (or as they are in `base`).
 */
export function encodeBinaryHeader(
  values: Readonly<Record<string, number | bigint>>,
  endianness: Endianness,
  base?: Uint8Array,
): Uint8Array {
  const raw = new Uint8Array(400);
  if (base) raw.set(base.subarray(0, 400));
  const view = new DataView(raw.buffer, 0, 400);
  for (const [name, value] of Object.entries(values)) {
    const field = BINARY_INDEX.get(name);
    if (!field) {
      throw new SegyError('SEGY_BAD_HEADER_FIELD', `unknown binary header field "${name}"`, { field: name });
    }
    writeHeaderValue(view, binaryView(field), value, endianness);
  }
  return raw;
}

const BINARY_INDEX = buildFieldIndex(BINARY_HEADER_FIELDS);

/** A binary header field renumbered so its byte is relative to the 400-byte binary header. */
function binaryView(field: HeaderField): HeaderField {
  return { ...field, byte: binaryFieldOffset(field) + 1 };
}

/** Offsets of each binary field in the 400-byte header, for callers that patch raw headers. */
export function binaryHeaderOffset(keyOrAlias: string): number {
  const field = BINARY_INDEX.get(keyOrAlias);
  if (!field) throw new SegyError('SEGY_BAD_HEADER_FIELD', `unknown binary header field "${keyOrAlias}"`);
  return binaryFieldOffset(field);
}

/** JSON form of a {@link HeaderMapping}: the fields that differ from or add to the standard. */
export interface HeaderMappingJSON {
  /** Overridden or added fields. */
  fields: Array<{ key: string; byte: number; type: HeaderValueType; description?: string }>;
}

const VALUE_TYPES = new Set(Object.keys(HEADER_VALUE_SIZES));

/**
 * The trace header fields used to read a file: the standard table, with some fields moved to
 * other bytes or types (e.g. inline at 9, crossline at 21) and custom fields added. Immutable and
 * JSON-serialisable, so it can be stored with a dataset.
 */
export class HeaderMapping {
  /** Every field, standard ones first (in byte order), then custom ones in the order added. */
  readonly fields: readonly HeaderField[];
  readonly #byName: ReadonlyMap<string, HeaderField>;
  readonly #overrides: HeaderMappingJSON['fields'];

  private constructor(fields: readonly HeaderField[], overrides: HeaderMappingJSON['fields']) {
    this.fields = Object.freeze(fields);
    this.#byName = buildFieldIndex(fields);
    this.#overrides = overrides;
  }

  static readonly #standard = new HeaderMapping(TRACE_HEADER_FIELDS, []);

  /** The standard SEG-Y trace header ({@link TRACE_HEADER_FIELDS}). */
  static standard(): HeaderMapping {
    return HeaderMapping.#standard;
  }

  /**
   * Build a mapping from its JSON form (an object or a JSON string): the standard fields, with each
   * entry overriding the field of the same key or alias, or adding a new field.
   *
   * @throws SegyError `SEGY_BAD_MAPPING` when the JSON is malformed or a field is invalid.
   */
  static fromJSON(json: HeaderMappingJSON | string): HeaderMapping {
    let parsed: unknown = json;
    if (typeof json === 'string') {
      try {
        parsed = JSON.parse(json);
      } catch (error) {
        throw new SegyError(
          'SEGY_BAD_MAPPING',
          `header mapping is not valid JSON: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    const fields = (parsed as { fields?: unknown } | null)?.fields;
    if (!Array.isArray(fields)) {
      throw new SegyError('SEGY_BAD_MAPPING', 'header mapping must be an object with a "fields" array');
    }
    let mapping = HeaderMapping.#standard;
    fields.forEach((entry: unknown, index: number) => {
      const e = entry as { key?: unknown; byte?: unknown; type?: unknown; description?: unknown } | null;
      if (typeof e?.key !== 'string' || typeof e.byte !== 'number' || typeof e.type !== 'string') {
        throw new SegyError(
          'SEGY_BAD_MAPPING',
          `mapping field ${index} needs a string "key", a number "byte" and a "type"`,
        );
      }
      const description = typeof e.description === 'string' ? e.description : undefined;
      mapping = mapping.with(e.key, { byte: e.byte, type: e.type as HeaderValueType, description });
    });
    return mapping;
  }

  /**
   * A new mapping where the field `key` (a key or alias of an existing field, or a new key) sits at
   * `byte` with `type`.
   *
   * @throws SegyError `SEGY_BAD_MAPPING` for a type outside {@link HeaderValueType} or a position
   * outside bytes 1–240.
   */
  with(key: string, field: { byte: number; type: HeaderValueType; description?: string }): HeaderMapping {
    if (!VALUE_TYPES.has(field.type)) {
      throw new SegyError('SEGY_BAD_MAPPING', `field "${key}": unknown type "${field.type}"`, { field: key });
    }
    const size = HEADER_VALUE_SIZES[field.type];
    if (!Number.isInteger(field.byte) || field.byte < 1 || field.byte + size - 1 > 240) {
      throw new SegyError(
        'SEGY_BAD_MAPPING',
        `field "${key}": a ${field.type} cannot start at byte ${field.byte} of a 240-byte header`,
        {
          field: key,
        },
      );
    }
    const existing = this.#byName.get(key);
    const replacement: HeaderField = Object.freeze({
      key: existing?.key ?? key,
      byte: field.byte,
      type: field.type,
      description: field.description ?? existing?.description ?? `custom field at byte ${field.byte}`,
      aliases: existing?.aliases ?? Object.freeze([]),
    });
    const fields = existing
      ? this.fields.map((f) => (f === existing ? replacement : f))
      : [...this.fields, replacement];
    const override = {
      key: replacement.key,
      byte: field.byte,
      type: field.type,
      ...(field.description ? { description: field.description } : {}),
    };
    const overrides = [...this.#overrides.filter((o) => o.key !== replacement.key), override];
    return new HeaderMapping(fields, overrides);
  }

  /**
   * The field with this camelCase key or alias (segyio names such as `CDP`, `INLINE_3D`,
   * `FieldRecord`, `TRACE_SEQUENCE_LINE`; SU keywords such as `fldr`). Case-sensitive.
   *
   * @throws SegyError `SEGY_BAD_HEADER_FIELD` for an unknown name.
   */
  field(keyOrAlias: string): HeaderField {
    const field = this.#byName.get(keyOrAlias);
    if (!field) {
      throw new SegyError('SEGY_BAD_HEADER_FIELD', `unknown trace header field "${keyOrAlias}"`, {
        field: keyOrAlias,
      });
    }
    return field;
  }

  /** True when the name is a key or alias of this mapping. */
  has(keyOrAlias: string): boolean {
    return this.#byName.has(keyOrAlias);
  }

  /** The JSON form: only the fields that differ from or add to the standard. */
  toJSON(): HeaderMappingJSON {
    return { fields: this.#overrides.map((o) => ({ ...o })) };
  }
}
