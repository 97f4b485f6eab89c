import { describe, expect, it } from 'vitest';
import { CoordinateSystem, fromEpsg, knownEpsgCodes, registerEpsgDefinition } from '../../src/index.js';
import { thrown } from '../project/helpers/errors.js';

// Reference values computed with PROJ 9.1.1 (cs2cs, Debian proj-bin) from the same definitions,
// so they check proj4's arithmetic and our parameters to well under 1 cm. Geographic results are
// in degrees, where 1e-7° is about 1 cm.
const PROJ_REFERENCE: Array<[from: number, to: number, x: number, y: number, ex: number, ey: number]> = [
  [4326, 32631, 2.123456, 56.789012, 446451.674943517, 6294242.832461257],
  [4326, 32631, 3, 0, 500000, 0],
  [4326, 32756, 151.2093, -33.8688, 334368.633648097, 6250948.345385009],
  [32631, 4326, 431234.56, 6293456.78, 1.874623658, 56.779953351],
  [4326, 23031, 2.123456, 56.789012, 446544.653549505, 6294456.525642214],
  [23031, 32631, 431234.56, 6293456.78, 431141.666976566, 6293243.091116068],
  [4326, 26715, -95.3698, 29.7604, 270875.628232115, 3294382.96743047],
  [4326, 26915, -95.3698, 29.7604, 270857.836198422, 3294589.258470294],
  [4326, 25832, 10.75, 59.91, 597868.381064578, 6642681.510038425],
  [4326, 27700, -0.1276, 51.5072, 530043.194981407, 180358.208620005],
  [4326, 28992, 5.12142, 52.090737, 136785.111417254, 455864.250921751],
  [4326, 28355, 144.9631, -37.8136, 320704.446318889, 5812911.699632987],
  [4326, 7855, 144.9631, -37.8136, 320704.446318889, 5812911.699632987],
  [4326, 31983, -46.6333, -23.5505, 333287.91510143, 7394588.318636952],
  [4326, 31965, -117.1611, 32.7157, 484902.621410401, 3619781.607848785],
  [4326, 3857, 10, 50, 1113194.907932736, 6446275.841017161],
  [4326, 2193, 174.7762, -41.2865, 1748735.553060279, 5427916.478887198],
  [4326, 3006, 18.0686, 59.3293, 674571.866449145, 6580743.008330945],
  [4326, 3035, 10, 52, 4321000, 3210000],
  [4326, 31467, 8.6821, 50.1109, 3477334.811221908, 5552790.75307998],
  [4326, 4230, 2.123456, 56.789012, 2.125005629, 56.789679641],
];

