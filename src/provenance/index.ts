/**
 * Processing provenance: {@link ProcessingStep}s with the sample digests of input and output, stored in each dataset's metadata; history, reproducibility checks, JSON/YAML export.
 *
 * @module
 */
export {
  type DatasetFingerprint,
  describeSamples,
  formatHistory,
  type HistoryFormat,
  type ProcessingStep,
  parseHistory,
} from './step.js';
export {
  type ChecksumDifference,
  ProvenanceTracker,
  type RecordStepOptions,
  type ReproducibilityReport,
  type VerifyOptions,
} from './tracker.js';
