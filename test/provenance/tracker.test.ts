import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { SeisprocError } from '../../src/errors/index.js';
import { ChunkedProcessor, processors } from '../../src/process/index.js';
import { formatHistory, type ProcessingStep, ProvenanceTracker } from '../../src/provenance/index.js';
import {
  acquireWriteLock,
  Dataset,
  DatasetChunkWriter,
  datasetChecksum,
  datasetDigest,
  isWriteLocked,
  readDatasetMetadata,
  writeDatasetMetadata,
} from '../../src/storage/index.js';
import { version } from '../../src/version.js';
import { failureOf } from '../helpers/failure.js';
import { writeSyntheticDataset } from '../helpers/synthetic-dataset.js';

let scratch: string;
let input: string;
const tracker = new ProvenanceTracker();

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-provenance-'));
  input = path.join(scratch, 'raw.seis');
  await writeSyntheticDataset(input, {
    shots: 6,
    channels: 20,
    sampleCount: 50,
    sampleValue: (t, s) => Math.cos(t + s * 0.3) * (t + 1),
  });
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

/** Process `from` into a new dataset named `name` in the calling thread; returns its path and step. */
async function processInto(
  from: string,
  name: string,
  processorName: string,
  parameters: Record<string, number>,
): Promise<{ out: string; step: ProcessingStep }> {
  const out = path.join(scratch, name);
  const result = await new ChunkedProcessor().run(from, processors.create(processorName, parameters), out, {
    inProcess: true,
  });
  return { out, step: result.step! };
}

/** Overwrite the first chunk of a dataset with altered samples. */
async function tamper(datasetPath: string): Promise<void> {
  const dataset = await Dataset.open(datasetPath);
  const { samples, end } = await dataset.readChunk(0);
  const altered = samples.slice();
  altered[3]! += 1;
  const writer = await DatasetChunkWriter.open(datasetPath);
  await writer.writeChunk(0, altered, await dataset.readRawHeaders(0, end));
}

