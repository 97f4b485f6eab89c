/**
 * The life of an import: progress events, cancellation, resume, worker failures and bad input.
 *
 * Worker threads load the built worker (`dist/import-worker.js`, or SEISPROC_IMPORT_WORKER).
 */
import { promises as fs, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeisprocError, WorkerError } from '../../src/errors/index.js';
import { type ImportConfig, ParallelImportCoordinator } from '../../src/import/index.js';
import type { ProgressEvent, StageEndEvent, StageStartEvent } from '../../src/progress/index.js';
import { SegyFile } from '../../src/segy/index.js';
import { WORKER_BUILT, WORKER_URL } from '../helpers/built.js';
import { failureOf } from '../helpers/failure.js';
import { differingFiles } from './dataset-files.js';
import { writeSyntheticSegy } from './synthetic-segy.js';

const TRACES = 6_000;
const CHUNK = 100;

let dir: string;
let input: string;
let reference: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'seisproc-lifecycle-'));
  input = path.join(dir, 'prestack.sgy');
  await writeSyntheticSegy(input, { traces: TRACES, samples: 64, gatherSize: 48 });
  reference = path.join(dir, 'reference.seis');
  await coordinator({ output: reference, inProcessThreshold: Number.POSITIVE_INFINITY }).run();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function coordinator(config: Partial<ImportConfig> & { output: string }): ParallelImportCoordinator {
  return new ParallelImportCoordinator({ input, chunkTraces: CHUNK, workerUrl: WORKER_URL, ...config });
}

