// Hostile datasets: mutated copies of a dataset (a zarr.json leaf changed, chunk files truncated,
// extended or with bytes flipped, Parquet footers and column chunks damaged, files deleted) and
// the operations a user runs on them (open, validate, checksum, gather by number and by key,
// export, history). Every outcome must be a correct read or a typed DATASET_* error naming a
// file inside the dataset. Shared by test/storage/hostile.test.ts (the library's sources) and
// scripts/fuzz-datasets.mjs (the built package): both pass the library in as `api`.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Deterministic PRNG (mulberry32): the same seed gives the same mutants. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The gather key sets of the base datasets: inline is sorted (one run per gather), crossline not. */
const ENSEMBLE_KEYS = [['inline'], ['crossline']];
/** Header columns a gather returns: all decoded from raw_headers, so headers.parquet is not read. */
const GATHER_HEADERS = ['inline', 'crossline', 'offset'];

/**
 * Build the base datasets from a small SEG-Y file: imported (chunks of `chunkTraces` traces) and
 * then scaled, so each has a processing history. One uncompressed, one zstd.
 */
export async function buildBases(api, segyPath, workDir, chunkTraces = 10) {
  const bases = [];
  for (const codec of ['none', 'zstd']) {
    const imported = path.join(workDir, `imported-${codec}.seis`);
    const base = path.join(workDir, `base-${codec}.seis`);
    await new api.ParallelImportCoordinator({
      input: segyPath,
      output: imported,
      chunkTraces,
      ensembleKeys: ENSEMBLE_KEYS,
      compression: codec,
    }).run();
    await new api.ChunkedProcessor().run(imported, api.processors.create('scale', { factor: 2 }), base, {
      inProcess: true,
    });
    bases.push({ codec, dir: base });
  }
  return bases;
}

/** What opening a dataset reads: the group and array metadata. */
const OPENED = ['zarr.json', 'traces/zarr.json', 'raw_headers/zarr.json'];

/** Operations run on every mutant, with the files whose content can change their result. */
export const OPERATIONS = {
  open: { reads: OPENED },
  validate: { reads: ['*'] },
  checksum: { reads: [...OPENED, 'traces/'] },
  gatherByNumber: { reads: [...OPENED, 'traces/', 'raw_headers/', 'ensembles.parquet'] },
  gatherByKey: { reads: [...OPENED, 'traces/', 'raw_headers/', 'ensembles.parquet'] },
  export: { reads: [...OPENED, 'traces/', 'raw_headers/'] },
  history: { reads: ['zarr.json'] },
};

/** What `validate` gives for a dataset it finds no problem in. */
const VALID = 'valid';

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function gatherDigest(gather) {
  const headers = Object.fromEntries(
    Object.entries(gather.headers).map(([name, values]) => [name, Array.from(values, String)]),
  );
  return sha256(
    JSON.stringify({
      values: gather.values,
      runs: gather.runs,
      traces: Array.from(gather.traceIndices),
      headers,
      samples: sha256(
        new Uint8Array(gather.samples.buffer, gather.samples.byteOffset, gather.samples.byteLength),
      ),
    }),
  );
}

async function withDataset(api, dir, read) {
  const dataset = await api.Dataset.open(dir);
  try {
    return await read(dataset);
  } finally {
    await dataset.close();
  }
}

/**
 * Run one operation on the dataset at `dir`; resolves with a digest of its result (equal for equal
 * results). `scratch` is a directory for the export's output.
 */
async function runOperation(api, name, dir, scratch) {
  switch (name) {
    case 'open':
      return withDataset(api, dir, (d) => `${d.traceCount}x${d.sampleCount}/${d.chunkTraces}`);
    case 'validate': {
      const report = await api.validateDataset(dir);
      return report.ok ? VALID : `problems: ${report.problems.join(' | ')}`;
    }
    case 'checksum':
      return withDataset(api, dir, (d) => api.datasetChecksum(d));
    case 'gatherByNumber':
      return withDataset(api, dir, async (d) =>
        gatherDigest(await d.gather(1, { key: 'crossline', headers: GATHER_HEADERS })),
      );
    case 'gatherByKey':
      return withDataset(api, dir, async (d) => {
        const first = (await d.ensembles()).gathers('inline')[2];
        return gatherDigest(await d.gather({ inline: first.values[0] }, { headers: GATHER_HEADERS }));
      });
    case 'export': {
      const output = path.join(scratch, 'export.sgy');
      await fs.rm(output, { force: true });
      await api.exportDataset(dir, output);
      return sha256(await fs.readFile(output));
    }
    case 'history':
      return sha256(JSON.stringify(await new api.ProvenanceTracker().getHistory(dir)));
  }
  throw new Error(`unknown operation ${name}`);
}

