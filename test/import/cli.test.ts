/** `seisproc import`, `validate` and `checksum` of a dataset, run as the built CLI. */
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset } from '../../src/storage/index.js';
import { CLI_PATH, runCli as seisproc } from '../helpers/built.js';
import { CORPUS_ROOT } from '../segy/corpus-files.js';

const F3 = path.join(CORPUS_ROOT, 'segyio/f3.sgy');
const F3_SHA256 = '1938c7130e01e4119d61d865ee910066ac673845f8c0c5c0c6ea7a302a7dabc6';
const SMALL_SU = path.join(CORPUS_ROOT, 'segyio/small.su');

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-import-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe.runIf(existsSync(CLI_PATH))('seisproc import / validate / checksum', () => {
  it('imports a file, validates the dataset and gives the checksum of the source', async () => {
    const output = path.join(dir, 'f3.seis');
    const run = await seisproc(
      'import',
      F3,
      output,
      '--json',
      '--ensemble-key',
      'inline',
      '--ensemble-key',
      'inline,crossline',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      success: true,
      outputPath: output,
      traceCount: 414,
      sampleCount: 75,
      gatherCounts: { inline: 23, 'inline,crossline': 414 },
    });

    const validate = await seisproc('validate', output);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain(`${output}: valid`);
    expect(validate.stdout).toContain('ok       ensembles.parquet: key inline, 23 gathers cover all traces');

    const checksum = await seisproc('checksum', output);
    expect(checksum.stdout).toBe(`${F3_SHA256}  ${output}\n`);
    const json = await seisproc('checksum', output, '--json');
    expect(JSON.parse(json.stdout)).toEqual({ sha256: F3_SHA256, traceCount: 414, sampleCount: 75 });
  });

  it('passes compression options and the reading options through', async () => {
    const output = path.join(dir, 'small-su.seis');
    const run = await seisproc(
      'import',
      SMALL_SU,
      output,
      '--compression',
      'blosc',
      '--level',
      '7',
      '--keep-bits',
      '12',
      '--chunk-traces',
      '10',
      '--su',
      // Storage options are accepted, and ignored for a local path.
      '--endpoint',
      'http://127.0.0.1:9',
      '--profile',
      'nobody',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^imported 25 traces × 50 samples to .* in process in/);
    const metadata = (await Dataset.open(output)).metadata;
    expect(metadata.compression).toEqual({ codec: 'blosc', level: 7, keepBits: 12 });
    expect(metadata.chunk_traces).toBe(10);
    expect(metadata.source_format.kind).toBe('su');
  });

  it('reports the problems of a damaged dataset with exit status 1', async () => {
    const output = path.join(dir, 'damaged.seis');
    expect((await seisproc('import', F3, output)).code).toBe(0);
    await fs.rm(path.join(output, 'raw_headers', 'c', '0', '0'));
    const validate = await seisproc('validate', output, '--json');
    expect(validate.code).toBe(1);
    const report = JSON.parse(validate.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['raw_headers: 1 of 1 chunks missing (first: chunk 0)']);
  });

  it('fails with CODE: message for an existing output or a bad option', async () => {
    const output = path.join(dir, 'exists.seis');
    await fs.mkdir(output);
    const exists = await seisproc('import', F3, output);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/^DATASET_EXISTS: /);
    const badKey = await seisproc('import', F3, path.join(dir, 'bad.seis'), '--ensemble-key', 'a,b,c');
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('--ensemble-key must be a header field or two');
    const badLevel = await seisproc(
      'import',
      F3,
      path.join(dir, 'bad.seis'),
      '--compression',
      'zstd',
      '--level',
      '99',
    );
    expect(badLevel.stderr).toMatch(/^INVALID_ARGUMENT: zstd level must be an integer from 1 to 22/);
    const url = 'https://reader:secret@127.0.0.1:9/lines/line.sgy?X-Amz-Signature=secret';
    const remote = await seisproc('import', url, path.join(dir, 'bad.seis'));
    expect(remote.code).toBe(1);
    expect(remote.stderr).toMatch(/^STORAGE_[A-Z_]+: .*https:\/\/127\.0\.0\.1:9\/lines\/line\.sgy.*\n$/);
    expect(remote.stderr).not.toContain('secret');
    expect(existsSync(path.join(dir, 'bad.seis'))).toBe(false);
  });
});
