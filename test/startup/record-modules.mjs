// Preloaded with `node --import` by lazy-loading.test.ts: appends to the file named by
// SEISPROC_RECORD_MODULES every module the process loads. ES modules are seen by a load hook
// (which runs on the loader's own thread, hence the file rather than memory); CommonJS modules,
// which `require` loads without those hooks in Node 20, are read from the require cache at exit.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const record = process.env.SEISPROC_RECORD_MODULES;
register(new URL('./record-modules-hooks.mjs', import.meta.url));
process.on('exit', () => {
  const cached = Object.keys(createRequire(import.meta.url).cache);
  appendFileSync(record, cached.map((file) => `${file}\n`).join(''));
});
