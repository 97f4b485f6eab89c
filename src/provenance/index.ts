/**
 * Processing provenance: {@link ProcessingStep}s with SHA-256 checksums of input and output
 * samples, stored in each dataset's metadata; history, reproducibility checks, JSON/YAML export.
 *
 * @module
 */
export {
  type DatasetFingerprint,
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
