/**
 * Coordinate reference systems for seismic surveys: bundled EPSG definitions (no network),
 * transforms through proj4, and the SEG-Y coordinate scalar and unit rules for reading
 * coordinates from trace headers and writing them back.
 *
 * @module
 */
export {
  type CoordinatePair,
  CoordinateSystem,
  type CoordinateSystemJSON,
  type CoordinateUnit,
  fromEpsg,
  knownEpsgCodes,
  registerEpsgDefinition,
} from './coordinate-system.js';
export type { EpsgDefinition } from './epsg.js';
export {
  applyCoordinateScalar,
  chooseCoordinateScalar,
  type DecodedCoordinateUnit,
  decodeCoordinate,
  decodeCoordinateColumns,
  decodedCoordinateUnit,
  encodeCoordinate,
  type SegyCoordinateColumns,
  type SegyCoordinateEncoding,
} from './segy-coordinates.js';
