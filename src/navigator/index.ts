/**
 * Gather navigation: {@link GatherNavigator} steps through one dataset with a byte-bounded LRU
 * cache and cancellable prefetch; {@link DatasetNavigator} keeps several datasets open, one
 * active, and compares the same gather across two of them; {@link renderQuickLook} draws a gather
 * as a quick-look image.
 *
 * @module
 */
export { ByteLruCache, type EvictionReason } from './byte-lru.js';
export {
  type CompareOptions,
  DatasetNavigator,
  type DatasetNavigatorEvents,
  type DatasetNavigatorOptions,
  type DatasetSummary,
  DEFAULT_MAX_WARM_DATASETS,
  type GatherComparison,
  type OpenDataset,
} from './dataset-navigator.js';
export {
  type CacheEvent,
  DEFAULT_CACHE_BYTES,
  DEFAULT_PREFETCH_CONCURRENCY,
  DEFAULT_PREFETCH_DEPTH,
  type GatherChangedEvent,
  GatherNavigator,
  type GatherNavigatorEvents,
  type GatherNavigatorOptions,
  type NavigatorStats,
  type PrefetchEvent,
} from './gather-navigator.js';
export {
  type Colormap,
  clipAmplitude,
  encodePng,
  type QuickLookOptions,
  type RgbaImage,
  renderQuickLook,
  type SeismicSection,
  writePng,
} from './quicklook.js';
