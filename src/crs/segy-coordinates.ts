import { ArgumentError, SegyError } from '../errors/index.js';

/** How one trace's coordinates are stored: the scalar (bytes 71–72) and the units. */
export interface SegyCoordinateEncoding {
  /** Coordinate scalar, trace header bytes 71–72 (or the elevation scalar, bytes 69–70). */
  scalar: number;
  /**
   * Coordinate units, trace header bytes 89–90: 1 length (metres or feet, as the measurement
   * system says), 2 seconds of arc, 3 decimal degrees, 4 degrees-minutes-seconds (±DDDMMSS.ss).
   * Many rev 0 files leave it 0, which is read as length, as is absent.
   */
  coordinateUnits?: number;
  /** Measurement system, binary header bytes 3255–3256: 1 metres, 2 feet, 0 or absent unknown. */
  measurementSystem?: number;
}

/** The unit of a decoded coordinate: a length unit, `unknown-length`, or decimal degrees. */
export type DecodedCoordinateUnit = 'm' | 'ft' | 'unknown-length' | 'degree';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT16_MIN = -(2 ** 15);
const INT16_MAX = 2 ** 15 - 1;
// An encoding is exact when the raw integer decodes to within a few ulps of the value: a decimal
// such as 431234.56 has no exact binary form, so "exact" means "the same decimal back".
const EXACT_ULPS = 8 * Number.EPSILON;

/** Scalars {@link chooseCoordinateScalar} tries, from the coarsest exact to the finest. */
const DECIMAL_SCALARS = [1, -10, -100, -1000, -10000] as const;
const COARSE_SCALARS = [10, 100, 1000, 10000] as const;

/**
 * Apply a SEG-Y coordinate or elevation scalar to a raw header value: a positive scalar
 * multiplies, a negative one divides by its magnitude, 0 means 1.
 *
 * @throws SegyError `SEGY_BAD_HEADER_FIELD` for a scalar that is not a 16-bit integer.
 */
export function applyCoordinateScalar(raw: number, scalar: number): number {
  checkScalar(scalar);
  if (scalar === 0 || scalar === 1) return raw;
  return scalar > 0 ? raw * scalar : raw / -scalar;
}

/**
 * The unit a coordinate decodes to under an encoding.
 *
 * @throws SegyError `SEGY_BAD_HEADER_FIELD` for a coordinate units or measurement system code
 *   the standard does not define.
 */
export function decodedCoordinateUnit(encoding: SegyCoordinateEncoding): DecodedCoordinateUnit {
  const units = unitsCode(encoding.coordinateUnits);
  if (units !== 1) return 'degree';
  switch (measurementSystemCode(encoding.measurementSystem)) {
    case 1:
      return 'm';
    case 2:
      return 'ft';
    default:
      return 'unknown-length';
  }
}

/**
 * Decode one raw coordinate (trace header bytes 73–88, 181–188 …): apply the scalar, then turn
 * arc-seconds and DMS into decimal degrees. Lengths stay in the file's unit (see
 * {@link decodedCoordinateUnit}).
 *
 * @throws SegyError `SEGY_BAD_HEADER_FIELD` for a bad scalar or units code, or a DMS value
 *   whose minutes or seconds are 60 or more.
 */
export function decodeCoordinate(raw: number | bigint, encoding: SegyCoordinateEncoding): number {
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  const scaled = applyCoordinateScalar(value, encoding.scalar);
  switch (unitsCode(encoding.coordinateUnits)) {
    case 1:
    case 3:
      return scaled;
    case 2:
      return scaled / 3600;
    case 4:
      return dmsToDegrees(value, encoding.scalar);
  }
}

/**
 * Encode a coordinate for a SEG-Y trace header: the inverse of {@link decodeCoordinate}. The
 * result is exact whenever the value has no more decimals than the scalar keeps (so a decoded
 * value always encodes back to its raw integer); otherwise it is rounded to the nearest
 * representable value, or refused with `exact: true`.
 *
 * @throws ArgumentError `INVALID_ARGUMENT` for a non-finite value, or an inexact one with
 *   `exact: true`.
 * @throws SegyError `SEGY_RANGE` when the encoded value does not fit the 32-bit field;
 *   `SEGY_BAD_HEADER_FIELD` for a bad scalar or units code.
 */
export function encodeCoordinate(
  value: number,
  encoding: SegyCoordinateEncoding,
  options: { exact?: boolean } = {},
): number {
  if (!Number.isFinite(value)) throw new ArgumentError(`cannot encode the coordinate ${value}`, { value });
  const { raw, exact } = encodeWithExactness(value, encoding.scalar, unitsCode(encoding.coordinateUnits));
  if (!exact && options.exact) {
    throw new ArgumentError(`coordinate ${value} cannot be stored exactly with scalar ${encoding.scalar}`, {
      value,
      scalar: encoding.scalar,
    });
  }
  if (raw < INT32_MIN || raw > INT32_MAX) {
    throw new SegyError(
      'SEGY_RANGE',
      `coordinate ${value} does not fit a 32-bit header field with scalar ${encoding.scalar}`,
      { value, scalar: encoding.scalar },
    );
  }
  return raw;
}

