/**
 * What a reader checks before it trusts a dataset. Datasets travel (copied, synced, half
 * downloaded, edited by other tools), so every figure that sizes a read or an allocation is
 * checked against the rest of the metadata and against the files before it is used: a damaged
 * dataset is refused with a typed `DATASET_*` error naming the file, never read past its end or
 * allowed to size an allocation its files do not back.
 */
import { DatasetError } from '../errors/index.js';
import { lazy, loadZod } from '../lazy.js';
import { FILE_HEADER_SIZE, isSampleFormatCode, TEXT_HEADER_SIZE } from '../segy/index.js';
import type { DatasetMetadata } from './metadata.js';

/**
 * Largest chunk a reader decodes or allocates (1 GiB). Writers choose 4–8 MiB chunks; a chunk
 * shape beyond this is damaged metadata, and trusting it could ask for any amount of memory.
 */
export const MAX_CHUNK_BYTES = 2 ** 30;

/**
 * The fields of the group metadata that readers rely on, with their types and bounds, built on
 * first use (zod loads then). Loose: fields a reader does not use are not checked, so a newer
 * writer's additions still open.
 */
const metadataSchema = lazy(() => {
  const { z } = loadZod();
  const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
  /** Base64 text of exactly `bytes` bytes (the SEG-Y file headers are fixed-size blocks). */
  const base64Of = (bytes: number) =>
    z
      .string()
      .refine((text) => Buffer.from(text, 'base64').length === bytes, `must hold ${bytes} bytes in base64`);
  const storedText = z.object({ text: z.string(), raw_base64: base64Of(TEXT_HEADER_SIZE) });
  return z.looseObject({
    trace_count: count,
    sample_count: count,
    sample_interval_us: z.number().finite(),
    delay_ms: z.number().finite(),
    chunk_traces: count.min(1),
    trace_header_size: count.min(240).multipleOf(240),
    source_format: z.looseObject({
      format_code: z.number().refine(isSampleFormatCode, 'must be a SEG-Y sample format code'),
      endianness: z.enum(['big', 'little']),
      revision: z.number(),
      kind: z.enum(['segy', 'su']),
    }),
    text_header: storedText.nullable(),
    extended_text_headers: z.array(storedText),
    binary_header: z
      .looseObject({
        fields: z.record(z.string(), z.union([z.number(), z.string()])),
        raw_base64: base64Of(FILE_HEADER_SIZE - TEXT_HEADER_SIZE),
      })
      .nullable(),
    header_mapping: z.looseObject({ fields: z.array(z.looseObject({ key: z.string() })) }),
    ensemble_keys: z.array(z.array(z.string().min(1)).min(1)),
    compression: z.looseObject({ codec: z.enum(['none', 'zstd', 'blosc']) }),
    provenance: z.array(z.unknown()),
  });
});

/**
 * Check the group metadata (`attributes.seisproc` of `zarr.json`, in `file`) field by field and
 * its figures against each other: counts are non-negative integers, a chunk fits in
 * {@link MAX_CHUNK_BYTES}. `DATASET_INVALID` naming the first problem otherwise.
 */
export function checkDatasetMetadata(metadata: DatasetMetadata, file: string): void {
  const result = metadataSchema().safeParse(metadata);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new DatasetError(
      'DATASET_INVALID',
      `metadata field ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { path: file },
    );
  }
  const rowBytes = Math.max(metadata.sample_count * 4, metadata.trace_header_size);
  if (metadata.chunk_traces * rowBytes > MAX_CHUNK_BYTES) {
    throw new DatasetError(
      'DATASET_INVALID',
      `chunks of ${metadata.chunk_traces} traces × ${rowBytes} bytes exceed ${MAX_CHUNK_BYTES} bytes`,
      { path: file },
    );
  }
}

/** The parts of an array's `zarr.json` that must agree with the group metadata. */
export interface ArrayGeometry {
  shape: readonly number[];
  chunks: readonly number[];
}

/**
 * Check an array of the dataset against the group metadata: its shape `[trace_count, width]`
 * and its chunk shape `[chunk_traces, width]` (at least 1 wide). `DATASET_INVALID` naming the
 * array's `zarr.json` otherwise.
 */
export function checkArrayGeometry(
  array: ArrayGeometry,
  expected: { traces: number; width: number; chunkTraces: number },
  file: string,
): void {
  const { traces, width, chunkTraces } = expected;
  const problem =
    array.shape.length !== 2 || array.shape[0] !== traces || array.shape[1] !== width
      ? `shape [${array.shape}], the group metadata says [${traces}, ${width}]`
      : array.chunks.length !== 2 || array.chunks[0] !== chunkTraces || array.chunks[1] !== Math.max(1, width)
        ? `chunk shape [${array.chunks}], the group metadata says [${chunkTraces}, ${Math.max(1, width)}]`
        : undefined;
  if (problem) throw new DatasetError('DATASET_INVALID', `array ${problem}`, { path: file });
}
