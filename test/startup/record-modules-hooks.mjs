// The load hook of record-modules.mjs: one line per ES module URL loaded.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.SEISPROC_RECORD_MODULES, `${url}\n`);
  return nextLoad(url, context);
}
