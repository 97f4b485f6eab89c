/**
 * A second process for the cross-process tests, run with `node --import tsx`:
 *
 * - `lock PATH`: take the write lock of PATH, print `locked`, release on a `release` line.
 * - `contend PATH`: print `ready`; at each `go N` line try to take the write lock of PATH and
 *   print `round N won` (then hold it until killed) or `round N lost CODE`.
 * - `project PATH`: open the project at PATH for writing, print `locked`, close on `release`.
 * - `session PATH exit|signal|natural`: change a session and end by `process.exit()`, by waiting
 *   for a signal (after printing `ready`), or by running out of work; the exit hook must save.
 */

import type { SeisprocError } from '../../../src/errors/index.js';
import { ProjectManager, SessionManager } from '../../../src/project/index.js';
import { acquireWriteLock } from '../../../src/storage/index.js';

const [mode, target, how] = process.argv.slice(2) as [string, string, string | undefined];

function onRelease(release: () => Promise<void>): void {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (!chunk.includes('release')) return;
    release().then(() => {
      process.stdout.write('released\n');
      process.exit(0);
    });
  });
}

if (mode === 'lock') {
  const lock = await acquireWriteLock(target);
  process.stdout.write('locked\n');
  onRelease(() => lock.release());
} else if (mode === 'contend') {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const [, round] of chunk.matchAll(/go (\d+)/g)) {
      acquireWriteLock(target).then(
        () => process.stdout.write(`round ${round} won\n`),
        (error: SeisprocError) => process.stdout.write(`round ${round} lost ${error.code}\n`),
      );
    }
  });
  process.stdout.write('ready\n');
} else if (mode === 'project') {
  const project = await new ProjectManager().load(target);
  process.stdout.write('locked\n');
  onRelease(() => project.close());
} else if (mode === 'session') {
  const manager = await SessionManager.open(target, { autoSaveIntervalMs: 0 });
  manager.state.setColormap('seismic');
  manager.state.setCurrentGather({ key: 'fieldRecord', index: 7 });
  if (how === 'exit') process.exit(0);
  if (how === 'signal') {
    process.stdout.write('ready\n');
    setInterval(() => undefined, 60_000);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
