/**
 * A long command killed outright (SIGKILL, as the OOM killer or a power cut ends it) at a random
 * point while it holds its write lock, and the same command run again at once: the re-run takes
 * the dead command's lock over instead of failing with `DATASET_LOCKED`, and its output is that of
 * an uninterrupted run. The built CLI is run (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_RUNNING_SEGY, writeSyntheticSegy } from '../export/helpers.js';
import { CLI_PATH, runCli as seisproc } from '../helpers/built.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';

/** Small chunks, so that each command runs for a second or so on 20 000 traces. */
const CHUNK_TRACES = '64';
const ROUNDS = 4;
/**
 * Kills fall in this first part of the time an uninterrupted run held its lock: runs on a busy
 * machine vary, and a kill after the end proves nothing.
 */
const KILL_WITHIN = 0.6;

let root: string;
let segy: string;
let imported: string;
let importLockedMs: number;

async function checksum(dataset: string): Promise<string> {
  const run = await seisproc('checksum', dataset, '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).sha256;
}

/** How a command watched by {@link runWatchingLock} went. */
interface Watched {
  /** Milliseconds from the appearance of its write lock to its end. */
  lockedMs: number;
  /** Exit status (null when killed). */
  code: number | null;
  stderr: string;
  /** Whether its lock directory was still there after it ended. */
  lockLeft: boolean;
}

/**
 * Run the command; once its write lock appears, let it run `killAfterMs` more and SIGKILL it
 * (without `killAfterMs`, let it finish).
 */
async function runWatchingLock(args: string[], lockPath: string, killAfterMs?: number): Promise<Watched> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  // 'close' comes after stderr has ended, so nothing printed is missed.
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  while (child.exitCode === null && !existsSync(lockPath)) await sleep(2);
  const locked = performance.now();
  if (killAfterMs !== undefined) {
    await sleep(killAfterMs);
    child.kill('SIGKILL');
  }
  const code = await closed;
  return { lockedMs: performance.now() - locked, code, stderr, lockLeft: existsSync(lockPath) };
}

/** Run the command to its end; resolves with how long it held its write lock. */
async function lockedMsOfUninterrupted(args: string[], lockPath: string): Promise<number> {
  const run = await runWatchingLock(args, lockPath);
  expect(run.code, run.stderr).toBe(0);
  expect(run.lockLeft).toBe(false);
  return run.lockedMs;
}

/**
 * {@link ROUNDS} rounds of: run `argsOf(output)` and kill it at a random point of the time an
 * uninterrupted run held its lock (`lockedMs`, see {@link KILL_WITHIN}), run it again at once, which must succeed, then
 * `verify` the output. Resolves with the rounds whose killed command left its lock behind.
 */
async function killAndRerun(
  fileName: string,
  argsOf: (output: string) => string[],
  lockedMs: number,
  verify: (output: string) => Promise<void>,
): Promise<number> {
  let locksLeft = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const output = path.join(root, `round-${round}-${fileName}`);
    const args = argsOf(output);
    const killed = await runWatchingLock(args, `${output}.lock`, Math.random() * lockedMs * KILL_WITHIN);
    if (killed.lockLeft) locksLeft++;
    const rerun = await seisproc(...args);
    expect(rerun.stderr).not.toContain('DATASET_LOCKED');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(existsSync(`${output}.lock`)).toBe(false);
    // Nothing the killed run wrote is left beside the output (temporary siblings, import work).
    const beside = (await fs.readdir(root)).filter((name) => name.startsWith(`.${path.basename(output)}`));
    expect(beside).toEqual([]);
    await verify(output);
  }
  return locksLeft;
}

beforeAll(async () => {
  // The lock sits beside the real path of its dataset.
  root = await fs.realpath(await scratchDirectory('kill-rerun'));
  segy = path.join(root, 'line.sgy');
  await writeSyntheticSegy(segy, LONG_RUNNING_SEGY);
  imported = path.join(root, 'line.seis');
  importLockedMs = await lockedMsOfUninterrupted(
    ['import', segy, imported, '--chunk-traces', CHUNK_TRACES],
    `${imported}.lock`,
  );
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe.runIf(existsSync(CLI_PATH))('a command killed with SIGKILL and run again at once', () => {
  it('import --resume: the re-run succeeds and gives the dataset of an uninterrupted import', async () => {
    const expected = await checksum(imported);
    const locksLeft = await killAndRerun(
      'imported.seis',
      (output) => ['import', segy, output, '--chunk-traces', CHUNK_TRACES, '--resume', '--overwrite'],
      importLockedMs,
      async (output) => expect(await checksum(output)).toBe(expected),
    );
    expect(locksLeft).toBeGreaterThan(0);
  });

  it('process: the re-run succeeds and gives the samples of an uninterrupted run', async () => {
    const argsOf = (output: string) => [
      'process',
      imported,
      output,
      '--op',
      'scale',
      '--param',
      'factor=2',
      '--chunk-traces',
      CHUNK_TRACES,
      '--overwrite',
    ];
    const uninterrupted = path.join(root, 'scaled.seis');
    const lockedMs = await lockedMsOfUninterrupted(argsOf(uninterrupted), `${uninterrupted}.lock`);
    const expected = await checksum(uninterrupted);
    const locksLeft = await killAndRerun('scaled.seis', argsOf, lockedMs, async (output) =>
      expect(await checksum(output)).toBe(expected),
    );
    expect(locksLeft).toBeGreaterThan(0);
  });

  it('export: the re-run succeeds and writes the source file back byte for byte', async () => {
    const argsOf = (output: string) => [
      'export',
      imported,
      output,
      '--workers',
      '1',
      '--chunk-traces',
      '16',
      '--overwrite',
    ];
    const uninterrupted = path.join(root, 'uninterrupted.sgy');
    const lockedMs = await lockedMsOfUninterrupted(argsOf(uninterrupted), `${uninterrupted}.lock`);
    const source = await fs.readFile(segy);
    const locksLeft = await killAndRerun('exported.sgy', argsOf, lockedMs, async (output) =>
      expect((await fs.readFile(output)).equals(source)).toBe(true),
    );
    expect(locksLeft).toBeGreaterThan(0);
  });
});
