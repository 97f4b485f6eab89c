/**
 * The sample checksum: SHA-256 of every sample of every trace, in trace order, as little-endian
 * float32. It is the `samples_sha256_f32le` of the test corpus, and datasets use the same
 * definition, so a file and the dataset imported from it have the same checksum.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { endianness as hostEndianness } from 'node:os';
import type { ByteSource } from '../io/index.js';
import { SegyFile, type SegyOpenOptions } from './file.js';

const HOST_LITTLE = hostEndianness() === 'LE';

/** Incremental sample checksum: feed samples in trace order, then take the digest. */
export class SampleChecksum {
  readonly #hash: Hash = createHash('sha256');
  #samples = 0;

  /** Add samples (trace after trace). */
  update(samples: Float32Array): this {
    this.#samples += samples.length;
    if (HOST_LITTLE) {
      this.#hash.update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    } else {
      const bytes = new Uint8Array(samples.byteLength);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i]!, true);
      this.#hash.update(bytes);
    }
    return this;
  }

  /** Number of samples added so far. */
  get sampleCount(): number {
    return this.#samples;
  }

  /** The hex SHA-256 digest. The checksum cannot be updated afterwards. */
  digest(): string {
    return this.#hash.digest('hex');
  }
}

/** Result of {@link checksumFile}. */
export interface FileChecksum {
  /** Hex SHA-256 of the samples as little-endian float32. */
  sha256: string;
  /** Traces hashed. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
}

/**
 * The sample checksum of a SEG-Y or SU file, read chunk by chunk (memory bounded by the chunk).
 *
 * @param source - a path, a URL or a `ByteSource`, as {@link SegyFile.open} takes it.
 * @param options - how to open the file, and `onProgress`, called after each chunk with the
 * traces done so far and the total.
 */
export async function checksumFile(
  source: string | ByteSource,
  options: SegyOpenOptions & { onProgress?: (done: number, total: number) => void } = {},
): Promise<FileChecksum> {
  const file = await SegyFile.open(source, options);
  try {
    const checksum = new SampleChecksum();
    for await (const chunk of file.chunks({ reuseBuffers: true })) {
      checksum.update(chunk.samples);
      options.onProgress?.(chunk.end, file.traceCount);
    }
    return { sha256: checksum.digest(), traceCount: file.traceCount, sampleCount: file.sampleCount };
  } finally {
    await file.close();
  }
}