/**
 * The scalar that stores every value exactly with the fewest decimals (1, -10 … -10000), so a
 * dataset written back to SEG-Y keeps its coordinates. When no scalar is exact, the finest that
 * fits 32 bits is chosen (`exact: false`); values too large for any negative scalar get a
 * positive one (10 … 10000).
 *
 * @param values decoded coordinates (in the unit the encoding stores; degrees for angular units).
 * @param coordinateUnits trace header coordinate units code the values will be written with.
 * @throws ArgumentError `INVALID_ARGUMENT` for a non-finite value.
 * @throws SegyError `SEGY_RANGE` when even a scalar of 10000 cannot fit them in 32 bits.
 */
export function chooseCoordinateScalar(
  values: Iterable<number>,
  coordinateUnits = 1,
): { scalar: number; exact: boolean } {
  const units = unitsCode(coordinateUnits);
  const list = [...values];
  for (const value of list) {
    if (!Number.isFinite(value)) throw new ArgumentError(`cannot encode the coordinate ${value}`, { value });
  }
  const attempt = (scalar: number): { fits: boolean; exact: boolean } => {
    let exact = true;
    for (const value of list) {
      const encoded = encodeWithExactness(value, scalar, units);
      if (encoded.raw < INT32_MIN || encoded.raw > INT32_MAX) return { fits: false, exact: false };
      exact &&= encoded.exact;
    }
    return { fits: true, exact };
  };
  let finestFitting: number | undefined;
  for (const scalar of DECIMAL_SCALARS) {
    const result = attempt(scalar);
    if (!result.fits) break;
    if (result.exact) return { scalar, exact: true };
    finestFitting = scalar;
  }
  if (finestFitting !== undefined) return { scalar: finestFitting, exact: false };
  // DMS with a multiplying scalar has no meaning (seconds would step past 59), so stop here.
  if (units !== 4) {
    for (const scalar of COARSE_SCALARS) {
      const result = attempt(scalar);
      if (result.fits) return { scalar, exact: result.exact };
    }
  }
  throw new SegyError('SEGY_RANGE', 'coordinates too large for a 32-bit header field with any scalar', {
    largest: Math.max(...list.map(Math.abs)),
  });
}

/** Raw trace header coordinate columns, as read from a dataset's header table. */
export interface SegyCoordinateColumns {
  /** Raw X values (e.g. `sourceX`, `groupX`, `cdpX`). */
  x: ArrayLike<number | bigint>;
  /** Raw Y values, same length as `x`. */
  y: ArrayLike<number | bigint>;
  /** Coordinate scalar per trace, or one for all. */
  scalar: ArrayLike<number | bigint> | number;
  /** Coordinate units code per trace, or one for all; must be the same for every trace. */
  coordinateUnits?: ArrayLike<number | bigint> | number;
}

/**
 * Decode whole header columns of coordinates at once (the per-trace scalar may vary).
 *
 * @param measurementSystem binary header bytes 3255–3256, for the length unit.
 * @throws SegyError `SEGY_BAD_HEADER_FIELD` with the trace index for a bad scalar, units code or
 *   DMS value, or when traces mix coordinate units.
 * @throws ArgumentError `INVALID_ARGUMENT` when the columns differ in length.
 */
export function decodeCoordinateColumns(
  columns: SegyCoordinateColumns,
  measurementSystem?: number,
): { x: Float64Array; y: Float64Array; unit: DecodedCoordinateUnit } {
  const count = columns.x.length;
  const perTrace = (column: ArrayLike<number | bigint> | number | undefined, name: string) => {
    if (column === undefined || typeof column === 'number') return () => column;
    if (column.length !== count) {
      throw new ArgumentError(`${name} has ${column.length} values but x has ${count}`);
    }
    return (i: number) => Number(column[i]);
  };
  if (columns.y.length !== count)
    throw new ArgumentError(`y has ${columns.y.length} values but x has ${count}`);
  const scalarOf = perTrace(columns.scalar, 'scalar');
  const unitsOf = perTrace(columns.coordinateUnits, 'coordinateUnits');
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  let firstUnits: number | undefined;
  for (let i = 0; i < count; i++) {
    try {
      const encoding = { scalar: scalarOf(i) ?? 0, coordinateUnits: unitsOf(i), measurementSystem };
      const units = unitsCode(encoding.coordinateUnits);
      firstUnits ??= units;
      if (units !== firstUnits) {
        throw new SegyError('SEGY_BAD_HEADER_FIELD', `coordinate units change from code ${firstUnits}`, {
          field: 'coordinateUnits',
          value: encoding.coordinateUnits,
        });
      }
      x[i] = decodeCoordinate(columns.x[i]!, encoding);
      y[i] = decodeCoordinate(columns.y[i]!, encoding);
    } catch (error) {
      if (error instanceof SegyError && error.context.traceIndex === undefined) {
        throw new SegyError(error.code, error.message, { ...error.context, traceIndex: i, cause: error });
      }
      throw error;
    }
  }
  return {
    x,
    y,
    unit: decodedCoordinateUnit({ scalar: 1, coordinateUnits: firstUnits ?? 1, measurementSystem }),
  };
}

