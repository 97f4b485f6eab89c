/**
 * `seisproc info FILE [--json]`: what is in a SEG-Y or SU file, at a glance.
 */
import type { Command } from 'commander';
import {
  BINARY_HEADER_FIELDS,
  type FieldRange,
  SAMPLE_FORMATS,
  type SampleIntervalSource,
  SegyFile,
  summarizeTraceHeaders,
  type TraceHeaderSummary,
} from '../../segy/index.js';
import { action } from '../run.js';
import { addStorageOptions } from '../storage-options.js';
import { addSegyReadOptions, type SegyReadFlags, segyOpenOptions, toJSON } from './segy-options.js';

/** Trace header fields summarised by `info`, with the labels shown. */
const SUMMARY_FIELDS: ReadonlyArray<readonly [key: string, label: string]> = [
  ['fieldRecord', 'FFID'],
  ['cdp', 'CDP'],
  ['offset', 'offset'],
  ['inline', 'inline'],
  ['crossline', 'crossline'],
  ['sourceX', 'source X'],
  ['sourceY', 'source Y'],
  ['groupX', 'group X'],
  ['groupY', 'group Y'],
  ['cdpX', 'CDP X'],
  ['cdpY', 'CDP Y'],
  ['scalarCoordinates', 'coord. scalar'],
  ['sampleCount', 'samples'],
  ['sampleInterval', 'interval µs'],
];

/** How each interval source reads in the summary. */
const INTERVAL_SOURCES: Record<SampleIntervalSource, string> = {
  binary: 'from the binary header',
  trace: 'from the first trace header',
  'binary+trace': 'binary and trace headers agree',
  default: 'fallback: the headers give no usable value',
};

/** Register `info`. */
export function register(program: Command): void {
  addStorageOptions(
    addSegyReadOptions(
      program
        .command('info')
        .description(
          'show what is in a SEG-Y or SU file: layout, text and binary headers, trace header ranges',
        )
        .argument('<file>', 'SEG-Y or SU file: a path or a URL (https://…, s3://bucket/key)')
        .option('--json', 'print one JSON object'),
    ),
  ).action(
    action(async (path: string, flags: SegyReadFlags & { json?: boolean }) => {
      const file = await SegyFile.open(path, await segyOpenOptions(flags));
      try {
        // Seismic Unix uses trace header bytes 181-240 for its own keys (d1, f1, …), not SEG-Y's.
        const fields = SUMMARY_FIELDS.filter(
          ([key]) => file.kind === 'segy' || file.mapping.field(key).byte <= 180,
        );
        const summary = await summarizeTraceHeaders(
          file,
          fields.map(([key]) => key),
        );
        process.stdout.write(
          flags.json ? `${toJSON(infoObject(file, summary), 2)}\n` : describe(file, summary),
        );
      } finally {
        await file.close();
      }
    }),
  );
}

/** Binary header fields that are not zero, keyed by field key. */
function nonZeroBinaryFields(file: SegyFile): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {};
  for (const [key, value] of Object.entries(file.binaryHeader)) {
    if (value !== 0 && value !== 0n) out[key] = value;
  }
  return out;
}

