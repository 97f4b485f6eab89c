/**
 * The options every command that reads a SEG-Y or SU file shares (`--endian`, `--format-code`,
 * `--mapping`, `--ignore-truncated`, `--su`, `--ibm`), and their translation, with the storage
 * options of the commands that read URLs, to {@link SegyOpenOptions}.
 */
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { ArgumentError, SegyError } from '../../errors/index.js';
import { HeaderMapping, isSampleFormatCode, type SegyOpenOptions } from '../../segy/index.js';
import { type StorageFlags, storageOptions } from '../storage-options.js';

/** Parsed values of the shared options (and of the storage options, where a command has them). */
export interface SegyReadFlags extends StorageFlags {
  endian?: string;
  formatCode?: string;
  mapping?: string;
  ignoreTruncated?: boolean;
  su?: boolean;
  ibm?: string;
}

/** Add the shared SEG-Y reading options to a command. */
export function addSegyReadOptions(command: Command): Command {
  return command
    .addOption(new Option('--endian <order>', 'byte order, overrides detection').choices(['big', 'little']))
    .option('--format-code <n>', 'sample format code, overrides the binary header')
    .option('--mapping <file>', 'JSON header mapping: custom byte positions and types of trace header fields')
    .option('--ignore-truncated', 'drop an incomplete last trace instead of failing')
    .option('--su', 'read the file as Seismic Unix (default for *.su)')
    .addOption(
      new Option(
        '--ibm <mode>',
        'IBM float decoding: exact, or as segyio does for un-normalised values',
      ).choices(['exact', 'segyio']),
    );
}

/** Turn the shared options into {@link SegyOpenOptions}; reads the mapping file if one is given. */
export async function segyOpenOptions(flags: SegyReadFlags): Promise<SegyOpenOptions> {
  const options: SegyOpenOptions = { storage: storageOptions(flags) };
  if (flags.endian !== undefined) options.endianness = flags.endian === 'little' ? 'little' : 'big';
  if (flags.formatCode !== undefined) {
    const code = Number(flags.formatCode);
    if (!isSampleFormatCode(code)) {
      throw new SegyError(
        'SEGY_BAD_FORMAT_CODE',
        `--format-code ${flags.formatCode} is not a supported sample format code`,
      );
    }
    options.formatCode = code;
  }
  if (flags.mapping !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.mapping, 'utf8');
    } catch (error) {
      throw new ArgumentError(
        `cannot read --mapping file: ${(error as NodeJS.ErrnoException).code ?? error}`,
        {
          path: flags.mapping,
          cause: error,
        },
      );
    }
    options.mapping = HeaderMapping.fromJSON(text);
  }
  if (flags.ignoreTruncated) options.ignoreTruncated = true;
  if (flags.su) options.kind = 'su';
  if (flags.ibm === 'segyio') options.ibm = 'segyio';
  return options;
}

/** JSON text where bigint values appear as plain integers (JSON has no bigint). */
export function toJSON(value: unknown, indent?: number): string {
  const marked = JSON.stringify(
    value,
    (_key, v) => (typeof v === 'bigint' ? `${BIGINT_MARK}${v}` : v),
    indent,
  );
  return marked.replace(BIGINT_PATTERN, '$1');
}

const BIGINT_MARK = '\u0000bigint:';
const BIGINT_PATTERN = /"\\u0000bigint:(-?\d+)"/g;
