/**
 * Splitting a trace range into per-worker segments at gather boundaries.
 *
 * @module
 */
export {
  DEFAULT_MAX_PROBE_DISTANCE,
  type EnsembleKeyReader,
  type EnsembleKeyValue,
  type Segment,
  SmartPartitioner,
  type SmartPartitionerOptions,
  sameEnsembleKey,
} from './smart-partitioner.js';
