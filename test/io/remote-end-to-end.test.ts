/**
 * The read path end to end on real servers on 127.0.0.1: a SEG-Y file and a dataset served over
 * HTTP (Range file server) and from S3 (s3rver), read, imported, navigated, validated, checksummed
 * and exported by the library and the built CLI, each result compared with the local one; and no
 * credential in any file written or any message printed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/export/index.js';
import { importSegy } from '../../src/import/index.js';
import { openObjectStore, type StorageOptions } from '../../src/io/index.js';
import { GatherNavigator } from '../../src/navigator/index.js';
import { checksumFile, SegyFile } from '../../src/segy/index.js';
import { Dataset, datasetChecksum, validateDataset } from '../../src/storage/index.js';
import { runCli, WORKER_BUILT, WORKER_URL } from '../helpers/built.js';
import { failureOf } from '../helpers/failure.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';
import { writeSyntheticSegy } from '../import/synthetic-segy.js';
import {
  type RunningS3,
  type RunningServer,
  S3RVER_CREDENTIALS,
  startFileServer,
  startS3,
} from './servers.js';

const TRACES = 6000;
const SAMPLES = 120;
const GATHER = 40;
/** A session token that must never be written or printed (s3rver ignores it). */
const SESSION_TOKEN = 'SESSION-TOKEN-THAT-MUST-NOT-LEAK';

let root: string;
let segy: string;
let local: string;
let http: RunningServer;
let s3: RunningS3;
let storage: StorageOptions;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

beforeAll(async () => {
  root = await scratchDirectory('remote-e2e');
  segy = path.join(root, 'line.sgy');
  await writeSyntheticSegy(segy, { traces: TRACES, samples: SAMPLES, gatherSize: GATHER, formatCode: 1 });
  local = path.join(root, 'line.seis');
  await importSegy(segy, local, { chunkTraces: 500, ensembleKeys: [['cdp']] });
  http = await startFileServer(root);
  s3 = await startS3();
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
  storage = { endpoint: s3.endpoint };
  const bucket = await openObjectStore('s3://test', storage);
  await bucket.put('in/line.sgy', await fs.readFile(segy));
  for (const file of await filesUnder(local)) {
    await bucket.put(`ds/line.seis/${path.relative(local, file)}`, await fs.readFile(file));
  }
});
afterAll(async () => {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
    delete process.env[name];
  await http?.close();
  await s3?.close();
  await fs.rm(root, { recursive: true, force: true });
});

describe('SEG-Y over HTTP and S3', () => {
  it('reads the same layout, headers and samples as the local file', async () => {
    const reference = await SegyFile.open(segy);
    for (const location of [`${http.origin}/line.sgy?X-Amz-Signature=abc`, 's3://test/in/line.sgy']) {
      const remote = await SegyFile.open(location, { storage });
      try {
        expect(remote.path).toBe(location.replace(/\?.*$/, ''));
        expect([remote.traceCount, remote.sampleCount, remote.formatCode]).toEqual([TRACES, SAMPLES, 1]);
        expect(await remote.readTraceHeaders(0, TRACES, ['cdp', 'offset'])).toEqual(
          await reference.readTraceHeaders(0, TRACES, ['cdp', 'offset']),
        );
        expect(await remote.readTraces(4321, 4400)).toEqual(await reference.readTraces(4321, 4400));
        expect((await checksumFile(location, { storage })).sha256).toBe((await checksumFile(segy)).sha256);
      } finally {
        await remote.close();
      }
    }
    await reference.close();
  });

  it.runIf(WORKER_BUILT)(
    'imports from S3 with two workers into the dataset a local import gives, recording no credential',
    async () => {
      const output = path.join(root, 'from-s3.seis');
      const result = await importSegy('s3://test/in/line.sgy', output, {
        storage,
        chunkTraces: 500,
        ensembleKeys: [['cdp']],
        workers: 2,
        inProcessThreshold: 0,
        workerUrl: WORKER_URL,
      });
      expect(result).toMatchObject({ workers: 2, traceCount: TRACES });
      const [imported, reference] = [await Dataset.open(output), await Dataset.open(local)];
      expect(imported.metadata.source?.path).toBe('s3://test/in/line.sgy');
      expect(await datasetChecksum(imported)).toBe(await datasetChecksum(reference));
      expect(imported.metadata.sample_digest).toEqual(reference.metadata.sample_digest);
      for (const file of await filesUnder(output)) {
        const text = (await fs.readFile(file)).toString('latin1');
        for (const secret of [S3RVER_CREDENTIALS.secretAccessKey, SESSION_TOKEN]) {
          expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
        }
      }
    },
  );
});

