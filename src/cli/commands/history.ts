/** `seisproc history DATASET [--json | --yaml]`: the processing steps that made a dataset. */
import type { Command } from 'commander';
import { redactLocation } from '../../io/index.js';
import { describeSamples, type ProcessingStep, ProvenanceTracker } from '../../provenance/index.js';
import { action } from '../run.js';
import { addStorageOptions, type StorageFlags, storageOptions } from '../storage-options.js';

function describe(steps: readonly ProcessingStep[], datasetPath: string): string {
  if (!steps.length) return `${datasetPath}: no processing history\n`;
  return steps
    .map((step, index) =>
      [
        `${index + 1}. ${step.processor} ${step.processorVersion} ${JSON.stringify(step.parameters)}`,
        `   at ${step.finishedAt} by seisproc ${step.seisprocVersion} (step ${step.id})`,
        `   input  ${step.input.path}  ${describeSamples(step.input)}`,
        `   output ${step.output.path}  ${describeSamples(step.output)}`,
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}

/** Register `history`. */
export function register(program: Command): void {
  addStorageOptions(
    program
      .command('history')
      .description("list a dataset's processing steps (oldest first) with their sample digests")
      .argument('<dataset>', 'dataset directory or URL (https://…, s3://bucket/…)')
      .option('--json', 'print the steps as JSON')
      .option('--yaml', 'print the steps as YAML'),
  ).action(
    action(async (datasetPath: string, flags: StorageFlags & { json?: boolean; yaml?: boolean }) => {
      const tracker = new ProvenanceTracker();
      const storage = storageOptions(flags);
      if (flags.json || flags.yaml) {
        process.stdout.write(await tracker.exportHistory(datasetPath, flags.yaml ? 'yaml' : 'json', storage));
      } else {
        const steps = await tracker.getHistory(datasetPath, storage);
        process.stdout.write(describe(steps, redactLocation(datasetPath)));
      }
    }),
  );
}
