/**
 * Export to SEG-Y and Seismic Unix: chunked and parallel (segments written by worker threads at
 * their own offsets in one preallocated file), headers from the dataset or from the original
 * file, sample format and byte order conversion, a registry of export formats.
 *
 * @module
 */
export type {
  ExportIO,
  ParallelOptions,
  SegyExportSummary,
} from './engine.js';
export {
  type ExportDatasetOptions,
  type ExportResult,
  exportDataset,
  SEGYExporter,
  type ZarrExportOptions,
} from './exporter.js';
export {
  type DatasetExportOptions,
  type ExportContext,
  type ExportFormat,
  type ExportWriteResult,
  getExportFormat,
  listExportFormats,
  registerExportFormat,
} from './formats.js';
export { BYTE_ORDER_CONSTANT } from './headers.js';
export type { ConversionOptions } from './plan.js';
export type { TraceRange } from './sources.js';