function infoObject(file: SegyFile, summary: TraceHeaderSummary) {
  return {
    path: file.path,
    kind: file.kind,
    fileSize: file.fileSize,
    revision: file.revision,
    endianness: file.endianness,
    textEncoding: file.textEncoding,
    format: file.formatCode,
    formatName: SAMPLE_FORMATS[file.formatCode].name,
    traceCount: file.traceCount,
    sampleCount: file.sampleCount,
    sampleInterval: file.sampleInterval,
    sampleIntervalSource: file.sampleIntervalSource,
    extendedTextHeaders: file.extendedTextHeaders.length,
    traceHeaderExtensions: file.traceHeaderSize / 240 - 1,
    dataOffset: file.dataOffset,
    traceSize: file.traceSize,
    textHeader: file.textHeader,
    extendedTextHeaderText: file.extendedTextHeaders,
    binaryHeader: nonZeroBinaryFields(file),
    traceHeaderRanges: summary.ranges,
    traceHeadersRead: summary.tracesRead,
    traceHeadersSampled: summary.sampled,
    notes: file.notes,
  };
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatMs(us: number): string {
  const ms = us / 1000;
  return `${Number.isInteger(ms) ? ms : ms.toFixed(3).replace(/0+$/, '')} ms`;
}

function describe(file: SegyFile, summary: TraceHeaderSummary): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(14)}${value}`);
  const format = SAMPLE_FORMATS[file.formatCode];
  const recordUs = (file.sampleCount - 1) * file.sampleInterval;
  row('File', `${file.path} (${formatBytes(file.fileSize)})`);
  if (file.kind === 'su') {
    row('Kind', `Seismic Unix, ${file.endianness}-endian`);
  } else {
    const text = `${file.textEncoding?.toUpperCase()} text header${file.textHeaderBlank ? ' (blank)' : ''}`;
    row('Kind', `SEG-Y rev ${file.revision}, ${file.endianness}-endian, ${text}`);
  }
  row('Traces', `${file.traceCount.toLocaleString('en-US')}`);
  row(
    'Samples',
    `${file.sampleCount.toLocaleString('en-US')} per trace, format ${file.formatCode} (${format.name})`,
  );
  row(
    'Interval',
    `${formatMs(file.sampleInterval)} (${file.sampleInterval} µs, ${INTERVAL_SOURCES[file.sampleIntervalSource]}), record length ${formatMs(recordUs)}`,
  );
  row(
    'Layout',
    `first trace at byte ${file.dataOffset}, ${file.traceSize} bytes per trace (${file.traceHeaderSize}-byte headers)`,
  );
  if (file.kind === 'segy') {
    const extensions = file.traceHeaderSize / 240 - 1;
    row(
      'Extensions',
      `${file.extendedTextHeaders.length} extended text header(s), ${extensions} trace header extension(s)`,
    );
  }
  for (const note of file.notes) row('Note', note);

  if (file.kind === 'segy') {
    lines.push('', 'Text header');
    const text = file.textHeader.split('\n');
    while (text.length && text[text.length - 1]!.trim() === '') text.pop();
    lines.push(...(text.length ? text.map((l) => `  ${l.trimEnd()}`) : ['  (blank)']));
    file.extendedTextHeaders.forEach((header, i) => {
      lines.push('', `Extended text header ${i + 1}`);
      lines.push(
        ...header
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => `  ${l.trimEnd()}`),
      );
    });
    lines.push('', 'Binary header (non-zero fields)');
    const fields = nonZeroBinaryFields(file);
    for (const field of BINARY_HEADER_FIELDS) {
      if (field.key in fields) {
        lines.push(
          `  ${String(field.byte).padEnd(6)}${field.key.padEnd(28)}${String(fields[field.key]).padStart(12)}  ${field.description}`,
        );
      }
    }
  }

  const scope = summary.sampled
    ? `${summary.tracesRead.toLocaleString('en-US')} evenly spaced traces of ${file.traceCount.toLocaleString('en-US')}`
    : `all ${summary.tracesRead.toLocaleString('en-US')} traces`;
  lines.push('', `Trace headers (${scope}; raw values, no scalars applied)`);
  lines.push(`  ${'field'.padEnd(16)}${'byte'.padStart(5)}${'min'.padStart(14)}${'max'.padStart(14)}`);
  for (const [key, label] of SUMMARY_FIELDS) {
    const range: FieldRange | undefined = summary.ranges[key];
    if (!range) continue;
    const byte = file.mapping.field(key).byte;
    lines.push(
      `  ${label.padEnd(16)}${String(byte).padStart(5)}${String(range.min).padStart(14)}${String(range.max).padStart(14)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