describe('ProvenanceTracker', () => {
  it('records each processing step with checksums, and the history carries over from step to step', async () => {
    const before = new Date().toISOString();
    const first = await processInto(input, 'gained.seis', 'tpow', { power: 2 });
    const second = await processInto(first.out, 'filtered.seis', 'bandpass', { low: 10, high: 80 });

    expect(first.step).toMatchObject({
      processor: 'tpow',
      processorVersion: '1.0.0',
      parameters: { power: 2 },
      seisprocVersion: version,
      input: { path: input, traceCount: 120, sampleCount: 50 },
      output: { path: first.out, traceCount: 120, sampleCount: 50 },
    });
    expect(first.step.input.digest).toEqual(await datasetDigest(await Dataset.open(input)));
    expect(first.step.output.digest).toEqual(await datasetDigest(await Dataset.open(first.out)));
    expect(first.step.startedAt >= before).toBe(true);
    expect(first.step.finishedAt >= first.step.startedAt).toBe(true);
    expect(second.step.input.digest).toEqual(first.step.output.digest);
    expect(second.step.parameters).toEqual({ low: 10, high: 80, taper: 5 });

    expect(await tracker.getHistory(input)).toEqual([]);
    expect(await tracker.getHistory(first.out)).toEqual([first.step]);
    expect(await tracker.getHistory(second.out)).toEqual([first.step, second.step]);
  });

  it('records a step for an output made elsewhere, inheriting the input history', async () => {
    const { out: gained, step: gainStep } = await processInto(input, 'gained-2.seis', 'scale', { factor: 4 });
    const out = path.join(scratch, 'clipped-unrecorded.seis');
    const clip = processors.create('clip', { limit: 5 });
    await new ChunkedProcessor().run(gained, clip, out, { inProcess: true, recordProvenance: false });
    expect(await tracker.getHistory(out)).toEqual([gainStep]);

    const step = await tracker.recordStep(clip, gained, out, clip.parameters);
    expect(step.output.digest).toEqual(await datasetDigest(await Dataset.open(out)));
    expect(await tracker.getHistory(out)).toEqual([gainStep, step]);
  });

  it('verifies a reproducible step and detects a tampered output', async () => {
    const { out, step } = await processInto(input, 'agc.seis', 'agc', { window: 30 });
    const report = await tracker.verifyReproducibility(step);
    expect(report).toMatchObject({
      inputChecksum: step.input.digest!.sha256,
      rerunChecksum: step.output.digest!.sha256,
      outputChecksum: step.output.digest!.sha256,
    });
    // The re-run's temporary dataset is gone.
    expect((await fs.readdir(scratch)).filter((name) => name.includes('verify'))).toEqual([]);

    await tamper(out);
    const error = await failureOf(tracker.verifyReproducibility(step));
    expect(error.code).toBe('PROVENANCE_MISMATCH');
    expect(error.message).toContain('the output samples changed');
    expect(error.context.differences).toEqual([
      {
        subject: 'output',
        expected: step.output.digest!.sha256,
        actual: (await datasetDigest(await Dataset.open(out))).sha256,
      },
    ]);
  });

  it('reports a changed input, a missing input and an unknown processor version', async () => {
    const copy = path.join(scratch, 'raw-copy.seis');
    await fs.cp(input, copy, { recursive: true });
    const { step } = await processInto(copy, 'from-copy.seis', 'rms', { target: 2 });
    await tamper(copy);
    const changed = await failureOf(tracker.verifyReproducibility(step));
    expect(changed.code).toBe('PROVENANCE_MISMATCH');
    const subjects = (changed.context.differences as Array<{ subject: string }>).map((d) => d.subject);
    expect(subjects).toEqual(['input', 'rerun']);

    await fs.rm(copy, { recursive: true });
    expect((await failureOf(tracker.verifyReproducibility(step))).code).toBe('DATASET_NOT_FOUND');
    const future = { ...step, input: { ...step.input, path: input }, processorVersion: '9.0.0' };
    const unknown = await failureOf(tracker.verifyReproducibility(future));
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toContain('9.0.0');
  });

  it("takes the input's digest from its writer's record, and verify recomputes it", async () => {
    const copy = path.join(scratch, 'recorded-digest.seis');
    await fs.cp(input, copy, { recursive: true });
    const actual = await datasetDigest(await Dataset.open(copy));
    // A record that does not describe the samples (as after an edit by another tool).
    const stale = { chunk_traces: actual.chunkTraces, sha256: 'ab'.repeat(32) };
    await writeDatasetMetadata(copy, { ...(await readDatasetMetadata(copy)), sample_digest: stale });

    const { step } = await processInto(copy, 'from-recorded.seis', 'scale', { factor: 2 });
    expect(step.input.digest).toEqual({ chunkTraces: stale.chunk_traces, sha256: stale.sha256 });
    const error = await failureOf(tracker.verifyReproducibility(step));
    expect(error.context.differences).toEqual([
      { subject: 'input', expected: stale.sha256, actual: actual.sha256 },
    ]);
  });

  it('verifies a step recorded before sample digests by its seisproc checksums', async () => {
    const { out, step } = await processInto(input, 'legacy.seis', 'scale', { factor: 5 });
    const legacyFingerprint = async (fingerprint: ProcessingStep['input'], at: string) => ({
      path: fingerprint.path,
      sha256: await datasetChecksum(await Dataset.open(at)),
      traceCount: fingerprint.traceCount,
      sampleCount: fingerprint.sampleCount,
    });
    const legacy: ProcessingStep = {
      ...step,
      input: await legacyFingerprint(step.input, input),
      output: await legacyFingerprint(step.output, out),
    };
    await writeDatasetMetadata(out, { ...(await readDatasetMetadata(out)), provenance: [legacy] });
    expect(await tracker.getHistory(out)).toEqual([legacy]);
    expect(await tracker.verifyReproducibility(legacy)).toMatchObject({
      inputChecksum: legacy.input.sha256,
      rerunChecksum: legacy.output.sha256,
      outputChecksum: legacy.output.sha256,
    });
    await tamper(out);
    const error = await failureOf(tracker.verifyReproducibility(legacy));
    expect(error.context.differences).toEqual([
      {
        subject: 'output',
        expected: legacy.output.sha256,
        actual: await datasetChecksum(await Dataset.open(out)),
      },
    ]);
  });

  it('refuses a provenance list with an entry that is not a step', async () => {
    const broken = path.join(scratch, 'broken-history.seis');
    await fs.cp(input, broken, { recursive: true });
    const file = path.join(broken, 'zarr.json');
    const group = JSON.parse(await fs.readFile(file, 'utf8'));
    group.attributes.seisproc.provenance = [{ id: 'x', processor: 'scale' }];
    await fs.writeFile(file, JSON.stringify(group));
    const error = await failureOf(tracker.getHistory(broken));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toContain('provenance entry 0');
  });

  it('exports a history as JSON and YAML that read back to the same steps', async () => {
    const { out } = await processInto(input, 'export.seis', 'clip', { limit: 3 });
    const history = await tracker.getHistory(out);
    expect(JSON.parse(await tracker.exportHistory(out, 'json'))).toEqual(history);
    const yaml = await tracker.exportHistory(out, 'yaml');
    expect(yaml).toContain('processor: clip');
    expect(parseYaml(yaml)).toEqual(history);
    expect(formatHistory([], 'yaml').trim()).toBe('[]');
  });
});

