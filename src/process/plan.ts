/**
 * Cutting a dataset into work units. A unit writes whole output chunks (so parallel writers never
 * share a chunk) and reads the traces it needs to compute them: exactly its chunks, or for
 * processors that need whole gathers, its chunks widened to the gathers they overlap.
 */
import path from 'node:path';
import { DatasetError } from '../errors/index.js';
import { type Dataset, ENSEMBLES_TABLE, readParquetColumns } from '../storage/index.js';

/** One piece of work: the output chunks it writes and the input traces it processes for them. */
export interface WorkUnit {
  /** First output chunk written. */
  firstChunk: number;
  /** Output chunk after the last one written. */
  endChunk: number;
  /** First input trace processed. */
  readStart: number;
  /** Input trace after the last one processed. */
  readEnd: number;
  /** Gather boundaries within [readStart, readEnd), relative to readStart, ending with readEnd − readStart. */
  gatherOffsets?: Int32Array;
}

/** One unit per output chunk of `chunkTraces` traces. */
export function planChunkUnits(traceCount: number, chunkTraces: number): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (let c = 0; c * chunkTraces < traceCount; c++) {
    units.push({
      firstChunk: c,
      endChunk: c + 1,
      readStart: c * chunkTraces,
      readEnd: Math.min(traceCount, (c + 1) * chunkTraces),
    });
  }
  return units;
}

/**
 * Units for a processor that needs whole gathers. `gatherStarts` are the first traces of the
 * gathers, ascending, starting at 0, followed by `traceCount`.
 *
 * A gather that straddles two units is processed by both (the processor is pure, so both compute
 * the same samples) and each keeps its own rows. So that no gather is processed more than twice,
 * a unit spans as many chunks as the longest gather needs; a unit therefore reads at most its
 * chunks plus one gather on each side.
 */
export function planGatherUnits(
  traceCount: number,
  chunkTraces: number,
  gatherStarts: Int32Array,
): WorkUnit[] {
  let longest = 0;
  for (let g = 0; g + 1 < gatherStarts.length; g++) {
    longest = Math.max(longest, gatherStarts[g + 1]! - gatherStarts[g]!);
  }
  const chunksPerUnit = Math.max(1, Math.ceil(longest / chunkTraces));
  const chunkCount = Math.ceil(traceCount / chunkTraces);
  const units: WorkUnit[] = [];
  for (let c = 0; c < chunkCount; c += chunksPerUnit) {
    const endChunk = Math.min(chunkCount, c + chunksPerUnit);
    const first = gatherContaining(gatherStarts, c * chunkTraces);
    const last = gatherContaining(gatherStarts, Math.min(traceCount, endChunk * chunkTraces) - 1);
    const readStart = gatherStarts[first]!;
    const offsets = gatherStarts.slice(first, last + 2);
    for (let g = 0; g < offsets.length; g++) offsets[g]! -= readStart;
    units.push({
      firstChunk: c,
      endChunk,
      readStart,
      readEnd: gatherStarts[last + 1]!,
      gatherOffsets: offsets,
    });
  }
  return units;
}

/** Index of the gather holding `trace` (binary search over ascending starts). */
function gatherContaining(starts: Int32Array, trace: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= trace) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The gathers of the dataset's first ensemble key from `ensembles.parquet`, as ascending start
 * traces followed by the trace count. Fails with `DATASET_INVALID` when the dataset has no
 * ensemble key or its index does not tile the traces.
 */
export async function readGatherStarts(dataset: Dataset): Promise<Int32Array> {
  const keys = dataset.metadata.ensemble_keys[0];
  if (!keys?.length) {
    throw new DatasetError('DATASET_INVALID', 'the dataset has no ensemble key, so it has no gathers', {
      path: dataset.path,
    });
  }
  const key = keys.join(',');
  const table = path.join(dataset.path, ENSEMBLES_TABLE);
  const columns = await readParquetColumns(table, ['key', 'first_trace', 'trace_count']);
  const names = columns.key!;
  const firsts = columns.first_trace!;
  const counts = columns.trace_count!;
  const starts: number[] = [];
  let next = 0;
  for (let row = 0; row < names.length; row++) {
    if (names[row] !== key) continue;
    const first = Number(firsts[row]);
    const count = Number(counts[row]);
    if (first !== next || count <= 0) {
      throw new DatasetError(
        'DATASET_INVALID',
        `the gather index of key ${key} does not tile the traces: a gather at trace ${first} of ${count} traces follows trace ${next}`,
        { path: table, traceIndex: first },
      );
    }
    starts.push(first);
    next = first + count;
  }
  if (next !== dataset.traceCount) {
    throw new DatasetError(
      'DATASET_INVALID',
      `the gather index of key ${key} covers ${next} of ${dataset.traceCount} traces`,
      { path: table },
    );
  }
  starts.push(next);
  return Int32Array.from(starts);
}
