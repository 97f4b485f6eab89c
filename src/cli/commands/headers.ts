/**
 * `seisproc headers FILE [--fields a,b,…] [--range START:END] [--format table|csv|json]`: trace
 * header values, streamed in batches so any range of any file can be printed.
 */
import { type Command, Option } from 'commander';
import { ArgumentError } from '../../errors/index.js';
import { type HeaderColumn, SegyFile } from '../../segy/index.js';
import { action, parseRange } from '../run.js';
import { addStorageOptions } from '../storage-options.js';
import { addSegyReadOptions, type SegyReadFlags, segyOpenOptions, toJSON } from './segy-options.js';

/** Fields printed when `--fields` is not given. */
const DEFAULT_FIELDS = [
  'traceSequenceFile',
  'fieldRecord',
  'traceNumber',
  'cdp',
  'offset',
  'inline',
  'crossline',
  'sourceX',
  'sourceY',
  'groupX',
  'groupY',
  'cdpX',
  'cdpY',
  'sampleCount',
  'sampleInterval',
];

/** Traces decoded and printed per batch. */
const BATCH_TRACES = 4096;

type OutputFormat = 'table' | 'csv' | 'json';

/** Register `headers`. */
export function register(program: Command): void {
  addStorageOptions(
    addSegyReadOptions(
      program
        .command('headers')
        .description(
          'print trace header values (field keys or segyio/SU names, e.g. cdp,INLINE_3D,FieldRecord)',
        )
        .argument('<file>', 'SEG-Y or SU file: a path or a URL (https://…, s3://bucket/key)')
        .option('--fields <list>', 'comma-separated fields', (v: string) =>
          v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        )
        .option('--range <start:end>', '0-based, end-exclusive trace range (negative counts from the end)')
        .addOption(
          new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'),
        ),
    ),
  ).action(
    action(
      async (
        path: string,
        flags: SegyReadFlags & { fields?: string[]; range?: string; format: OutputFormat },
      ) => {
        const file = await SegyFile.open(path, await segyOpenOptions(flags));
        try {
          const fields = flags.fields?.length ? flags.fields : DEFAULT_FIELDS;
          for (const name of fields) file.mapping.field(name);
          let range: { start: number; end: number };
          try {
            range = parseRange(flags.range, file.traceCount);
          } catch (error) {
            throw new ArgumentError((error as Error).message);
          }
          await printHeaders(file, fields, range, flags.format);
        } finally {
          await file.close();
        }
      },
    ),
  );
}

function valueAt(column: HeaderColumn, i: number): number | bigint {
  return column[i]!;
}

async function printHeaders(
  file: SegyFile,
  fields: readonly string[],
  range: { start: number; end: number },
  format: OutputFormat,
): Promise<void> {
  const out = process.stdout;
  const width = fields.map((f) => Math.max(f.length, 12));
  if (format === 'json') out.write('[');
  else if (format === 'csv') out.write(`trace,${fields.join(',')}\n`);
  else out.write(`${'trace'.padStart(10)} ${fields.map((f, i) => f.padStart(width[i]!)).join(' ')}\n`);
  let first = true;
  for (let start = range.start; start < range.end; start += BATCH_TRACES) {
    const end = Math.min(range.end, start + BATCH_TRACES);
    const columns = await file.readTraceHeaders(start, end, fields);
    const lines: string[] = [];
    for (let i = 0; i < end - start; i++) {
      const values = fields.map((f) => valueAt(columns[f]!, i));
      if (format === 'json') {
        const row: Record<string, number | bigint> = {};
        fields.forEach((f, k) => {
          row[f] = values[k]!;
        });
        lines.push(`${first ? '' : ','}\n  ${toJSON(row)}`);
        first = false;
      } else if (format === 'csv') {
        lines.push(`${start + i},${values.join(',')}\n`);
      } else {
        lines.push(
          `${String(start + i).padStart(10)} ${values.map((v, k) => String(v).padStart(width[k]!)).join(' ')}\n`,
        );
      }
    }
    if (!out.write(lines.join(''))) await new Promise((resolve) => out.once('drain', resolve));
  }
  if (format === 'json') out.write(first ? ']\n' : '\n]\n');
}
