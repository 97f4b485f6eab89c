/**
 * Hostile datasets: mutated copies of an uncompressed and a zstd dataset (zarr.json leaves
 * changed, chunk files truncated, extended or with bytes flipped, Parquet footers and column
 * chunks damaged, files deleted), with a fixed seed. Every operation (open, validate, checksum,
 * gather by number and by key, export, history) must read correctly or refuse with a `DATASET_*`
 * error naming a file of the dataset; see scripts/dataset-mutants.mjs for how outcomes are judged.
 * scripts/fuzz-datasets.mjs runs thousands of these against the built package.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BaseDataset,
  buildBases,
  createMutant,
  judgeMutant,
  type Outcome,
  prng,
  referenceResults,
} from '../../scripts/dataset-mutants.mjs';
import * as api from '../../src/index.js';
import {
  Dataset,
  datasetChecksum,
  ENSEMBLE_COLUMNS,
  ParquetTableWriter,
  validateDataset,
} from '../../src/index.js';
import { zstdDeclaredSize } from '../../src/storage/zarr.js';
import { runCli } from '../helpers/built.js';
import { MemoryObjectStore } from '../helpers/memory-store.js';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';
import { FIXTURES_ROOT } from '../segy/corpus-files.js';

const MUTANTS = 80;
const SEED = 0x0bad_da7a;
/** Per operation: a hang fails the mutant instead of the whole suite. */
const TIMEOUT_MS = 10_000;

let work: string;
let bases: BaseDataset[];
const references: Array<Record<string, string>> = [];

