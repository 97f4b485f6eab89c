/**
 * Importing seisproc and starting the CLI load no heavy dependency: each is loaded where it is
 * first used (src/lazy.ts, dynamic imports). Asserted structurally, not by timing: a child process
 * records every module it loads (record-modules.mjs) and the test names the packages among them.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../helpers/built.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RECORDER = fileURLToPath(new URL('./record-modules.mjs', import.meta.url));
const SMALL_SEGY = fileURLToPath(new URL('../fixtures/segyio/small.sgy', import.meta.url));

/** Dependencies that only the operations needing them may load. */
const HEAVY = [
  'zod',
  'proj4',
  'yaml',
  'pngjs',
  'fft.js',
  'tinypool',
  'hyparquet',
  'hyparquet-writer',
  'zarrita',
  '@zarrita/storage',
  'numcodecs',
  'proper-lockfile',
  'write-file-atomic',
  'cli-progress',
];

/** The packages (by name) a `node ...args` run in the repository's root loaded. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const record = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-modules-')), 'modules.txt');
  try {
    await promisify(execFile)(process.execPath, ['--import', RECORDER, ...args], {
      cwd: ROOT,
      env: { ...process.env, SEISPROC_RECORD_MODULES: record },
    });
    const lines = (await fs.readFile(record, 'utf8')).split('\n');
    const names = lines.flatMap((line) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
      return match ? [match[1]!] : [];
    });
    return new Set(names);
  } finally {
    await fs.rm(path.dirname(record), { recursive: true, force: true });
  }
}

describe('start-up loads no heavy dependency', () => {
  it("import('seisproc') loads none of them", async () => {
    const loaded = await packagesLoaded(['--input-type=module', '-e', "await import('seisproc')"]);
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
    // The recorder sees what the library does load at import.
    expect(loaded.has('eventemitter3')).toBe(true);
  });

  it('first use loads each dependency where it is needed', async () => {
    const script = [
      "const s = await import('seisproc');",
      's.validateSessionState(s.defaultSessionState());',
      's.fromEpsg(32631).transformTo(s.fromEpsg(4326), [[500000, 0]]);',
      "s.formatHistory([], 'yaml');",
    ].join('\n');
    const loaded = await packagesLoaded(['--input-type=module', '-e', script]);
    expect(['zod', 'proj4', 'yaml'].filter((name) => loaded.has(name))).toEqual(['zod', 'proj4', 'yaml']);
    expect(loaded.has('hyparquet-writer')).toBe(false);
  });

  it('seisproc --version loads none of them', async () => {
    const loaded = await packagesLoaded([CLI_PATH, '--version']);
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
    expect(loaded.has('commander')).toBe(true);
  });

  it('seisproc info of a small file loads none of them', async () => {
    const loaded = await packagesLoaded([CLI_PATH, 'info', SMALL_SEGY]);
    expect(HEAVY.filter((name) => loaded.has(name))).toEqual([]);
  });
});
