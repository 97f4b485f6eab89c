import { defineConfig } from 'tsup';

// Worker entries are separate so tinypool can load them by file URL from dist/.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli/main.ts',
    'process-worker': 'src/process/worker.ts',
    'import-worker': 'src/import/worker.ts',
    'export-worker': 'src/export/worker.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
});
