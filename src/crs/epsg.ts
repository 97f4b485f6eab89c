/**
 * Bundled EPSG definitions: no network, no database. UTM families are generated from their code
 * ranges by formula; the handful of other systems are listed literally.
 *
 * proj4 binds datums early (a `+towgs84` shift per CRS), unlike PROJ's late binding, so every
 * definition that is not on a WGS 84–compatible datum carries the shift EPSG lists as the general
 * transformation to WGS 84 for its area. Those shifts are accurate to a few metres; surveys that
 * need a regional transformation pass their own proj string to `CoordinateSystem.fromProj`.
 */

import { lazy } from '../lazy.js';

/** One bundled EPSG coordinate reference system. */
export interface EpsgDefinition {
  /** proj4 definition string. */
  proj: string;
  /** The EPSG name, e.g. `WGS 84 / UTM zone 31N`. */
  description: string;
}

/** A contiguous run of EPSG codes that are UTM zones on one datum. */
interface UtmFamily {
  firstCode: number;
  lastCode: number;
  /** UTM zone of `firstCode`; zones increase by one with the code. */
  firstZone: number;
  south: boolean;
  /** proj4 ellipsoid and datum terms. */
  datum: string;
  /** EPSG name of the zone, given the zone number and hemisphere letter. */
  name: (zone: number, hemisphere: 'N' | 'S') => string;
}

// Shifts to WGS 84 (position-vector convention, as proj4 expects), each EPSG's general
// transformation for the datum's area: ED50 EPSG:1133 (10 m), NAD27 CONUS EPSG:1173 (10 m),
// OSGB36 EPSG:1314 (2 m), Amersfoort EPSG:4833 (1 m; rotations negated from its coordinate-frame
// form), DHDN EPSG:1777 (3 m). The GRS80-based modern datums (ETRS89, NAD83, GDA94, GDA2020,
// SIRGAS 2000, NZGD2000, SWEREF99) are within about 1 m of WGS 84 and take a zero shift.
const ED50 = '+ellps=intl +towgs84=-87,-98,-121,0,0,0,0';
const NAD27 = '+ellps=clrk66 +towgs84=-8,160,176,0,0,0,0';
const OSGB36 = '+ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489';
const AMERSFOORT =
  '+ellps=bessel +towgs84=565.4171,50.3319,465.5524,-0.398957388243134,0.343987817378283,-1.87740163998045,4.0725';
const DHDN = '+ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7';
const GRS80_ZERO_SHIFT = '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0';

const UTM_FAMILIES: readonly UtmFamily[] = [
  {
    firstCode: 32601,
    lastCode: 32660,
    firstZone: 1,
    south: false,
    datum: '+datum=WGS84',
    name: (z, h) => `WGS 84 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 32701,
    lastCode: 32760,
    firstZone: 1,
    south: true,
    datum: '+datum=WGS84',
    name: (z, h) => `WGS 84 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 23028,
    lastCode: 23038,
    firstZone: 28,
    south: false,
    datum: ED50,
    name: (z, h) => `ED50 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 26901,
    lastCode: 26923,
    firstZone: 1,
    south: false,
    datum: '+datum=NAD83',
    name: (z, h) => `NAD83 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 26701,
    lastCode: 26722,
    firstZone: 1,
    south: false,
    datum: NAD27,
    name: (z, h) => `NAD27 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 25828,
    lastCode: 25838,
    firstZone: 28,
    south: false,
    datum: GRS80_ZERO_SHIFT,
    name: (z, h) => `ETRS89 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 28348,
    lastCode: 28358,
    firstZone: 48,
    south: true,
    datum: GRS80_ZERO_SHIFT,
    name: (z) => `GDA94 / MGA zone ${z}`,
  },
  {
    firstCode: 7846,
    lastCode: 7859,
    firstZone: 46,
    south: true,
    datum: GRS80_ZERO_SHIFT,
    name: (z) => `GDA2020 / MGA zone ${z}`,
  },
  {
    firstCode: 31965,
    lastCode: 31976,
    firstZone: 11,
    south: false,
    datum: GRS80_ZERO_SHIFT,
    name: (z, h) => `SIRGAS 2000 / UTM zone ${z}${h}`,
  },
  {
    firstCode: 31977,
    lastCode: 31985,
    firstZone: 17,
    south: true,
    datum: GRS80_ZERO_SHIFT,
    name: (z, h) => `SIRGAS 2000 / UTM zone ${z}${h}`,
  },
];

