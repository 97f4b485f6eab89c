/**
 * Ctrl-C for CLI tests: run a `seisproc` command as a child process and send it SIGINT once it
 * has started writing, as a user pressing Ctrl-C would.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How an interrupted command ended. */
export interface Interrupted {
  /** Exit status (null when a signal ended the process). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `node ...nodeArgs` and send it SIGINT once `writing()` says it has started writing (or as
 * soon as it has exited, which the caller's assertions then reveal).
 */
export async function interrupt(nodeArgs: string[], writing: () => Promise<boolean>): Promise<Interrupted> {
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  // 'close' comes after the output streams have ended, so nothing printed is missed.
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  while (child.exitCode === null && !(await writing())) await sleep(5);
  child.kill('SIGINT');
  return { code: await closed, stdout, stderr };
}

/** A `writing()` for {@link interrupt}: true once `dir` (empty at the start) holds anything. */
export function somethingIn(dir: string): () => Promise<boolean> {
  return async () => (await fs.readdir(dir)).length > 0;
}
