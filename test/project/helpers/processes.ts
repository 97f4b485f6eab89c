/** Start and talk to the helper process of `child.ts`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
// `--import tsx` resolves from the working directory: the repository root, where tsx is installed.
const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));

/** A running helper process. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the first stdout line containing `text`. */
  waitFor(text: string): Promise<void>;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  /** Resolves when the process has ended, with its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Start `child.ts` with the given arguments. */
export function startChild(...args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: REPOSITORY,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters.filter((w) => stdout.includes(w.text))) waiter.resolve();
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    process: child,
    exited,
    stdout: () => stdout,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        exited.then(({ code }) => reject(new Error(`child exited (${code}) before "${text}": ${stderr}`)));
      }),
  };
}
