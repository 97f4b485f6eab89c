/**
 * Integrity check of a dataset (a directory, a URL or its store): metadata, array shapes, chunk
 * files, header rows and gather index coverage. Reads footers and the (small) index, never the
 * trace data.
 */
import { isSeisprocError } from '../errors/index.js';
import type { ObjectStore } from '../io/index.js';
import { Dataset, type DatasetOpenOptions, ENSEMBLES_TABLE, HEADERS_TABLE } from './dataset.js';
import { objectLocation, tableByteSource } from './dataset-store.js';
import { checkEnsembleTable, ENSEMBLE_COLUMN_NAMES } from './ensembles.js';
import { parquetTableInfo, readParquetColumns } from './parquet.js';
import { inParallel, READS_IN_FLIGHT, uncompressedChunkBytes } from './row-source.js';
import { chunkKey, RAW_HEADERS_ARRAY, TRACES_ARRAY } from './zarr.js';

/** Outcome of {@link validateDataset}. */
export interface ValidationReport {
  /** True when no problem was found. */
  ok: boolean;
  /** One sentence per problem found. */
  problems: string[];
  /** What was checked, with the figures, for a human report. */
  checked: string[];
}

/**
 * Check a dataset's integrity and say what is wrong: a local directory, a URL (see
 * `options.storage`) or the store holding it. Never throws for a bad dataset.
 */
export async function validateDataset(
  source: string | ObjectStore,
  options: Pick<DatasetOpenOptions, 'storage'> = {},
): Promise<ValidationReport> {
  const problems: string[] = [];
  const checked: string[] = [];
  let dataset: Dataset;
  try {
    dataset = await Dataset.open(source, options);
  } catch (error) {
    if (!isSeisprocError(error)) throw error;
    problems.push(`${error.code}: ${error.message}`);
    return { ok: false, problems, checked };
  }
  try {
    await checkDataset(dataset, problems, checked);
  } finally {
    await dataset.close();
  }
  return { ok: problems.length === 0, problems, checked };
}

async function checkDataset(dataset: Dataset, problems: string[], checked: string[]): Promise<void> {
  const { store } = dataset;
  const { traceCount, sampleCount, chunkCount } = dataset;
  checked.push(`metadata: ${traceCount} traces × ${sampleCount} samples, ${chunkCount} chunks`);
  checked.push(`format version ${dataset.metadata.format_version}: ${dataset.sampleType} samples`);

  for (const array of [TRACES_ARRAY, RAW_HEADERS_ARRAY]) {
    const chunkBytes = await uncompressedChunkBytes(store, array);
    // Sizes of every chunk, a few requests at a time (one stat each locally).
    const sizes = new Array<number | undefined>(chunkCount);
    const chunks = Array.from({ length: chunkCount }, (_, i) => i);
    await inParallel(chunks, READS_IN_FLIGHT, async (i) => {
      sizes[i] = await store.size(chunkKey(array, i));
    });
    let missing = 0;
    let firstMissing = -1;
    let firstWrongSize: string | undefined;
    for (const [i, size] of sizes.entries()) {
      if (size === undefined) {
        missing++;
        if (firstMissing < 0) firstMissing = i;
      } else if (chunkBytes !== undefined && size !== chunkBytes && !firstWrongSize) {
        firstWrongSize = `${array}: chunk ${i} holds ${size} bytes, uncompressed chunks hold ${chunkBytes} (${objectLocation(store, chunkKey(array, i))})`;
      }
    }
    if (missing)
      problems.push(`${array}: ${missing} of ${chunkCount} chunks missing (first: chunk ${firstMissing})`);
    if (firstWrongSize) problems.push(firstWrongSize);
    if (!missing && !firstWrongSize) checked.push(`${array}: all ${chunkCount} chunks present`);
  }

  try {
    const headers = await parquetTableInfo(tableByteSource(store, HEADERS_TABLE));
    if (headers.rowCount !== traceCount) {
      problems.push(`${HEADERS_TABLE}: ${headers.rowCount} rows for ${traceCount} traces`);
    } else {
      checked.push(`${HEADERS_TABLE}: ${headers.rowCount} rows, ${headers.columns.length} columns`);
    }
    const mapped = dataset.metadata.header_mapping.fields.map((f) => f.key);
    const absent = mapped.filter((k) => !headers.columns.includes(k));
    if (absent.length) problems.push(`${HEADERS_TABLE}: no column for mapped field(s) ${absent.join(', ')}`);
  } catch (error) {
    problems.push(problemOf(HEADERS_TABLE, error));
  }

  try {
    problems.push(...(await checkIndexCoverage(dataset, checked)));
  } catch (error) {
    problems.push(problemOf(ENSEMBLES_TABLE, error));
  }
}

/** A typed error found reading `table` as a problem; anything else is a bug and is thrown. */
function problemOf(table: string, error: unknown): string {
  if (!isSeisprocError(error)) throw error;
  return `${table}: ${error.message}`;
}

/** Every indexed key must cover each trace exactly once, in trace order. */
async function checkIndexCoverage(dataset: Dataset, checked: string[]): Promise<string[]> {
  const problems: string[] = [];
  const source = tableByteSource(dataset.store, ENSEMBLES_TABLE);
  const tablePath = source.location;
  const keySets = dataset.metadata.ensemble_keys;
  const table = await readParquetColumns(
    source,
    ENSEMBLE_COLUMN_NAMES,
    undefined,
    dataset.traceCount * keySets.length,
  );
  checkEnsembleTable(table, keySets, dataset.traceCount, tablePath);
  const keys = table.key as ArrayLike<string>;
  const firsts = table.first_trace as ArrayLike<bigint>;
  const counts = table.trace_count as ArrayLike<bigint>;
  const next = new Map<string, number>();
  const runs = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const expected = next.get(key) ?? 0;
    const first = Number(firsts[i]);
    const count = Number(counts[i]);
    if (first !== expected || count <= 0) {
      problems.push(`${ENSEMBLES_TABLE}: key ${key} row ${i} starts at trace ${first}, expected ${expected}`);
      return problems;
    }
    next.set(key, first + count);
    runs.set(key, (runs.get(key) ?? 0) + 1);
  }
  for (const keySet of dataset.metadata.ensemble_keys) {
    const key = keySet.join(',');
    const covered = next.get(key) ?? 0;
    if (covered !== dataset.traceCount) {
      problems.push(`${ENSEMBLES_TABLE}: key ${key} covers ${covered} of ${dataset.traceCount} traces`);
    } else {
      checked.push(`${ENSEMBLES_TABLE}: key ${key}, ${runs.get(key)} gathers cover all traces`);
    }
  }
  return problems;
}
