/**
 * Spec tables, header values and columns, header mappings, binary headers and textual headers.
 */
import { describe, expect, it } from 'vitest';
import {
  BINARY_HEADER_FIELDS,
  decodeBinaryHeader,
  decodeHeaderColumns,
  decodeText,
  detectTextEncoding,
  encodeBinaryHeader,
  encodeText,
  encodeTraceHeaders,
  HEADER_VALUE_SIZES,
  type HeaderColumn,
  HeaderMapping,
  readHeaderValue,
  TRACE_HEADER_FIELDS,
  writeHeaderValue,
} from '../../src/segy/index.js';

/** A header column as plain numbers. */
const values = (column: HeaderColumn) => Array.from(column as ArrayLike<number | bigint>, Number);

describe('spec tables', () => {
  it('cover the 240 trace header bytes without overlap, in order', () => {
    let next = 1;
    for (const field of TRACE_HEADER_FIELDS) {
      expect(field.byte, field.key).toBe(next);
      next += HEADER_VALUE_SIZES[field.type];
    }
    expect(next).toBe(241);
  });

  it('place the binary header fields of rev 2.1 where the standard does', () => {
    const at = (key: string) => BINARY_HEADER_FIELDS.find((f) => f.key === key);
    expect(at('sampleInterval')).toMatchObject({ byte: 3217, type: 'int16' });
    expect(at('sampleCount')).toMatchObject({ byte: 3221, type: 'uint16' });
    expect(at('formatCode')).toMatchObject({ byte: 3225, type: 'int16' });
    expect(at('extSampleCount')).toMatchObject({ byte: 3269, type: 'int32' });
    expect(at('extSampleInterval')).toMatchObject({ byte: 3273, type: 'float64' });
    expect(at('byteOrder')).toMatchObject({ byte: 3297, type: 'int32' });
    expect(at('revision')).toMatchObject({ byte: 3501, type: 'uint8' });
    expect(at('fixedLengthTraceFlag')).toMatchObject({ byte: 3503 });
    expect(at('extendedTextHeaderCount')).toMatchObject({ byte: 3505 });
    expect(at('additionalTraceHeaderCount')).toMatchObject({ byte: 3507 });
    expect(at('traceCountInFile')).toMatchObject({ byte: 3513, type: 'uint64' });
    expect(at('firstTraceOffset')).toMatchObject({ byte: 3521, type: 'uint64' });
    const keys = new Set<string>();
    for (const f of [...BINARY_HEADER_FIELDS]) {
      expect(keys.has(f.key)).toBe(false);
      keys.add(f.key);
    }
  });

  it('accept every segyio trace field name (1.8.3) as an alias at segyio’s byte', () => {
    const mapping = HeaderMapping.standard();
    const segyio: Record<string, number> = {
      TRACE_SEQUENCE_LINE: 1,
      TRACE_SEQUENCE_FILE: 5,
      FieldRecord: 9,
      TraceNumber: 13,
      EnergySourcePoint: 17,
      CDP: 21,
      CDP_TRACE: 25,
      TraceIdentificationCode: 29,
      NSummedTraces: 31,
      NStackedTraces: 33,
      DataUse: 35,
      offset: 37,
      ReceiverGroupElevation: 41,
      SourceSurfaceElevation: 45,
      SourceDepth: 49,
      ReceiverDatumElevation: 53,
      SourceDatumElevation: 57,
      SourceWaterDepth: 61,
      GroupWaterDepth: 65,
      ElevationScalar: 69,
      SourceGroupScalar: 71,
      SourceX: 73,
      SourceY: 77,
      GroupX: 81,
      GroupY: 85,
      CoordinateUnits: 89,
      WeatheringVelocity: 91,
      SubWeatheringVelocity: 93,
      SourceUpholeTime: 95,
      GroupUpholeTime: 97,
      SourceStaticCorrection: 99,
      GroupStaticCorrection: 101,
      TotalStaticApplied: 103,
      LagTimeA: 105,
      LagTimeB: 107,
      DelayRecordingTime: 109,
      MuteTimeStart: 111,
      MuteTimeEND: 113,
      TRACE_SAMPLE_COUNT: 115,
      TRACE_SAMPLE_INTERVAL: 117,
      GainType: 119,
      InstrumentGainConstant: 121,
      InstrumentInitialGain: 123,
      Correlated: 125,
      SweepFrequencyStart: 127,
      SweepFrequencyEnd: 129,
      SweepLength: 131,
      SweepType: 133,
      SweepTraceTaperLengthStart: 135,
      SweepTraceTaperLengthEnd: 137,
      TaperType: 139,
      AliasFilterFrequency: 141,
      AliasFilterSlope: 143,
      NotchFilterFrequency: 145,
      NotchFilterSlope: 147,
      LowCutFrequency: 149,
      HighCutFrequency: 151,
      LowCutSlope: 153,
      HighCutSlope: 155,
      YearDataRecorded: 157,
      DayOfYear: 159,
      HourOfDay: 161,
      MinuteOfHour: 163,
      SecondOfMinute: 165,
      TimeBaseCode: 167,
      TraceWeightingFactor: 169,
      GeophoneGroupNumberRoll1: 171,
      GeophoneGroupNumberFirstTraceOrigField: 173,
      GeophoneGroupNumberLastTraceOrigField: 175,
      GapSize: 177,
      OverTravel: 179,
      CDP_X: 181,
      CDP_Y: 185,
      INLINE_3D: 189,
      CROSSLINE_3D: 193,
      ShotPoint: 197,
      ShotPointScalar: 201,
      TraceValueMeasurementUnit: 203,
      TransductionConstantMantissa: 205,
      TransductionConstantPower: 209,
      TransductionUnit: 211,
      TraceIdentifier: 213,
      ScalarTraceHeader: 215,
      SourceType: 217,
      SourceEnergyDirectionMantissa: 219,
      SourceEnergyDirectionExponent: 223,
      SourceMeasurementMantissa: 225,
      SourceMeasurementExponent: 229,
      SourceMeasurementUnit: 231,
      UnassignedInt1: 233,
      UnassignedInt2: 237,
    };
    for (const [name, byte] of Object.entries(segyio)) expect(mapping.field(name).byte, name).toBe(byte);
    expect(mapping.field('INLINE_3D').key).toBe('inline');
    expect(mapping.field('fldr').key).toBe('fieldRecord');
    expect(() => mapping.field('cdpx')).toThrowError(
      expect.objectContaining({ code: 'SEGY_BAD_HEADER_FIELD' }),
    );
  });
});

