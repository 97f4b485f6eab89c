/**
 * Several datasets open at once (raw, filtered, migrated...), one of them active, as an
 * interpreter compares them. Only the most recently activated few keep warm gather caches; the
 * others release theirs but stay open, so switching back reopens nothing.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { ArgumentError, DatasetError, isSeisprocError } from '../errors/index.js';
import {
  Dataset,
  type DatasetMetadata,
  type DatasetOpenOptions,
  EnsembleIndex,
  type Gather,
  type GatherSelector,
} from '../storage/index.js';
import {
  DEFAULT_CACHE_BYTES,
  GatherNavigator,
  type GatherNavigatorOptions,
  type NavigatorStats,
} from './gather-navigator.js';

/** Default number of datasets that keep a warm cache. */
export const DEFAULT_MAX_WARM_DATASETS = 3;

/** Options of a {@link DatasetNavigator}. */
export interface DatasetNavigatorOptions {
  /** Datasets that keep warm caches, by most recent activation (default {@link DEFAULT_MAX_WARM_DATASETS}). */
  maxWarmDatasets?: number;
  /**
   * Total bytes for the caches of all warm datasets, shared equally (default: each navigator's
   * own `cacheBytes`). Change it later with {@link DatasetNavigator.setMemoryBudget}.
   */
  memoryBudget?: number;
  /** Options of each dataset's {@link GatherNavigator}. */
  navigator?: GatherNavigatorOptions;
  /** Options for opening each dataset. */
  open?: DatasetOpenOptions;
}

/** An open dataset of a {@link DatasetNavigator}. */
export interface OpenDataset {
  /** UUID given by {@link DatasetNavigator.addDataset}. */
  readonly id: string;
  /** Display name (default: the directory name). */
  readonly name: string;
  /** The dataset. */
  readonly dataset: Dataset;
  /** Its gather navigator. */
  readonly navigator: GatherNavigator;
}

/** One line of {@link DatasetNavigator.listDatasets}. */
export interface DatasetSummary {
  /** Id given by {@link DatasetNavigator.addDataset}. */
  id: string;
  /** Display name. */
  name: string;
  /** Absolute path of the dataset directory. */
  path: string;
  /** Number of traces. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
  /** Sample interval in µs. */
  sampleInterval: number;
  /** True for the active dataset. */
  active: boolean;
  /** True when its gather cache is kept (one of the most recently activated). */
  warm: boolean;
  /** Current gather number of its navigator. */
  currentGather: number | undefined;
  /** Its navigator's cache statistics. */
  stats: NavigatorStats;
}

/** Events of a {@link DatasetNavigator}. */
export interface DatasetNavigatorEvents {
  /** A dataset was opened and added. */
  'dataset-added': (event: { id: string; name: string; path: string }) => void;
  /** A dataset was closed and removed. */
  'dataset-removed': (event: { id: string; name: string; path: string }) => void;
  /** Another dataset (or none: `id` undefined) is active. */
  'active-dataset-changed': (event: { id: string | undefined; previousId: string | undefined }) => void;
}

/** Options of {@link DatasetNavigator.compareGather}. */
export interface CompareOptions {
  /** Key set for a numeric selector (default: dataset A's navigated key set). */
  key?: string | readonly string[];
  /**
   * Header columns that identify a trace within the gather. Default: those of `sourceX`,
   * `sourceY`, `groupX`, `groupY`, `offset` that both datasets have; by position when none.
   */
  matchBy?: readonly string[];
}

/** The same gather in two datasets, trace by trace. */
export interface GatherComparison {
  /** Key fields of the gather. */
  key: readonly string[];
  /** Key values of the gather. */
  values: readonly number[];
  /** The gather in dataset A. */
  a: Gather;
  /** The gather in dataset B. */
  b: Gather;
  /** Columns the traces were matched by (empty: by position). */
  matchedBy: readonly string[];
  /** Pairs of trace positions (within each gather) holding the same trace. */
  pairs: Array<{ a: number; b: number }>;
  /** Positions in A with no counterpart in B. */
  onlyInA: number[];
  /** Positions in B with no counterpart in A. */
  onlyInB: number[];
  /** True when both have the same samples per trace and sample interval. */
  samplingMatches: boolean;
}

const DEFAULT_MATCH_COLUMNS = ['sourceX', 'sourceY', 'groupX', 'groupY', 'offset'];

interface Entry extends OpenDataset {
  path: string;
}