beforeAll(async () => {
  work = await scratchDirectory('hostile');
  bases = await buildBases(api, path.join(FIXTURES_ROOT, 'segyio', 'small.sgy'), work);
  for (const base of bases) references.push(await referenceResults(api, base.dir, work));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A fresh copy of base `which` (0: uncompressed, 1: zstd) to damage by hand. */
async function copyOf(which: number, name: string): Promise<string> {
  const dir = path.join(work, name);
  await fs.cp(bases[which]!.dir, dir, { recursive: true });
  return dir;
}

async function refusal(promise: Promise<unknown>): Promise<api.SeisprocError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(api.SeisprocError);
  return error as api.SeisprocError;
}

/**
 * What the readers make of a dataset: the open's error code, or the outcome of checksum, the
 * first gather, the header table and validation (a digest of what was read, or the error code).
 */
async function readOutcome(source: string | MemoryObjectStore): Promise<string[]> {
  const settle = (read: Promise<string>) =>
    read.catch((error: unknown) => (error instanceof api.SeisprocError ? error.code : `thrown ${error}`));
  const digest = (bytes: ArrayBufferView) =>
    createHash('sha256')
      .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      .digest('hex');
  let dataset: Dataset;
  try {
    dataset = await Dataset.open(source);
  } catch (error) {
    return [error instanceof api.SeisprocError ? error.code : `thrown ${error}`];
  }
  try {
    return [
      await settle(datasetChecksum(dataset)),
      await settle(dataset.gather(0, { headers: 'all' }).then((gather) => digest(gather.samples))),
      await settle(dataset.headers().then((columns) => JSON.stringify(columns, (_, v) => String(v)))),
      (await validateDataset(source)).problems.map((problem) => problem.split(' (')[0]).join('; '),
    ];
  } finally {
    await dataset.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: zarr.json edited by hand, any shape
async function editJson(file: string, edit: (json: Record<string, any>) => void): Promise<void> {
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  edit(json);
  await fs.writeFile(file, JSON.stringify(json));
}

describe('hostile datasets', () => {
  it(`refuse or read correctly every one of ${MUTANTS} mutants, compressed or not`, async () => {
    const random = prng(SEED);
    const failures: Array<Outcome & { file: string; kind: string }> = [];
    const results = new Map<string, number>();
    for (let n = 0; n < MUTANTS; n++) {
      const which = n % bases.length;
      const mutant = await createMutant(
        bases[which]!.dir,
        path.join(work, 'mutant.seis'),
        random,
        bases[which]!.codec,
      );
      for (const outcome of await judgeMutant(api, mutant, references[which]!, work, TIMEOUT_MS)) {
        const label = outcome.code ?? outcome.result;
        results.set(label, (results.get(label) ?? 0) + 1);
        if (outcome.result === 'failed') failures.push({ ...outcome, file: mutant.file, kind: mutant.kind });
      }
    }
    expect(failures).toEqual([]);
    // The mutants are neither all harmless nor all fatal: both kinds of outcome occur.
    expect(results.get('ok')).toBeGreaterThan(MUTANTS);
    expect(results.get('DATASET_INVALID')).toBeGreaterThan(MUTANTS / 2);
    expect(results.get('reported')).toBeGreaterThan(0);
  });

  it('give through an object store the outcome the local path gives, mutant by mutant', async () => {
    const random = prng(SEED + 1);
    const differences: Array<{ file: string; kind: string; files: string[]; store: string[] }> = [];
    const seen = new Set<string>();
    for (let n = 0; n < MUTANTS / 2; n++) {
      const which = n % bases.length;
      const mutant = await createMutant(
        bases[which]!.dir,
        path.join(work, 'store-mutant.seis'),
        random,
        bases[which]!.codec,
      );
      const viaFiles = await readOutcome(mutant.dir);
      const viaStore = await readOutcome(await MemoryObjectStore.fromDirectory(mutant.dir));
      for (const outcome of viaFiles) seen.add(/^[0-9a-f]{64}$/.test(outcome) ? 'digest' : outcome);
      if (viaFiles.join() !== viaStore.join()) {
        differences.push({ file: mutant.file, kind: mutant.kind, files: viaFiles, store: viaStore });
      }
    }
    expect(differences).toEqual([]);
    // Both reads and refusals were compared.
    expect(seen).toContain('digest');
    expect(seen).toContain('DATASET_INVALID');
  });

  it('refuses a shape its files cannot back before allocating for it', async () => {
    const dir = await copyOf(0, 'absurd-shape.seis');
    const arrayFile = path.join(dir, 'traces', 'zarr.json');
    await editJson(arrayFile, (json) => {
      json.shape = [1e12, 1e9];
    });
    const error = await refusal(Dataset.open(dir));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.context.path).toBe(arrayFile);

    const groupFile = path.join(dir, 'zarr.json');
    await editJson(groupFile, (json) => {
      json.attributes.seisproc.trace_count = 1e12;
      json.attributes.seisproc.sample_count = 1e9;
    });
    await editJson(arrayFile, (json) => {
      json.chunk_grid.configuration.chunk_shape = [10, 1e9];
    });
    const metadataError = await refusal(Dataset.open(dir));
    expect(metadataError.code).toBe('DATASET_INVALID');
    expect(metadataError.context.path).toBe(groupFile);
    expect(metadataError.message).toContain('exceed');
  });

  it('refuses chunk files whose size the codec does not allow', async () => {
    const uncompressed = await copyOf(0, 'extended-chunk.seis');
    const chunk = path.join(uncompressed, 'traces', 'c', '1', '0');
    await fs.appendFile(chunk, new Uint8Array(4));
    const dataset = await Dataset.open(uncompressed);
    const error = await refusal(datasetChecksum(dataset));
    await dataset.close();
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.context.path).toBe(chunk);
    const report = await validateDataset(uncompressed);
    expect(report.problems).toEqual([
      `traces: chunk 1 holds ${10 * 50 * 4 + 4} bytes, uncompressed chunks hold ${10 * 50 * 4} (${chunk})`,
    ]);

    const zstd = await copyOf(1, 'truncated-zstd-chunk.seis');
    const zstdChunk = path.join(zstd, 'traces', 'c', '2', '0');
    const bytes = await fs.readFile(zstdChunk);
    await fs.writeFile(zstdChunk, bytes.subarray(0, bytes.length >> 1));
    const compressed = await Dataset.open(zstd);
    const zstdError = await refusal(compressed.traces(20, 25));
    await compressed.close();
    expect(zstdError.code).toBe('DATASET_INVALID');
    expect(zstdError.context.path).toBe(zstdChunk);
  });

  it('refuses a compressed chunk whose header promises more than a chunk holds, before decoding it', async () => {
    const dir = await copyOf(1, 'oversized-zstd-chunk.seis');
    const chunk = path.join(dir, 'traces', 'c', '1', '0');
    const original = await fs.readFile(chunk);
    expect(zstdDeclaredSize(original)).toBe(10 * 50 * 4);
    // A single-segment frame declaring 8 GiB of content (8-byte size field), then the old payload.
    const header = Buffer.alloc(13);
    header.writeUInt32LE(0xfd2fb528, 0);
    header[4] = 0xe0;
    header.writeBigUInt64LE(2n ** 33n, 5);
    expect(zstdDeclaredSize(header)).toBe(2 ** 33);
    await fs.writeFile(chunk, Buffer.concat([header, original.subarray(6)]));
    const dataset = await Dataset.open(dir);
    const error = await refusal(dataset.traces(10, 15));
    await dataset.close();
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.context.path).toBe(chunk);
    const causes: string[] = [];
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) causes.push(cause.message);
    expect(causes.join(' <- ')).toMatch(
      /a zstd chunk declares 8589934592 bytes, the array's chunks hold 2000/,
    );

    // Blosc's header says its decoded size in bytes 4-7.
    const blosc = path.join(work, 'oversized-blosc-chunk.seis');
    await writeSyntheticDataset(blosc, {
      shots: 2,
      channels: 10,
      sampleCount: 50,
      chunkTraces: 10,
      codec: 'blosc',
    });
    const bloscChunk = path.join(blosc, 'traces', 'c', '1', '0');
    const bloscBytes = await fs.readFile(bloscChunk);
    expect(bloscBytes.readUInt32LE(4)).toBe(10 * 50 * 4);
    bloscBytes.writeUInt32LE(2 ** 31, 4);
    await fs.writeFile(bloscChunk, bloscBytes);
    const bloscDataset = await Dataset.open(blosc);
    const bloscError = await refusal(bloscDataset.traces(10, 15));
    await bloscDataset.close();
    expect(bloscError.code).toBe('DATASET_INVALID');
    const bloscCauses: string[] = [];
    for (let cause: unknown = bloscError; cause instanceof Error; cause = cause.cause)
      bloscCauses.push(cause.message);
    expect(bloscCauses.join(' <- ')).toMatch(
      /a blosc chunk declares 2147483648 bytes, the array's chunks hold 2000/,
    );
  });

  it('checks a Parquet footer length against the file before reading the footer', async () => {
    const dir = await copyOf(0, 'footer-length.seis');
    const table = path.join(dir, 'headers.parquet');
    const bytes = await fs.readFile(table);
    bytes.writeUInt32LE(0xffff_fff0, bytes.length - 8);
    await fs.writeFile(table, bytes);
    const dataset = await Dataset.open(dir);
    const error = await refusal(dataset.headers(['inline']));
    await dataset.close();
    expect(error).toMatchObject({
      code: 'DATASET_INVALID',
      context: { path: table, byteOffset: bytes.length - 8 },
    });
  });

  it('refuses gather index runs outside the dataset and keys it does not index', async () => {
    const dir = await copyOf(0, 'bad-index.seis');
    const table = path.join(dir, 'ensembles.parquet');
    const writeIndex = async (key: string, first: number, count: number) => {
      const writer = ParquetTableWriter.create(table, ENSEMBLE_COLUMNS);
      await writer.append({
        key: [key],
        value0: [1],
        value1: [0],
        first_trace: [first],
        trace_count: [count],
      });
      await writer.close();
    };
    for (const [key, first, count, message] of [
      ['inline', 20, 6, 'traces [20, 26) outside'],
      ['inline', -1, 2, 'traces [-1, 1) outside'],
      ['inline', 3, 0, 'traces [3, 3) outside'],
      ['cdp', 0, 5, 'key "cdp" is not one of inline | crossline'],
    ] as const) {
      await writeIndex(key, first, count);
      const dataset = await Dataset.open(dir);
      const error = await refusal(dataset.gather(0));
      await dataset.close();
      expect(error).toMatchObject({ code: 'DATASET_INVALID', context: { path: table, row: 0 } });
      expect(error.message).toContain(message);
    }
  });

  it('reads correctly or refuses a gather index with any four bytes of a column chunk overwritten', async () => {
    const dir = await copyOf(0, 'overwritten-index.seis');
    const table = path.join(dir, 'ensembles.parquet');
    const original = await fs.readFile(table);
    const footerStart = original.length - 8 - original.readUInt32LE(original.length - 8);
    const expected = references[0]!.gatherByKey;
    const codes = new Set<string>();
    for (let at = 4; at + 4 <= footerStart; at += 3) {
      const bytes = Buffer.from(original);
      bytes.writeUInt32LE((0xdead_beef ^ at) >>> 0, at);
      await fs.writeFile(table, bytes);
      const [outcome] = (await judgeMutant(
        api,
        { dir, file: 'ensembles.parquet', kind: `bytes ${at}-${at + 3} overwritten`, mustRefuse: [] },
        { ...references[0]!, gatherByKey: expected },
        work,
        TIMEOUT_MS,
      ).then((outcomes) => outcomes.filter((o) => o.operation === 'gatherByKey'))) as [Outcome];
      expect(outcome.result, `${at}: ${outcome.detail}`).not.toBe('failed');
      codes.add(outcome.code ?? outcome.result);
    }
    expect([...codes].every((code) => code === 'ok' || code === 'DATASET_INVALID')).toBe(true);
  });

  it('the CLI prints a typed error and exits 1 for damaged datasets, never an internal error', async () => {
    const commands = {
      validate: (dir: string) => ['validate', dir],
      checksum: (dir: string) => ['checksum', dir],
      gather: (dir: string) => ['gather', dir, '--index', '0'],
      export: (dir: string) => ['export', dir, `${dir}.sgy`],
    };
    const damaged: Array<[string, (dir: string) => Promise<void>, Array<keyof typeof commands>]> = [
      [
        'index-footer-length',
        async (dir) => {
          const file = path.join(dir, 'ensembles.parquet');
          const bytes = await fs.readFile(file);
          bytes.writeUInt32LE(0xffff_ffff, bytes.length - 8);
          await fs.writeFile(file, bytes);
        },
        ['validate', 'gather'],
      ],
      [
        'group-json-cut',
        async (dir) => {
          const file = path.join(dir, 'zarr.json');
          await fs.writeFile(file, (await fs.readFile(file)).subarray(0, 100));
        },
        ['validate', 'checksum', 'gather', 'export'],
      ],
      [
        'chunk-truncated',
        (dir) => fs.truncate(path.join(dir, 'traces', 'c', '0', '0'), 100),
        ['validate', 'checksum', 'gather', 'export'],
      ],
      [
        'raw-headers-shape',
        (dir) =>
          editJson(path.join(dir, 'raw_headers', 'zarr.json'), (json) => {
            json.shape = [25, 'x'];
          }),
        ['validate', 'checksum', 'gather', 'export'],
      ],
    ];
    for (const [name, damage, failing] of damaged) {
      const dir = await copyOf(0, `cli-${name}.seis`);
      await damage(dir);
      for (const [command, args] of Object.entries(commands)) {
        const run = await runCli(...args(dir));
        const expectFailure = failing.includes(command as keyof typeof commands);
        expect(run.stderr, `${name} ${command}`).not.toContain('INTERNAL_ERROR');
        expect(run.code, `${name} ${command}: ${run.stderr}`).toBe(expectFailure ? 1 : 0);
        // validate lists problems on stdout; the others print one typed error line.
        if (expectFailure && command !== 'validate') {
          expect(run.stderr).toMatch(new RegExp(`^DATASET_INVALID: .*\\(file ${dir}/`));
        }
      }
    }
  });
});
