// Helpers shared by the benchmarks.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Run `script --child JSON(job)` in a fresh Node process and resolve with the JSON it prints on
 * stdout. Each measured run gets its own process so its peak RSS and CPU time are its own.
 */
export function runJsonChild(script, job, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--child', JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${label} child exited with ${code}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

/**
 * Write and delete a file of `bytes` bytes in `dir`, right before a measured step, and return the
 * write rate (MB/s).
 *
 * Why: this machine is a microVM whose kernel hands free memory back to the host (free page
 * reporting). Writing into memory handed back costs the kernel about 2.5 ms per MB (2 GB: 5.3 s),
 * against 0.15 ms per MB for memory freed a moment ago (2 GB: 0.3 s), and which step meets which
 * memory is luck: one export ran at 69k and then 107k traces/s. After this, the measured step
 * (a reference or the library alike) writes its output into the memory just freed. The rate
 * returned is the write into whatever memory the kernel had, printed as the machine's state.
 */
export async function recycleMemory(dir, bytes) {
  const file = path.join(dir, 'recycle-memory.tmp');
  const block = Buffer.alloc(8 << 20, 1);
  const handle = await fs.open(file, 'w');
  const started = performance.now();
  try {
    for (let written = 0; written < bytes; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, bytes - written));
    }
  } finally {
    await handle.close();
  }
  const ms = performance.now() - started;
  await fs.rm(file, { force: true });
  return Math.round(bytes / 1e6 / (ms / 1000));
}