/** Several open datasets, each with its own {@link GatherNavigator}, one of them active. */
export class DatasetNavigator extends EventEmitter<DatasetNavigatorEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Dataset ids, most recently activated first. */
  private activation: string[] = [];
  private activeId: string | undefined;
  private readonly maxWarm: number;
  private budget: number | undefined;

  constructor(private readonly options: DatasetNavigatorOptions = {}) {
    super();
    this.maxWarm = options.maxWarmDatasets ?? DEFAULT_MAX_WARM_DATASETS;
    if (!Number.isInteger(this.maxWarm) || this.maxWarm < 1) {
      throw new ArgumentError(`maxWarmDatasets must be an integer ≥ 1, got ${this.maxWarm}`);
    }
    this.budget = options.memoryBudget;
  }

  /**
   * Open a dataset and return its id (a UUID). The first dataset added becomes active unless
   * `activate` says otherwise. Fails with the dataset's open error (`DATASET_NOT_FOUND`...).
   */
  async addDataset(
    datasetPath: string,
    options: { name?: string; activate?: boolean } = {},
  ): Promise<string> {
    const dataset = await Dataset.open(datasetPath, this.options.open);
    const id = randomUUID();
    const name = options.name ?? dataset.path.split(/[\\/]/).pop()!;
    const navigator = new GatherNavigator(dataset, { ...this.options.navigator, cacheBytes: 0 });
    const entry: Entry = { id, name, path: dataset.path, dataset, navigator };
    this.entries.set(id, entry);
    this.emit('dataset-added', { id, name, path: dataset.path });
    if (options.activate ?? this.activeId === undefined) await this.setActiveDataset(id);
    return id;
  }

  /** Close a dataset and forget it; if it was active, no dataset is active afterwards. */
  async removeDataset(id: string): Promise<void> {
    const entry = this.entry(id);
    this.entries.delete(id);
    this.activation = this.activation.filter((other) => other !== id);
    entry.navigator.release();
    entry.navigator.removeAllListeners();
    await entry.dataset.close();
    this.emit('dataset-removed', { id, name: entry.name, path: entry.path });
    if (this.activeId === id) {
      this.activeId = undefined;
      this.emit('active-dataset-changed', { id: undefined, previousId: id });
    }
    this.applyWarmth();
  }

  /** The open dataset `id` (`DATASET_NOT_FOUND` for an unknown id). */
  getDataset(id: string): OpenDataset {
    return this.entry(id);
  }

  /** The metadata of dataset `id`. */
  getDatasetMetadata(id: string): DatasetMetadata {
    return this.entry(id).dataset.metadata;
  }

  /** The active dataset, if any. */
  getActiveDataset(): OpenDataset | undefined {
    return this.activeId === undefined ? undefined : this.entries.get(this.activeId);
  }

  /** Every open dataset, in the order added. */
  listDatasets(): DatasetSummary[] {
    const warm = new Set(this.activation.slice(0, this.maxWarm));
    return [...this.entries.values()].map((entry) => ({
      id: entry.id,
      name: entry.name,
      path: entry.path,
      traceCount: entry.dataset.traceCount,
      sampleCount: entry.dataset.sampleCount,
      sampleInterval: entry.dataset.sampleInterval,
      active: entry.id === this.activeId,
      warm: warm.has(entry.id),
      currentGather: entry.navigator.currentIndex,
      stats: entry.navigator.stats,
    }));
  }

  /**
   * Make dataset `id` active. It keeps (or gets back) a warm cache; beyond `maxWarmDatasets`,
   * the least recently activated dataset releases its cache. Nothing is reopened or reread:
   * the dataset, its gather index and (when warm) its cached gathers stay as they were.
   *
   * With `alignGather`, the newly active navigator goes to the gather with the key values of the
   * previously active one's current gather (when it has such a gather).
   */
  async setActiveDataset(id: string, options: { alignGather?: boolean } = {}): Promise<OpenDataset> {
    const entry = this.entry(id);
    const previous = this.getActiveDataset();
    this.activation = [id, ...this.activation.filter((other) => other !== id)];
    this.activeId = id;
    this.applyWarmth();
    if (previous?.id !== id) this.emit('active-dataset-changed', { id, previousId: previous?.id });
    const shown = previous?.navigator.current;
    if (options.alignGather && shown && previous !== entry) {
      try {
        await entry.navigator.goToKey(EnsembleIndex.keyValues(shown));
      } catch (error) {
        if (!isSeisprocError(error, 'GATHER_NOT_FOUND') && !isSeisprocError(error, 'INVALID_ARGUMENT'))
          throw error;
      }
    }
    return entry;
  }

  /** Share `bytes` of cache equally among the warm datasets (the host's memory budget). */
  setMemoryBudget(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new ArgumentError(`memory budget must be an integer ≥ 0, got ${bytes}`);
    this.budget = bytes;
    this.applyWarmth();
  }

  /**
   * The same gather in datasets `idA` and `idB`: the selector picks it in A (by number, or by
   * key values); B's gather is the one with the same key values. Traces are paired by the
   * `matchBy` header columns; traces without a counterpart are listed. `GATHER_NOT_FOUND`
   * names the dataset that lacks the gather.
   */
  async compareGather(
    idA: string,
    idB: string,
    selector: GatherSelector,
    options: CompareOptions = {},
  ): Promise<GatherComparison> {
    const a = this.entry(idA);
    const b = this.entry(idB);
    const key = options.key ?? (await a.navigator.ready()).key;
    const infoA = await a.dataset.gatherInfo(selector, key);
    const values = EnsembleIndex.keyValues(infoA);
    const infoB = await b.dataset.gatherInfo(values).catch((error: unknown) => {
      if (!isSeisprocError(error, 'GATHER_NOT_FOUND')) throw error;
      throw new DatasetError('GATHER_NOT_FOUND', `dataset ${b.name} has no gather ${describe(values)}`, {
        path: b.path,
        cause: error,
      });
    });
    const matchedBy = options.matchBy ?? (await commonColumns(a.dataset, b.dataset, DEFAULT_MATCH_COLUMNS));
    const sortBy = this.options.navigator?.read?.sortBy;
    const headers = [...new Set([...infoA.key, ...matchedBy])];
    const [gatherA, gatherB] = await Promise.all([
      a.dataset.readGather(infoA, { sortBy, headers }),
      b.dataset.readGather(infoB, { sortBy, headers }),
    ]);
    const { pairs, onlyInA, onlyInB } = alignTraces(gatherA, gatherB, matchedBy);
    return {
      key: infoA.key,
      values: infoA.values,
      a: gatherA,
      b: gatherB,
      matchedBy,
      pairs,
      onlyInA,
      onlyInB,
      samplingMatches:
        gatherA.sampleCount === gatherB.sampleCount && gatherA.sampleInterval === gatherB.sampleInterval,
    };
  }

  /** Close every dataset. */
  async dispose(): Promise<void> {
    for (const id of [...this.entries.keys()]) await this.removeDataset(id);
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry)
      throw new DatasetError('DATASET_NOT_FOUND', `no open dataset with id ${id}`, { datasetId: id });
    return entry;
  }

  /** Give the warm datasets their cache share; release the caches and files of the others. */
  private applyWarmth(): void {
    const warm = this.activation.slice(0, this.maxWarm);
    const share =
      this.budget === undefined
        ? (this.options.navigator?.cacheBytes ?? DEFAULT_CACHE_BYTES)
        : Math.floor(this.budget / Math.max(1, warm.length));
    for (const entry of this.entries.values()) {
      if (warm.includes(entry.id)) {
        if (entry.navigator.stats.cacheLimit !== share) entry.navigator.setMemoryBudget(share);
      } else if (entry.navigator.stats.cacheLimit !== 0 || entry.navigator.stats.cachedGathers) {
        entry.navigator.setMemoryBudget(0);
        entry.navigator.release();
        // Releasing only closes files and drops buffers; a failure to close changes nothing for the caller.
        void entry.dataset.releaseCaches().catch(() => undefined);
      }
    }
  }
}

