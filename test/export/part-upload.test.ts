/**
 * PartUploader against a recording upload: which bytes go into which part, how many part uploads
 * are in flight, writes out of order refused, and a failing part upload reported to the writer.
 */
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors/index.js';
import { PartUploader, partSizeFor } from '../../src/export/part-upload.js';
import type { MultipartUpload } from '../../src/io/index.js';
import { failureOf } from '../helpers/failure.js';

const PART = partSizeFor(0);

/** An upload that keeps its parts, resolves each after a tick and fails the part numbered `failing`. */
class RecordingUpload implements MultipartUpload {
  readonly parts = new Map<number, Uint8Array>();
  inFlight = 0;
  mostInFlight = 0;

  constructor(private readonly failing?: number) {}

  async uploadPart(partNumber: number, bytes: Uint8Array): Promise<void> {
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight -= 1;
    if (partNumber === this.failing) {
      throw new StorageError('STORAGE_UNAVAILABLE', `part ${partNumber} refused`, { path: 's3://test/x' });
    }
    this.parts.set(partNumber, bytes.slice());
  }

  async complete(): Promise<void> {}
  async abort(): Promise<void> {}
}

/** `count` traces of `traceSize` bytes after a 3600-byte header: byte i of the file is i mod 251. */
function layoutOf(count: number, traceSize: number) {
  return { fileSize: 3600 + count * traceSize, dataOffset: 3600, traceSize, location: 's3://test/x' };
}

const fileByte = (offset: number) => offset % 251;

function bytesAt(offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = fileByte(offset + i);
  return bytes;
}

describe('PartUploader', () => {
  it('cuts the bytes written into parts of the part size, the last one shorter, at most four in flight', async () => {
    const traceSize = 100_000;
    const traces = 300; // 30 MB: 3 parts of 8 MiB and a shorter last one
    const layout = layoutOf(traces, traceSize);
    const upload = new RecordingUpload();
    const uploader = new PartUploader(upload, layout);
    await uploader.writeHeaders(bytesAt(0, 3600));
    for (let t = 0; t < traces; t += 30) {
      await uploader.writeEncodedTraces(t, bytesAt(3600 + t * traceSize, 30 * traceSize));
    }
    await uploader.finish();
    const sizes = [...upload.parts.keys()].sort((a, b) => a - b).map((n) => upload.parts.get(n)!.byteLength);
    expect(sizes).toEqual([PART, PART, PART, layout.fileSize - 3 * PART]);
    expect(upload.mostInFlight).toBeLessThanOrEqual(4);
    expect(upload.mostInFlight).toBeGreaterThan(1);
    for (const [partNumber, bytes] of upload.parts) {
      const expected = bytesAt((partNumber - 1) * PART, bytes.byteLength);
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(expected))).toBe(0);
    }
  });

  it('refuses a write that is not where the previous one ended, and a short total', async () => {
    const uploader = new PartUploader(new RecordingUpload(), layoutOf(10, 1000));
    await uploader.writeHeaders(bytesAt(0, 3600));
    const skipped = await failureOf(uploader.writeEncodedTraces(1, bytesAt(4600, 1000)));
    expect(skipped.code).toBe('EXPORT_FAILED');
    expect(skipped.context).toMatchObject({ path: 's3://test/x', byteOffset: 4600 });
    await uploader.writeEncodedTraces(0, bytesAt(3600, 1000));
    const short = await failureOf(uploader.finish());
    expect(short.code).toBe('EXPORT_FAILED');
    expect(short.message).toContain('wrote 4600 bytes, 13600 were expected');
  });

  it('reports a failed part upload to the next write, and settle waits for the others', async () => {
    const traceSize = 1 << 20;
    const upload = new RecordingUpload(2);
    const uploader = new PartUploader(upload, layoutOf(40, traceSize));
    const trace = new Uint8Array(traceSize);
    await uploader.writeHeaders(bytesAt(0, 3600));
    let t = 0;
    const failure = await failureOf(
      (async () => {
        for (; t < 40; t++) await uploader.writeEncodedTraces(t, trace);
      })(),
    );
    expect(failure.code).toBe('STORAGE_UNAVAILABLE');
    expect(failure.message).toContain('part 2 refused');
    expect(t).toBeLessThan(40);
    await uploader.settle();
    expect(upload.inFlight).toBe(0);
  });
});