describe('HeaderMapping', () => {
  it('moves fields, adds custom ones, and survives JSON', () => {
    const mapping = HeaderMapping.standard()
      .with('INLINE_3D', { byte: 9, type: 'int32' })
      .with('crossline', { byte: 21, type: 'int16' })
      .with('velocity', { byte: 233, type: 'ibm32', description: 'stacking velocity' });
    expect(mapping.field('inline')).toMatchObject({ byte: 9, type: 'int32' });
    expect(mapping.field('INLINE_3D').byte).toBe(9);
    expect(mapping.field('crossline')).toMatchObject({ byte: 21, type: 'int16' });
    expect(mapping.field('velocity')).toMatchObject({
      byte: 233,
      type: 'ibm32',
      description: 'stacking velocity',
    });
    expect(HeaderMapping.standard().field('inline').byte).toBe(189);

    const json = JSON.parse(JSON.stringify(mapping));
    expect(json.fields).toHaveLength(3);
    const again = HeaderMapping.fromJSON(JSON.stringify(json));
    expect(again.fields).toEqual(mapping.fields);
  });

  it('refuses malformed mappings with SEGY_BAD_MAPPING', () => {
    const bad = [
      '{not json',
      '{}',
      { fields: [{ key: 'x', byte: 'nine', type: 'int32' }] },
      { fields: [{ key: 'x', byte: 238, type: 'int32' }] },
      { fields: [{ key: 'x', byte: 0, type: 'int16' }] },
      { fields: [{ key: 'x', byte: 1, type: 'int128' }] },
    ];
    for (const json of bad) {
      expect(() => HeaderMapping.fromJSON(json as never), JSON.stringify(json)).toThrowError(
        expect.objectContaining({ code: 'SEGY_BAD_MAPPING' }),
      );
    }
  });
});

describe('header values and columns', () => {
  it('write and read every value type in both byte orders', () => {
    const cases: Array<[string, number | bigint]> = [
      ['int8', -5],
      ['uint8', 250],
      ['int16', -12345],
      ['uint16', 65000],
      ['int24', -8000000],
      ['uint24', 16000000],
      ['int32', -2147483000],
      ['uint32', 4294967000],
      ['int64', -(2n ** 62n) - 3n],
      ['uint64', 2n ** 64n - 2n],
      ['ibm32', -118.625],
      ['float32', 1.5],
      ['float64', Math.PI],
    ];
    for (const endianness of ['big', 'little'] as const) {
      let mapping = HeaderMapping.standard();
      let byte = 1;
      for (const [type] of cases) {
        mapping = mapping.with(`v_${type}`, { byte, type: type as never });
        byte += HEADER_VALUE_SIZES[type as keyof typeof HEADER_VALUE_SIZES];
      }
      const fields = cases.map(([type]) => mapping.field(`v_${type}`));
      const raw = new Uint8Array(480);
      for (let t = 0; t < 2; t++) {
        const view = new DataView(raw.buffer, t * 240, 240);
        for (const [i, [, value]] of cases.entries()) writeHeaderValue(view, fields[i]!, value, endianness);
      }
      const columns = decodeHeaderColumns(raw, 2, 240, fields, endianness);
      const widened = decodeHeaderColumns(raw, 2, 240, fields, endianness, { widen: true });
      cases.forEach(([type, value], i) => {
        expect(columns[`v_${type}`]![1], `${type} ${endianness}`).toBe(value);
        expect(widened[`v_${type}`]![1], `widened ${type} ${endianness}`).toBe(value);
        expect(readHeaderValue(new DataView(raw.buffer), fields[i]!, endianness)).toBe(value);
      });
      // Integers of up to 24 bits come as Int32Array when widened, in their own type otherwise.
      const small = ['int8', 'uint8', 'int16', 'uint16', 'int24', 'uint24'];
      expect(small.map((type) => widened[`v_${type}`]!.constructor.name)).toEqual(
        Array(6).fill('Int32Array'),
      );
      expect(small.map((type) => columns[`v_${type}`]!.constructor.name)).toEqual([
        'Int8Array',
        'Uint8Array',
        'Int16Array',
        'Uint16Array',
        'Int32Array',
        'Uint32Array',
      ]);
    }
  });

  it('decode standard fields from raw bytes as the standard lays them out', () => {
    const raw = encodeTraceHeaders(
      3,
      { cdp: [7, 8, 9], offset: -250, sampleCount: 1500, INLINE_3D: 1001 },
      { endianness: 'big' },
    );
    expect(Array.from(raw.subarray(20, 24))).toEqual([0, 0, 0, 7]);
    expect(Array.from(raw.subarray(114, 116))).toEqual([0x05, 0xdc]);
    const columns = decodeHeaderColumns(
      raw,
      3,
      240,
      ['cdp', 'offset', 'inline'].map((k) => HeaderMapping.standard().field(k)),
      'big',
    );
    expect(values(columns.cdp!)).toEqual([7, 8, 9]);
    expect(values(columns.offset!)).toEqual([-250, -250, -250]);
    expect(columns.inline).toBeInstanceOf(Int32Array);
  });
});

