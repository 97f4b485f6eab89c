/**
 * The two interfaces every byte of seisproc goes through: a {@link ByteSource} for reading one
 * file by position (a SEG-Y file, one Parquet table) and an {@link ObjectStore} for the objects
 * under one root (a dataset). Backends: the local file system, HTTP(S) (read-only, ranged GETs)
 * and S3-compatible object storage.
 */

/** A file read by position: a local file, an HTTP(S) resource, an S3 object. */
export interface ByteSource {
  /** Where the bytes are, for messages and metadata: a path, or a URL without credentials or query. */
  readonly location: string;
  /** Size in bytes. */
  size(): Promise<number>;
  /**
   * Read `length` bytes at `offset` into `into` (default: a new array) and return the bytes read,
   * a view of `into` that is shorter than `length` only where the source ends. A response shorter
   * than it promised is an error (`STORAGE_TRUNCATED`), never returned as data.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * When the bytes last changed, where the backend can tell (a file's modification time, HTTP
   * `Last-Modified`, S3 `LastModified`); `undefined` or absent when it cannot. With the size and
   * hashes of both ends it is how an interrupted import recognises its source again.
   */
  lastModified?(): Promise<Date | undefined>;
  /** Release what the source holds (a file handle, sockets). */
  close(): Promise<void>;
}

/** A part upload of an object written in parts (S3 multipart upload; a preallocated file locally). */
export interface MultipartUpload {
  /** Write part `partNumber` (1-based, in any order, concurrently); every part but the last ≥ 5 MiB. */
  uploadPart(partNumber: number, bytes: Uint8Array): Promise<void>;
  /** Make the object visible, whole, from the parts uploaded. */
  complete(): Promise<void>;
  /** Give up: nothing becomes visible and the parts are freed. */
  abort(): Promise<void>;
}

/**
 * The objects under one root (a dataset directory, an S3 prefix, an HTTP base URL). Keys are
 * relative to the root and `/`-separated (`traces/c/0/0`, `zarr.json`).
 */
export interface ObjectStore {
  /** The root, for messages and metadata: a path, or a URL without credentials or query. */
  readonly location: string;
  /** False for read-only backends (HTTP). */
  readonly writable: boolean;
  /** The whole object, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Bytes `[offset, offset + length)` of the object (fewer at its end), or undefined when there is none. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** The object's size, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** Write the object whole (replacing it). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Remove the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** The keys under `prefix` (`''`: all), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Positional reads of one object. */
  source(key: string): ByteSource;
  /** Start writing object `key` in parts. */
  createUpload(key: string): Promise<MultipartUpload>;
  /** Release what the store holds. */
  close(): Promise<void>;
}
