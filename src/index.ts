/**
 * seisproc: SEG-Y for JavaScript.
 *
 * @packageDocumentation
 */
export * from './crs/index.js';
export * from './errors/index.js';
export * from './progress/index.js';
export * from './segy/index.js';
export { version } from './version.js';