function checkScalar(scalar: number): void {
  if (!Number.isInteger(scalar) || scalar < INT16_MIN || scalar > INT16_MAX) {
    throw new SegyError('SEGY_BAD_HEADER_FIELD', `coordinate scalar ${scalar} is not a 16-bit integer`, {
      field: 'scalarCoordinates',
      value: scalar,
    });
  }
}

function unitsCode(code: number | undefined): 1 | 2 | 3 | 4 {
  if (code === undefined || code === 0 || code === 1) return 1;
  if (code === 2 || code === 3 || code === 4) return code;
  throw new SegyError('SEGY_BAD_HEADER_FIELD', `coordinate units code ${code} is not 1–4`, {
    field: 'coordinateUnits',
    value: code,
  });
}

function measurementSystemCode(code: number | undefined): 0 | 1 | 2 {
  if (code === undefined || code === 0 || code === 1 || code === 2) return code ?? 0;
  throw new SegyError(
    'SEGY_BAD_HEADER_FIELD',
    `measurement system code ${code} is not 1 (metres) or 2 (feet)`,
    {
      field: 'measurementSystem',
      value: code,
    },
  );
}

/**
 * `value` as a raw integer under `scalar` and `units`, and whether decoding that integer gives
 * `value` back (to a few ulps: decimals typed by a person are not exact in binary either).
 */
function encodeWithExactness(
  value: number,
  scalar: number,
  units: 1 | 2 | 3 | 4,
): { raw: number; exact: boolean } {
  checkScalar(scalar);
  let stored = value;
  if (units === 2) stored = value * 3600;
  if (units === 4) {
    if (scalar > 1) {
      throw new ArgumentError(`DMS coordinates need a scalar of 1 or a divisor, not ${scalar}`, { scalar });
    }
    stored = degreesToDms(value, scalar);
  }
  // Multiply by the divisor rather than dividing by its inverse: 0.01 is not exact in binary.
  const raw = Math.round(scalar < 0 ? stored * -scalar : scalar > 1 ? stored / scalar : stored);
  const decoded = decodeCoordinate(raw, { scalar, coordinateUnits: units });
  return { raw, exact: Math.abs(decoded - value) <= EXACT_ULPS * Math.abs(value) };
}

/**
 * DMS decoding on the raw integer so no binary fraction creeps into minutes or seconds:
 * ±DDDMMSS with scalar 1, ±DDDMMSSss with scalar -100 (SEG-Y rev 1, section 4).
 */
function dmsToDegrees(raw: number, scalar: number): number {
  const sign = raw < 0 ? -1 : 1;
  const magnitude = Math.abs(raw);
  const divisor = scalar < 0 ? -scalar : 1;
  const whole = scalar > 1 ? magnitude * scalar : Math.floor(magnitude / divisor);
  const fraction = scalar < 0 ? (magnitude % divisor) / divisor : 0;
  const degrees = Math.floor(whole / 10_000);
  const minutes = Math.floor(whole / 100) % 100;
  const seconds = (whole % 100) + fraction;
  if (minutes >= 60 || seconds >= 60) {
    throw new SegyError(
      'SEGY_BAD_HEADER_FIELD',
      `DMS coordinate ${raw} (scalar ${scalar}) has minutes or seconds ≥ 60`,
      {
        field: 'coordinate',
        value: raw,
      },
    );
  }
  return sign * (degrees + minutes / 60 + seconds / 3600);
}

/** Decimal degrees as the ±DDDMMSS.ss number DMS stores, seconds rounded to the scalar's step. */
function degreesToDms(value: number, scalar: number): number {
  const stepsPerSecond = scalar < 0 ? -scalar : 1;
  // Work in whole steps of the stored resolution so rounding carries into minutes and degrees.
  const totalSteps = Math.round(Math.abs(value) * 3600 * stepsPerSecond);
  const stepsPerMinute = 60 * stepsPerSecond;
  const degrees = Math.floor(totalSteps / (60 * stepsPerMinute));
  const minutes = Math.floor(totalSteps / stepsPerMinute) % 60;
  const seconds = (totalSteps % stepsPerMinute) / stepsPerSecond;
  return Math.sign(value) * (degrees * 10_000 + minutes * 100 + seconds);
}
