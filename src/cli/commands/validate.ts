/**
 * `seisproc validate DATASET`: check a dataset's integrity (metadata, array shapes and chunks,
 * header rows, gather index coverage) and say what is wrong. Exit status 1 when anything is.
 */
import type { Command } from 'commander';
import { redactLocation } from '../../io/index.js';
import { validateDataset } from '../../storage/index.js';
import { action } from '../run.js';
import { addStorageOptions, type StorageFlags, storageOptions } from '../storage-options.js';
import { toJSON } from './segy-options.js';

/** Register `validate`. */
export function register(program: Command): void {
  addStorageOptions(
    program
      .command('validate')
      .description('check the integrity of a dataset and list its problems')
      .argument('<dataset>', 'dataset directory or URL (https://…, s3://bucket/…)')
      .option('--json', 'print the report as JSON'),
  ).action(
    action(async (datasetPath: string, flags: StorageFlags & { json?: boolean }) => {
      const report = await validateDataset(datasetPath, { storage: storageOptions(flags) });
      const shown = redactLocation(datasetPath);
      if (flags.json) {
        process.stdout.write(`${toJSON(report)}\n`);
      } else {
        for (const line of report.checked) process.stdout.write(`ok       ${line}\n`);
        for (const line of report.problems) process.stdout.write(`PROBLEM  ${line}\n`);
        process.stdout.write(
          report.ok ? `${shown}: valid\n` : `${shown}: ${report.problems.length} problem(s)\n`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    }),
  );
}
