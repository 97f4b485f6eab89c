/**
 * Datasets written by the import open without seisproc: the Parquet tables in DuckDB (always),
 * and the arrays in tensorstore's independent Zarr v3 implementation plus the tables in pyarrow
 * when a Python with those packages is present (SEISPROC_INTEROP_PYTHON, default
 * /tmp/interop/bin/python, made with `python3 -m venv /tmp/interop && /tmp/interop/bin/pip install
 * tensorstore pyarrow duckdb`). CI is not required to have it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSegy } from '../../src/import/index.js';
import { WORKER_BUILT, WORKER_URL } from '../helpers/built.js';
import { writeSyntheticSegy } from './synthetic-segy.js';

const PYTHON = process.env.SEISPROC_INTEROP_PYTHON ?? '/tmp/interop/bin/python';
const TRACES = 40_000;
const GATHER = 60;

let dir: string;
let input: string;
let datasets: Record<'none' | 'zstd' | 'blosc', string>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-interop-'));
  input = path.join(dir, 'prestack.sgy');
  await writeSyntheticSegy(input, { traces: TRACES, samples: 50, gatherSize: GATHER, formatCode: 5 });
  datasets = { none: '', zstd: '', blosc: '' };
  for (const codec of ['none', 'zstd', 'blosc'] as const) {
    datasets[codec] = path.join(dir, `${codec}.seis`);
    // Two workers when the worker is built: spliced row groups and merged chunks included.
    await importSegy(input, datasets[codec], {
      compression: codec,
      chunkTraces: 1000,
      ensembleKeys: [['cdp'], ['inline', 'crossline']],
      ...(WORKER_BUILT ? { workers: 2, inProcessThreshold: 0, workerUrl: WORKER_URL } : {}),
    });
  }
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('interoperability', () => {
  it('DuckDB reads both tables, with row group statistics', async () => {
    const connection = await DuckDBConnection.create();
    const headers = path.join(datasets.zstd, 'headers.parquet');
    const ensembles = path.join(datasets.zstd, 'ensembles.parquet');
    const counts = await connection.runAndReadAll(
      `select count(*)::INTEGER, count(distinct cdp)::INTEGER, max("offset"), min(traceSequenceFile)::INTEGER, max(traceSequenceFile)::INTEGER from '${headers}'`,
    );
    expect(counts.getRows()).toEqual([
      [TRACES, Math.ceil(TRACES / GATHER), 50 + 25 * (GATHER - 1), 1, TRACES],
    ]);
    const groups = await connection.runAndReadAll(
      `select count(*)::INTEGER, min(stats_min_value::INTEGER)::VARCHAR, max(stats_max_value::INTEGER)::VARCHAR from parquet_metadata('${headers}') where path_in_schema = 'cdp'`,
    );
    expect(groups.getRows()).toEqual([[3, '1000', String(1000 + Math.ceil(TRACES / GATHER) - 1)]]);
    const index = await connection.runAndReadAll(
      `select key, count(*)::INTEGER, sum(trace_count)::INTEGER from '${ensembles}' group by key order by key`,
    );
    expect(index.getRows()).toEqual([
      ['cdp', Math.ceil(TRACES / GATHER), TRACES],
      ['inline,crossline', Math.ceil(TRACES / GATHER), TRACES],
    ]);
    connection.closeSync();
  });

  it.runIf(existsSync(PYTHON))('tensorstore reads the arrays and pyarrow the tables', async () => {
    const script = `
import json, sys, hashlib, tensorstore as ts, pyarrow.parquet as pq
out = {}
for name, d in json.loads(sys.argv[1]).items():
    traces = ts.open({'driver': 'zarr3', 'kvstore': {'driver': 'file', 'path': d + '/traces'}}).result().read().result()
    raw = ts.open({'driver': 'zarr3', 'kvstore': {'driver': 'file', 'path': d + '/raw_headers'}}).result().read().result()
    table = pq.read_table(d + '/headers.parquet', columns=['traceSequenceFile', 'cdp'])
    out[name] = {
        'shape': list(traces.shape), 'dtype': str(traces.dtype), 'sha256': hashlib.sha256(traces.astype('<f4').tobytes()).hexdigest(),
        'raw_shape': list(raw.shape), 'rows': table.num_rows, 'tsf_type': str(table.schema.field('traceSequenceFile').type),
        'last_tsf': table.column('traceSequenceFile')[-1].as_py(),
    }
print(json.dumps(out))
`;
    const run = spawnSync(PYTHON, ['-c', script, JSON.stringify(datasets)], { encoding: 'utf8' });
    if (run.status !== 0) {
      // The venv may lack a package: say so instead of passing silently.
      throw new Error(`interop python failed: ${run.stderr}`);
    }
    const report = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    const { datasetChecksum, Dataset } = await import('../../src/storage/index.js');
    const expectedSha = await datasetChecksum(await Dataset.open(datasets.none));
    for (const codec of ['none', 'zstd', 'blosc'] as const) {
      expect(report[codec]).toEqual({
        shape: [TRACES, 50],
        dtype: 'float32',
        sha256: expectedSha,
        raw_shape: [TRACES, 240],
        rows: TRACES,
        tsf_type: 'uint32',
        last_tsf: TRACES,
      });
    }
  });
});
