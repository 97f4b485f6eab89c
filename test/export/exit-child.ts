/**
 * Child process of the exit test: starts an export and exits the process abruptly as soon as the
 * first traces are written, as an uncaught error or process.exit elsewhere in a host would.
 * usage: node --import tsx exit-child.ts DATASET OUTPUT
 */
import { exportDataset } from '../../src/export/index.js';

const [datasetPath, outputPath] = process.argv.slice(2);
await exportDataset(datasetPath!, outputPath!, {
  workers: 1,
  chunkTraces: 8,
  onProgress: (event) => {
    if (event.stage === 'export' && event.done > 0) process.exit(3);
  },
});
