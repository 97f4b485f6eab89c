/**
 * Reading one remote object (an HTTP(S) resource, an S3 object) with ranged GETs: the part the
 * HTTP and S3 backends share.
 */
import { StorageError } from '../errors/index.js';
import { contentLength, readAll, readExactly, shortBody, type Transport } from './fetch.js';
import type { ByteSource } from './types.js';

/**
 * The largest object read whole when its server ignores `Range` and answers a ranged GET with
 * the entire body (200): small files still work from such servers, large ones are refused with
 * `STORAGE_UNSUPPORTED` rather than downloaded again for every read.
 */
export const RANGE_IGNORED_LIMIT = 16 * 1024 * 1024;

/** What a ranged GET returned. */
interface RangeRead {
  /** The bytes asked for (fewer at the end of the object). */
  bytes: Uint8Array;
  /** The object's size, when the response told it. */
  size?: number;
  /** The whole object, when the server ignored the range and sent it all. */
  whole?: Uint8Array;
}

/** One object at one URL; `location` is the URL as shown, without credentials or query. */
export class RemoteObject {
  constructor(
    private readonly transport: Transport,
    readonly url: URL,
    readonly location: string,
  ) {}

  /** The whole object, or undefined when there is none. */
  get(): Promise<Uint8Array | undefined> {
    return this.transport.send(
      { method: 'GET', url: this.url, headers: IDENTITY },
      this.location,
      (response) => readAll(response, this.location),
    );
  }

  /**
   * The size, or undefined when there is no object. Asked with a one-byte ranged GET, not HEAD:
   * a presigned URL is signed for GET only, and the `Content-Range` of the answer has the size.
   */
  async size(): Promise<number | undefined> {
    return (await this.read(0, 1))?.size;
  }

  /** Bytes `[offset, offset + length)`, fewer at the end of the object; undefined when there is none. */
  read(
    offset: number,
    length: number,
    into: Uint8Array = new Uint8Array(length),
  ): Promise<RangeRead | undefined> {
    const headers = { ...IDENTITY, range: `bytes=${offset}-${offset + length - 1}` };
    return this.transport.send({ method: 'GET', url: this.url, headers }, this.location, async (response) => {
      if (response.status === 416) {
        // Nothing at or past the end: an empty read, and the size when the server tells it.
        await response.body?.cancel().catch(() => undefined);
        const size = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
        // Not even byte 0 exists: the object is empty, whether or not the server said so.
        const known = size === undefined ? (offset === 0 ? 0 : undefined) : Number(size);
        return { bytes: into.subarray(0, 0), size: known };
      }
      if (response.status === 206) return this.readPartial(response, offset, length, into);
      return this.readIgnoredRange(response, offset, length, into);
    });
  }

  private async readPartial(
    response: Response,
    offset: number,
    length: number,
    into: Uint8Array,
  ): Promise<RangeRead> {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== offset) {
      await response.body?.cancel().catch(() => undefined);
      throw new StorageError('STORAGE_IO', `the server answered bytes ${offset}– with another range`, {
        path: this.location,
        byteOffset: offset,
      });
    }
    const size = range[3] === '*' ? undefined : Number(range[3]);
    // A server may send less than asked only where the object ends; a shorter range is a short body.
    const expected = size === undefined ? length : Math.min(length, size - offset);
    const sent = Number(range[2]) - offset + 1;
    if (sent < expected) {
      await response.body?.cancel().catch(() => undefined);
      throw shortBody(`the server sent ${sent} of the ${expected} bytes asked at byte ${offset}`);
    }
    // More than asked (s3rver answers `bytes=0-0` with the whole object) is read only as far as asked.
    return { bytes: await readExactly(response, into.subarray(0, expected), this.location, 'drop'), size };
  }

  private async readIgnoredRange(
    response: Response,
    offset: number,
    length: number,
    into: Uint8Array,
  ): Promise<RangeRead> {
    const size = contentLength(response);
    if (size === undefined || size > RANGE_IGNORED_LIMIT) {
      await response.body?.cancel().catch(() => undefined);
      throw new StorageError(
        'STORAGE_UNSUPPORTED',
        `the server ignores Range requests, and the object is ${size === undefined ? 'of unknown size' : `${size} bytes`}: more than the ${RANGE_IGNORED_LIMIT} read whole`,
        { path: this.location },
      );
    }
    const whole = await readAll(response, this.location);
    const bytes = whole.subarray(Math.min(offset, size), Math.min(offset + length, size));
    into.set(bytes);
    return { bytes: into.subarray(0, bytes.length), size, whole };
  }
}

/** Ask for the bytes as stored: a compressed answer would not match the ranges asked for. */
const IDENTITY = { 'accept-encoding': 'identity' };

/**
 * A remote object read by position. Its size is learnt from the first answer that tells it; an
 * object whose server ignores ranges is kept whole after the first read (at most
 * {@link RANGE_IGNORED_LIMIT} bytes).
 */
export class RemoteByteSource implements ByteSource {
  readonly location: string;
  private knownSize: number | undefined;
  private whole: Uint8Array | undefined;

  constructor(private readonly object: RemoteObject) {
    this.location = object.location;
  }

  async size(): Promise<number> {
    if (this.knownSize === undefined) await this.read(0, 1);
    if (this.knownSize === undefined) {
      throw new StorageError('STORAGE_UNSUPPORTED', 'the server does not tell the size of the object', {
        path: this.location,
      });
    }
    return this.knownSize;
  }

  async read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Promise<Uint8Array> {
    if (length === 0) return into.subarray(0, 0);
    if (this.whole) {
      const bytes = this.whole.subarray(Math.min(offset, this.whole.length), offset + length);
      into.set(bytes);
      return into.subarray(0, bytes.length);
    }
    const result = await this.object.read(offset, length, into);
    if (!result) throw new StorageError('STORAGE_NOT_FOUND', 'no such object', { path: this.location });
    this.knownSize ??= result.size;
    this.whole = result.whole;
    return result.bytes;
  }

  async close(): Promise<void> {
    this.whole = undefined;
  }
}
