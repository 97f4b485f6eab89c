/**
 * S3-compatible object storage, read and write: AWS S3, MinIO, Ceph, R2 and the like. Requests
 * are signed with Signature V4 (or sent unsigned for public buckets) and go through the shared
 * {@link Transport}: bounded concurrency, timeouts, retries.
 */
import { ArgumentError, StorageError } from '../errors/index.js';
import { type RemoteRequest, readAll, Transport, type TransportOptions } from './fetch.js';
import { keySegments } from './location.js';
import { checkPartNumber, checkPartSizes } from './parts.js';
import { RemoteByteSource, RemoteObject } from './remote.js';
import type { S3Config } from './s3-config.js';
import { sha256, signRequest } from './s3-sign.js';
import type { ByteSource, MultipartUpload, ObjectStore } from './types.js';

/** Options of the S3 backend beyond the resolved configuration. */
export interface S3StoreOptions extends Omit<TransportOptions, 'authorize'> {
  /** Keys asked for per ListObjectsV2 page (default and S3's maximum: 1000). */
  listPageSize?: number;
}

/** Percent-encode each segment of a key as S3 canonicalizes it (RFC 3986: also `!'()*`). */
function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/** Requests for one bucket: addressing (virtual-hosted or path style) and signing. */
class Bucket {
  readonly transport: Transport;

  constructor(
    readonly config: S3Config,
    options: Omit<TransportOptions, 'authorize'>,
  ) {
    const { credentials, region } = config;
    const cache = new Map<string, ArrayBuffer>();
    this.transport = new Transport({
      ...options,
      authorize: credentials ? (request) => signRequest(request, { credentials, region, cache }) : undefined,
    });
  }

  /** The URL of `key` (`''`: the bucket itself), with `query`. */
  url(key: string, query: Record<string, string> = {}): URL {
    const { endpoint, bucket, pathStyle } = this.config;
    const url = new URL(endpoint);
    const base = url.pathname.replace(/\/$/, '');
    if (pathStyle) {
      url.pathname = `${base}/${bucket}/${encodeKey(key)}`;
    } else {
      url.hostname = `${bucket}.${url.hostname}`;
      url.pathname = `${base}/${encodeKey(key)}`;
    }
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  /** `s3://bucket/key`, as messages show it. */
  location(key: string): string {
    return `s3://${this.config.bucket}/${key}`;
  }

  object(key: string): RemoteObject {
    return new RemoteObject(this.transport, this.url(key), this.location(key));
  }

  /** Send `request` about `key` and return the response body; undefined for a 404. */
  send(key: string, request: RemoteRequest): Promise<Uint8Array | undefined> {
    return this.transport.send(request, this.location(key), (response) =>
      readAll(response, this.location(key)),
    );
  }

  /** Send `request` about `key`, for which a 404 is as much an error as any other failure. */
  async sendExpecting(key: string, request: RemoteRequest, what: string): Promise<Uint8Array> {
    const body = await this.send(key, request);
    if (!body)
      throw new StorageError('STORAGE_NOT_FOUND', `${what}: not found`, { path: this.location(key) });
    return body;
  }
}

/** The S3 object `s3://bucket/key`, read by position. */
export function openS3ByteSource(
  config: S3Config,
  options: Omit<TransportOptions, 'authorize'> = {},
): ByteSource {
  return new RemoteByteSource(new Bucket(config, options).object(config.key));
}

/** The objects under `s3://bucket/prefix/`. */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  readonly writable = true;
  private readonly bucket: Bucket;
  /** The key prefix of the root: `''` or ending in `/`. */
  private readonly prefix: string;
  private readonly listPageSize: number;

  constructor(config: S3Config, options: S3StoreOptions = {}) {
    const { listPageSize = 1000, ...transport } = options;
    if (!Number.isInteger(listPageSize) || listPageSize < 1 || listPageSize > 1000) {
      throw new ArgumentError(`listPageSize runs from 1 to 1000, got ${listPageSize}`);
    }
    this.bucket = new Bucket(config, transport);
    this.prefix = config.key === '' || config.key.endsWith('/') ? config.key : `${config.key}/`;
    this.location = this.bucket.location(this.prefix);
    this.listPageSize = listPageSize;
  }

  /** The full key of `key`, checked. */
  private fullKey(key: string): string {
    return this.prefix + keySegments(key, this.location).join('/');
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.bucket.object(this.fullKey(key)).get();
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    return (await this.bucket.object(this.fullKey(key)).read(offset, length))?.bytes;
  }

  size(key: string): Promise<number | undefined> {
    return this.bucket.object(this.fullKey(key)).size();
  }

  source(key: string): ByteSource {
    return new RemoteByteSource(this.bucket.object(this.fullKey(key)));
  }

