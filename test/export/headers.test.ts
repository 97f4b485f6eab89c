/**
 * The header rules of export: a header byte changes only when the output differs from the source
 * in what it describes; byte order conversion goes field by field after the spec tables.
 */
import { describe, expect, it } from 'vitest';
import {
  BYTE_ORDER_CONSTANT,
  isVerbatim,
  outputBinaryHeader,
  statesSampleCount,
  type TraceHeaderTransform,
  transformTraceHeaders,
} from '../../src/export/headers.js';
import {
  BINARY_HEADER_FIELDS,
  decodeBinaryHeader,
  encodeBinaryHeader,
  encodeTraceHeaders,
  HEADER_VALUE_SIZES,
  readHeaderValue,
  TRACE_HEADER_FIELDS,
} from '../../src/segy/index.js';
import { syntheticHeaderValues } from './helpers.js';

const rev1Binary = (endianness: 'big' | 'little', extra: Record<string, number | bigint> = {}) =>
  encodeBinaryHeader(
    {
      jobId: 9,
      sampleInterval: 4000,
      sampleCount: 1500,
      formatCode: 1,
      revision: 1,
      fixedLengthTraceFlag: 1,
      ...extra,
    },
    endianness,
  );

const baseTarget = {
  sourceEndianness: 'big' as const,
  endianness: 'big' as const,
  formatCode: 1 as const,
  sampleCount: 1500,
  sampleInterval: 4000,
  traceCount: 10,
  sourceTraceCount: 10,
  firstTraceSampleCount: 1500,
};

