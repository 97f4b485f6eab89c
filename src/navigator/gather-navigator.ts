/**
 * Stepping through a dataset gather by gather, as an interpreter does: a byte-bounded LRU cache
 * of gathers, background prefetch of the neighbours (nearest first, a few at a time), and
 * cancellation of the prefetches that navigation made pointless.
 */
import { EventEmitter } from 'eventemitter3';
import { ArgumentError, isSeisprocError } from '../errors/index.js';
import type { Dataset, EnsembleIndex, Gather, GatherKeyValues, GatherOptions } from '../storage/index.js';
import { ByteLruCache, type EvictionReason } from './byte-lru.js';

/** Default cache size per navigator: 256 MiB, about 64 gathers of 1000 traces × 1000 samples. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/** Default number of gathers prefetched on each side of the current one. */
export const DEFAULT_PREFETCH_DEPTH = 2;
/** Default number of prefetch reads in flight at once. */
export const DEFAULT_PREFETCH_CONCURRENCY = 2;

/** Options of a {@link GatherNavigator}. */
export interface GatherNavigatorOptions {
  /** Cache limit in bytes (default {@link DEFAULT_CACHE_BYTES}); the cache never holds more. */
  cacheBytes?: number;
  /**
   * Gathers to prefetch on each side of the current one (default {@link DEFAULT_PREFETCH_DEPTH});
   * fewer when the cache cannot hold that many around the current gather.
   */
  prefetchDepth?: number;
  /** Prefetch reads in flight at once (default {@link DEFAULT_PREFETCH_CONCURRENCY}). */
  prefetchConcurrency?: number;
  /** The key set to navigate (default: the dataset's first indexed key set). */
  key?: string | readonly string[];
  /** How each gather is read: trace order (`sortBy`) and header columns (`headers`); cached gathers own their samples. */
  read?: Pick<GatherOptions, 'sortBy' | 'headers'>;
}

/** Payload of `gather-changed`. */
export interface GatherChangedEvent {
  /** The new current gather number. */
  index: number;
  /** The previous one (undefined before the first navigation). */
  previousIndex: number | undefined;
  /** The new current gather. */
  gather: Gather;
  /** True when it came from the cache. */
  fromCache: boolean;
}

/** Payload of `prefetch`. */
export interface PrefetchEvent {
  /** Gather number. */
  index: number;
  /**
   * `start`; `done` (with `cached`: false when the cache had no room for it near the current
   * gather); `cancelled` (navigation moved away); `failed` (with `error`).
   */
  state: 'start' | 'done' | 'cancelled' | 'failed';
  /** For `done`: whether the gather was kept in the cache. */
  cached?: boolean;
  /** For `failed`. */
  error?: unknown;
}

/** Payload of `cache`. */
export interface CacheEvent {
  /** `hit`/`miss` on a request, `insert` of a loaded gather, `evict` of an old one. */
  action: 'hit' | 'miss' | 'insert' | 'evict';
  /** Gather number. */
  index: number;
  /** Bytes of that gather (0 for a miss). */
  bytes: number;
  /** Bytes the cache holds after the action. */
  bytesHeld: number;
  /** For `evict`: room for another gather (`capacity`), a smaller limit (`limit`), or a release (`cleared`). */
  reason?: EvictionReason;
}

/** Events of a {@link GatherNavigator}. */
export interface GatherNavigatorEvents {
  /** A navigation made another gather current. */
  'gather-changed': (event: GatherChangedEvent) => void;
  /** A prefetch started, finished, was cancelled or failed. */
  prefetch: (event: PrefetchEvent) => void;
  /** A request hit or missed the cache; a gather was inserted or evicted. */
  cache: (event: CacheEvent) => void;
}

/** Counters for a host's status bar. */
export interface NavigatorStats {
  /** Requests served from the cache. */
  hits: number;
  /** Requests that had to read (or wait for a prefetch already reading). */
  misses: number;
  /** Gathers evicted from the cache. */
  evictions: number;
  /** Bytes held by the cache now. */
  bytesHeld: number;
  /** The cache limit now. */
  cacheLimit: number;
  /** Gathers in the cache now. */
  cachedGathers: number;
  /** Gathers prefetched into the cache. */
  prefetched: number;
  /** Prefetches cancelled by navigation. */
  cancelled: number;
  /** Prefetches that failed. */
  prefetchFailed: number;
  /** Prefetch depth in effect (the configured one, or less when the cache is too small for it). */
  effectiveDepth: number;
}

