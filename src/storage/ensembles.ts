/**
 * The gather index of a dataset (`ensembles.parquet`) in memory: gathers per key set, numbered
 * in order of their first trace, each made of one or more runs of consecutive traces.
 */
import { DatasetError } from '../errors/index.js';
import type { ParquetColumnSpec, ParquetColumnValues } from './parquet.js';

/**
 * The columns of `ensembles.parquet`: the key set (`"fieldRecord"`, `"inline,crossline"`), its
 * values (`value1` is 0 for a single key) and the run of traces, one row per run.
 */
export const ENSEMBLE_COLUMNS: readonly ParquetColumnSpec[] = [
  { name: 'key', type: 'STRING' },
  { name: 'value0', type: 'INT64' },
  { name: 'value1', type: 'INT64' },
  { name: 'first_trace', type: 'INT64' },
  { name: 'trace_count', type: 'INT64' },
];

/** Names of {@link ENSEMBLE_COLUMNS}, in table order. */
export const ENSEMBLE_COLUMN_NAMES: readonly string[] = ENSEMBLE_COLUMNS.map((column) => column.name);

/** Consecutive traces [start, start + count) of one gather. */
export interface TraceRun {
  /** First trace of the run. */
  start: number;
  /** Number of traces in the run. */
  count: number;
}

/**
 * Key values that name a gather, by header field: `{ cdp: 1234 }`, `{ inline: 10, crossline: 20 }`.
 */
export type GatherKeyValues = Readonly<Record<string, number | bigint>>;

/** One gather of the index: which traces hold a value (or pair of values) of a key set. */
export interface GatherInfo {
  /** Ordinal of the gather among the gathers of its key set, in order of first trace. */
  readonly index: number;
  /** The header fields of the key set, e.g. `["cdp"]` or `["inline", "crossline"]`. */
  readonly key: readonly string[];
  /**
   * The key values, one per key field. Numbers: header keys are integers of at most 32 bits in
   * practice; a 64-bit value beyond 2^53 would lose precision here (lookup stays exact).
   */
  readonly values: readonly number[];
  /**
   * The runs of consecutive traces holding these values, in trace order. A sorted file has one
   * run per gather; in an unsorted file (e.g. CDPs of a shot-ordered survey) a gather collects
   * every run of its values.
   */
  readonly runs: readonly TraceRun[];
  /** Traces in all runs. */
  readonly traceCount: number;
}

interface KeySetIndex {
  key: readonly string[];
  gathers: GatherInfo[];
  byValues: Map<string, GatherInfo>;
}

/** Exact identity of a value tuple, also for 64-bit values. */
function valuesId(values: ReadonlyArray<number | bigint>): string {
  return values.map((v) => BigInt(v).toString()).join(',');
}

/**
 * Check the columns of `ensembles.parquet` (at `tablePath`) before they are trusted: every
 * column of {@link ENSEMBLE_COLUMNS}, all of one length; every key set one of the dataset's
 * `keySets`; every run non-empty and inside the dataset's `traceCount` traces.
 * `DATASET_INVALID` naming the first bad row otherwise.
 */
export function checkEnsembleTable(
  table: Record<string, ParquetColumnValues>,
  keySets: readonly (readonly string[])[],
  traceCount: number,
  tablePath: string,
): void {
  const refuse = (problem: string, row?: number) => {
    throw new DatasetError('DATASET_INVALID', problem, {
      path: tablePath,
      ...(row === undefined ? {} : { row }),
    });
  };
  const rows = table.key?.length ?? 0;
  for (const { name } of ENSEMBLE_COLUMNS) {
    if (table[name]?.length !== rows) refuse(`gather index column ${name} does not have ${rows} rows`);
  }
  const known = new Set(keySets.map((key) => key.join(',')));
  const firsts = table.first_trace as ArrayLike<unknown>;
  const counts = table.trace_count as ArrayLike<unknown>;
  const values = [table.value0, table.value1] as Array<ArrayLike<unknown>>;
  for (let row = 0; row < rows; row++) {
    const key = table.key![row];
    if (typeof key !== 'string' || !known.has(key)) {
      refuse(
        `gather index row ${row}: key ${JSON.stringify(key)} is not one of ${[...known].join(' | ')}`,
        row,
      );
    }
    if (values.some((column) => typeof column[row] !== 'bigint'))
      refuse(`gather index row ${row}: no key values`, row);
    const first = Number(firsts[row]);
    const count = Number(counts[row]);
    if (
      !(
        Number.isSafeInteger(first) &&
        Number.isSafeInteger(count) &&
        first >= 0 &&
        count >= 1 &&
        first + count <= traceCount
      )
    ) {
      refuse(
        `gather index row ${row}: traces [${first}, ${first + count}) outside the dataset's ${traceCount} traces`,
        row,
      );
    }
  }
}

/** The gather index of a dataset: gathers of every indexed key set. */
export class EnsembleIndex {
  private readonly byKey = new Map<string, KeySetIndex>();

