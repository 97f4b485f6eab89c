#!/usr/bin/env node
/**
 * The `seisproc` command. Every subcommand is registered from its own module in `commands/`.
 */
import { Command } from 'commander';
import { version } from '../version.js';
import { register as registerChecksum } from './commands/checksum.js';
import { register as registerExport } from './commands/export.js';
import { register as registerGather } from './commands/gather.js';
import { register as registerHeaders } from './commands/headers.js';
import { register as registerHistory } from './commands/history.js';
import { register as registerImport } from './commands/import.js';
import { register as registerInfo } from './commands/info.js';
import { register as registerPlot } from './commands/plot.js';
import { register as registerProcess } from './commands/process.js';
import { register as registerValidate } from './commands/validate.js';
import { register as registerVerify } from './commands/verify.js';

const program = new Command('seisproc')
  .description('Read, import, navigate, process and export SEG-Y seismic data')
  .version(version)
  .option('--debug', 'print stack traces on failure')
  .showHelpAfterError();

// Command registrations (one line per command module).
registerInfo(program);
registerHeaders(program);
registerChecksum(program);
registerImport(program);
registerValidate(program);
registerExport(program);
registerProcess(program);
registerHistory(program);
registerVerify(program);
registerGather(program);
registerPlot(program);

await program.parseAsync(process.argv);
