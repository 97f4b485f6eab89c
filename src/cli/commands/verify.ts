/**
 * `seisproc verify DATASET [--all]`: re-run the latest processing step whose input still exists
 * (or every such step) and compare checksums of input, re-run and output with the recorded ones.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DatasetError, isSeisprocError } from '../../errors/index.js';
import { ChunkedProcessor } from '../../process/index.js';
import { describeSamples, type ProcessingStep, ProvenanceTracker } from '../../provenance/index.js';
import { action, parsePositiveInt, whileRunning } from '../run.js';

interface VerifyFlags {
  all?: boolean;
  workers?: number;
  json?: boolean;
}

/** The outcome for one step, as printed. */
interface StepOutcome {
  step: number;
  id: string;
  processor: string;
  status: 'ok' | 'mismatch' | 'skipped';
  message: string;
}

/** Register `verify`. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('re-run recorded processing steps and check that they reproduce the recorded checksums')
    .argument('<dataset>', 'dataset directory')
    .option('--all', 'verify every step whose input still exists (default: the latest such step)')
    .option('--workers <n>', 'worker threads for the re-runs (default: all cores)', parsePositiveInt)
    .option('--json', 'print the outcomes as JSON')
    .action(
      action(async (datasetPath: string, flags: VerifyFlags) => {
        const tracker = new ProvenanceTracker();
        const history = await tracker.getHistory(datasetPath);
        if (!history.length) {
          process.stdout.write(`${datasetPath}: no processing history, nothing to verify\n`);
          return;
        }
        const present = await Promise.all(history.map((step) => exists(step.input.path)));
        const candidates = history
          .map((step, index) => ({ step, index }))
          .filter(({ index }) => present[index]);
        if (!candidates.length) {
          throw new DatasetError('DATASET_NOT_FOUND', 'no recorded step has its input dataset any more', {
            path: path.resolve(datasetPath),
          });
        }
        const chosen = flags.all ? candidates : candidates.slice(-1);
        const outcomes: StepOutcome[] = history
          .map((step, index) => ({ step, index }))
          .filter(({ index }) => !present[index] && flags.all)
          .map(({ step, index }) => outcome(step, index, 'skipped', `input ${step.input.path} not found`));
        for (const { step, index } of chosen) {
          if (!flags.json)
            process.stderr.write(`verifying step ${index + 1}/${history.length} (${step.processor})…\n`);
          outcomes.push(await verifyStep(tracker, step, index, history.length, datasetPath, flags.workers));
        }
        outcomes.sort((a, b) => a.step - b.step);
        if (flags.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
        else {
          for (const o of outcomes) {
            process.stdout.write(`step ${o.step} ${o.processor}: ${o.status.toUpperCase()} ${o.message}\n`);
          }
        }
        if (outcomes.some((o) => o.status === 'mismatch')) process.exitCode = 1;
      }),
    );
}

async function verifyStep(
  tracker: ProvenanceTracker,
  step: ProcessingStep,
  index: number,
  count: number,
  datasetPath: string,
  workers: number | undefined,
): Promise<StepOutcome> {
  const runner = new ChunkedProcessor();
  try {
    // The last step made this dataset, wherever it has moved since; earlier ones made their recorded outputs.
    const report = await whileRunning(runner, () =>
      tracker.verifyReproducibility(step, {
        runner,
        ...(index === count - 1 ? { outputPath: datasetPath } : {}),
        ...(workers !== undefined ? { workers } : {}),
      }),
    );
    const output = report.outputChecksum === undefined ? ' (output dataset not found, re-run checked)' : '';
    return outcome(step, index, 'ok', `${describeSamples(step.output)}${output}`);
  } catch (error) {
    if (isSeisprocError(error, 'PROVENANCE_MISMATCH')) return outcome(step, index, 'mismatch', error.message);
    throw error;
  }
}

function outcome(
  step: ProcessingStep,
  index: number,
  status: StepOutcome['status'],
  message: string,
): StepOutcome {
  return { step: index + 1, id: step.id, processor: step.processor, status, message };
}

async function exists(datasetPath: string): Promise<boolean> {
  return fs.stat(datasetPath).then(
    () => true,
    () => false,
  );
}
