/**
 * Where the built package is: worker threads and the CLI run the bundles of `dist/` (run
 * `npm run build` first). SEISPROC_DIST points at another build directory (e.g. a private build
 * while `dist/` is being rebuilt by someone else).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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

/** What a CLI run printed and its exit code. */
export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Run the built CLI with `args`; resolves with its output and exit code, whatever the code. */
export async function runCli(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_PATH, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as CliRun;
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
