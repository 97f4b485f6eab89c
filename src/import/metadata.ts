/**
 * The dataset metadata of an import: everything the dataset records about its source file, and
 * the fingerprint that tells whether an interrupted import can be resumed.
 */
import { createHash } from 'node:crypto';
import { type ByteSource, redactLocation } from '../io/index.js';
import type { SegyFile } from '../segy/index.js';
import {
  type CompressionOptions,
  DATASET_FORMAT_VERSION,
  type DatasetMetadata,
  type DatasetSource,
} from '../storage/index.js';
import { version } from '../version.js';

/** Bytes hashed at each end of the source to recognise it again. */
const FINGERPRINT_BYTES = 1024 * 1024;

/**
 * Size, time and head/tail SHA-256 of a source file, read through its source so that a URL is
 * described like a path. `path` is the location without credentials or query string; `mtime` is
 * the source's `lastModified` (ISO 8601), or empty when the source cannot tell.
 */
export async function describeSource(source: ByteSource, kind: 'segy' | 'su'): Promise<DatasetSource> {
  const size = await source.size();
  const length = Math.min(FINGERPRINT_BYTES, size);
  const buffer = new Uint8Array(length);
  const hashAt = async (position: number) =>
    createHash('sha256')
      .update(await source.read(position, length, buffer))
      .digest('hex');
  const modified = await source.lastModified?.();
  return {
    path: redactLocation(source.location),
    kind,
    size,
    mtime: modified?.toISOString() ?? '',
    head_sha256: await hashAt(0),
    tail_sha256: await hashAt(size - length),
  };
}

/** What an import adds to the metadata read from the source. */
export interface ImportMetadataOptions {
  source: DatasetSource;
  ensembleKeys: string[][];
  chunkTraces: number;
  compression: CompressionOptions;
  crs: unknown;
}

/** The metadata of a dataset imported from `file`. */
export async function importMetadata(
  file: SegyFile,
  options: ImportMetadataOptions,
): Promise<DatasetMetadata> {
  const su = file.kind === 'su';
  return {
    format_version: DATASET_FORMAT_VERSION,
    created_by: `seisproc ${version}`,
    created_at: new Date().toISOString(),
    source: options.source,
    trace_count: file.traceCount,
    sample_count: file.sampleCount,
    sample_interval_us: file.sampleInterval,
    delay_ms: await firstTraceDelay(file),
    source_format: {
      format_code: file.formatCode,
      endianness: file.endianness,
      text_encoding: file.textEncoding,
      revision: file.revision,
      kind: file.kind,
    },
    text_header: su ? null : { text: file.textHeader, raw_base64: base64(file.textHeaderRaw) },
    extended_text_headers: file.extendedTextHeaders.map((text, i) => ({
      text,
      raw_base64: base64(file.extendedTextHeadersRaw[i]!),
    })),
    binary_header: su
      ? null
      : {
          fields: Object.fromEntries(
            Object.entries(file.binaryHeader).map(([key, value]) => [
              key,
              typeof value === 'bigint' ? String(value) : value,
            ]),
          ),
          raw_base64: base64(file.binaryHeaderRaw),
        },
    trace_header_size: file.traceHeaderSize,
    header_mapping: file.mapping.toJSON(),
    ensemble_keys: options.ensembleKeys,
    chunk_traces: options.chunkTraces,
    compression: options.compression,
    crs: options.crs ?? null,
    provenance: [],
  };
}

/**
 * Delay recording time of the first trace in ms, with the time scalar of bytes 215–216 applied
 * (positive: multiply, negative: divide, 0: none), as SEG-Y rev 1 defines it.
 */
async function firstTraceDelay(file: SegyFile): Promise<number> {
  if (!file.mapping.has('delayRecordingTime')) return 0;
  const delay = Number(await file.readHeaderValue(0, 'delayRecordingTime'));
  const scalar = file.mapping.has('timeScalar') ? Number(await file.readHeaderValue(0, 'timeScalar')) : 0;
  if (scalar > 0) return delay * scalar;
  if (scalar < 0) return delay / -scalar;
  return delay;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * What must be equal for an interrupted import to be resumed: the same source bytes (by size,
 * time and hashes) and every option that changes what is written.
 */
export function importFingerprint(metadata: DatasetMetadata, extra: Record<string, unknown>): string {
  const { created_at: _createdAt, ...stable } = metadata;
  return createHash('sha256').update(JSON.stringify({ stable, extra })).digest('hex');
}
