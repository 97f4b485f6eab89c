#!/usr/bin/env node
// Runs every benchmark in one process, in order. Each module exports `run()` and prints its own
// table: the library next to a physical reference (plain fs read or cp of the same bytes),
// with rates, the ratio and peak RSS. `npm run bench -- import export` runs only those.
const ALL = ['segy', 'import', 'export', 'navigator', 'process', 'commands', 'startup'];
const only = process.argv.slice(2);
const names = only.length ? only : ALL;

for (const name of names) {
  if (!ALL.includes(name)) {
    console.error(`unknown benchmark "${name}"; choose from ${ALL.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const module = await import(`./${name}.mjs`);
  await module.run();
}
