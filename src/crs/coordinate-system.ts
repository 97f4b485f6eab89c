import type proj4 from 'proj4';
import { ApplicationError } from '../errors/index.js';
import { loadProj4 } from '../lazy.js';
import { bundledEpsgCodes, bundledEpsgDefinition, type EpsgDefinition } from './epsg.js';

/** Linear or angular unit of a coordinate system's axes. */
export type CoordinateUnit = 'm' | 'ft' | 'us-ft' | 'degree';

/**
 * The JSON form of a {@link CoordinateSystem}, as stored in dataset metadata (`crs`) and in
 * projects. `proj` is always written so that a reader without seisproc's bundled table can still
 * rebuild the exact definition; `epsg` is written when the system has a code.
 */
export interface CoordinateSystemJSON {
  /** EPSG code, when the system has one. */
  epsg?: number;
  /** proj4 definition string. At least one of `epsg` and `proj` is present. */
  proj?: string;
  /** Unit of the axes. */
  units: CoordinateUnit;
  /** Human-readable name, e.g. `WGS 84 / UTM zone 31N`. */
  description: string;
}

/** An x/y pair: easting/northing, or longitude/latitude in degrees for geographic systems. */
export type CoordinatePair = readonly [x: number, y: number];

const US_SURVEY_FOOT = 1200 / 3937;
const INTERNATIONAL_FOOT = 0.3048;
const GEOGRAPHIC_PROJECTIONS = new Set(['longlat', 'latlong', 'lonlat', 'latlon']);

// Definitions registered at run time by the host application, consulted before the bundled ones.
const registeredDefinitions = new Map<number, EpsgDefinition>();
// proj4 converters are costly to build (they parse and derive constants); transforms of many
// points between the same two systems reuse one.
const converterCache = new Map<string, proj4.Converter>();

/**
 * A coordinate reference system: an optional EPSG code, a proj4 definition, the unit of its axes
 * and a description. Build one with {@link fromEpsg}, {@link CoordinateSystem.fromProj} or
 * {@link CoordinateSystem.fromJSON}.
 *
 * Axis order is always x then y: easting then northing, or longitude then latitude (the GIS and
 * SEG-Y order, not the EPSG lat/lon order of geographic systems).
 */
export class CoordinateSystem {
  /** EPSG code, when known. */
  readonly epsg: number | undefined;
  /** proj4 definition string. */
  readonly proj: string;
  /** Unit of the axes, derived from the definition. */
  readonly units: CoordinateUnit;
  /** Human-readable name. */
  readonly description: string;

  private constructor(proj: string, units: CoordinateUnit, description: string, epsg: number | undefined) {
    this.proj = proj;
    this.units = units;
    this.description = description;
    this.epsg = epsg;
  }

  /**
   * A coordinate system from a proj4 definition string.
   *
   * @throws ApplicationError `CRS_UNKNOWN` when proj4 cannot parse the definition or its unit is
   *   not one of {@link CoordinateUnit}.
   */
  static fromProj(proj: string, options: { description?: string; epsg?: number } = {}): CoordinateSystem {
    const units = unitsOfDefinition(proj, options.epsg);
    return new CoordinateSystem(proj.trim(), units, options.description ?? proj.trim(), options.epsg);
  }