function describe(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');
}

async function commonColumns(a: Dataset, b: Dataset, wanted: readonly string[]): Promise<string[]> {
  const [inA, inB] = await Promise.all([a.headerColumnNames(), b.headerColumnNames()]);
  return wanted.filter((name) => inA.includes(name) && inB.includes(name));
}

/** Pair traces with equal `columns` values, each used once, in order; by position when no columns. */
function alignTraces(
  a: Gather,
  b: Gather,
  columns: readonly string[],
): { pairs: Array<{ a: number; b: number }>; onlyInA: number[]; onlyInB: number[] } {
  const identity = (gather: Gather, i: number) =>
    columns.length ? columns.map((name) => String(gather.headers[name]![i])).join('|') : String(i);
  const waiting = new Map<string, number[]>();
  for (let i = 0; i < b.traceCount; i++) {
    const id = identity(b, i);
    const list = waiting.get(id);
    if (list) list.push(i);
    else waiting.set(id, [i]);
  }
  const pairs: Array<{ a: number; b: number }> = [];
  const onlyInA: number[] = [];
  for (let i = 0; i < a.traceCount; i++) {
    const match = waiting.get(identity(a, i))?.shift();
    if (match === undefined) onlyInA.push(i);
    else pairs.push({ a: i, b: match });
  }
  const onlyInB = [...waiting.values()].flat().sort((x, y) => x - y);
  return { pairs, onlyInA, onlyInB };
}
