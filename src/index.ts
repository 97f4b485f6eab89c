/**
 * seisproc: SEG-Y for JavaScript.
 *
 * @packageDocumentation
 */
export * from './crs/index.js';
export * from './errors/index.js';
export * from './export/index.js';
export * from './history/index.js';
export * from './import/index.js';
export * from './io/index.js';
export * from './navigator/index.js';
export * from './partition/index.js';
export * from './process/index.js';
export * from './progress/index.js';
export * from './project/index.js';
export * from './provenance/index.js';
export * from './segy/index.js';
export * from './storage/index.js';
export { version } from './version.js';