describe('binary header', () => {
  it('encodes fields by key or segyio alias and decodes them back in both byte orders', () => {
    for (const endianness of ['big', 'little'] as const) {
      const raw = encodeBinaryHeader(
        {
          Samples: 60000,
          Interval: 2000,
          formatCode: 5,
          extSampleInterval: 0.25,
          traceCountInFile: 2n ** 40n,
          revision: 2,
          revisionMinor: 1,
        },
        endianness,
      );
      expect(raw.byteLength).toBe(400);
      const decoded = decodeBinaryHeader(raw, endianness);
      expect(decoded).toMatchObject({
        sampleCount: 60000,
        sampleInterval: 2000,
        formatCode: 5,
        extSampleInterval: 0.25,
        revision: 2,
        revisionMinor: 1,
      });
      expect(decoded.traceCountInFile).toBe(2n ** 40n);
      expect(raw[300]).toBe(2);
    }
    expect(() => encodeBinaryHeader({ nonsense: 1 }, 'big')).toThrowError(
      expect.objectContaining({ code: 'SEGY_BAD_HEADER_FIELD' }),
    );
  });
});

describe('textual headers', () => {
  const text = Array.from(
    { length: 40 },
    (_, i) => `C${String(i + 1).padStart(2)} Line ${i + 1}: ÄÖ 123 {}|`,
  ).join('\n');

  it('encode and decode 40 × 80 characters in EBCDIC and ASCII', () => {
    const ebcdic = encodeText(text, 'ebcdic');
    expect(ebcdic.byteLength).toBe(3200);
    expect(ebcdic[0]).toBe(0xc3); // 'C' in EBCDIC
    expect(ebcdic[79]).toBe(0x40); // EBCDIC blank padding
    expect(detectTextEncoding(ebcdic)).toMatchObject({ encoding: 'ebcdic', blank: false });
    const decoded = decodeText(ebcdic);
    expect(decoded.encoding).toBe('ebcdic');
    expect(decoded.text.split('\n').map((l) => l.trimEnd())).toEqual(text.split('\n'));

    const ascii = encodeText(text, 'ascii');
    expect(ascii[0]).toBe(0x43);
    expect(detectTextEncoding(ascii).encoding).toBe('ascii');
    // Characters ASCII lacks become '?'.
    expect(decodeText(ascii).text.split('\n')[0]!.trimEnd()).toBe('C 1 Line 1: ?? 123 {}|');
  });

  it('call blank headers ASCII and notice them', () => {
    expect(detectTextEncoding(new Uint8Array(3200))).toEqual({
      encoding: 'ascii',
      blank: true,
      textShare: 1,
    });
    expect(detectTextEncoding(new Uint8Array(3200).fill(0x20))).toMatchObject({
      encoding: 'ascii',
      blank: true,
    });
    expect(detectTextEncoding(new Uint8Array(3200).fill(0x40))).toMatchObject({
      encoding: 'ebcdic',
      blank: true,
    });
  });

  it('show control characters and an embedded NUL as blanks', () => {
    const bytes = encodeText('C 1 A\u0000B', 'ascii');
    bytes[5] = 0;
    expect(decodeText(bytes).text.slice(0, 7)).toBe('C 1 A B');
  });

  it('rate random bytes as mostly not text', () => {
    const bytes = new Uint8Array(3200);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    expect(detectTextEncoding(bytes).textShare).toBeLessThan(0.5);
  });
});
