import { defineConfig } from 'tsup';

const common = { format: ['esm'] as const, sourcemap: true, target: 'node20', clean: false };
// `require` for ESM output: bundled CommonJS dependencies call it for Node's built-in modules, and
// src/lazy.ts loads the dependencies that synchronous code needs with it on first use.
const requireBanner = {
  js: "import { createRequire as createRequireForBanner } from 'node:module'; const require = createRequireForBanner(import.meta.url);",
};

export default defineConfig([
  // The library and the CLI: dependencies stay external, installed with the package.
  {
    ...common,
    entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    splitting: true,
    banner: requireBanner,
  },
  // The worker entries, loaded by tinypool by file URL from dist/. Each is one file with its
  // dependencies inside: a worker thread builds its module graph from scratch, and resolving,
  // reading and linking a hundred-odd module files put 100–200 ms on the critical path of every
  // parallel run (measured once while choosing: two processing workers ready in 169 ms bundled,
  // 340–390 ms as split chunks).
  {
    ...common,
    entry: {
      'process-worker': 'src/process/worker.ts',
      'import-worker': 'src/import/worker.ts',
      'export-worker': 'src/export/worker.ts',
    },
    splitting: false,
    noExternal: [/.*/],
    banner: requireBanner,
  },
]);