  /**
   * Rebuild a coordinate system from its JSON form (dataset metadata, project files). A stored
   * `proj` wins over the bundled definition of `epsg`, so a dataset keeps the exact definition it
   * was created with.
   *
   * @throws ApplicationError `CRS_UNKNOWN` for anything that is not a valid
   *   {@link CoordinateSystemJSON}, an EPSG code without `proj` that is not bundled or registered,
   *   or `units` that contradict the definition.
   */
  static fromJSON(value: unknown): CoordinateSystem {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ApplicationError('CRS_UNKNOWN', 'coordinate system JSON must be an object', { value });
    }
    const { epsg, proj, units, description } = value as Record<string, unknown>;
    if (epsg !== undefined && !isEpsgCode(epsg)) {
      throw new ApplicationError('CRS_UNKNOWN', 'coordinate system JSON: epsg must be a positive integer', {
        epsg,
      });
    }
    if (proj !== undefined && (typeof proj !== 'string' || proj.trim() === '')) {
      throw new ApplicationError('CRS_UNKNOWN', 'coordinate system JSON: proj must be a non-empty string', {
        proj,
      });
    }
    if (description !== undefined && typeof description !== 'string') {
      throw new ApplicationError('CRS_UNKNOWN', 'coordinate system JSON: description must be a string', {
        description,
      });
    }
    let system: CoordinateSystem;
    if (proj !== undefined) {
      system = CoordinateSystem.fromProj(proj, { description, epsg });
    } else if (epsg !== undefined) {
      system = fromEpsg(epsg);
    } else {
      throw new ApplicationError('CRS_UNKNOWN', 'coordinate system JSON needs epsg or proj');
    }
    if (units !== undefined && units !== system.units) {
      throw new ApplicationError(
        'CRS_UNKNOWN',
        `coordinate system JSON says units "${String(units)}" but its definition is in ${system.units}`,
        { epsg, proj, units },
      );
    }
    return description === undefined || description === system.description
      ? system
      : new CoordinateSystem(system.proj, system.units, description, system.epsg);
  }

  /** True for longitude/latitude systems. */
  get isGeographic(): boolean {
    return this.units === 'degree';
  }

  /** The JSON form, for dataset metadata and project files. */
  toJSON(): CoordinateSystemJSON {
    const json: CoordinateSystemJSON = { proj: this.proj, units: this.units, description: this.description };
    return this.epsg === undefined ? json : { epsg: this.epsg, ...json };
  }

  /** `EPSG:nnnn (description)` or the description alone. */
  toString(): string {
    return this.epsg === undefined ? this.description : `EPSG:${this.epsg} (${this.description})`;
  }

  /** True when both systems have the same definition (EPSG code and description aside). */
  equals(other: CoordinateSystem): boolean {
    return normaliseDefinition(this.proj) === normaliseDefinition(other.proj);
  }

  /**
   * Transform points from this system to `target`, including the datum shift between them.
   *
   * @returns new pairs, in the same order.
   * @throws ApplicationError `CRS_TRANSFORM` naming the first point that cannot be transformed
   *   (non-finite input, latitude beyond ±90°, or a point outside the projection's domain).
   */
  transformTo(target: CoordinateSystem, points: ReadonlyArray<CoordinatePair>): Array<[number, number]> {
    const converter = this.converterTo(target);
    return points.map(([x, y], index) => this.transformOne(converter, target, x, y, index));
  }

  /**
   * Transform coordinate columns (e.g. trace header source X/Y) from this system to `target`.
   * Same rules as {@link CoordinateSystem.transformTo}; `x` and `y` must have the same length.
   */
  transformColumns(
    target: CoordinateSystem,
    x: ArrayLike<number>,
    y: ArrayLike<number>,
  ): { x: Float64Array; y: Float64Array } {
    if (x.length !== y.length) {
      throw new ApplicationError('CRS_TRANSFORM', `x has ${x.length} values but y has ${y.length}`);
    }
    const converter = this.converterTo(target);
    const outX = new Float64Array(x.length);
    const outY = new Float64Array(y.length);
    for (let i = 0; i < x.length; i++) {
      const [tx, ty] = this.transformOne(converter, target, x[i]!, y[i]!, i);
      outX[i] = tx;
      outY[i] = ty;
    }
    return { x: outX, y: outY };
  }

  private converterTo(target: CoordinateSystem): proj4.Converter {
    const key = `${this.proj}\u0000${target.proj}`;
    let converter = converterCache.get(key);
    if (!converter) {
      try {
        converter = loadProj4()(this.proj, target.proj);
      } catch (cause) {
        throw new ApplicationError('CRS_TRANSFORM', `cannot transform from ${this} to ${target}`, {
          cause: asError(cause),
        });
      }
      converterCache.set(key, converter);
    }
    return converter;
  }

  private transformOne(
    converter: proj4.Converter,
    target: CoordinateSystem,
    x: number,
    y: number,
    index: number,
  ): [number, number] {
    const fail = (why: string, cause?: unknown): ApplicationError =>
      new ApplicationError(
        'CRS_TRANSFORM',
        `cannot transform point ${index} (${x}, ${y}) from ${this} to ${target}: ${why}`,
        {
          pointIndex: index,
          x,
          y,
          cause: cause === undefined ? undefined : asError(cause),
        },
      );
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw fail('not a finite number');
    // proj4 wraps or mirrors latitudes beyond the pole instead of refusing them.
    if (this.isGeographic && Math.abs(y) > 90) throw fail('latitude beyond ±90°');
    let result: number[];
    try {
      result = converter.forward([x, y]);
    } catch (cause) {
      throw fail('outside the projection domain', cause);
    }
    const [tx, ty] = result as [number, number];
    if (!Number.isFinite(tx) || !Number.isFinite(ty)) throw fail('outside the projection domain');
    return [tx, ty];
  }
}