interface Load {
  promise: Promise<Gather>;
  controller: AbortController;
  /** A navigation waits for it: never cancelled. */
  demanded: boolean;
  /** For a prefetch: it counts against the prefetch concurrency until it settles or is cancelled. */
  holdsSlot: boolean;
}

/** Navigation over the gathers of one dataset. */
export class GatherNavigator extends EventEmitter<GatherNavigatorEvents> {
  private readonly cache: ByteLruCache<number, Gather>;
  private readonly loads = new Map<number, Load>();
  private readonly counters = {
    hits: 0,
    misses: 0,
    evictions: 0,
    prefetched: 0,
    cancelled: 0,
    prefetchFailed: 0,
  };
  private readonly depth: number;
  private readonly concurrency: number;
  private index: EnsembleIndex | undefined;
  private indexLoading: Promise<EnsembleIndex> | undefined;
  private position: number | undefined;
  private currentGather: Gather | undefined;
  private navigation = 0;
  private prefetchQueue: number[] = [];
  private prefetching = 0;
  private idleWaiters: Array<() => void> = [];
  /** Mean bytes of the gathers loaded so far, to size the prefetch window to the cache. */
  private gatherBytesSeen = { total: 0, count: 0 };

  constructor(
    /** The dataset navigated. */
    readonly dataset: Dataset,
    private readonly options: GatherNavigatorOptions = {},
  ) {
    super();
    const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.depth = options.prefetchDepth ?? DEFAULT_PREFETCH_DEPTH;
    this.concurrency = options.prefetchConcurrency ?? DEFAULT_PREFETCH_CONCURRENCY;
    checkCount('cacheBytes', cacheBytes);
    checkCount('prefetchDepth', this.depth);
    checkCount('prefetchConcurrency', this.concurrency, 1);
    this.cache = new ByteLruCache<number, Gather>(cacheBytes, (index, _gather, bytes, reason) => {
      this.counters.evictions++;
      this.emit('cache', { action: 'evict', index, bytes, bytesHeld: this.cache.bytes, reason });
    });
  }

  /** Load the gather index (navigation does this on first use). */
  async ready(): Promise<this> {
    if (!this.index) {
      this.indexLoading ??= this.dataset.ensembles().finally(() => {
        this.indexLoading = undefined;
      });
      const index = await this.indexLoading;
      index.count(this.options.key);
      this.index = index;
    }
    return this;
  }

  /** The key set navigated (once {@link GatherNavigator.ready}). */
  get key(): readonly string[] | undefined {
    if (!this.index) return undefined;
    const key = this.options.key;
    return key === undefined ? this.index.defaultKey : typeof key === 'string' ? key.split(',') : key;
  }

  /** Number of gathers (once {@link GatherNavigator.ready}; undefined before). */
  get gatherCount(): number | undefined {
    return this.index?.count(this.options.key);
  }

  /** The current gather number (undefined before the first navigation). */
  get currentIndex(): number | undefined {
    return this.position;
  }

  /** The current gather (undefined before the first navigation). */
  get current(): Gather | undefined {
    return this.currentGather;
  }

  /** Statistics of the cache and the prefetcher. */
  get stats(): NavigatorStats {
    return {
      ...this.counters,
      bytesHeld: this.cache.bytes,
      cacheLimit: this.cache.limit,
      cachedGathers: this.cache.size,
      effectiveDepth: this.effectiveDepth(),
    };
  }

  /** Resolves once no wanted gather is being read or waiting to be prefetched (cancelled reads may still be winding down). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.loads.size === 0 && this.prefetching === 0 && this.prefetchQueue.length === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Gather numbers in the cache, least recently used first. */
  cachedIndices(): number[] {
    return this.cache.keys();
  }