function workDirOf(output: string): string {
  return path.join(path.dirname(output), `.${path.basename(output)}.import`);
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/** A worker module wrapping the real one, misbehaving on segment 1 as `body` says. */
async function faultyWorker(name: string, body: string): Promise<string> {
  const file = path.join(dir, `${name}.mjs`);
  await fs.writeFile(
    file,
    `import run from ${JSON.stringify(WORKER_URL)};\nexport default async function (task) {\n${body}\n}\n`,
  );
  return new URL(`file://${file}`).href;
}

describe('progress events', () => {
  for (const [name, config] of [
    ['in process', { inProcessThreshold: Number.POSITIVE_INFINITY }],
    ['in workers', { inProcessThreshold: 0, workers: 2 }],
  ] as const) {
    it.runIf(WORKER_BUILT || name === 'in process')(`follow the stage contract ${name}`, async () => {
      const output = path.join(dir, `events-${name.replace(' ', '-')}.seis`);
      const importer = coordinator({ output, ...config });
      const log: Array<[string, StageStartEvent | ProgressEvent | StageEndEvent | unknown]> = [];
      for (const event of ['stage-start', 'progress', 'stage-end', 'done', 'error'] as const) {
        importer.on(event, (payload: unknown) => log.push([event, payload]));
      }
      const result = await importer.run();

      const stages = log.filter(([e]) => e === 'stage-start').map(([, p]) => p as StageStartEvent);
      expect(stages.map((s) => [s.stage, s.unit])).toEqual([
        ['import', 'traces'],
        ['merge', 'files'],
        ['index', 'traces'],
        ['cleanup', 'files'],
      ]);
      expect(stages[0]!.total).toBe(TRACES);
      expect(stages[2]!.total).toBe(2 * TRACES);
      for (const stage of stages) {
        const events = log.filter(([, p]) => (p as { stage?: string }).stage === stage.stage);
        expect(events[0]![0]).toBe('stage-start');
        expect(events.at(-1)![0]).toBe('stage-end');
        const progress = events.filter(([e]) => e === 'progress').map(([, p]) => p as ProgressEvent);
        expect(progress.length).toBeGreaterThanOrEqual(2);
        expect(progress.at(-1)).toMatchObject({ done: stage.total, total: stage.total, unit: stage.unit });
        for (let i = 1; i < progress.length; i++)
          expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
      }
      expect(log.at(-1)).toEqual(['done', result]);
      expect(log.some(([e]) => e === 'error')).toBe(false);
      expect(Object.keys(result.stageMs)).toEqual(['import', 'merge', 'index', 'cleanup']);
      expect(await exists(workDirOf(output))).toBe(false);
    });
  }
});

describe('cancellation and resume', () => {
  it('stops within a chunk in process, leaves the output untouched and removes the work directory', async () => {
    const output = path.join(dir, 'cancelled.seis');
    const importer = coordinator({ output, inProcessThreshold: Number.POSITIVE_INFINITY });
    let doneAtCancel = -1;
    const seen: number[] = [];
    importer.on('progress', (e) => {
      if (e.stage !== 'import') return;
      seen.push(e.done);
      if (e.done >= 1_000 && doneAtCancel < 0) {
        doneAtCancel = e.done;
        importer.cancel();
      }
    });
    const errors: SeisprocError[] = [];
    importer.on('error', (e) => errors.push(e));
    const failure = await failureOf(importer.run());
    expect(failure.code).toBe('CANCELLED');
    expect(errors).toEqual([failure]);
    expect(Math.max(...seen)).toBeLessThanOrEqual(doneAtCancel + CHUNK);
    expect(importer.cancelled).toBe(true);
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('resumes from the verified chunks of a cancelled run and writes the same dataset', async () => {
    const output = path.join(dir, 'resumed.seis');
    const controller = new AbortController();
    const first = coordinator({
      output,
      inProcessThreshold: Number.POSITIVE_INFINITY,
      resume: true,
      signal: controller.signal,
    });
    first.on('progress', (e) => {
      if (e.stage === 'import' && e.done >= 3_000) controller.abort();
    });
    expect((await failureOf(first.run())).code).toBe('CANCELLED');
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(true);

    // A chunk damaged after the interruption is verified and written again, not trusted.
    const chunkFile = path.join(workDirOf(output), 'dataset', 'traces', 'c', '3', '0');
    await fs.truncate(chunkFile, 10);

    // Other options do not continue the interrupted import.
    const mismatch = await failureOf(
      coordinator({
        output,
        inProcessThreshold: Number.POSITIVE_INFINITY,
        resume: true,
        compression: 'zstd',
      }).run(),
    );
    expect(mismatch.code).toBe('IMPORT_RESUME_MISMATCH');

    const second = coordinator({ output, inProcessThreshold: Number.POSITIVE_INFINITY, resume: true });
    const warnings: string[] = [];
    second.on('warning', (w) => warnings.push(w.code ?? ''));
    const result = await second.run();
    expect(warnings).toContain('IMPORT_RESUMED');
    expect(result.chunksResumed).toBeGreaterThanOrEqual(29);
    expect(result.chunksResumed).toBeLessThan(TRACES / CHUNK);
    expect(await differingFiles(reference, output)).toEqual([]);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it.runIf(WORKER_BUILT)('cancels the workers before they start a chunk', async () => {
    const output = path.join(dir, 'cancelled-workers.seis');
    const importer = coordinator({ output, inProcessThreshold: 0, workers: 2 });
    importer.on('stage-start', (e) => {
      if (e.stage === 'import') importer.cancel();
    });
    expect((await failureOf(importer.run())).code).toBe('CANCELLED');
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('does nothing when the signal is already aborted', async () => {
    const output = path.join(dir, 'aborted.seis');
    const failure = await failureOf(coordinator({ output, signal: AbortSignal.abort() }).run());
    expect(failure.code).toBe('CANCELLED');
    expect(await exists(workDirOf(output))).toBe(false);
  });
});

describe.runIf(WORKER_BUILT)('worker failures', () => {
  it('fails with the segment and trace of a worker that throws, and cleans up', async () => {
    const output = path.join(dir, 'throws.seis');
    const workerUrl = await faultyWorker(
      'throws',
      "if (task.segment.segmentId === 1) throw new Error('injected failure');\nreturn run(task);",
    );
    const failure = await failureOf(
      coordinator({ output, inProcessThreshold: 0, workers: 2, workerUrl }).run(),
    );
    expect(failure).toBeInstanceOf(WorkerError);
    expect(failure.code).toBe('WORKER_FAILED');
    expect(failure.message).toContain('injected failure');
    expect(failure.context.segmentId).toBe(1);
    // Segment 1 starts at the shot (fieldRecord, 144 traces) containing trace 3000.
    expect(failure.context.traceIndex).toBe(2_880);
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('fails, without hanging, when a worker thread dies', async () => {
    const output = path.join(dir, 'dies.seis');
    const workerUrl = await faultyWorker(
      'dies',
      'const reply = await run(task);\nif (task.segment.segmentId === 1) process.exit(7);\nreturn reply;',
    );
    const failure = await failureOf(
      coordinator({ output, inProcessThreshold: 0, workers: 2, workerUrl }).run(),
    );
    expect(failure.code).toBe('WORKER_FAILED');
    expect(failure.context).toMatchObject({ segmentId: 1, exitCode: 7, traceIndex: TRACES });
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('reports the source truncated during the import with the trace where it ends', async () => {
    const copy = path.join(dir, 'truncated.sgy');
    await fs.copyFile(input, copy);
    const segy = await SegyFile.open(copy);
    const cut = segy.dataOffset + 4_500 * segy.traceSize;
    await segy.close();
    for (const [name, config] of [
      ['workers', { inProcessThreshold: 0, workers: 2 }],
      ['in process', { inProcessThreshold: Number.POSITIVE_INFINITY }],
    ] as const) {
      await fs.copyFile(input, copy);
      const output = path.join(dir, `truncated-${name.replace(' ', '-')}.seis`);
      const importer = new ParallelImportCoordinator({
        input: copy,
        output,
        chunkTraces: CHUNK,
        workerUrl: WORKER_URL,
        ...config,
      });
      importer.on('stage-start', (e) => {
        if (e.stage === 'import') truncateSync(copy, cut);
      });
      const failure = await failureOf(importer.run());
      const cause = name === 'workers' ? (failure.cause as SeisprocError) : failure;
      if (name === 'workers') {
        expect(failure.code).toBe('WORKER_FAILED');
        expect([0, 1]).toContain(failure.context.segmentId);
      }
      expect(cause.code).toBe('SEGY_TRUNCATED');
      expect(cause.context.traceIndex).toBe(4_500);
      expect(await exists(output)).toBe(false);
      expect(await exists(workDirOf(output))).toBe(false);
    }
  });

  it('keeps the work of the other segments for a resume', async () => {
    const output = path.join(dir, 'resume-after-failure.seis');
    const workerUrl = await faultyWorker(
      'fails-after-work',
      "const reply = await run(task);\nif (task.segment.segmentId === 1) throw new Error('lost reply');\nreturn reply;",
    );
    const failure = await failureOf(
      coordinator({ output, inProcessThreshold: 0, workers: 2, workerUrl, resume: true }).run(),
    );
    expect(failure.code).toBe('WORKER_FAILED');
    expect(await exists(workDirOf(output))).toBe(true);
    const result = await coordinator({ output, inProcessThreshold: 0, workers: 2, resume: true }).run();
    // Segment 1 (traces 2880-6000) finished before its reply was lost: its 30 whole chunks are kept.
    expect(result.chunksResumed).toBeGreaterThanOrEqual(30);
    expect(await differingFiles(reference, output)).toEqual([]);
  });
});

describe('bad input', () => {
  it.each([
    ['a missing input', { input: '/nonexistent/file.sgy' }, 'STORAGE_NOT_FOUND'],
    ['an unknown ensemble key', { ensembleKeys: [['noSuchField']] }, 'SEGY_BAD_HEADER_FIELD'],
    ['a three-field ensemble key', { ensembleKeys: [['inline', 'crossline', 'cdp']] }, 'INVALID_ARGUMENT'],
    ['a compression level out of range', { compression: { codec: 'zstd', level: 40 } }, 'INVALID_ARGUMENT'],
    ['keepBits out of range', { compression: { codec: 'none', keepBits: 0 } }, 'INVALID_ARGUMENT'],
    ['zero workers', { workers: 0 }, 'INVALID_ARGUMENT'],
    ['a fractional chunk size', { chunkTraces: 2.5 }, 'INVALID_ARGUMENT'],
  ] as const)('rejects %s', async (_name, config, code) => {
    const output = path.join(dir, 'bad.seis');
    const failure = await failureOf(coordinator({ output, ...(config as Partial<ImportConfig>) }).run());
    expect(failure.code).toBe(code);
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('names a URL it cannot read without its credentials or query string', async () => {
    const output = path.join(dir, 'remote.seis');
    const input = 'https://reader:secret@127.0.0.1:9/lines/line.sgy?X-Amz-Signature=secret';
    const failure = await failureOf(coordinator({ output, input }).run());
    expect(failure.code).toMatch(/^STORAGE_/);
    expect(failure.context.path).toBe('https://127.0.0.1:9/lines/line.sgy');
    expect(failure.message).not.toContain('secret');
    expect(await exists(output)).toBe(false);
    expect(await exists(workDirOf(output))).toBe(false);
  });

  it('rejects a float header as ensemble key', async () => {
    const output = path.join(dir, 'float-key.seis');
    const failure = await failureOf(
      coordinator({
        output,
        mapping: { fields: [{ key: 'cdp', byte: 21, type: 'float32' }] },
        ensembleKeys: [['cdp']],
      }).run(),
    );
    expect(failure.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses to overwrite an existing output unless asked', async () => {
    const output = path.join(dir, 'existing.seis');
    await fs.mkdir(output);
    await fs.writeFile(path.join(output, 'keep.txt'), 'mine');
    const failure = await failureOf(coordinator({ output }).run());
    expect(failure.code).toBe('DATASET_EXISTS');
    expect(await fs.readFile(path.join(output, 'keep.txt'), 'utf8')).toBe('mine');
    await coordinator({ output, overwrite: true, inProcessThreshold: Number.POSITIVE_INFINITY }).run();
    expect(await differingFiles(reference, output)).toEqual([]);
  });

  it('refuses to run a stage out of order', async () => {
    const importer = coordinator({ output: path.join(dir, 'order.seis') });
    expect((await failureOf(importer.runMergeHeaders())).code).toBe('INVALID_ARGUMENT');
  });
});