describe('fromEpsg', () => {
  it('generates UTM zones of every family with their EPSG names', () => {
    const cases: Array<[number, string, string]> = [
      [32601, 'WGS 84 / UTM zone 1N', '+proj=utm +zone=1 +datum=WGS84 +units=m +no_defs'],
      [32631, 'WGS 84 / UTM zone 31N', '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs'],
      [32760, 'WGS 84 / UTM zone 60S', '+proj=utm +zone=60 +south +datum=WGS84 +units=m +no_defs'],
      [
        23031,
        'ED50 / UTM zone 31N',
        '+proj=utm +zone=31 +ellps=intl +towgs84=-87,-98,-121,0,0,0,0 +units=m +no_defs',
      ],
      [26915, 'NAD83 / UTM zone 15N', '+proj=utm +zone=15 +datum=NAD83 +units=m +no_defs'],
      [
        26715,
        'NAD27 / UTM zone 15N',
        '+proj=utm +zone=15 +ellps=clrk66 +towgs84=-8,160,176,0,0,0,0 +units=m +no_defs',
      ],
      [
        25832,
        'ETRS89 / UTM zone 32N',
        '+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      ],
      [
        28355,
        'GDA94 / MGA zone 55',
        '+proj=utm +zone=55 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      ],
      [
        7855,
        'GDA2020 / MGA zone 55',
        '+proj=utm +zone=55 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      ],
      [
        31965,
        'SIRGAS 2000 / UTM zone 11N',
        '+proj=utm +zone=11 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      ],
      [
        31983,
        'SIRGAS 2000 / UTM zone 23S',
        '+proj=utm +zone=23 +south +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      ],
    ];
    for (const [code, description, proj] of cases) {
      const system = fromEpsg(code);
      expect(system.description).toBe(description);
      expect(system.proj).toBe(proj);
      expect(system.epsg).toBe(code);
      expect(system.units).toBe('m');
    }
  });

  it('knows the national grids and geographic systems', () => {
    expect(fromEpsg(4326)).toMatchObject({ description: 'WGS 84', units: 'degree', isGeographic: true });
    expect(fromEpsg(27700).description).toBe('OSGB36 / British National Grid');
    expect(fromEpsg(28992).description).toBe('Amersfoort / RD New');
    expect(fromEpsg(31468).proj).toContain('+lon_0=12 +k=1 +x_0=4500000');
    expect(fromEpsg(3857).isGeographic).toBe(false);
  });

  it('lists every code it knows, and each one builds', () => {
    const codes = knownEpsgCodes();
    expect(codes.length).toBe(new Set(codes).size);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    // 60 + 60 WGS 84 zones, 11 ED50, 23 NAD83, 22 NAD27, 11 ETRS89, 11 GDA94, 14 GDA2020, 21 SIRGAS.
    expect(codes.filter((c) => c >= 32601 && c <= 32760)).toHaveLength(120);
    expect(codes.length).toBeGreaterThanOrEqual(120 + 11 + 23 + 22 + 11 + 11 + 14 + 21 + 20);
    for (const code of codes) expect(fromEpsg(code).epsg).toBe(code);
  });

  it('refuses codes it does not know, with CRS_UNKNOWN', () => {
    for (const code of [32661, 23039, 4979, 0, -4326, 1.5]) {
      const error = thrown(() => fromEpsg(code));
      expect(error.code).toBe('CRS_UNKNOWN');
      expect(error.context.epsg).toBe(code);
    }
  });

  it('learns codes registered at run time', () => {
    expect(thrown(() => fromEpsg(2958)).code).toBe('CRS_UNKNOWN');
    registerEpsgDefinition(2958, {
      proj: '+proj=utm +zone=17 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
      description: 'NAD83(CSRS) / UTM zone 17N',
    });
    expect(fromEpsg(2958).description).toBe('NAD83(CSRS) / UTM zone 17N');
    expect(knownEpsgCodes()).toContain(2958);
    expect(
      thrown(() => registerEpsgDefinition(2959, { proj: 'not a definition', description: 'x' })).code,
    ).toBe('CRS_UNKNOWN');
  });
});

describe('CoordinateSystem.transformTo', () => {
  it.each(PROJ_REFERENCE)('EPSG:%i -> EPSG:%i (%d, %d) agrees with PROJ', (from, to, x, y, ex, ey) => {
    const [[tx, ty]] = fromEpsg(from).transformTo(fromEpsg(to), [[x, y]]) as [[number, number]];
    const tolerance = fromEpsg(to).isGeographic ? 1e-7 : 0.01;
    expect(Math.abs(tx - ex)).toBeLessThan(tolerance);
    expect(Math.abs(ty - ey)).toBeLessThan(tolerance);
  });

  it('reproduces the Ordnance Survey worked example for the National Grid to 1 cm', () => {
    // OS "A guide to coordinate systems in Great Britain", annex C: OSGB36 52°39'27.2531"N
    // 1°43'4.5177"E is E 651409.903, N 313177.270.
    const lat = 52 + 39 / 60 + 27.2531 / 3600;
    const lon = 1 + 43 / 60 + 4.5177 / 3600;
    const [[e, n]] = fromEpsg(4277).transformTo(fromEpsg(27700), [[lon, lat]]) as [[number, number]];
    expect(e).toBeCloseTo(651409.903, 2);
    expect(n).toBeCloseTo(313177.27, 2);
  });

  it('goes there and back to the millimetre', () => {
    const utm = fromEpsg(23031);
    const wgs = fromEpsg(4326);
    const points: Array<[number, number]> = [
      [431234.56, 6293456.78],
      [612000, 5800000.25],
    ];
    const back = wgs.transformTo(utm, utm.transformTo(wgs, points));
    back.forEach(([x, y], i) => {
      expect(Math.abs(x - points[i]![0])).toBeLessThan(0.001);
      expect(Math.abs(y - points[i]![1])).toBeLessThan(0.001);
    });
  });

  it('transforms columns the same as pairs', () => {
    const from = fromEpsg(4326);
    const to = fromEpsg(32631);
    const x = [2.1, 2.2, 2.3];
    const y = [56.1, 56.2, 56.3];
    const columns = from.transformColumns(to, x, y);
    const pairs = from.transformTo(
      to,
      x.map((v, i) => [v, y[i]!] as const),
    );
    expect(Array.from(columns.x)).toEqual(pairs.map((p) => p[0]));
    expect(Array.from(columns.y)).toEqual(pairs.map((p) => p[1]));
  });

  it('names the point it cannot transform, with CRS_TRANSFORM', () => {
    const wgs = fromEpsg(4326);
    const utm = fromEpsg(32631);
    const beyondPole = thrown(() =>
      wgs.transformTo(utm, [
        [3, 50],
        [3, 95],
      ]),
    );
    expect(beyondPole.code).toBe('CRS_TRANSFORM');
    expect(beyondPole.context.pointIndex).toBe(1);
    expect(thrown(() => wgs.transformTo(utm, [[Number.NaN, 50]])).code).toBe('CRS_TRANSFORM');
    const offTheMap = thrown(() => utm.transformTo(wgs, [[1e12, 40]]));
    expect(offTheMap.code).toBe('CRS_TRANSFORM');
    expect(thrown(() => wgs.transformColumns(utm, [1, 2], [3])).code).toBe('CRS_TRANSFORM');
  });
});

describe('CoordinateSystem JSON and proj definitions', () => {
  it('round-trips through JSON, keeping the stored definition', () => {
    const system = fromEpsg(32631);
    const json = JSON.parse(JSON.stringify(system));
    expect(json).toEqual({
      epsg: 32631,
      proj: '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs',
      units: 'm',
      description: 'WGS 84 / UTM zone 31N',
    });
    const revived = CoordinateSystem.fromJSON(json);
    expect(revived.equals(system)).toBe(true);
    expect(revived.toString()).toBe('EPSG:32631 (WGS 84 / UTM zone 31N)');

    // A dataset written with a regional datum shift keeps it, although the code is bundled.
    const regional = CoordinateSystem.fromJSON({
      epsg: 23031,
      proj: '+proj=utm +zone=31 +ellps=intl +towgs84=-89.5,-93.8,-123.1,0,0,-0.156,1.2 +units=m +no_defs',
      units: 'm',
      description: 'ED50 / UTM zone 31N (North Sea)',
    });
    expect(regional.proj).toContain('-89.5');
    expect(regional.equals(fromEpsg(23031))).toBe(false);
  });

  it('rebuilds from an EPSG code alone', () => {
    const system = CoordinateSystem.fromJSON({ epsg: 28992, units: 'm', description: 'Amersfoort / RD New' });
    expect(system.proj).toBe(fromEpsg(28992).proj);
  });

  it('derives units from the definition', () => {
    expect(CoordinateSystem.fromProj('+proj=tmerc +lon_0=-99 +units=us-ft +datum=NAD83').units).toBe('us-ft');
    expect(CoordinateSystem.fromProj('+proj=tmerc +lon_0=-99 +to_meter=0.3048 +datum=NAD83').units).toBe(
      'ft',
    );
    expect(CoordinateSystem.fromProj('+proj=longlat +ellps=GRS80').units).toBe('degree');
    expect(thrown(() => CoordinateSystem.fromProj('+proj=tmerc +units=km')).code).toBe('CRS_UNKNOWN');
  });

  it('refuses malformed JSON and definitions with CRS_UNKNOWN', () => {
    const bad: unknown[] = [
      null,
      'EPSG:4326',
      [],
      { units: 'm', description: 'no code' },
      { epsg: 'x', units: 'm', description: '' },
      { epsg: 99999, units: 'm', description: 'unbundled without proj' },
      { proj: 42, units: 'm', description: '' },
      { proj: '+proj=nonsense', units: 'm', description: '' },
      { epsg: 4326, units: 'm', description: 'units contradict' },
      { epsg: 4326, units: 'degree', description: 7 },
    ];
    for (const value of bad) expect(thrown(() => CoordinateSystem.fromJSON(value)).code).toBe('CRS_UNKNOWN');
  });
});