describe('outputBinaryHeader', () => {
  it('returns the source bytes themselves when nothing changes, even for non-standard values', () => {
    // A 16-bit sample count of 7 beside a rev-2 32-bit count of 4 (segyio's increment.sgy), and a
    // garbage trace count in file: the file states 4 samples, so nothing is rewritten.
    const raw = encodeBinaryHeader(
      { sampleCount: 7, extSampleCount: 4, formatCode: 1, revision: 2, traceCountInFile: 0xffffffffn },
      'big',
    );
    raw[400 - 1] = 0xab; // an unassigned byte
    const out = outputBinaryHeader(raw, { ...baseTarget, sampleCount: 4, firstTraceSampleCount: 9 });
    expect(out).toBe(raw);
  });

  it('converts every field to the other byte order and keeps unassigned bytes', () => {
    const raw = rev1Binary('big', { lineNumber: -123456, sweepFrequencyEnd: -2, extSampleInterval: 0.125 });
    raw[120] = 0x5a; // byte 3321, outside every field
    const out = outputBinaryHeader(raw, { ...baseTarget, endianness: 'little' });
    const before = decodeBinaryHeader(raw, 'big');
    const after = decodeBinaryHeader(out, 'little');
    expect(after).toEqual({ ...before, byteOrder: BYTE_ORDER_CONSTANT });
    expect(out[120]).toBe(0x5a);
    // Back to big-endian: the same values again, the constant now readable big-endian.
    const back = outputBinaryHeader(out, { ...baseTarget, sourceEndianness: 'little', endianness: 'big' });
    expect(decodeBinaryHeader(back, 'big')).toEqual({ ...before, byteOrder: BYTE_ORDER_CONSTANT });
  });

  it('sets the format code, and revision 2 with the byte-order constant for rev-2-only formats', () => {
    const raw = rev1Binary('big');
    const toIeee = decodeBinaryHeader(outputBinaryHeader(raw, { ...baseTarget, formatCode: 5 }), 'big');
    expect(toIeee).toMatchObject({ formatCode: 5, revision: 1, byteOrder: 0 });
    const toDouble = decodeBinaryHeader(outputBinaryHeader(raw, { ...baseTarget, formatCode: 6 }), 'big');
    expect(toDouble).toMatchObject({
      formatCode: 6,
      revision: 2,
      revisionMinor: 0,
      byteOrder: BYTE_ORDER_CONSTANT,
    });
  });

  it('keeps a rev-2 format as it is when the format does not change', () => {
    const raw = rev1Binary('big', { formatCode: 10 });
    expect(outputBinaryHeader(raw, { ...baseTarget, formatCode: 10 })).toBe(raw);
  });

  it('rewrites the sample count when the samples per trace changed (16-bit and, in rev 2, 32-bit fields)', () => {
    const rev1 = decodeBinaryHeader(
      outputBinaryHeader(rev1Binary('big'), { ...baseTarget, sampleCount: 750, firstTraceSampleCount: 1500 }),
      'big',
    );
    expect(rev1).toMatchObject({ sampleCount: 750, extSampleCount: 0 });
    const rev2Raw = rev1Binary('big', { revision: 2, extSampleCount: 1500 });
    const rev2 = decodeBinaryHeader(outputBinaryHeader(rev2Raw, { ...baseTarget, sampleCount: 750 }), 'big');
    expect(rev2).toMatchObject({ sampleCount: 750, extSampleCount: 750 });
    const long = decodeBinaryHeader(
      outputBinaryHeader(rev1Binary('big'), { ...baseTarget, sampleCount: 70000 }),
      'big',
    );
    expect(long).toMatchObject({ sampleCount: 0, extSampleCount: 70000 });
  });

  it('updates a non-zero trace count in file only when a subset is written', () => {
    const raw = rev1Binary('big', { revision: 2, traceCountInFile: 10n });
    expect(outputBinaryHeader(raw, baseTarget)).toBe(raw);
    const subset = decodeBinaryHeader(outputBinaryHeader(raw, { ...baseTarget, traceCount: 4 }), 'big');
    expect(subset.traceCountInFile).toBe(4n);
    const unset = rev1Binary('big');
    expect(outputBinaryHeader(unset, { ...baseTarget, traceCount: 4 })).toBe(unset);
  });

  it('makes a header from nothing for sources without one (Seismic Unix)', () => {
    const big = decodeBinaryHeader(outputBinaryHeader(undefined, { ...baseTarget, formatCode: 5 }), 'big');
    expect(big).toMatchObject({
      sampleCount: 1500,
      sampleInterval: 4000,
      formatCode: 5,
      revision: 1,
      fixedLengthTraceFlag: 1,
    });
    const little = decodeBinaryHeader(
      outputBinaryHeader(undefined, { ...baseTarget, formatCode: 5, endianness: 'little' }),
      'little',
    );
    expect(little).toMatchObject({ revision: 2, byteOrder: BYTE_ORDER_CONSTANT, traceCountInFile: 10n });
  });
});

describe('statesSampleCount', () => {
  it('accepts the count from the 16-bit field, the rev-2 field or the first trace header', () => {
    expect(statesSampleCount({ sampleCount: 10, extSampleCount: 0 }, undefined, 10)).toBe(true);
    expect(statesSampleCount({ sampleCount: 7, extSampleCount: 4 }, undefined, 4)).toBe(true);
    expect(statesSampleCount({ sampleCount: 0, extSampleCount: 0 }, 12, 12)).toBe(true);
    expect(statesSampleCount({ sampleCount: 10, extSampleCount: 0 }, 10, 5)).toBe(false);
    expect(statesSampleCount(undefined, undefined, 5)).toBe(false);
  });
});