/** DHDN 3-degree Gauss-Krüger zones 2–5 (EPSG 31466–31469): central meridian 3°·zone. */
function gaussKrugerZone(zone: number): EpsgDefinition {
  return {
    proj: `+proj=tmerc +lat_0=0 +lon_0=${3 * zone} +k=1 +x_0=${zone * 1_000_000 + 500_000} +y_0=0 ${DHDN} +units=m +no_defs`,
    description: `DHDN / 3-degree Gauss-Kruger zone ${zone}`,
  };
}

/** The EPSG codes bundled one by one (not by UTM family), built on first use. */
const listed = lazy(
  (): ReadonlyMap<number, EpsgDefinition> =>
    new Map([
      [4326, { proj: '+proj=longlat +datum=WGS84 +no_defs', description: 'WGS 84' }],
      [4258, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'ETRS89' }],
      [4269, { proj: '+proj=longlat +datum=NAD83 +no_defs', description: 'NAD83' }],
      [4267, { proj: `+proj=longlat ${NAD27} +no_defs`, description: 'NAD27' }],
      [4230, { proj: `+proj=longlat ${ED50} +no_defs`, description: 'ED50' }],
      [4283, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'GDA94' }],
      [7844, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'GDA2020' }],
      [4674, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'SIRGAS 2000' }],
      [4167, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'NZGD2000' }],
      [4619, { proj: `+proj=longlat ${GRS80_ZERO_SHIFT} +no_defs`, description: 'SWEREF99' }],
      [4277, { proj: `+proj=longlat ${OSGB36} +no_defs`, description: 'OSGB36' }],
      [4289, { proj: `+proj=longlat ${AMERSFOORT} +no_defs`, description: 'Amersfoort' }],
      [4314, { proj: `+proj=longlat ${DHDN} +no_defs`, description: 'DHDN' }],
      [
        3857,
        {
          proj: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
          description: 'WGS 84 / Pseudo-Mercator',
        },
      ],
      [
        27700,
        {
          proj: `+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 ${OSGB36} +units=m +no_defs`,
          description: 'OSGB36 / British National Grid',
        },
      ],
      [
        28992,
        {
          proj: `+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 ${AMERSFOORT} +units=m +no_defs`,
          description: 'Amersfoort / RD New',
        },
      ],
      [
        2193,
        {
          proj: `+proj=tmerc +lat_0=0 +lon_0=173 +k=0.9996 +x_0=1600000 +y_0=10000000 ${GRS80_ZERO_SHIFT} +units=m +no_defs`,
          description: 'NZGD2000 / New Zealand Transverse Mercator 2000',
        },
      ],
      [
        3006,
        { proj: `+proj=utm +zone=33 ${GRS80_ZERO_SHIFT} +units=m +no_defs`, description: 'SWEREF99 TM' },
      ],
      [
        3035,
        {
          proj: `+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 ${GRS80_ZERO_SHIFT} +units=m +no_defs`,
          description: 'ETRS89-extended / LAEA Europe',
        },
      ],
      [31466, gaussKrugerZone(2)],
      [31467, gaussKrugerZone(3)],
      [31468, gaussKrugerZone(4)],
      [31469, gaussKrugerZone(5)],
    ]),
);

/** The bundled definition of an EPSG code, or `undefined` when it is not bundled. */
export function bundledEpsgDefinition(code: number): EpsgDefinition | undefined {
  const definition = listed().get(code);
  if (definition) return definition;
  const family = UTM_FAMILIES.find((f) => code >= f.firstCode && code <= f.lastCode);
  if (!family) return undefined;
  const zone = family.firstZone + (code - family.firstCode);
  return {
    proj: `+proj=utm +zone=${zone}${family.south ? ' +south' : ''} ${family.datum} +units=m +no_defs`,
    description: family.name(zone, family.south ? 'S' : 'N'),
  };
}

/** Every bundled EPSG code, ascending. */
export function bundledEpsgCodes(): number[] {
  const codes = [...listed().keys()];
  for (const family of UTM_FAMILIES) {
    for (let code = family.firstCode; code <= family.lastCode; code++) codes.push(code);
  }
  return codes.sort((a, b) => a - b);
}