/** What every operation gives on the unmutated dataset. */
export async function referenceResults(api, dir, scratch) {
  const reference = {};
  for (const name of Object.keys(OPERATIONS)) reference[name] = await runOperation(api, name, dir, scratch);
  return reference;
}

class Timeout extends Error {}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when `file` (relative to the dataset) can change the result of an operation that reads `reads`. */
function canChange(reads, file) {
  return reads.some(
    (prefix) => prefix === '*' || file === prefix || (prefix.endsWith('/') && file.startsWith(prefix)),
  );
}

/**
 * Run every operation on a mutant and judge each outcome:
 * - `ok`: a result, equal to the reference unless the mutant changed a file the operation reads;
 * - `reported`: `validate` listed problems;
 * - `refused`: a SeisprocError with a `DATASET_*` code whose context path lies in the dataset
 *   (`code` says which);
 * - `failed`: anything else (another error, a different result from unchanged inputs, a refusal
 *   of an intact read that must succeed, no answer within `timeoutMs`), with `detail`.
 */
export async function judgeMutant(api, mutant, reference, scratch, timeoutMs) {
  const outcomes = [];
  for (const [name, { reads }] of Object.entries(OPERATIONS)) {
    // Opening a dataset checks that both tables exist, so a deleted table concerns every
    // operation that opens it.
    const changeable = canChange(reads, mutant.file) || (mutant.kind === 'deleted' && name !== 'history');
    let outcome;
    try {
      const result = await withTimeout(runOperation(api, name, mutant.dir, scratch), timeoutMs);
      outcome =
        changeable || result === reference[name]
          ? { result: 'ok' }
          : {
              result: 'failed',
              detail: `result differs from the original although ${mutant.file} is not read`,
            };
      const reported = name === 'validate' && result !== VALID;
      if (reported) outcome = { result: 'reported' };
      if (!reported && mutant.mustRefuse.includes(name)) {
        outcome = { result: 'failed', detail: `read ${mutant.file} (${mutant.kind}) without refusing it` };
      }
    } catch (error) {
      outcome = judgeError(api, error, mutant.dir);
      if (outcome.result === 'refused' && !changeable) {
        outcome = {
          result: 'failed',
          detail: `${outcome.code} although ${mutant.file} is not read: ${error.message}`,
        };
      }
    }
    outcomes.push({ operation: name, ...outcome });
  }
  return outcomes;
}

function judgeError(api, error, dir) {
  if (error instanceof Timeout) return { result: 'failed', detail: error.message };
  if (!(error instanceof api.SeisprocError)) {
    return { result: 'failed', detail: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` };
  }
  const where = error.context?.path;
  const inside = typeof where === 'string' && (where === dir || where.startsWith(`${dir}${path.sep}`));
  if (!error.code.startsWith('DATASET_') || !inside) {
    return { result: 'failed', detail: `${error.code}: ${error.message} (context path ${where})` };
  }
  return { result: 'refused', code: error.code };
}

// ---------------------------------------------------------------------------------------------
// Mutations

async function filesOf(dir, under = '') {
  const entries = await fs.readdir(path.join(dir, under), { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    const relative = under ? `${under}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesOf(dir, relative)));
    else files.push(relative);
  }
  return files.sort();
}

/** Leaves of a JSON value with their paths; `important` keys are drawn more often. */
function leavesOf(value, at = []) {
  if (value === null || typeof value !== 'object') return [at];
  const children = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  // An empty container is a leaf too (it can be replaced by a wrong type).
  if (!children.length) return [at];
  return [at, ...children.flatMap((key) => leavesOf(value[key], [...at, key]))];
}

/** Metadata keys that steer reading; the long tail (binary header fields, text) is drawn less often. */
const BULKY = ['binary_header', 'text_header', 'extended_text_headers', 'header_mapping', 'source'];

const ABSURD_NUMBERS = [0, -1, 1, 2, 3, 7, 0.5, 1e9, 1e12, 2 ** 31, 2 ** 53, -(2 ** 31)];
const WRONG_VALUES = [null, true, 'x', '', [], {}, [1e12, 1e9], 'float64', 'big'];

function pick(random, items) {
  return items[Math.floor(random() * items.length)];
}

function changeLeaf(random, value) {
  const roll = random();
  if (typeof value === 'number') {
    if (roll < 0.6) return pick(random, [value + 1, value - 1, value * 2, -value, ...ABSURD_NUMBERS]);
    return pick(random, WRONG_VALUES);
  }
  if (typeof value === 'string') {
    if (roll < 0.5)
      return pick(random, ['', `${value}x`, value.slice(0, Math.floor(value.length / 2)), 'zstd', 'none']);
    return pick(random, [7, ...WRONG_VALUES]);
  }
  if (Array.isArray(value)) return roll < 0.5 ? value.slice(0, -1) : pick(random, [[], {}, 'x', null]);
  return pick(random, WRONG_VALUES);
}

