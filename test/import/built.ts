/**
 * Where the built package is: worker threads and the CLI run the bundles of `dist/` (run
 * `npm run build` first). SEISPROC_DIST points at another build directory (e.g. a private build
 * while `dist/` is being rebuilt by someone else).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIST = new URL(
  process.env.SEISPROC_DIST ? `file://${process.env.SEISPROC_DIST.replace(/\/?$/, '/')}` : '../../dist/',
  import.meta.url,
);

/** URL of the built package entry. */
export const INDEX_URL = new URL('index.js', DIST).href;

/** URL of the built import worker. */
export const WORKER_URL = new URL('import-worker.js', DIST).href;

/** True when the worker bundle exists (parallel tests are skipped otherwise). */
export const WORKER_BUILT = existsSync(new URL(WORKER_URL));

/** Path of the built CLI. */
export const CLI_PATH = fileURLToPath(new URL('cli.js', DIST));
