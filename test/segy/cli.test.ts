/**
 * `seisproc info | headers | checksum` as a user runs them: output formats, shared options and
 * the one-line error contract.
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, loadExpectations } from './corpus-files.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLI is bundled once per run (tsup, from the sources) so each call is a plain `node` start. */
const BUNDLE_DIR = path.join(ROOT, `node_modules/.cache/seisproc-cli-test-${process.pid}`);
const CLI = path.join(BUNDLE_DIR, 'cli.js');
const fixture = (rel: string) => path.join(FIXTURES_ROOT, rel);

beforeAll(async () => {
  await build({
    entry: { cli: path.join(ROOT, 'src/cli/main.ts') },
    outDir: BUNDLE_DIR,
    format: ['esm'],
    target: 'node20',
    config: false,
    silent: true,
    dts: false,
    clean: true,
  });
}, 120_000);
afterAll(async () => {
  await rm(BUNDLE_DIR, { recursive: true, force: true });
});

function seisproc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const expected = new Map(loadExpectations(FIXTURES_ROOT).files.map((e) => [e.path, e]));

describe('seisproc info', () => {
  it('prints the JSON contract', () => {
    const run = seisproc('info', '--json', fixture('segyio/small.sgy'));
    expect(run.status).toBe(0);
    const info = JSON.parse(run.stdout);
    expect(info).toMatchObject({
      traceCount: 25,
      sampleCount: 50,
      sampleInterval: 4000,
      format: 1,
      endianness: 'big',
      textEncoding: 'ebcdic',
      extendedTextHeaders: 0,
      kind: 'segy',
    });
    expect(info.binaryHeader).toEqual({
      tracesPerEnsemble: 25,
      sampleInterval: 4000,
      sampleCount: 50,
      formatCode: 1,
    });
    expect(info.traceHeaderRanges.inline).toEqual({ min: 1, max: 5 });
  });

  it('describes a file for people', () => {
    const run = seisproc('info', fixture('segypy/shotgather.sgy'));
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^File +.*shotgather\.sgy/m);
    expect(run.stdout).toMatch(/^Kind +SEG-Y rev 1, big-endian, ASCII text header$/m);
    expect(run.stdout).toMatch(/^Traces +31$/m);
    expect(run.stdout).toMatch(/^Samples +1,218 per trace, format 5 \(4-byte IEEE float\)/m);
    expect(run.stdout).toMatch(/^Interval +4 ms/m);
    expect(run.stdout).toMatch(/^Binary header \(non-zero fields\)/m);
    expect(run.stdout).toMatch(/^ {2}FFID +9 +\d+ +\d+$/m);
  });

  it('reads SU files detected by extension and applies --endian', () => {
    expect(JSON.parse(seisproc('info', '--json', fixture('segyio/small.su')).stdout)).toMatchObject({
      kind: 'su',
      traceCount: 25,
      textEncoding: null,
    });
    const forced = seisproc('info', '--json', '--endian', 'little', fixture('segyio/small.sgy'));
    expect(forced.status).not.toBe(0);
    expect(forced.stderr).toMatch(/^SEGY_BAD_FORMAT_CODE: /);
    const asInt = JSON.parse(
      seisproc('info', '--json', '--format-code', '2', fixture('segyio/small.sgy')).stdout,
    );
    expect(asInt.format).toBe(2);
  });
});