/**
 * The coordinate system of an EPSG code, from the definitions bundled with seisproc (UTM zones
 * on WGS 84, ED50, NAD27, NAD83, ETRS89, GDA94/GDA2020 MGA, SIRGAS 2000; geographic WGS 84 and
 * the national datums; British National Grid, RD New, NZTM, SWEREF99 TM, LAEA Europe, Web
 * Mercator, DHDN Gauss-Krüger) or registered with {@link registerEpsgDefinition}. No network.
 *
 * @throws ApplicationError `CRS_UNKNOWN` for a code that is neither bundled nor registered.
 */
export function fromEpsg(code: number): CoordinateSystem {
  if (!isEpsgCode(code)) {
    throw new ApplicationError('CRS_UNKNOWN', `EPSG code must be a positive integer, got ${code}`, {
      epsg: code,
    });
  }
  const definition = registeredDefinitions.get(code) ?? bundledEpsgDefinition(code);
  if (!definition) {
    throw new ApplicationError(
      'CRS_UNKNOWN',
      `EPSG:${code} is not bundled with seisproc; register it with registerEpsgDefinition() or use CoordinateSystem.fromProj()`,
      { epsg: code },
    );
  }
  return CoordinateSystem.fromProj(definition.proj, { description: definition.description, epsg: code });
}

/**
 * Teach {@link fromEpsg} an EPSG code (or override a bundled one, e.g. with a regional datum
 * shift), for the rest of the process.
 *
 * @throws ApplicationError `CRS_UNKNOWN` when the definition cannot be parsed.
 */
export function registerEpsgDefinition(code: number, definition: EpsgDefinition): void {
  if (!isEpsgCode(code)) {
    throw new ApplicationError('CRS_UNKNOWN', `EPSG code must be a positive integer, got ${code}`, {
      epsg: code,
    });
  }
  unitsOfDefinition(definition.proj, code);
  registeredDefinitions.set(code, { proj: definition.proj.trim(), description: definition.description });
}

/** Every EPSG code {@link fromEpsg} knows: the bundled ones and those registered, ascending. */
export function knownEpsgCodes(): number[] {
  return [...new Set([...bundledEpsgCodes(), ...registeredDefinitions.keys()])].sort((a, b) => a - b);
}

function isEpsgCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The axis unit of a proj4 definition; also proves that proj4 can parse it. */
function unitsOfDefinition(proj: string, epsg: number | undefined): CoordinateUnit {
  let parsed: { projName?: string; units?: string; to_meter?: number };
  try {
    parsed = loadProj4().Proj(proj) as unknown as typeof parsed;
  } catch (cause) {
    throw new ApplicationError('CRS_UNKNOWN', `cannot parse the coordinate system definition "${proj}"`, {
      epsg,
      cause: asError(cause),
    });
  }
  if (parsed.projName !== undefined && GEOGRAPHIC_PROJECTIONS.has(parsed.projName)) return 'degree';
  const toMeter = parsed.to_meter ?? 1;
  if (parsed.units === 'us-ft' || Math.abs(toMeter - US_SURVEY_FOOT) < 1e-12) return 'us-ft';
  if (parsed.units === 'ft' || Math.abs(toMeter - INTERNATIONAL_FOOT) < 1e-12) return 'ft';
  if (Math.abs(toMeter - 1) < 1e-12) return 'm';
  throw new ApplicationError(
    'CRS_UNKNOWN',
    `unsupported unit in "${proj}": seisproc handles metres, international and US survey feet, and degrees`,
    { epsg, units: parsed.units, toMeter },
  );
}

function normaliseDefinition(proj: string): string {
  return proj.trim().split(/\s+/).sort().join(' ');
}

// proj4 throws plain strings; keep a real Error as the cause so stack and message survive.
function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
