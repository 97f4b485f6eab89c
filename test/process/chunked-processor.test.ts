/**
 * ChunkedProcessor over synthetic datasets: in the calling thread and in worker threads (the
 * built `dist/process-worker.js`, so `npm run build` first, as `npm test` does).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChunkedProcessor,
  type ProcessorDefinition,
  ProcessorRegistry,
  processors,
} from '../../src/process/index.js';
import type { ProgressEvent } from '../../src/progress/index.js';
import {
  DATASET_FORMAT_VERSION,
  Dataset,
  datasetChecksum,
  datasetDigest,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
} from '../../src/storage/index.js';
import { failureOf } from '../helpers/failure.js';
import { writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

const FIXTURE_MODULE = new URL('./fixtures/test-processors.mjs', import.meta.url).href;
let fixtures: { gatherPosition: ProcessorDefinition; explode: ProcessorDefinition; die: ProcessorDefinition };
const registry = new ProcessorRegistry();

let scratch: string;
/** 10 shots × 24 channels × 64 samples; chunks of 60 traces (2.5 shots), so gathers straddle chunks. */
let small: string;
const SHOTS = 10;
const CHANNELS = 24;
const SAMPLES = 64;
const sampleOf = (t: number, s: number) => Math.sin(t * 0.37 + s * 0.21) * (1 + (t % 7)) + s / 64;

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-process-'));
  small = path.join(scratch, 'small.seis');
  await writeSyntheticDataset(small, {
    shots: SHOTS,
    channels: CHANNELS,
    sampleCount: SAMPLES,
    sampleValue: sampleOf,
  });
  fixtures = (await import(FIXTURE_MODULE)) as typeof fixtures;
  registry.register(fixtures.gatherPosition);
  registry.register(fixtures.explode);
  registry.register(fixtures.die);
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

async function readAll(datasetPath: string): Promise<Float32Array> {
  const dataset = await Dataset.open(datasetPath);
  return dataset.readTraces(0, dataset.traceCount);
}

/** Names in the scratch directory: an interrupted run must leave no output and no temporary sibling. */
async function leftovers(prefix: string): Promise<string[]> {
  return (await fs.readdir(scratch)).filter((name) => name.includes(prefix));
}

