/**
 * `seisproc process DATASET OUT --op NAME --param key=value …`: apply a processor to every trace
 * of a dataset into a new dataset, in worker threads, with a progress bar and provenance.
 */
import type { Command } from 'commander';
import { ArgumentError } from '../../errors/index.js';
import {
  ChunkedProcessor,
  type ChunkedProcessorOptions,
  type JsonValue,
  type ProcessorParameters,
  type ProcessResult,
  processors,
} from '../../process/index.js';
import { describeSamples } from '../../provenance/index.js';
import { action, parsePositiveInt, whileRunning } from '../run.js';

interface ProcessFlags {
  op: string;
  param: string[];
  workers?: number;
  chunkTraces?: number;
  overwrite?: boolean;
  json?: boolean;
}

/**
 * Parameters from repeated `key=value` flags: numbers and `true`/`false` become JSON numbers and
 * booleans, anything else stays a string (the processor checks the types).
 */
export function parseProcessorParameters(pairs: readonly string[]): ProcessorParameters {
  const parameters: ProcessorParameters = {};
  for (const pair of pairs) {
    const match = /^([^=\s]+)=(.*)$/.exec(pair);
    if (!match) throw new ArgumentError(`--param must be key=value, got "${pair}"`);
    const [, key, text] = match as unknown as [string, string, string];
    if (key in parameters) throw new ArgumentError(`--param ${key} is given twice`);
    parameters[key] = parseValue(text.trim());
  }
  return parameters;
}

function parseValue(text: string): JsonValue {
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : text;
}

function describe(result: ProcessResult, name: string): string {
  const seconds = result.elapsedMs / 1000;
  const rate = result.processMs > 0 ? (result.traceCount * 1000) / result.processMs : 0;
  const where = result.workers ? `${result.workers} worker${result.workers > 1 ? 's' : ''}` : 'in process';
  const lines = [
    `${name}: ${result.traceCount} traces in ${seconds.toFixed(2)} s (${Math.round(rate)} traces/s processing, ${where})`,
    `output: ${result.outputPath}`,
  ];
  if (result.step) lines.push(`step ${result.step.id}, output ${describeSamples(result.step.output)}`);
  return `${lines.join('\n')}\n`;
}

/** Register `process`. */
export function register(program: Command): void {
  const available = processors
    .list()
    .map((definition) => `  ${definition.name.padEnd(10)} ${definition.description}`)
    .join('\n');
  program
    .command('process')
    .description('apply a processor to every trace of a dataset into a new dataset, recording provenance')
    .argument('<dataset>', 'input dataset directory')
    .argument('<out>', 'output dataset directory (NAME.seis)')
    .requiredOption('--op <name>', 'processor name (see the list below)')
    .option(
      '--param <key=value>',
      'processor parameter, repeatable (e.g. --param low=5 --param high=60)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--workers <n>',
      'worker threads (default: all cores; small inputs run in one thread)',
      parsePositiveInt,
    )
    .option('--chunk-traces <n>', 'traces per output chunk (default: the input chunk)', parsePositiveInt)
    .option('--overwrite', 'replace OUT if it exists')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nProcessors:\n${available}\n`)
    .action(
      action(async (datasetPath: string, outputPath: string, flags: ProcessFlags) => {
        const processor = processors.create(flags.op, parseProcessorParameters(flags.param));
        const runner = new ChunkedProcessor();
        const options: ChunkedProcessorOptions = {
          ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
          ...(flags.chunkTraces !== undefined ? { chunkTraces: flags.chunkTraces } : {}),
          overwrite: flags.overwrite ?? false,
        };
        const result = await whileRunning(runner, () =>
          runner.run(datasetPath, processor, outputPath, options),
        );
        process.stdout.write(
          flags.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result, flags.op),
        );
      }),
    );
}
