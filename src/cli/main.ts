#!/usr/bin/env node
/**
 * The `seisproc` command. Every subcommand is registered from its own module in `commands/`.
 */
import { Command } from 'commander';
import { version } from '../version.js';

const program = new Command('seisproc')
  .description('Read, import, navigate, process and export SEG-Y seismic data')
  .version(version)
  .option('--debug', 'print stack traces on failure')
  .showHelpAfterError();

// Command registrations (one line per command module).

await program.parseAsync(process.argv);