describe('ChunkedProcessor in the calling thread', () => {
  it('gives the same samples as processing the whole array at once, with the same headers', async () => {
    const out = path.join(scratch, 'agc-inprocess.seis');
    const processor = processors.create('agc', { window: 40 });
    const runner = new ChunkedProcessor();
    const events: ProgressEvent[] = [];
    const stages: string[] = [];
    runner.on('progress', (event) => events.push(event));
    runner.on('stage-start', (event) => stages.push(event.stage));
    const result = await runner.run(small, processor, out, { inProcess: true });

    expect(result.workers).toBe(0);
    expect(result.units).toBe(4);
    expect(result.traceCount).toBe(SHOTS * CHANNELS);
    expect(stages).toEqual(['process', 'finalize']);
    const lastProcess = events.filter((e) => e.stage === 'process').at(-1)!;
    expect(lastProcess.done).toBe(lastProcess.total);
    // finalize counts the input traces hashed: this input's writer recorded no digest, so it is read
    // (while processing); the output's digest comes from its chunks as they were written.
    const finalize = events.filter((e) => e.stage === 'finalize');
    expect(finalize.at(-1)!.total).toBe(SHOTS * CHANNELS);
    expect(finalize.at(-1)!.done).toBe(SHOTS * CHANNELS);
    expect(finalize.every((e, i) => i === 0 || e.done >= finalize[i - 1]!.done)).toBe(true);

    const whole = await readAll(small);
    const expected = processors.create('agc', { window: 40 }).process({
      samples: whole,
      traceCount: SHOTS * CHANNELS,
      sampleCount: SAMPLES,
      sampleInterval: 2000,
      delayMs: 0,
      firstTrace: 0,
      headers: {},
    });
    expect(await readAll(out)).toEqual(expected);

    const input = await Dataset.open(small);
    const output = await Dataset.open(out);
    expect(output.chunkTraces).toBe(input.chunkTraces);
    expect(await output.readRawHeaders(0, output.traceCount)).toEqual(
      await input.readRawHeaders(0, input.traceCount),
    );
    for (const table of [HEADERS_TABLE, ENSEMBLES_TABLE]) {
      expect(await fs.readFile(path.join(out, table))).toEqual(await fs.readFile(path.join(small, table)));
    }
    expect(output.metadata.ensemble_keys).toEqual(input.metadata.ensemble_keys);
    expect(output.metadata.provenance).toHaveLength(1);
    // The output's digest comes from the chunks as written, recorded in its metadata too.
    expect(result.step?.output.digest).toEqual(await datasetDigest(output));
    expect(output.metadata.sample_digest).toEqual({
      chunk_traces: output.chunkTraces,
      sha256: result.step?.output.digest?.sha256,
    });
    expect(result.step?.input.digest).toEqual(await datasetDigest(input));
  });

  it('writes a dataset of the current format version from a version-1 input', async () => {
    const v1 = path.join(scratch, 'version-1.seis');
    await fs.cp(small, v1, { recursive: true });
    const groupFile = path.join(v1, 'zarr.json');
    const group = JSON.parse(await fs.readFile(groupFile, 'utf8'));
    group.attributes.seisproc.format_version = 1;
    await fs.writeFile(groupFile, JSON.stringify(group));
    const out = path.join(scratch, 'from-version-1.seis');
    await new ChunkedProcessor().run(v1, processors.create('scale', { factor: 2 }), out, { inProcess: true });
    const output = await Dataset.open(out);
    expect(output.metadata.format_version).toBe(DATASET_FORMAT_VERSION);
    expect(output.sampleType).toBe('float32');
    expect(await output.traces(0, output.traceCount)).toEqual((await readAll(small)).map((x) => x * 2));
    await output.close();
  });

  it('writes another chunk layout when asked, with the same samples', async () => {
    const out = path.join(scratch, 'scale-rechunked.seis');
    await new ChunkedProcessor().run(small, processors.create('scale', { factor: 2 }), out, {
      inProcess: true,
      chunkTraces: 50,
      recordProvenance: false,
    });
    const output = await Dataset.open(out);
    expect(output.chunkTraces).toBe(50);
    expect(output.metadata.provenance).toEqual([]);
    expect(await readAll(out)).toEqual((await readAll(small)).map((x) => x * 2));
  });

  it('feeds whole gathers to a processor that needs them', async () => {
    const out = path.join(scratch, 'gathers-inprocess.seis');
    const processor = registry.create('gather-position');
    const result = await new ChunkedProcessor().run(small, processor, out, { inProcess: true });
    // Longest gather (24) fits in a chunk (60): one unit per chunk, each widened to whole gathers.
    expect(result.units).toBe(4);
    const samples = await readAll(out);
    for (let t = 0; t < SHOTS * CHANNELS; t++) {
      expect(samples[t * SAMPLES + 3]).toBeCloseTo(
        Math.floor(t / CHANNELS) * 1000 + (t % CHANNELS) + 0.003,
        3,
      );
    }
  });

  it('fails with PROCESS_FAILED naming the chunk and trace when the processor throws, leaving nothing', async () => {
    const out = path.join(scratch, 'explode-inprocess.seis');
    const error = await failureOf(
      new ChunkedProcessor().run(small, registry.create('explode', { at: 130 }), out, { inProcess: true }),
    );
    expect(error.code).toBe('PROCESS_FAILED');
    expect(error.message).toContain('boom at trace 130');
    expect(error.message).toContain('chunk 2');
    expect(error.context).toMatchObject({ traceIndex: 120, chunkIndex: 2, processor: 'explode' });
    expect(await leftovers('explode-inprocess')).toEqual([]);
  });

  it('refuses an existing output, the input as output, and gathers on a dataset without a gather index', async () => {
    const out = path.join(scratch, 'exists.seis');
    await fs.mkdir(out);
    const scale = processors.create('scale', { factor: 1 });
    expect((await failureOf(new ChunkedProcessor().run(small, scale, out))).code).toBe('DATASET_EXISTS');
    expect((await failureOf(new ChunkedProcessor().run(small, scale, small))).code).toBe('INVALID_ARGUMENT');
    const flat = path.join(scratch, 'flat.seis');
    await writeSyntheticDataset(flat, { shots: 2, channels: 4, sampleCount: 8 });
    const metadataFile = path.join(flat, 'zarr.json');
    const group = JSON.parse(await fs.readFile(metadataFile, 'utf8'));
    group.attributes.seisproc.ensemble_keys = [];
    await fs.writeFile(metadataFile, JSON.stringify(group));
    const error = await failureOf(
      new ChunkedProcessor().run(
        flat,
        registry.create('gather-position'),
        path.join(scratch, 'flat-out.seis'),
      ),
    );
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toContain('no ensemble key');
  });

  it('is cancelled by an AbortSignal and leaves nothing', async () => {
    const out = path.join(scratch, 'cancel-inprocess.seis');
    const controller = new AbortController();
    const runner = new ChunkedProcessor();
    runner.on('progress', (event) => {
      if (event.stage === 'process' && event.done > 0) controller.abort();
    });
    const error = await failureOf(
      runner.run(small, processors.create('scale', { factor: 3 }), out, {
        inProcess: true,
        signal: controller.signal,
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(await leftovers('cancel-inprocess')).toEqual([]);
  });
});

describe('ChunkedProcessor in worker threads', () => {
  it('writes identical datasets with 1 and 2 workers, blocking I/O or not, equal to the calling thread', async () => {
    const bandpass = processors.create('bandpass', { low: 20, high: 120, taper: 10 });
    const checksums: string[] = [];
    for (const [name, options] of [
      ['bp-here', { inProcess: true }],
      ['bp-w1', { inProcess: false, workers: 1, blockingIO: false }],
      ['bp-w1-blocking', { inProcess: false, workers: 1, blockingIO: true }],
      ['bp-w2', { inProcess: false, workers: 2, blockingIO: false }],
      ['bp-w2-blocking', { inProcess: false, workers: 2, blockingIO: true }],
      ['bp-w2-default', { inProcess: false, workers: 2 }],
    ] as const) {
      const out = path.join(scratch, `${name}.seis`);
      const result = await new ChunkedProcessor().run(small, bandpass, out, options);
      expect(result.workers).toBe('workers' in options ? options.workers : 0);
      // By default the workers block on I/O when they take every core.
      expect(result.blockingIO).toBe(
        'blockingIO' in options ? options.blockingIO : result.workers >= os.availableParallelism(),
      );
      checksums.push(await datasetChecksum(await Dataset.open(out)));
      expect(await datasetDigest(await Dataset.open(out))).toEqual(result.step!.output.digest);
      // This input's writer recorded no digest: it is read here (by the workers when there are some).
      expect(result.step!.input.digest).toEqual(await datasetDigest(await Dataset.open(small)));
    }
    expect(new Set(checksums).size).toBe(1);
    for (const name of ['bp-w2', 'bp-w2-blocking']) {
      expect(await readAll(path.join(scratch, `${name}.seis`))).toEqual(
        await readAll(path.join(scratch, 'bp-here.seis')),
      );
    }
  });

  it('rebuilds a user processor from its module and feeds it whole gathers', async () => {
    const here = path.join(scratch, 'gathers-here.seis');
    const there = path.join(scratch, 'gathers-workers.seis');
    const processor = registry.create('gather-position');
    await new ChunkedProcessor().run(small, processor, here, { inProcess: true, chunkTraces: 10 });
    const result = await new ChunkedProcessor().run(small, processor, there, {
      inProcess: false,
      workers: 2,
      chunkTraces: 10,
    });
    // Gathers of 24 traces need 3 chunks of 10: units of 3 chunks.
    expect(result.units).toBe(8);
    expect(await readAll(there)).toEqual(await readAll(here));
  });

  it('fails with PROCESS_FAILED from a worker, naming the chunk and trace, and leaves nothing', async () => {
    const out = path.join(scratch, 'explode-workers.seis');
    const error = await failureOf(
      new ChunkedProcessor().run(small, registry.create('explode', { at: 200 }), out, {
        inProcess: false,
        workers: 2,
      }),
    );
    expect(error.code).toBe('PROCESS_FAILED');
    expect(error.message).toContain('boom at trace 200');
    expect(error.context).toMatchObject({ traceIndex: 180, chunkIndex: 3 });
    expect(await leftovers('explode-workers')).toEqual([]);
  });

  it('fails with WORKER_FAILED when a worker thread dies, and leaves nothing', async () => {
    const out = path.join(scratch, 'die-workers.seis');
    const error = await failureOf(
      new ChunkedProcessor().run(small, registry.create('die', { at: 70 }), out, {
        inProcess: false,
        workers: 2,
      }),
    );
    expect(error.code).toBe('WORKER_FAILED');
    expect(error.message).toContain('exited with code 3');
    expect(await leftovers('die-workers')).toEqual([]);
  });

  it('is cancelled by cancel() and leaves nothing', async () => {
    const big = path.join(scratch, 'many-chunks.seis');
    await writeSyntheticDataset(big, { shots: 40, channels: 50, sampleCount: 256, chunkTraces: 25 });
    const out = path.join(scratch, 'cancel-workers.seis');
    const runner = new ChunkedProcessor();
    runner.on('progress', (event) => {
      if (event.stage === 'process' && event.done > 0) runner.cancel();
    });
    const error = await failureOf(
      runner.run(big, processors.create('bandpass', { low: 10, high: 50 }), out, {
        inProcess: false,
        workers: 2,
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(await leftovers('cancel-workers')).toEqual([]);
  });

  it('refuses worker threads for a processor without a module', async () => {
    const local = new ProcessorRegistry();
    local.register({
      name: 'negate',
      version: '1',
      description: 'negate',
      create: () => (chunk) => chunk.samples.map((x) => -x),
    });
    const error = await failureOf(
      new ChunkedProcessor().run(small, local.create('negate'), path.join(scratch, 'negate.seis'), {
        inProcess: false,
      }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('module');
  });
});
