/**
 * The seisproc dataset (format version 2, reads 1): a Zarr v3 group with the `traces/` and
 * `raw_headers/` arrays, `headers.parquet` and the `ensembles.parquet` gather index.
 *
 * @module
 */
export {
  type CommitOptions,
  commitPath,
  removeAbandonedSiblings,
  temporarySibling,
  writeFileAtomic,
} from './atomic.js';
export {
  Dataset,
  type DatasetOpenOptions,
  datasetChecksum,
  ENSEMBLES_TABLE,
  HEADERS_TABLE,
  type StoredTraceReadOptions,
  type TraceReadOptions,
} from './dataset.js';
export { type DatasetAddress, requireLocalPath } from './dataset-store.js';
export {
  ChunkDigestSet,
  chunkDigest,
  type DatasetDigestOptions,
  DIGEST_BYTES,
  datasetDigest,
  datasetDigestParts,
  digestChunkCount,
  recordDigest,
  recordedDigest,
  type SampleDigest,
  sameDigest,
} from './digest.js';
export {
  ENSEMBLE_COLUMNS,
  EnsembleIndex,
  type GatherInfo,
  type GatherKeyValues,
  type TraceRun,
} from './ensembles.js';
export {
  type Gather,
  type GatherOptions,
  type GatherSelector,
  gatherTrace,
  type SortKey,
  type StoredGatherOptions,
} from './gather.js';
export {
  acquireWriteLock,
  isWriteLocked,
  WriteLock,
  type WriteLockEvents,
  type WriteLockOptions,
} from './lock.js';
export {
  type CompressionCodec,
  type CompressionOptions,
  DATASET_FORMAT_VERSION,
  type DatasetFormatVersion,
  type DatasetMetadata,
  type DatasetSource,
  READABLE_DATASET_FORMAT_VERSIONS,
  type StoredText,
} from './metadata.js';
export {
  DEFAULT_ROW_GROUP_SIZE,
  type ParquetColumnSpec,
  type ParquetColumnType,
  type ParquetColumnValues,
  ParquetTableWriter,
  parquetTableInfo,
  preloadParquetModules,
  type RowRange,
  readParquetColumns,
} from './parquet.js';
export {
  convertStoredSamples,
  isStoredSampleArray,
  littleEndianBytes,
  readLittleEndianSamples,
  STORED_SAMPLE_TYPES,
  type StoredSampleArray,
  type StoredSampleType,
  storedSampleArray,
  storedSampleBytes,
  storedSampleType,
} from './samples.js';
export { type HeaderColumnStats, ParquetTableReader } from './table-reader.js';
export { type ValidationReport, validateDataset } from './validate.js';
export {
  bitround,
  type CodecMetadata,
  chooseChunkTraces,
  chunkFilePath,
  createDatasetArrays,
  DatasetChunkWriter,
  type DatasetChunkWriterOptions,
  DEFAULT_CHUNK_BYTES,
  RAW_HEADERS_ARRAY,
  readDatasetMetadata,
  TRACES_ARRAY,
  traceCodecs,
  writeDatasetMetadata,
} from './zarr.js';
