/**
 * `seisproc validate DATASET`: check a dataset's integrity (metadata, array shapes and chunks,
 * header rows, gather index coverage) and say what is wrong. Exit status 1 when anything is.
 */
import type { Command } from 'commander';
import { validateDataset } from '../../storage/index.js';
import { action } from '../run.js';
import { toJSON } from './segy-options.js';

/** Register `validate`. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('check the integrity of a dataset and list its problems')
    .argument('<dataset>', 'dataset directory')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (datasetPath: string, flags: { json?: boolean }) => {
        const report = await validateDataset(datasetPath);
        if (flags.json) {
          process.stdout.write(`${toJSON(report)}\n`);
        } else {
          for (const line of report.checked) process.stdout.write(`ok       ${line}\n`);
          for (const line of report.problems) process.stdout.write(`PROBLEM  ${line}\n`);
          process.stdout.write(
            report.ok ? `${datasetPath}: valid\n` : `${datasetPath}: ${report.problems.length} problem(s)\n`,
          );
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
