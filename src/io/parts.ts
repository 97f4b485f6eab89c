/** The limits of S3 multipart uploads. Part numbers are checked by every backend, sizes where S3 enforces them. */
import { ArgumentError } from '../errors/index.js';

/** Smallest size of every part but the last (S3: 5 MiB). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Most parts one upload may have (S3: 10,000). */
export const MAX_PARTS = 10_000;

/** Refuse a part number outside 1…{@link MAX_PARTS}. */
export function checkPartNumber(partNumber: number, location: string): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
    throw new ArgumentError(`part numbers run from 1 to ${MAX_PARTS}, got ${partNumber}`, { path: location });
  }
}

/**
 * Refuse to complete an upload with no part, or with a part smaller than {@link MIN_PART_BYTES}
 * before the last: S3 would refuse it only after every part had been sent.
 */
export function checkPartSizes(sizes: ReadonlyMap<number, number>, location: string): void {
  const numbers = [...sizes.keys()].sort((a, b) => a - b);
  if (numbers.length === 0) throw new ArgumentError('an upload needs at least one part', { path: location });
  for (const partNumber of numbers.slice(0, -1)) {
    const size = sizes.get(partNumber) ?? 0;
    if (size < MIN_PART_BYTES) {
      throw new ArgumentError(
        `part ${partNumber} has ${size} bytes: every part but the last needs at least ${MIN_PART_BYTES}`,
        { path: location },
      );
    }
  }
}