describe('seisproc headers', () => {
  it('prints the fields asked for, by any name, as JSON, CSV or a table', () => {
    const json = seisproc(
      'headers',
      fixture('segyio/small.sgy'),
      '--fields',
      'INLINE_3D,crossline,offset',
      '--range',
      '3:6',
      '--format',
      'json',
    );
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { INLINE_3D: 1, crossline: 23, offset: 1 },
      { INLINE_3D: 1, crossline: 24, offset: 1 },
      { INLINE_3D: 2, crossline: 20, offset: 1 },
    ]);
    const csv = seisproc(
      'headers',
      fixture('segyio/small.sgy'),
      '--fields',
      'iline,xline',
      '--range',
      '-2:',
      '--format',
      'csv',
    );
    expect(csv.stdout).toBe('trace,iline,xline\n23,5,23\n24,5,24\n');
    const table = seisproc('headers', fixture('segyio/small.sgy'), '--fields', 'cdp', '--range', '0:2');
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(
      JSON.parse(
        seisproc('headers', fixture('segyio/small.sgy'), '--range', '5:5', '--format', 'json').stdout,
      ),
    ).toEqual([]);
  });

  it('applies a --mapping file', async () => {
    const { promises: fs } = await import('node:fs');
    const os = await import('node:os');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-cli-'));
    const mapping = path.join(dir, 'mapping.json');
    await fs.writeFile(mapping, JSON.stringify({ fields: [{ key: 'inline', byte: 193, type: 'int32' }] }));
    const run = seisproc(
      'headers',
      fixture('segyio/small.sgy'),
      '--mapping',
      mapping,
      '--fields',
      'inline',
      '--range',
      '0:1',
      '--format',
      'json',
    );
    expect(JSON.parse(run.stdout)).toEqual([{ inline: 20 }]);
    await fs.rm(dir, { recursive: true });
  });

  it('refuses unknown fields and bad ranges with one typed line', () => {
    const field = seisproc('headers', fixture('segyio/small.sgy'), '--fields', 'nonsense');
    expect(field.status).toBe(1);
    expect(field.stderr).toMatch(/^SEGY_BAD_HEADER_FIELD: unknown trace header field "nonsense"/);
    const range = seisproc('headers', fixture('segyio/small.sgy'), '--range', 'a-b');
    expect(range.stderr).toMatch(/^INVALID_ARGUMENT: /);
  });
});

describe('seisproc checksum', () => {
  it('prints the corpus sample checksum', () => {
    for (const rel of ['segyio/small.su']) {
      const run = seisproc('checksum', fixture(rel));
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${expected.get(rel)!.samples_sha256_f32le}  ${fixture(rel)}\n`);
    }
    const json = JSON.parse(
      seisproc('checksum', '--json', '--ibm', 'segyio', fixture('obspy/00001034.sgy_first_trace')).stdout,
    );
    expect(json).toEqual({
      sha256: expected.get('obspy/00001034.sgy_first_trace')!.samples_sha256_f32le,
      traceCount: 1,
      sampleCount: 2001,
    });
  });

  it('reads URLs, taking --endpoint and --profile, and names a URL without credentials or query', () => {
    const local = seisproc(
      'info',
      '--json',
      '--endpoint',
      'http://127.0.0.1:9',
      '--profile',
      'nobody',
      fixture('segyio/small.sgy'),
    );
    expect(local.status).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({ traceCount: 25, sampleCount: 50 });
    const url = 'https://reader:secret@127.0.0.1:9/lines/line.sgy?X-Amz-Signature=secret';
    for (const command of ['info', 'headers', 'checksum']) {
      const run = seisproc(command, '--endpoint', 'http://127.0.0.1:9', url);
      expect(run.status, command).toBe(1);
      expect(run.stderr, command).toMatch(
        /^STORAGE_[A-Z_]+: .*https:\/\/127\.0\.0\.1:9\/lines\/line\.sgy.*\n$/,
      );
      expect(run.stderr, command).not.toContain('secret');
    }
  });

  it('fails with one line and no stack, unless --debug', () => {
    const missing = path.join(FIXTURES_ROOT, 'missing.sgy');
    const run = seisproc('checksum', missing);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`STORAGE_NOT_FOUND: cannot open ${missing} (file ${missing})\n`);
    const debug = seisproc('--debug', 'checksum', missing);
    expect(debug.stderr).toMatch(/^STORAGE_NOT_FOUND: .*\nStorageError: .*\n {4}at /);
  });
});