/**
 * `dataset` whose chunk reads wait for `gate`; `reading` resolves at the first read. Lets a test
 * act while a checksum of the dataset is under way, whatever the machine's speed.
 */
function heldAtFirstRead(dataset: Dataset, gate: Promise<void>): { gated: Dataset; reading: Promise<void> } {
  let started!: () => void;
  const reading = new Promise<void>((resolve) => {
    started = resolve;
  });
  const gated = new Proxy(dataset, {
    get(target, property) {
      if (property === 'traces') {
        return async (...args: Parameters<Dataset['traces']>) => {
          started();
          await gate;
          return target.traces(...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { gated, reading };
}

describe('ProvenanceTracker.recordStep and the write lock', () => {
  const scale = processors.create('scale', { factor: 3 });

  it('refuses to record into a dataset another writer holds, and releases the lock after success and failure', async () => {
    const { out, step } = await processInto(input, 'locked-record.seis', 'scale', { factor: 3 });
    const held = await acquireWriteLock(out);
    const refused = await failureOf(tracker.recordStep(scale, input, out, scale.parameters));
    expect(refused.code).toBe('DATASET_LOCKED');
    expect(refused.context.path).toBe(await fs.realpath(out));
    expect(await tracker.getHistory(out)).toEqual([step]);
    await held.release();

    const recorded = await tracker.recordStep(scale, input, out, scale.parameters);
    expect(await tracker.getHistory(out)).toEqual([step, recorded]);
    expect(await isWriteLocked(out)).toBe(false);

    const missingInput = await failureOf(
      tracker.recordStep(scale, path.join(scratch, 'no-such-input.seis'), out, scale.parameters),
    );
    expect(missingInput.code).toBe('DATASET_NOT_FOUND');
    expect(await isWriteLocked(out)).toBe(false);
    expect(await tracker.getHistory(out)).toEqual([step, recorded]);
  });

  it('makes a processing run into the dataset fail with DATASET_LOCKED while it records', async () => {
    const { out, step } = await processInto(input, 'record-vs-process.seis', 'scale', { factor: 3 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { gated, reading } = heldAtFirstRead(await Dataset.open(input), gate);
    const recording = tracker.recordStep(scale, gated, out, scale.parameters);
    await reading;

    const processing = await failureOf(
      new ChunkedProcessor().run(input, scale, out, { inProcess: true, overwrite: true }),
    );
    expect(processing.code).toBe('DATASET_LOCKED');
    expect(processing.context.path).toBe(await fs.realpath(out));
    const concurrentRecord = await failureOf(tracker.recordStep(scale, input, out, scale.parameters));
    expect(concurrentRecord.code).toBe('DATASET_LOCKED');

    open();
    const recorded = await recording;
    expect(await tracker.getHistory(out)).toEqual([step, recorded]);
    expect(await isWriteLocked(out)).toBe(false);
  });

  it('fails with DATASET_LOCKED while a processing run writes the dataset, which keeps its own history', async () => {
    const { out } = await processInto(input, 'process-vs-record.seis', 'scale', { factor: 3 });
    let competing: Promise<SeisprocError> | undefined;
    // The run records its step while it holds the output's lock; this tracker first tries to record
    // another step into that output and waits for the outcome, so the overlap is certain.
    class CompetingTracker extends ProvenanceTracker {
      override async recordStep(...args: Parameters<ProvenanceTracker['recordStep']>) {
        competing = failureOf(tracker.recordStep(scale, input, out, scale.parameters));
        await competing;
        return super.recordStep(...args);
      }
    }
    const clip = processors.create('clip', { limit: 4 });
    const result = await new ChunkedProcessor().run(input, clip, out, {
      inProcess: true,
      overwrite: true,
      tracker: new CompetingTracker(),
    });
    const refused = await competing!;
    expect(refused.code).toBe('DATASET_LOCKED');
    expect(refused.context.path).toBe(await fs.realpath(out));
    expect(await tracker.getHistory(out)).toEqual([result.step]);
    expect(result.step).toMatchObject({ processor: 'clip', parameters: { limit: 4 } });
  });
});
