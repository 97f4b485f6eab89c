// Helpers shared by the benchmarks.
import { spawn } from 'node:child_process';

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
