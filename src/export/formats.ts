/**
 * The registry of export formats. `segy` and `su` are built in; a host application lists the
 * formats (for a menu or a file dialog) and may add its own with {@link registerExportFormat}.
 * A format only writes its file: the exporter gives it a temporary path, progress stages and a
 * cancellation signal, and renames the file into place when the format has finished.
 *
 * @module
 */
import { ArgumentError } from '../errors/index.js';
import type { StorageOptions } from '../io/index.js';
import type { SegyOpenOptions } from '../segy/index.js';
import type { Dataset } from '../storage/index.js';
import { type ExportIO, type ParallelOptions, runSegyExport, type SegyExportSummary } from './engine.js';
import type { ConversionOptions } from './plan.js';
import { datasetSourceSpec } from './sources.js';

/** What every format's writer reports back. */
export interface ExportWriteResult {
  /** Traces written. */
  traceCount: number;
  /** Bytes of the output file. */
  bytes: number;
  /** Worker threads used (1: the calling thread). */
  workers: number;
}

/** Options of a dataset export, for any format. Formats ignore options that do not apply to them. */
export interface DatasetExportOptions extends ConversionOptions, ParallelOptions {
  /** Registered format name (see {@link listExportFormats}). Default: `su` for a dataset imported from Seismic Unix, else `segy`. */
  format?: string;
  /** Shorthand for `format: 'su'`. */
  su?: boolean;
  /** Take the textual, binary and trace headers from this original SEG-Y/SU file instead of the dataset. */
  originalSegyPath?: string;
  /** How to open the original file (byte order or format override, `ignoreTruncated`, `kind`). */
  originalOptions?: Omit<SegyOpenOptions, 'mapping'>;
  /** Replace an existing output file. Default false: refuse with `DATASET_EXISTS`. */
  overwrite?: boolean;
  /** fsync the output before renaming it into place (durable against power loss; slower). Default false. */
  sync?: boolean;
  /** Cancels the export. */
  signal?: AbortSignal;
  /** Endpoint, profile and the like for an output in object storage (`s3://bucket/key.sgy`). */
  storage?: StorageOptions;
}

/** What a format's writer is given. */
export interface ExportContext extends ExportIO {
  /** The dataset exported. */
  dataset: Dataset;
  /** Where the file will be once committed (for messages; write to `temporaryPath` or `upload`). */
  outputPath: string;
  /** The caller's options. */
  options: DatasetExportOptions;
}

/** An export format. */
export interface ExportFormat {
  /** Registry name, e.g. `segy`. Lower case letters, digits and `-`. */
  readonly name: string;
  /** One line for people. */
  readonly description: string;
  /** File name extensions, with the dot, most usual first (for file dialogs). */
  readonly extensions: readonly string[];
  /**
   * True when {@link write} writes into `context.upload` whenever it is given, so outputs may be
   * in object storage; without it, the format exports to local paths only.
   */
  readonly uploads?: boolean;
  /** Write the dataset to `context.temporaryPath` (or `context.upload`), honouring `context.signal`. */
  write(context: ExportContext): Promise<ExportWriteResult>;
}

function segyWriter(kind: 'segy' | 'su') {
  return (context: ExportContext): Promise<SegyExportSummary> => {
    const { dataset, options } = context;
    return runSegyExport(
      {
        ...options,
        kind,
        samples: datasetSourceSpec(dataset),
        dataset,
        ...(options.originalSegyPath
          ? { original: { path: options.originalSegyPath, options: options.originalOptions ?? {} } }
          : {}),
      },
      context,
    );
  };
}

const BUILT_IN: readonly ExportFormat[] = [
  {
    name: 'segy',
    description: 'SEG-Y (rev 0–2.1): any sample format, big- or little-endian, every header byte kept',
    extensions: ['.sgy', '.segy'],
    uploads: true,
    write: segyWriter('segy'),
  },
  {
    name: 'su',
    description: 'Seismic Unix: 240-byte trace headers and IEEE float samples, no file headers',
    extensions: ['.su'],
    uploads: true,
    write: segyWriter('su'),
  },
];

const registry = new Map<string, ExportFormat>(BUILT_IN.map((format) => [format.name, format]));

const FORMAT_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Add an export format (or, with `replace`, replace one).
 *
 * @throws ArgumentError when the name is malformed or already taken and `replace` is not set.
 */
export function registerExportFormat(format: ExportFormat, options: { replace?: boolean } = {}): void {
  if (!FORMAT_NAME.test(format.name)) {
    throw new ArgumentError(`export format name "${format.name}" must be lower case letters, digits and "-"`);
  }
  if (registry.has(format.name) && !options.replace) {
    throw new ArgumentError(`an export format named "${format.name}" is already registered`);
  }
  registry.set(format.name, format);
}

/** Every registered export format, built-in ones first. */
export function listExportFormats(): ExportFormat[] {
  return [...registry.values()];
}

/**
 * The format registered under `name`.
 *
 * @throws ArgumentError for an unknown name (the message lists the known ones).
 */
export function getExportFormat(name: string): ExportFormat {
  const format = registry.get(name);
  if (!format) {
    throw new ArgumentError(
      `unknown export format "${name}"; registered: ${[...registry.keys()].join(', ')}`,
    );
  }
  return format;
}
