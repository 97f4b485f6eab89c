/**
 * Writing an export into an object-storage multipart upload instead of a local file. A SEG-Y
 * file is its headers followed by fixed-size traces, so every byte's offset (and so its part) is
 * known before anything is written. The export writes its bytes in order; {@link PartUploader}
 * gathers them into part-sized buffers and uploads each part as soon as it is full, with a
 * bounded number of uploads in flight, so memory stays at a few parts whatever the file's size.
 */
import { OperationError, type SeisprocError } from '../errors/index.js';
import { MAX_PARTS, MIN_PART_BYTES, type MultipartUpload } from '../io/index.js';

/** Smallest part size chosen: larger than S3's minimum, so files of a few tens of MiB take few requests. */
const PREFERRED_PART_BYTES = 8 * 1024 * 1024;

/** Part uploads one export keeps in flight; the memory held is this many parts plus the one filling. */
const UPLOADS_IN_FLIGHT = 4;

/** The part size for an object of `fileSize` bytes: at least 8 MiB, and large enough for ≤ 10 000 parts. */
export function partSizeFor(fileSize: number): number {
  return Math.max(PREFERRED_PART_BYTES, MIN_PART_BYTES, Math.ceil(fileSize / MAX_PARTS));
}

/** The layout of the bytes written: the whole size, where traces start and how large each is. */
export interface UploadLayout {
  /** Bytes of the whole object. */
  fileSize: number;
  /** Byte offset of the first trace (after the file headers). */
  dataOffset: number;
  /** Bytes of one trace, headers included. */
  traceSize: number;
  /** The object, for messages (a URL without credentials). */
  location: string;
}

/**
 * Gathers the bytes of an export, written in order, into parts and uploads them. The caller
 * completes or aborts the upload; {@link finish} and {@link settle} only see to the parts.
 */
export class PartUploader {
  readonly #upload: MultipartUpload;
  readonly #layout: UploadLayout;
  readonly #partBytes: number;
  /** Bytes written so far (the offset the next write must start at). */
  #written = 0;
  #partNumber = 1;
  #part: Uint8Array;
  #filled = 0;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;

  constructor(upload: MultipartUpload, layout: UploadLayout) {
    this.#upload = upload;
    this.#layout = layout;
    this.#partBytes = partSizeFor(layout.fileSize);
    this.#part = new Uint8Array(Math.min(this.#partBytes, layout.fileSize));
  }

  /** Write the file headers (the first `dataOffset` bytes). */
  writeHeaders(headers: Uint8Array): Promise<void> {
    return this.#append(0, headers);
  }

  /** Write whole encoded traces from `startTrace` on; the export writes them in order. */
  writeEncodedTraces(startTrace: number, block: Uint8Array): Promise<void> {
    const { dataOffset, traceSize } = this.#layout;
    return this.#append(dataOffset + startTrace * traceSize, block);
  }

  /**
   * Upload the last part and wait for every part.
   *
   * @throws OperationError `EXPORT_FAILED` when fewer bytes than the layout's were written; the
   *   first failure of a part upload.
   */
  async finish(): Promise<void> {
    if (this.#written !== this.#layout.fileSize) {
      throw new OperationError(
        'EXPORT_FAILED',
        `the export wrote ${this.#written} bytes, ${this.#layout.fileSize} were expected`,
        { path: this.#layout.location },
      );
    }
    // A file that ends on a part boundary has sent its last part already; an empty file sends one empty part.
    if (this.#filled > 0 || this.#partNumber === 1) this.#send();
    await Promise.all(this.#inFlight);
    this.#throwFailure();
  }

  /** Wait for the part uploads under way, ignoring their failures: before aborting, so no part lands after. */
  async settle(): Promise<void> {
    await Promise.all(this.#inFlight);
  }

  async #append(offset: number, bytes: Uint8Array): Promise<void> {
    this.#throwFailure();
    if (offset !== this.#written || offset + bytes.byteLength > this.#layout.fileSize) {
      throw new OperationError(
        'EXPORT_FAILED',
        `an upload is written in order: ${bytes.byteLength} bytes at ${offset}, after ${this.#written} of ${this.#layout.fileSize}`,
        { path: this.#layout.location, byteOffset: offset },
      );
    }
    let done = 0;
    while (done < bytes.byteLength) {
      const n = Math.min(bytes.byteLength - done, this.#part.byteLength - this.#filled);
      this.#part.set(bytes.subarray(done, done + n), this.#filled);
      this.#filled += n;
      this.#written += n;
      done += n;
      if (this.#filled === this.#part.byteLength) {
        this.#send();
        // Bounded memory: wait for a slot before filling the next part.
        while (this.#inFlight.size >= UPLOADS_IN_FLIGHT) await Promise.race(this.#inFlight);
        this.#throwFailure();
      }
    }
  }

  /** Upload the part filled so far and start the next one. */
  #send(): void {
    const bytes = this.#part.subarray(0, this.#filled);
    const sending: Promise<void> = this.#upload
      .uploadPart(this.#partNumber, bytes)
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
    this.#partNumber += 1;
    this.#part = new Uint8Array(Math.min(this.#partBytes, this.#layout.fileSize - this.#written));
    this.#filled = 0;
  }

  #throwFailure(): void {
    if (this.#failure === undefined) return;
    throw this.#failure as SeisprocError | Error;
  }
}
