/**
 * The metadata of a dataset, stored as `attributes.seisproc` of the Zarr group in `zarr.json`.
 * Snake_case keys, because Python readers (xarray, zarr-python) see them.
 */
import type { HeaderMappingJSON } from '../segy/index.js';

/**
 * The dataset format this version of seisproc writes. Version 2 stores the samples of formats
 * that float32 cannot hold in their own type (see `storedSampleType`); version 1 stored every
 * dataset's samples as float32. The metadata is the same in both.
 */
export const DATASET_FORMAT_VERSION = 2;

/** Dataset format versions this version of seisproc reads. */
export const READABLE_DATASET_FORMAT_VERSIONS: readonly DatasetFormatVersion[] = [1, 2];

/** A dataset format version: 1 (float32 samples only) or 2 (samples in their stored type). */
export type DatasetFormatVersion = 1 | 2;

/** Compressors for the `traces/` array. */
export type CompressionCodec = 'none' | 'zstd' | 'blosc';

/** How the `traces/` array is compressed. */
export interface CompressionOptions {
  /** `none`, `zstd`, or `blosc` (zstd with byte shuffle). */
  codec: CompressionCodec;
  /** Compression level (zstd 1–22, default 3; blosc 1–9, default 5). */
  level?: number;
  /**
   * Lossy bit rounding: keep this many mantissa bits of each float32 sample (1–23) before
   * compression. Omit for lossless storage. With it every sample format is stored as float32.
   */
  keepBits?: number;
}

/** Where a dataset came from: enough to recognise the same source file again (resume). */
export interface DatasetSource {
  path: string;
  kind: 'segy' | 'su';
  size: number;
  mtime: string;
  /** SHA-256 of the first MiB of the file. */
  head_sha256: string;
  /** SHA-256 of the last MiB of the file. */
  tail_sha256: string;
}

/** A text block stored both decoded and byte for byte. */
export interface StoredText {
  text: string;
  raw_base64: string;
}

/** Everything a dataset knows besides its arrays and tables. */
export interface DatasetMetadata {
  format_version: DatasetFormatVersion;
  /** `seisproc <version>`. */
  created_by: string;
  /** ISO 8601 time of creation. */
  created_at: string;
  source: DatasetSource | null;
  trace_count: number;
  sample_count: number;
  /** Sample interval in microseconds. */
  sample_interval_us: number;
  /** Delay recording time of the first trace, in ms (scalar applied). */
  delay_ms: number;
  source_format: {
    format_code: number;
    endianness: 'big' | 'little';
    text_encoding: 'ebcdic' | 'ascii' | null;
    revision: number;
    kind: 'segy' | 'su';
  };
  text_header: StoredText | null;
  extended_text_headers: StoredText[];
  binary_header: {
    /** Decoded fields; 64-bit values as decimal strings. */
    fields: Record<string, number | string>;
    raw_base64: string;
  } | null;
  /** Bytes of trace header per trace in `raw_headers/`: 240, or 240 × (1 + extensions). */
  trace_header_size: number;
  /** The header mapping used to decode `headers.parquet`. */
  header_mapping: HeaderMappingJSON;
  /** Gather keys indexed in `ensembles.parquet`, e.g. `[["fieldRecord"], ["inline", "crossline"]]`. */
  ensemble_keys: string[][];
  /** Traces per chunk of `traces/` and `raw_headers/`. */
  chunk_traces: number;
  compression: CompressionOptions;
  /** Coordinate reference system (JSON form of a `CoordinateSystem`), if known. */
  crs: unknown | null;
  /** Processing history, oldest first (JSON form of `ProcessingStep`s). */
  provenance: unknown[];
  /**
   * The sample digest (`storage/digest.ts`) recorded by the writer that wrote the samples, so a
   * later step takes it from here instead of reading the samples again; `seisproc verify`
   * recomputes it. Absent in datasets written before digests were recorded.
   */
  sample_digest?: { chunk_traces: number; sha256: string };
}
