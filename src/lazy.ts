/**
 * Dependencies that synchronous code needs, loaded on first use instead of at import.
 *
 * Importing seisproc (or starting the CLI) used to load every dependency and build every schema,
 * a third of a second before the first line of an application ran. Code that reaches a dependency
 * from an async function loads it there with `await import()`; the synchronous APIs (processor
 * parameters, session state, coordinate systems, history export, PNG encoding) reach theirs
 * through the loaders below, which `require()` them: each of these packages ships CommonJS, and
 * Node caches what `require` loaded. In the library's chunks `require` is the `createRequire`
 * banner of tsup.config.ts; in the self-contained worker bundles esbuild resolves these calls at
 * build time and evaluates the hasRequire module on the first call, so a worker reads nothing more
 * from disk. Run from source by tsx, an ES module has no `require`: then a `createRequire` of
 * this file loads the same packages.
 */
import { createRequire } from 'node:module';
import type * as Pngjs from 'pngjs';
import type WriteFileAtomic from 'write-file-atomic';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';

const hasRequire = typeof require === 'function';
const requireFromSource = createRequire(import.meta.url);

/** `build()`'s value, computed on the first call and kept. */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** zarrita and its file-system store (datasets and bare Zarr arrays). */
export const loadZarrita = lazy(async () => {
  const [zarr, { default: FileSystemStore }] = await Promise.all([
    import('zarrita'),
    import('@zarrita/storage/fs'),
  ]);
  return { zarr, FileSystemStore };
});

/** zod (the schemas of parameters, session state, projects, settings and provenance). */
export const loadZod = (): typeof Zod => (hasRequire ? require('zod') : requireFromSource('zod'));

/** proj4 (coordinate transforms). */
export const loadProj4 = (): typeof import('proj4') =>
  hasRequire ? require('proj4') : requireFromSource('proj4');

/** yaml (history export). */
export const loadYaml = (): typeof Yaml => (hasRequire ? require('yaml') : requireFromSource('yaml'));

/** pngjs (quick-look images). */
export const loadPngjs = (): typeof Pngjs => (hasRequire ? require('pngjs') : requireFromSource('pngjs'));

/** write-file-atomic (project, session and settings files; also from exit hooks, where nothing async runs). */
export const loadWriteFileAtomic = (): typeof WriteFileAtomic =>
  hasRequire ? require('write-file-atomic') : requireFromSource('write-file-atomic');

/** fft.js (the bandpass filter). */
export const loadFft = (): typeof import('fft.js') =>
  hasRequire ? require('fft.js') : requireFromSource('fft.js');