  /**
   * Make `index` the current gather and return it; prefetch its neighbours in the background.
   * `GATHER_NOT_FOUND` outside [0, gatherCount). When navigations overlap, the last one asked
   * for becomes current, whatever order the reads finish in.
   */
  async goTo(index: number): Promise<Gather> {
    await this.ready();
    const info = this.index!.get(index, this.options.key);
    const ticket = ++this.navigation;
    this.cancelOutside(index);
    const { gather, fromCache } = await this.fetch(info.index, true);
    if (ticket === this.navigation) {
      const previousIndex = this.position;
      this.position = index;
      this.currentGather = gather;
      this.cache.protect(index);
      this.emit('gather-changed', { index, previousIndex, gather, fromCache });
      this.schedulePrefetch(index);
    }
    return gather;
  }

  /** Go to the gather with these key values, e.g. `{ cdp: 1234 }` (`GATHER_NOT_FOUND` if none). */
  async goToKey(values: GatherKeyValues): Promise<Gather> {
    await this.ready();
    const info = this.index!.find(values);
    const key = this.key!;
    if (info.key.join(',') !== key.join(',')) {
      throw new ArgumentError(
        `this navigator steps through gathers by ${key.join(',')}, not ${info.key.join(',')}`,
      );
    }
    return this.goTo(info.index);
  }

  /** The next gather; at the last one, stays there (no event) and returns it. */
  async next(): Promise<Gather> {
    await this.ready();
    if (this.position === undefined) return this.goTo(0);
    return this.goTo(Math.min(this.position + 1, this.gatherCount! - 1));
  }

  /** The previous gather; at the first one, stays there (no event) and returns it. */
  async previous(): Promise<Gather> {
    await this.ready();
    if (this.position === undefined) return this.goTo(0);
    return this.goTo(Math.max(this.position - 1, 0));
  }

  /** The first gather. */
  first(): Promise<Gather> {
    return this.goTo(0);
  }

  /** The last gather. */
  async last(): Promise<Gather> {
    await this.ready();
    return this.goTo(this.gatherCount! - 1);
  }

  /** Gather `index` through the cache, without navigating to it. */
  async get(index: number): Promise<Gather> {
    await this.ready();
    const info = this.index!.get(index, this.options.key);
    return (await this.fetch(info.index, true)).gather;
  }

  /**
   * Change the cache limit (e.g. to the share of memory the host grants), evicting least
   * recently used gathers until the cache fits; the prefetch window shrinks to what fits.
   */
  setMemoryBudget(bytes: number): void {
    checkCount('memory budget', bytes);
    this.cache.setLimit(bytes);
    if (this.position !== undefined) this.schedulePrefetch(this.position);
  }

  /**
   * Drop every cached gather, the current one included, and cancel every prefetch. The
   * navigator stays usable and keeps its position: {@link GatherNavigator.current} is undefined
   * until the next navigation (`goTo(currentIndex)` shows it again).
   */
  release(): void {
    this.cancelOutside(undefined);
    this.cache.protect(undefined);
    this.cache.clear();
    this.currentGather = undefined;
  }

  private async fetch(index: number, demand: boolean): Promise<{ gather: Gather; fromCache: boolean }> {
    const cached = this.cache.get(index);
    if (cached) {
      this.counters.hits++;
      this.emit('cache', { action: 'hit', index, bytes: cached.byteLength, bytesHeld: this.cache.bytes });
      return { gather: cached, fromCache: true };
    }
    this.counters.misses++;
    this.emit('cache', { action: 'miss', index, bytes: 0, bytesHeld: this.cache.bytes });
    const running = this.loads.get(index);
    if (running) {
      running.demanded ||= demand;
      return { gather: await running.promise, fromCache: false };
    }
    return { gather: await this.startLoad(index, demand).promise, fromCache: false };
  }

