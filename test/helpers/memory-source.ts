/**
 * A `ByteSource` over bytes in memory: a second, independent implementation of the interface
 * (besides the local file), standing for the remote and Blob-backed sources that SEG-Y reading
 * must not tell apart from a path.
 */
import type { ByteSource } from '../../src/io/index.js';

/** The bytes of `bytes` read by position; `size` may claim more bytes than there are (a source that ends early). */
export class MemoryByteSource implements ByteSource {
  /** Positional reads served so far. */
  reads = 0;
  closed = false;

  constructor(
    readonly location: string,
    /** The bytes; replace them to make the source change or end early under a reader. */
    public bytes: Uint8Array,
    private readonly declaredSize = bytes.byteLength,
    private readonly modified?: Date,
  ) {}

  async size(): Promise<number> {
    return this.declaredSize;
  }

  async read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
    this.reads++;
    const available = this.bytes.subarray(offset, offset + length);
    into.set(available);
    return into.subarray(0, available.byteLength);
  }

  async lastModified(): Promise<Date | undefined> {
    return this.modified;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
