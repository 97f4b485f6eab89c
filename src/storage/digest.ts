/**
 * The sample digest: what provenance records of a dataset's samples. It is a two-level SHA-256
 * tree, computed by the writers as they write chunks, so no step has to read a dataset again to
 * know its digest, and writers that never meet (threads, processes, machines) can each hash their
 * own chunks and have the pieces combined from metadata alone.
 *
 * Definition: chunk `i` covers traces `[i·C, min((i+1)·C, n))`; its digest is the SHA-256 of
 * those traces' stored sample values as little-endian bytes (float32 for most datasets; the stored
 * integer or float64 type where the dataset keeps one). The dataset's digest is the SHA-256 of the
 * chunk digests concatenated in chunk order. `C` is part of the digest: the same samples chunked
 * otherwise give another value. (`seisproc checksum` is a different value on purpose: one SHA-256
 * of every sample as float32 in trace order, comparable with a SEG-Y file and with other tools.)
 */
import { createHash } from 'node:crypto';
import { DatasetError } from '../errors/index.js';
import { type Dataset, readChunksAhead } from './dataset.js';
import type { DatasetMetadata } from './metadata.js';
import { littleEndianBytes, type StoredSampleArray } from './samples.js';
import { writeDatasetMetadata } from './zarr.js';

/** Bytes of one SHA-256 digest. */
export const DIGEST_BYTES = 32;

/** The digest of a dataset's samples under one chunking (see the module documentation). */
export interface SampleDigest {
  /** Traces per hashed chunk. */
  chunkTraces: number;
  /** Hex SHA-256 of the chunk digests in order. */
  sha256: string;
}

/** SHA-256 of the values of `samples` as little-endian bytes. */
export function chunkDigest(samples: StoredSampleArray): Uint8Array {
  return new Uint8Array(createHash('sha256').update(littleEndianBytes(samples)).digest());
}

/**
 * The chunk digests of a dataset as they arrive, in any order, from any writer; combined into the
 * dataset's {@link SampleDigest} once every chunk has one.
 */
export class ChunkDigestSet {
  private readonly digests: Uint8Array;
  private readonly present: Uint8Array;

  constructor(
    readonly chunkCount: number,
    readonly chunkTraces: number,
  ) {
    this.digests = new Uint8Array(chunkCount * DIGEST_BYTES);
    this.present = new Uint8Array(chunkCount);
  }

  /** Record the digests of chunks `first`, `first + 1`, … (`digests` holds them back to back). */
  set(first: number, digests: Uint8Array): void {
    const count = digests.length / DIGEST_BYTES;
    if (!Number.isInteger(count) || first < 0 || first + count > this.chunkCount) {
      throw new RangeError(`chunk digests ${first}+${count} do not fit ${this.chunkCount} chunks`);
    }
    this.digests.set(digests, first * DIGEST_BYTES);
    this.present.fill(1, first, first + count);
  }

  /** Chunks without a digest yet, in order. */
  missing(): number[] {
    const missing: number[] = [];
    for (let chunk = 0; chunk < this.chunkCount; chunk++) if (!this.present[chunk]) missing.push(chunk);
    return missing;
  }

  /** The dataset's digest; fails when a chunk has none (a writer's result was lost). */
  combine(): SampleDigest {
    const missing = this.missing();
    if (missing.length) {
      throw new DatasetError(
        'DATASET_INCOMPLETE',
        `no digest for ${missing.length} chunk(s), first ${missing[0]}: not every chunk was written`,
        { chunkIndex: missing[0] },
      );
    }
    return {
      chunkTraces: this.chunkTraces,
      sha256: createHash('sha256').update(this.digests).digest('hex'),
    };
  }
}

/** Options of {@link datasetDigestParts} and {@link datasetDigest}. */
export interface DatasetDigestOptions {
  /** Traces per hashed chunk (default: the dataset's own chunk size). */
  chunkTraces?: number;
  /** Called after each chunk with the traces hashed so far by this call. */
  onProgress?: (doneTraces: number) => void;
  /** Stops between two chunks with `CANCELLED`. */
  signal?: AbortSignal;
}

/**
 * The digests of chunks `[firstChunk, endChunk)` of `dataset`, read from storage (two reused
 * buffers, the next chunk read while the current one is hashed). Several calls over disjoint
 * ranges, in different threads, give the parts of one {@link ChunkDigestSet}.
 */
export async function datasetDigestParts(
  dataset: Dataset,
  firstChunk: number,
  endChunk: number,
  options: DatasetDigestOptions = {},
): Promise<Uint8Array> {
  const chunkTraces = options.chunkTraces ?? dataset.chunkTraces;
  const digests = new Uint8Array(Math.max(0, endChunk - firstChunk) * DIGEST_BYTES);
  const chunks = readChunksAhead(dataset, {
    firstChunk,
    endChunk,
    chunkTraces,
    stored: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const { chunk, end, samples } of chunks) {
    digests.set(chunkDigest(samples), (chunk - firstChunk) * DIGEST_BYTES);
    options.onProgress?.(end - firstChunk * chunkTraces);
  }
  return digests;
}

/** The {@link SampleDigest} of `dataset`, read from storage in this thread. */
export async function datasetDigest(
  dataset: Dataset,
  options: DatasetDigestOptions = {},
): Promise<SampleDigest> {
  const chunkTraces = options.chunkTraces ?? dataset.chunkTraces;
  const set = new ChunkDigestSet(digestChunkCount(dataset.traceCount, chunkTraces), chunkTraces);
  set.set(0, await datasetDigestParts(dataset, 0, set.chunkCount, { ...options, chunkTraces }));
  return set.combine();
}

/** Chunks of `chunkTraces` traces that `traceCount` traces make. */
export function digestChunkCount(traceCount: number, chunkTraces: number): number {
  return Math.ceil(traceCount / chunkTraces);
}

/** True when two digests describe the same samples under the same chunking. */
export function sameDigest(a: SampleDigest, b: SampleDigest): boolean {
  return a.chunkTraces === b.chunkTraces && a.sha256 === b.sha256;
}

/** The digest a dataset's metadata records, if its writer recorded one. */
export function recordedDigest(metadata: DatasetMetadata): SampleDigest | undefined {
  const recorded = metadata.sample_digest;
  return recorded ? { chunkTraces: recorded.chunk_traces, sha256: recorded.sha256 } : undefined;
}

/**
 * Record `digest` in the metadata of the dataset at `dir`, whose writer holds its `metadata` (as
 * it created it) and records the digest before the dataset is committed: nothing is read back.
 */
export async function recordDigest(
  dir: string,
  metadata: DatasetMetadata,
  digest: SampleDigest,
): Promise<void> {
  await writeDatasetMetadata(dir, {
    ...metadata,
    sample_digest: { chunk_traces: digest.chunkTraces, sha256: digest.sha256 },
  });
}