  /**
   * PutObject. The body's SHA-256 is signed (`x-amz-content-sha256`), so S3 rejects a body
   * altered on the way, and sent as `x-amz-checksum-sha256`, which S3 checks and stores.
   */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const fullKey = this.fullKey(key);
    const hash = await sha256(bytes);
    await this.bucket.sendExpecting(
      fullKey,
      {
        method: 'PUT',
        url: this.bucket.url(fullKey),
        headers: {
          'content-type': 'application/octet-stream',
          'x-amz-content-sha256': hash.hex,
          'x-amz-checksum-sha256': hash.base64,
        },
        body: bytes,
      },
      'PutObject',
    );
  }

  async delete(key: string): Promise<void> {
    const fullKey = this.fullKey(key);
    await this.bucket.send(fullKey, { method: 'DELETE', url: this.bucket.url(fullKey) });
  }

  /** ListObjectsV2, page after page (`continuation-token`), keys asked URL-encoded. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = {
        'list-type': '2',
        prefix: this.prefix + prefix,
        'max-keys': String(this.listPageSize),
        'encoding-type': 'url',
        ...(token === undefined ? {} : { 'continuation-token': token }),
      };
      const xml = new TextDecoder().decode(
        await this.bucket.sendExpecting(
          this.prefix,
          { method: 'GET', url: this.bucket.url('', query) },
          'ListObjectsV2',
        ),
      );
      // Some S3-compatible servers ignore encoding-type; the answer says whether it applied.
      const urlEncoded = xmlText(xml, 'EncodingType') === 'url';
      for (const contents of xmlElements(xml, 'Contents')) {
        const raw = xmlText(contents, 'Key') ?? '';
        const key = urlEncoded ? decodeURIComponent(raw.replace(/\+/g, ' ')) : raw;
        keys.push(key.slice(this.prefix.length));
      }
      token = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
    } while (token !== undefined);
    return keys;
  }

  async createUpload(key: string): Promise<MultipartUpload> {
    const fullKey = this.fullKey(key);
    const body = await this.bucket.sendExpecting(
      fullKey,
      {
        method: 'POST',
        url: this.bucket.url(fullKey, { uploads: '' }),
        headers: { 'content-type': 'application/octet-stream' },
      },
      'CreateMultipartUpload',
    );
    const uploadId = xmlText(new TextDecoder().decode(body), 'UploadId');
    if (!uploadId) {
      throw new StorageError('STORAGE_IO', 'CreateMultipartUpload answered no UploadId', {
        path: this.bucket.location(fullKey),
      });
    }
    return new S3MultipartUpload(this.bucket, fullKey, uploadId);
  }

  async close(): Promise<void> {}
}

/** One multipart upload: parts sent concurrently, their ETags kept for CompleteMultipartUpload. */
class S3MultipartUpload implements MultipartUpload {
  private readonly parts = new Map<number, { etag: string; size: number }>();

  constructor(
    private readonly bucket: Bucket,
    private readonly key: string,
    private readonly uploadId: string,
  ) {}

  async uploadPart(partNumber: number, bytes: Uint8Array): Promise<void> {
    const location = this.bucket.location(this.key);
    checkPartNumber(partNumber, location);
    const hash = await sha256(bytes);
    const url = this.bucket.url(this.key, { partNumber: String(partNumber), uploadId: this.uploadId });
    const etag = await this.bucket.transport.send(
      { method: 'PUT', url, headers: { 'x-amz-content-sha256': hash.hex }, body: bytes },
      location,
      async (response) => {
        await response.body?.cancel().catch(() => undefined);
        return response.headers.get('etag');
      },
    );
    if (!etag) {
      throw new StorageError(
        'STORAGE_IO',
        `UploadPart ${partNumber} answered no ETag (or the upload is gone)`,
        {
          path: location,
        },
      );
    }
    this.parts.set(partNumber, { etag, size: bytes.length });
  }

  /**
   * CompleteMultipartUpload. S3 may answer 200 and still fail, with an `<Error>` in the body
   * (the status is sent before the parts are assembled): that is an error too.
   */
  async complete(): Promise<void> {
    const location = this.bucket.location(this.key);
    checkPartSizes(new Map([...this.parts].map(([number, part]) => [number, part.size])), location);
    const parts = [...this.parts]
      .sort(([a], [b]) => a - b)
      .map(
        ([number, part]) =>
          `<Part><PartNumber>${number}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`,
      );
    const xml = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
    const body = new TextEncoder().encode(xml);
    const hash = await sha256(body);
    const answer = await this.bucket.sendExpecting(
      this.key,
      {
        method: 'POST',
        url: this.bucket.url(this.key, { uploadId: this.uploadId }),
        headers: { 'content-type': 'application/xml', 'x-amz-content-sha256': hash.hex },
        body,
      },
      'CompleteMultipartUpload',
    );
    const text = new TextDecoder().decode(answer);
    if (xmlElements(text, 'Error').length > 0) {
      throw new StorageError(
        'STORAGE_IO',
        `CompleteMultipartUpload failed (${xmlText(text, 'Code') ?? 'no code'})`,
        {
          path: location,
        },
      );
    }
  }

  async abort(): Promise<void> {
    await this.bucket.send(this.key, {
      method: 'DELETE',
      url: this.bucket.url(this.key, { uploadId: this.uploadId }),
    });
  }
}

/** The contents of each `<name>…</name>` element of `xml` (S3's answers nest no element in one of its own name). */
export function xmlElements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

/** The text of the first `<name>` element of `xml`, entities decoded; undefined when there is none. */
export function xmlText(xml: string, name: string): string | undefined {
  const [element] = xmlElements(xml, name);
  return element === undefined ? undefined : decodeXmlEntities(element);
}

function decodeXmlEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return named[name] ?? entity;
  });
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
