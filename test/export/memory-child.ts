/**
 * Child process of the memory test: exports one dataset and prints its peak resident set size.
 * usage: node --import tsx memory-child.ts DATASET OUTPUT WORKERS
 */
import { exportDataset } from '../../src/export/index.js';

const [datasetPath, outputPath, workers] = process.argv.slice(2);
const result = await exportDataset(datasetPath!, outputPath!, {
  workers: Number(workers),
  inProcessThreshold: 0,
});
process.stdout.write(
  `${JSON.stringify({ bytes: result.bytes, workers: result.workers, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