describe('transformTraceHeaders', () => {
  const values = syntheticHeaderValues(3, 2, 1000);
  const bigHeaders = encodeTraceHeaders(3, values, { endianness: 'big', traceHeaderSize: 480 });
  // Bytes of the extension carry a recognisable pattern.
  for (let t = 0; t < 3; t++) for (let b = 240; b < 480; b++) bigHeaders[t * 480 + b] = (b * 7 + t) & 0xff;

  const transform = (overrides: Partial<TraceHeaderTransform>): TraceHeaderTransform => ({
    sourceSize: 480,
    targetSize: 480,
    sourceEndianness: 'big',
    endianness: 'big',
    ...overrides,
  });

  it('is a plain copy when byte order, size and sample count stay', () => {
    expect(isVerbatim(transform({}))).toBe(true);
    expect(isVerbatim(transform({ endianness: 'little' }))).toBe(false);
    expect(isVerbatim(transform({ sampleCount: 5 }))).toBe(false);
    expect(isVerbatim(transform({ targetSize: 240 }))).toBe(false);
  });

  /** Output traces of 480 header bytes plus 16 bytes of "samples" that must stay untouched. */
  const STRIDE = 496;
  const headerOf = (block: Uint8Array, trace: number, size = 480) =>
    block.subarray(trace * STRIDE, trace * STRIDE + size);

  it('converts every field of the spec table to the other byte order, value for value, in place between samples', () => {
    const target = new Uint8Array(3 * STRIDE).fill(0xee);
    transformTraceHeaders(bigHeaders, 3, target, STRIDE, transform({ endianness: 'little' }));
    for (let t = 0; t < 3; t++) {
      const from = new DataView(bigHeaders.buffer, t * 480, 240);
      const to = new DataView(target.buffer, t * STRIDE, 240);
      for (const field of TRACE_HEADER_FIELDS) {
        expect(readHeaderValue(to, field, 'little'), field.key).toEqual(readHeaderValue(from, field, 'big'));
      }
      // The extension has no field table: copied as it is; the sample bytes are not touched.
      expect(headerOf(target, t).subarray(240)).toEqual(bigHeaders.subarray(t * 480 + 240, (t + 1) * 480));
      expect(target.subarray(t * STRIDE + 480, (t + 1) * STRIDE).every((b) => b === 0xee)).toBe(true);
    }
    const sourceX = TRACE_HEADER_FIELDS.find((f) => f.key === 'sourceX')!;
    expect(readHeaderValue(new DataView(target.buffer, STRIDE, 240), sourceX, 'little')).toBe(60_000_001);
    // Converting back restores every byte.
    const packed = new Uint8Array(3 * 480);
    for (let t = 0; t < 3; t++) packed.set(headerOf(target, t), t * 480);
    const back = new Uint8Array(3 * 480);
    transformTraceHeaders(packed, 3, back, 480, transform({ sourceEndianness: 'little' }));
    expect(back).toEqual(bigHeaders);
  });

  it('drops extension bytes for 240-byte output and rewrites the sample count when asked', () => {
    const target = new Uint8Array(3 * 256);
    transformTraceHeaders(bigHeaders, 3, target, 256, transform({ targetSize: 240, sampleCount: 321 }));
    const sampleCountField = TRACE_HEADER_FIELDS.find((f) => f.key === 'sampleCount')!;
    for (let t = 0; t < 3; t++) {
      const view = new DataView(target.buffer, t * 256, 240);
      const source = new DataView(bigHeaders.buffer, t * 480, 240);
      expect(readHeaderValue(view, sampleCountField, 'big')).toBe(321);
      for (const field of TRACE_HEADER_FIELDS.filter((f) => f !== sampleCountField)) {
        expect(readHeaderValue(view, field, 'big')).toEqual(readHeaderValue(source, field, 'big'));
      }
    }
  });

  it('covers every byte of the binary and trace headers it converts with exactly one field', () => {
    // Overlapping fields would be swapped twice; gaps are copied unconverted.
    const coverage = (fields: typeof TRACE_HEADER_FIELDS, first: number, length: number) => {
      const covered = new Uint8Array(length);
      for (const field of fields) {
        const at = field.byte - first;
        for (let b = at; b < at + HEADER_VALUE_SIZES[field.type]; b++) covered[b] = covered[b]! + 1;
      }
      return [...covered];
    };
    expect(coverage(TRACE_HEADER_FIELDS, 1, 240).every((count) => count === 1)).toBe(true);
    expect(coverage(BINARY_HEADER_FIELDS, 3201, 400).every((count) => count <= 1)).toBe(true);
  });
});