function setAt(root, at, change) {
  let node = root;
  for (const key of at.slice(0, -1)) node = node[key];
  change(node, at[at.length - 1]);
}

/** Change, remove or retype one leaf of a `zarr.json`. */
async function mutateJson(file, random) {
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  const leaves = leavesOf(json).filter((at) => at.length > 0);
  const steering = leaves.filter((at) => !BULKY.includes(at[2]) && !BULKY.includes(at[0]));
  const at = pick(random, random() < 0.7 && steering.length ? steering : leaves);
  let kind;
  setAt(json, at, (parent, key) => {
    if (random() < 0.2) {
      kind = `remove ${at.join('.')}`;
      if (Array.isArray(parent)) parent.splice(key, 1);
      else delete parent[key];
      return;
    }
    const changed = changeLeaf(random, parent[key]);
    kind = `${at.join('.')} = ${JSON.stringify(changed)?.slice(0, 40)}`;
    parent[key] = changed;
  });
  await fs.writeFile(file, JSON.stringify(json, null, 2));
  return kind;
}

function flipBytes(bytes, random, from, to, count) {
  for (let n = 0; n < count; n++) {
    const at = from + Math.floor(random() * Math.max(1, to - from));
    if (at < bytes.length) bytes[at] ^= 1 + Math.floor(random() * 255);
  }
}

/** Damage the bytes of a file: truncate, extend, flip a few bytes, or overwrite four. */
async function mutateBytes(file, random, parquet) {
  const bytes = new Uint8Array(await fs.readFile(file));
  const roll = random();
  if (roll < 0.2) {
    await fs.writeFile(file, bytes.subarray(0, Math.floor(random() * bytes.length)));
    return 'truncated';
  }
  if (roll < 0.3) {
    const tail = new Uint8Array(1 + Math.floor(random() * 64)).map(() => Math.floor(random() * 256));
    await fs.writeFile(file, Buffer.concat([bytes, tail]));
    return 'extended';
  }
  let kind = 'bytes flipped';
  if (parquet && bytes.length > 12) {
    // Parquet ends with the footer, its 4-byte length and "PAR1": aim at the footer half the time.
    const footerLength = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
    const footerStart = Math.max(0, bytes.length - 8 - footerLength);
    if (random() < 0.5) {
      if (random() < 0.3) {
        new DataView(bytes.buffer).setUint32(bytes.length - 8, Math.floor(random() * 2 ** 32), true);
        kind = 'footer length overwritten';
      } else {
        flipBytes(bytes, random, footerStart, bytes.length - 8, 1 + Math.floor(random() * 4));
        kind = 'footer bytes flipped';
      }
    } else {
      const at = Math.floor(random() * footerStart);
      bytes.set(
        new Uint8Array(4).map(() => Math.floor(random() * 256)),
        at,
      );
      kind = 'column chunk: four bytes overwritten';
    }
  } else {
    flipBytes(bytes, random, 0, bytes.length, 1 + Math.floor(random() * 4));
  }
  await fs.writeFile(file, bytes);
  return kind;
}

/**
 * A mutated copy of `baseDir` at `mutantDir`: one file changed or deleted. Resolves with the
 * file (relative to the dataset), what was done to it and `mustRefuse`, the operations that read
 * all of that file and so must refuse it (a chunk whose length the codec does not allow).
 */
export async function createMutant(baseDir, mutantDir, random, codec) {
  await fs.rm(mutantDir, { recursive: true, force: true });
  await fs.cp(baseDir, mutantDir, { recursive: true });
  const files = await filesOf(mutantDir);
  const roll = random();
  const group = (prefix) => files.filter((f) => f.startsWith(prefix));
  let file;
  if (roll < 0.35) file = pick(random, ['zarr.json', 'traces/zarr.json', 'raw_headers/zarr.json']);
  else if (roll < 0.65) file = pick(random, [...group('traces/c/'), ...group('raw_headers/c/')]);
  else if (roll < 0.95) file = pick(random, ['headers.parquet', 'ensembles.parquet']);
  else file = pick(random, files);
  const full = path.join(mutantDir, file);
  let kind;
  let mustRefuse = [];
  if (random() < 0.06) {
    await fs.rm(full);
    kind = 'deleted';
  } else if (file.endsWith('zarr.json')) {
    kind = random() < 0.1 ? await mutateBytes(full, random, false) : await mutateJson(full, random);
  } else {
    kind = await mutateBytes(full, random, file.endsWith('.parquet'));
    const uncompressed = file.startsWith('raw_headers/') || codec === 'none';
    if ((kind === 'truncated' || kind === 'extended') && file.includes('/c/') && uncompressed) {
      mustRefuse = file.startsWith('traces/') ? ['validate', 'checksum', 'export'] : ['validate', 'export'];
    }
  }
  return { dir: mutantDir, file, kind, mustRefuse };
}
