import { describe, expect, it } from 'vitest';
import {
  applyCoordinateScalar,
  chooseCoordinateScalar,
  decodeCoordinate,
  decodeCoordinateColumns,
  decodedCoordinateUnit,
  encodeCoordinate,
} from '../../src/index.js';
import { thrown } from '../project/helpers/errors.js';

/** Deterministic pseudo-random integers (a 32-bit LCG), so failures reproduce. */
function* integers(seed: number, count: number, min: number, max: number): Generator<number> {
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    yield min + (state % (max - min + 1));
  }
}

describe('applyCoordinateScalar', () => {
  it('multiplies for positive, divides for negative, and reads 0 as 1', () => {
    expect(applyCoordinateScalar(43123456, -100)).toBe(431234.56);
    expect(applyCoordinateScalar(4312, 10)).toBe(43120);
    expect(applyCoordinateScalar(4312, 0)).toBe(4312);
    expect(applyCoordinateScalar(4312, 1)).toBe(4312);
    expect(applyCoordinateScalar(-5, -1000)).toBe(-0.005);
  });

  it('refuses a scalar that is not a 16-bit integer', () => {
    for (const scalar of [1.5, 40000, -40000, Number.NaN]) {
      const error = thrown(() => applyCoordinateScalar(1, scalar));
      expect(error.code).toBe('SEGY_BAD_HEADER_FIELD');
      expect(error.context.field).toBe('scalarCoordinates');
    }
  });
});

describe('decodeCoordinate', () => {
  it('keeps lengths in the measurement system unit', () => {
    expect(decodeCoordinate(43123456, { scalar: -100, coordinateUnits: 1, measurementSystem: 1 })).toBe(
      431234.56,
    );
    expect(decodeCoordinate(43123456n, { scalar: -100 })).toBe(431234.56);
    expect(decodedCoordinateUnit({ scalar: -100, coordinateUnits: 1, measurementSystem: 1 })).toBe('m');
    expect(decodedCoordinateUnit({ scalar: 1, coordinateUnits: 1, measurementSystem: 2 })).toBe('ft');
    expect(decodedCoordinateUnit({ scalar: 1, coordinateUnits: 0 })).toBe('unknown-length');
  });

  it('turns arc-seconds, decimal degrees and DMS into decimal degrees', () => {
    expect(decodeCoordinate(189000, { scalar: 1, coordinateUnits: 2 })).toBe(52.5);
    expect(decodeCoordinate(18900050, { scalar: -100, coordinateUnits: 2 })).toBeCloseTo(
      52.5 + 0.5 / 3600,
      12,
    );
    expect(decodeCoordinate(521234, { scalar: -10000, coordinateUnits: 3 })).toBe(52.1234);
    expect(decodeCoordinate(123430, { scalar: 1, coordinateUnits: 4 })).toBeCloseTo(12.575, 12);
    expect(decodeCoordinate(12343025, { scalar: -100, coordinateUnits: 4 })).toBeCloseTo(
      12 + 34 / 60 + 30.25 / 3600,
      12,
    );
    expect(decodeCoordinate(-453000, { scalar: 1, coordinateUnits: 4 })).toBe(-45.5);
    for (const units of [2, 3, 4])
      expect(decodedCoordinateUnit({ scalar: 1, coordinateUnits: units })).toBe('degree');
  });

  it('refuses DMS with 60 minutes or seconds, and undefined unit codes', () => {
    expect(thrown(() => decodeCoordinate(126030, { scalar: 1, coordinateUnits: 4 })).code).toBe(
      'SEGY_BAD_HEADER_FIELD',
    );
    expect(thrown(() => decodeCoordinate(123060, { scalar: 1, coordinateUnits: 4 })).code).toBe(
      'SEGY_BAD_HEADER_FIELD',
    );
    expect(thrown(() => decodeCoordinate(1, { scalar: 1, coordinateUnits: 7 })).context.field).toBe(
      'coordinateUnits',
    );
    expect(
      thrown(() => decodedCoordinateUnit({ scalar: 1, coordinateUnits: 1, measurementSystem: 3 })).code,
    ).toBe('SEGY_BAD_HEADER_FIELD');
  });
});

