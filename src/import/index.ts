/**
 * The staged parallel import of SEG-Y/SU files into seisproc datasets.
 *
 * @module
 */
import type { ImportConfig, ImportResult } from './config.js';
import { ParallelImportCoordinator } from './coordinator.js';

export {
  DEFAULT_ENSEMBLE_KEYS,
  type ImportConfig,
  type ImportResult,
} from './config.js';
export { ParallelImportCoordinator } from './coordinator.js';
export { type MergeHooks, OutputMerger } from './merger.js';

/**
 * Import `input` (SEG-Y or SU, a local path or a URL such as `s3://bucket/line.sgy`, read with
 * `options.storage`) into the dataset directory `output` with every core and return the result. For progress events and cancellation use {@link ParallelImportCoordinator}
 * directly, or pass `signal` in the options.
 *
 * @example
 * ```ts
 * const result = await importSegy('survey.sgy', 'survey.seis', { compression: 'zstd' });
 * console.log(`${result.traceCount} traces, ${result.gatherCount} gathers`);
 * ```
 */
export function importSegy(
  input: string,
  output: string,
  options: Omit<ImportConfig, 'input' | 'output'> = {},
): Promise<ImportResult> {
  return new ParallelImportCoordinator({ ...options, input, output }).run();
}