  private startLoad(index: number, demand: boolean): Load {
    const controller = new AbortController();
    const info = this.index!.get(index, this.options.key);
    const load: Load = {
      controller,
      demanded: demand,
      holdsSlot: false,
      promise: this.dataset.readGather(info, { ...this.options.read, signal: controller.signal }),
    };
    this.loads.set(index, load);
    const forget = () => {
      if (this.loads.get(index) === load) this.loads.delete(index);
      this.notifyIfIdle();
    };
    load.promise.then((gather) => {
      forget();
      this.gatherBytesSeen.total += gather.byteLength;
      this.gatherBytesSeen.count++;
      // A read can finish after its cancellation was asked for: its gather is not wanted.
      if (!controller.signal.aborted) this.store(index, gather, load.demanded);
    }, forget);
    return load;
  }

  /**
   * Cache a loaded gather. A gather asked for by navigation may evict any other; a prefetched
   * one only evicts gathers outside the current prefetch window, so prefetching never pushes out
   * what it is meant to keep close.
   */
  private store(index: number, gather: Gather, demanded: boolean): boolean {
    const window = this.window(this.position);
    const stored = this.cache.set(
      index,
      gather,
      gather.byteLength,
      demanded ? undefined : (key) => !window || key < window.start || key > window.end,
    );
    if (stored)
      this.emit('cache', { action: 'insert', index, bytes: gather.byteLength, bytesHeld: this.cache.bytes });
    return stored;
  }

  /** Prefetch depth that fits: (2 × depth + 1) gathers of the mean size seen must fit the cache. */
  private effectiveDepth(): number {
    const { total, count } = this.gatherBytesSeen;
    if (!count || !this.depth) return this.depth;
    const fitting = Math.floor(this.cache.limit / (total / count));
    return Math.max(0, Math.min(this.depth, Math.floor((fitting - 1) / 2)));
  }

  private window(center: number | undefined): { start: number; end: number } | undefined {
    if (center === undefined) return undefined;
    const depth = this.effectiveDepth();
    return { start: center - depth, end: center + depth };
  }

  /** Cancel the prefetches outside the window around `center` (all of them when undefined). */
  private cancelOutside(center: number | undefined): void {
    const window = this.window(center);
    for (const [index, load] of this.loads) {
      if (load.demanded || (window && index >= window.start && index <= window.end)) continue;
      this.loads.delete(index);
      load.controller.abort();
      // The read stops at its next check; its slot goes to the new neighbours now.
      if (load.holdsSlot) {
        load.holdsSlot = false;
        this.prefetching--;
      }
      this.counters.cancelled++;
      this.emit('prefetch', { index, state: 'cancelled' });
    }
    this.prefetchQueue = [];
  }

  /** Queue the neighbours of `center`, nearest first (ahead before behind at equal distance). */
  private schedulePrefetch(center: number): void {
    this.cancelOutside(center);
    const count = this.gatherCount ?? 0;
    const depth = this.effectiveDepth();
    const queue: number[] = [];
    for (let distance = 1; distance <= depth; distance++) {
      for (const index of [center + distance, center - distance]) {
        if (index >= 0 && index < count && !this.cache.has(index) && !this.loads.has(index))
          queue.push(index);
      }
    }
    this.prefetchQueue = queue;
    this.pumpPrefetch();
  }

  private pumpPrefetch(): void {
    while (this.prefetching < this.concurrency && this.prefetchQueue.length) {
      const index = this.prefetchQueue.shift()!;
      if (this.cache.has(index) || this.loads.has(index)) continue;
      this.prefetching++;
      this.emit('prefetch', { index, state: 'start' });
      const load = this.startLoad(index, false);
      load.holdsSlot = true;
      load.promise
        .then(
          () => {
            if (load.demanded || load.controller.signal.aborted) return;
            const cached = this.cache.has(index);
            if (cached) this.counters.prefetched++;
            this.emit('prefetch', { index, state: 'done', cached });
          },
          (error: unknown) => {
            if (load.controller.signal.aborted || isSeisprocError(error, 'CANCELLED')) return;
            this.counters.prefetchFailed++;
            this.emit('prefetch', { index, state: 'failed', error });
          },
        )
        .finally(() => {
          if (load.holdsSlot) {
            load.holdsSlot = false;
            this.prefetching--;
          }
          this.pumpPrefetch();
        });
    }
    this.notifyIfIdle();
  }
}

function checkCount(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}