describe('encodeCoordinate', () => {
  it('writes every decoded value back to its raw integer', () => {
    for (const scalar of [1, 10, -10, -100, -1000, -10000]) {
      for (const raw of integers(scalar + 20000, 500, -2_000_000_000, 2_000_000_000)) {
        const encoding = { scalar, coordinateUnits: 1 };
        if (scalar > 1 && Math.abs(raw) > 2 ** 31 / scalar) continue;
        expect(encodeCoordinate(decodeCoordinate(raw, encoding), encoding, { exact: true })).toBe(raw);
      }
      for (const raw of integers(scalar + 30000, 200, -1_296_000 * 100, 1_296_000 * 100)) {
        const encoding = { scalar, coordinateUnits: 2 };
        if (scalar > 1) continue;
        expect(encodeCoordinate(decodeCoordinate(raw, encoding), encoding, { exact: true })).toBe(raw);
      }
    }
  });

  it('writes DMS back exactly, carrying rounded seconds into minutes and degrees', () => {
    for (const [raw, scalar] of [
      [123430, 1],
      [-453000, 1],
      [12343025, -100],
      [1794530, 1],
      [1795959, 1],
    ] as const) {
      const encoding = { scalar, coordinateUnits: 4 };
      expect(encodeCoordinate(decodeCoordinate(raw, encoding), encoding, { exact: true })).toBe(raw);
    }
    // 12°34'59.996" rounds to 12°35'00" at whole seconds.
    expect(encodeCoordinate(12 + 34 / 60 + 59.996 / 3600, { scalar: 1, coordinateUnits: 4 })).toBe(123500);
    expect(encodeCoordinate(59.99999999, { scalar: 1, coordinateUnits: 4 })).toBe(600000);
  });

  it('rounds what the scalar cannot hold, or refuses it with exact: true', () => {
    expect(encodeCoordinate(123.456, { scalar: -100 })).toBe(12346);
    expect(encodeCoordinate(125, { scalar: 10 })).toBe(13);
    const inexact = thrown(() => encodeCoordinate(123.456, { scalar: -100 }, { exact: true }));
    expect(inexact.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses values that do not fit 32 bits, non-finite values and DMS with a multiplier', () => {
    expect(thrown(() => encodeCoordinate(3e7, { scalar: -100 })).code).toBe('SEGY_RANGE');
    expect(thrown(() => encodeCoordinate(Number.NaN, { scalar: 1 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => encodeCoordinate(12.5, { scalar: 10, coordinateUnits: 4 })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(thrown(() => encodeCoordinate(1, { scalar: 0.5 })).code).toBe('SEGY_BAD_HEADER_FIELD');
  });
});

describe('chooseCoordinateScalar', () => {
  it('picks the fewest decimals that store every value exactly', () => {
    expect(chooseCoordinateScalar([500000, 6000000])).toEqual({ scalar: 1, exact: true });
    expect(chooseCoordinateScalar([431234.5, 6293456])).toEqual({ scalar: -10, exact: true });
    expect(chooseCoordinateScalar([431234.56, 6293456.78])).toEqual({ scalar: -100, exact: true });
    expect(chooseCoordinateScalar([52.5], 2)).toEqual({ scalar: 1, exact: true });
    expect(chooseCoordinateScalar([12.575], 4)).toEqual({ scalar: 1, exact: true });
    expect(chooseCoordinateScalar([12 + 34 / 60 + 30.25 / 3600], 4)).toEqual({ scalar: -100, exact: true });
    expect(chooseCoordinateScalar([])).toEqual({ scalar: 1, exact: true });
  });

  it('falls back to the finest scalar that fits, or to a multiplier for huge values', () => {
    expect(chooseCoordinateScalar([1.23456789])).toEqual({ scalar: -10000, exact: false });
    // 6.3 million with three decimals overflows 32 bits; two still fit.
    expect(chooseCoordinateScalar([6293456.123456])).toEqual({ scalar: -100, exact: false });
    expect(chooseCoordinateScalar([3e9, 4e9])).toEqual({ scalar: 10, exact: true });
    expect(thrown(() => chooseCoordinateScalar([1e14])).code).toBe('SEGY_RANGE');
    expect(thrown(() => chooseCoordinateScalar([1, Number.POSITIVE_INFINITY])).code).toBe('INVALID_ARGUMENT');
  });
});

describe('decodeCoordinateColumns', () => {
  it('decodes header columns with a per-trace scalar', () => {
    const decoded = decodeCoordinateColumns(
      {
        x: [43123456n, 4312n, 4312n],
        y: BigInt64Array.from([629345678n, 6293n, 62934n]),
        scalar: [-100, 10, 0],
      },
      1,
    );
    expect(Array.from(decoded.x)).toEqual([431234.56, 43120, 4312]);
    expect(Array.from(decoded.y)).toEqual([6293456.78, 62930, 62934]);
    expect(decoded.unit).toBe('m');
    expect(decodeCoordinateColumns({ x: [189000], y: [0], scalar: 1, coordinateUnits: 2 }).unit).toBe(
      'degree',
    );
  });

  it('names the trace with a bad scalar or a change of units', () => {
    const badScalar = thrown(() =>
      decodeCoordinateColumns({ x: [1, 2, 3], y: [1, 2, 3], scalar: [1, 1, 99999] }),
    );
    expect(badScalar.code).toBe('SEGY_BAD_HEADER_FIELD');
    expect(badScalar.context.traceIndex).toBe(2);
    const badFirstUnits = thrown(() =>
      decodeCoordinateColumns({ x: [1], y: [1], scalar: 1, coordinateUnits: 9 }),
    );
    expect(badFirstUnits.context.traceIndex).toBe(0);
    const mixed = thrown(() =>
      decodeCoordinateColumns({ x: [1, 2], y: [1, 2], scalar: 1, coordinateUnits: Int16Array.from([1, 3]) }),
    );
    expect(mixed.code).toBe('SEGY_BAD_HEADER_FIELD');
    expect(mixed.context.traceIndex).toBe(1);
  });

  it('refuses columns of different lengths', () => {
    expect(thrown(() => decodeCoordinateColumns({ x: [1, 2], y: [1], scalar: 1 })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(thrown(() => decodeCoordinateColumns({ x: [1, 2], y: [1, 2], scalar: [1] })).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});