  private constructor(
    private readonly datasetPath: string,
    preferredKeys: readonly (readonly string[])[],
    table: Record<string, ParquetColumnValues>,
  ) {
    const keys = table.key as ArrayLike<string>;
    const value0 = table.value0 as ArrayLike<bigint>;
    const value1 = table.value1 as ArrayLike<bigint>;
    const firsts = table.first_trace as ArrayLike<bigint>;
    const counts = table.trace_count as ArrayLike<bigint>;
    const mutable = new Map<
      string,
      { key: string[]; gathers: GatherInfo[]; byValues: Map<string, GatherInfo> }
    >();
    for (const key of preferredKeys)
      mutable.set(key.join(','), { key: [...key], gathers: [], byValues: new Map() });
    for (let row = 0; row < keys.length; row++) {
      const name = keys[row]!;
      let set = mutable.get(name);
      if (!set) {
        set = { key: name.split(','), gathers: [], byValues: new Map() };
        mutable.set(name, set);
      }
      const values = set.key.length === 1 ? [value0[row]!] : [value0[row]!, value1[row]!];
      const id = valuesId(values);
      const run = { start: Number(firsts[row]), count: Number(counts[row]) };
      const known = set.byValues.get(id) as { runs: TraceRun[]; traceCount: number } | undefined;
      if (known) {
        known.runs.push(run);
        known.traceCount += run.count;
        continue;
      }
      const gather: GatherInfo = {
        index: set.gathers.length,
        key: set.key,
        values: values.map(Number),
        runs: [run],
        traceCount: run.count,
      };
      set.gathers.push(gather);
      set.byValues.set(id, gather);
    }
    for (const [name, set] of mutable) if (set.gathers.length) this.byKey.set(name, set);
  }

  /** Build the index from the columns of `ensembles.parquet`. */
  static fromTable(
    datasetPath: string,
    preferredKeys: readonly (readonly string[])[],
    table: Record<string, ParquetColumnValues>,
  ): EnsembleIndex {
    return new EnsembleIndex(datasetPath, preferredKeys, table);
  }

  /** The indexed key sets, the dataset's preferred (first `ensemble_keys`) set first. */
  get keys(): ReadonlyArray<readonly string[]> {
    return [...this.byKey.values()].map((set) => set.key);
  }

  /** The key set used when none is named: the first of the dataset's `ensemble_keys` that is indexed. */
  get defaultKey(): readonly string[] {
    const first = this.byKey.values().next().value;
    if (!first) {
      throw new DatasetError('GATHER_NOT_FOUND', 'the dataset has no gather index', {
        path: this.datasetPath,
      });
    }
    return first.key;
  }

  /** Every gather of a key set (default: {@link EnsembleIndex.defaultKey}), by index. */
  gathers(key?: string | readonly string[]): readonly GatherInfo[] {
    return this.keySet(key).gathers;
  }

  /** Number of gathers of a key set. */
  count(key?: string | readonly string[]): number {
    return this.keySet(key).gathers.length;
  }

  /** Gather number `index` of a key set; `GATHER_NOT_FOUND` outside [0, count). */
  get(index: number, key?: string | readonly string[]): GatherInfo {
    const set = this.keySet(key);
    const gather = Number.isInteger(index) ? set.gathers[index] : undefined;
    if (!gather) {
      throw new DatasetError(
        'GATHER_NOT_FOUND',
        `no gather ${index} by ${set.key.join(',')}: there are ${set.gathers.length}`,
        { path: this.datasetPath, gatherIndex: index, key: set.key.join(',') },
      );
    }
    return gather;
  }

  /**
   * The gather holding the given key values, e.g. `{ cdp: 1234 }`; the key set is the one whose
   * fields are exactly the names given. `GATHER_NOT_FOUND` when no trace holds these values or no
   * indexed key set has these fields.
   */
  find(values: GatherKeyValues): GatherInfo {
    const names = Object.keys(values);
    const set = this.keySetWithFields(names);
    const ordered = set.key.map((field) => values[field]!);
    const gather = set.byValues.get(valuesId(ordered));
    if (!gather) {
      const text = set.key.map((field, i) => `${field}=${ordered[i]}`).join(', ');
      throw new DatasetError('GATHER_NOT_FOUND', `no gather with ${text}`, {
        path: this.datasetPath,
        key: set.key.join(','),
        values: ordered.map(String),
      });
    }
    return gather;
  }

  /** The key values of a gather as an object, e.g. `{ cdp: 1234 }`. */
  static keyValues(gather: GatherInfo): Record<string, number> {
    return Object.fromEntries(gather.key.map((field, i) => [field, gather.values[i]!]));
  }

  private keySet(key: string | readonly string[] | undefined): KeySetIndex {
    const name =
      key === undefined ? this.defaultKey.join(',') : typeof key === 'string' ? key : key.join(',');
    const set = this.byKey.get(name);
    if (!set) {
      throw new DatasetError(
        'GATHER_NOT_FOUND',
        `gathers by ${name} are not indexed; indexed: ${[...this.byKey.keys()].join(' | ') || 'none'}`,
        { path: this.datasetPath, key: name },
      );
    }
    return set;
  }

  private keySetWithFields(names: readonly string[]): KeySetIndex {
    for (const set of this.byKey.values()) {
      if (set.key.length === names.length && set.key.every((field) => names.includes(field))) return set;
    }
    throw new DatasetError(
      'GATHER_NOT_FOUND',
      `gathers by ${names.join(',') || '(no key)'} are not indexed; indexed: ${[...this.byKey.keys()].join(' | ') || 'none'}`,
      { path: this.datasetPath, key: names.join(',') },
    );
  }
}
