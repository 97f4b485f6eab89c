/**
 * Shared plumbing of the `seisproc` command: error reporting, running long operations (progress
 * bars, warnings, Ctrl-C), the options of remote storage and option parsing helpers. Each command lives in its own file under
 * `commands/` and exports a `register(program)` function.
 */
import type { MultiBar } from 'cli-progress';
import type { Command } from 'commander';
import { isSeisprocError } from '../errors/index.js';
import type { OperationEmitter, ProgressEvent, WarningEvent } from '../progress/index.js';

/** Print an error the way the CLI contract says: one line `CODE: message` on stderr, stack only with --debug. */
export function reportError(error: unknown, debug: boolean): void {
  if (isSeisprocError(error)) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`INTERNAL_ERROR: ${error.message}\n`);
  } else {
    process.stderr.write(`INTERNAL_ERROR: ${String(error)}\n`);
  }
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** Wrap a command action so any failure is reported by {@link reportError} and exits 1. */
export function action<Args extends unknown[]>(
  fn: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await fn(...args);
    } catch (error) {
      const command = args[args.length - 1] as Command;
      reportError(error, Boolean(command.optsWithGlobals?.().debug));
      process.exitCode = 1;
    }
  };
}

/** Parse `START:END` (0-based, end exclusive; either side may be empty) against a count. */
export function parseRange(text: string | undefined, count: number): { start: number; end: number } {
  if (text === undefined) return { start: 0, end: count };
  const match = /^(-?\d*):(-?\d*)$/.exec(text.trim());
  if (!match) throw new Error(`--range must be START:END, got "${text}"`);
  const resolve = (part: string, fallback: number) => {
    if (part === '') return fallback;
    const n = Number(part);
    return n < 0 ? Math.max(0, count + n) : Math.min(n, count);
  };
  const start = resolve(match[1]!, 0);
  const end = resolve(match[2]!, count);
  return { start, end: Math.max(start, end) };
}

/** Parse a positive integer option value. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
}

/**
 * Show one progress bar per stage of a long operation on stderr (nothing when stderr is not a
 * terminal, so `--json` output and pipes stay clean). Returns a function that stops the display.
 */
async function showProgress<R>(operation: OperationEmitter<R>): Promise<() => void> {
  if (!process.stderr.isTTY) return () => {};
  const { MultiBar, Presets } = await import('cli-progress');
  const bars = new MultiBar(
    {
      format: ' {stage} |{bar}| {percentage}% {value}/{total} {unit} | {rate} | ETA {etaText}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  const byStage = new Map<string, ReturnType<MultiBar['create']>>();
  const onProgress = (event: ProgressEvent) => {
    const payload = {
      stage: event.stage.padEnd(8),
      unit: event.unit,
      rate: `${formatRate(event.rate)} ${event.unit}/s`,
      etaText: event.etaMs === undefined ? '--' : `${(event.etaMs / 1000).toFixed(1)}s`,
    };
    let bar = byStage.get(event.stage);
    if (!bar) {
      bar = bars.create(event.total, event.done, payload);
      byStage.set(event.stage, bar);
    }
    bar.setTotal(event.total);
    bar.update(event.done, payload);
  };
  operation.on('progress', onProgress);
  return () => {
    operation.off('progress', onProgress);
    bars.stop();
  };
}

/** A long operation the CLI can drive: typed progress events and `cancel()`. */
export type CancellableOperation<Result> = OperationEmitter<Result> & {
  /** Stop the operation; its run rejects with `CANCELLED` once it has cleaned up. */
  cancel(): void;
};

/**
 * Run `work` (which drives `operation`) the way every long command does: one progress bar per
 * stage on stderr, the operation's warnings on stderr, and Ctrl-C cancelling it, so `work`
 * rejects with `CANCELLED` after the operation has removed what it started writing. A second
 * Ctrl-C exits at once with status 130 (exit hooks still remove temporary files and locks).
 *
 * The SIGINT listener stays installed until `work` settles: with none left, signal-exit (which
 * the exporter and the write locks use for their exit hooks) would re-raise the first Ctrl-C and
 * kill the process before the operation could clean up and report `CANCELLED`.
 */
export async function whileRunning<Result, Value>(
  operation: CancellableOperation<Result>,
  work: () => Promise<Value>,
): Promise<Value> {
  const onWarning = (warning: WarningEvent) => process.stderr.write(`warning: ${warning.message}\n`);
  operation.on('warning', onWarning);
  const stopProgress = await showProgress(operation);
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    operation.cancel();
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await work();
  } finally {
    stopProgress();
    operation.off('warning', onWarning);
    process.off('SIGINT', onInterrupt);
  }
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k`;
  return rate.toFixed(0);
}