describe('a dataset over HTTP and S3', () => {
  it('gives the gathers, checksum and validation of the local dataset, and navigates', async () => {
    const reference = await Dataset.open(local);
    for (const location of [`${http.origin}/line.seis`, 's3://test/ds/line.seis']) {
      const remote = await Dataset.open(location, { storage });
      try {
        expect(remote.path).toBe(location);
        expect(remote.traceCount).toBe(TRACES);
        for (const number of [0, 77, TRACES / GATHER - 1]) {
          const [a, b] = [await remote.gather(number), await reference.gather(number)];
          expect(a.samples).toEqual(b.samples);
          expect(a.headers).toEqual(b.headers);
        }
        expect(await datasetChecksum(remote)).toBe(await datasetChecksum(reference));
        expect((await validateDataset(location, { storage })).ok).toBe(true);
        const navigator = new GatherNavigator(remote, { key: 'cdp' });
        const first = await navigator.goTo(10);
        expect(first.samples).toEqual((await reference.gather(10)).samples);
        await navigator.whenIdle();
        // The neighbours were prefetched over the network: the next gather comes from the cache.
        expect(navigator.cachedIndices()).toContain(11);
        expect((await navigator.next()).samples).toEqual((await reference.gather(11)).samples);
        navigator.release();
      } finally {
        await remote.close();
      }
    }
    await reference.close();
  });

  it('exports a dataset read over HTTP back to the original SEG-Y bytes', async () => {
    const output = path.join(root, 'from-http.sgy');
    await exportDataset(`${http.origin}/line.seis`, output);
    expect((await fs.readFile(output)).equals(await fs.readFile(segy))).toBe(true);
  });

  it('refuses an incomplete dataset (no root zarr.json) and a missing one with typed errors', async () => {
    const bucket = await openObjectStore('s3://test', storage);
    for (const key of ['traces/zarr.json', 'raw_headers/zarr.json']) {
      await bucket.put(`half/line.seis/${key}`, (await bucket.get(`ds/line.seis/${key}`))!);
    }
    expect((await failureOf(Dataset.open('s3://test/half/line.seis', { storage }))).code).toBe(
      'DATASET_INCOMPLETE',
    );
    expect((await failureOf(Dataset.open(`${http.origin}/nothing.seis`))).code).toBe('DATASET_NOT_FOUND');
  });
});

describe('the CLI on remote data', () => {
  it('reads, checksums and imports URLs with --endpoint, and prints no credential on failure', async () => {
    const info = await runCli('info', `${http.origin}/line.sgy`, '--json');
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ traceCount: TRACES, sampleCount: SAMPLES });

    const expected = (await checksumFile(segy)).sha256;
    const remoteFile = await runCli('checksum', 's3://test/in/line.sgy', '--endpoint', s3.endpoint);
    expect(remoteFile.stdout.split(/\s+/)[0]).toBe(expected);
    const remoteDataset = await runCli('checksum', 's3://test/ds/line.seis', '--endpoint', s3.endpoint);
    expect(remoteDataset.stdout.split(/\s+/)[0]).toBe(expected);

    const output = path.join(root, 'cli-from-http.seis');
    const imported = await runCli('import', `${http.origin}/line.sgy`, output, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    expect((await runCli('checksum', output)).stdout.split(/\s+/)[0]).toBe(expected);

    const missing = await runCli('info', 's3://test/in/none.sgy', '--endpoint', s3.endpoint);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^STORAGE_NOT_FOUND: /);
    for (const secret of [S3RVER_CREDENTIALS.secretAccessKey, SESSION_TOKEN]) {
      expect(missing.stderr).not.toContain(secret);
    }
  });
});
