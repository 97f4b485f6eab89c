/**
 * Real servers on 127.0.0.1 for the remote storage tests: a static file server with Range
 * support, an S3 API (s3rver) and a fault-injecting proxy. Each listens on a random port and is
 * closed by the test that started it.
 */
import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

/** A request a server saw. */
export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  requests: SeenRequest[];
  /** Most requests in progress at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** Options of {@link startFileServer}. */
export interface FileServerOptions {
  /** Answer every GET with the whole file (200), as servers without Range support do. */
  ignoreRange?: boolean;
  /** Wait this long before answering, in ms. */
  delayMs?: number;
}

/** Serve the files under `root` with GET and HEAD, honouring `Range: bytes=a-b`. */
export async function startFileServer(root: string, options: FileServerOptions = {}): Promise<RunningServer> {
  let inFlight = 0;
  const state: RunningServer = { origin: '', requests: [], maxInFlight: 0, close: async () => {} };
  const server = http.createServer(async (request, response) => {
    state.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const file = path.join(root, ...pathname.split('/').filter((part) => part !== '' && part !== '..'));
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat?.isFile()) {
        response.writeHead(404).end('not found');
        return;
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (!range || options.ignoreRange) {
        response.writeHead(200, { 'content-length': stat.size });
        if (request.method === 'HEAD') response.end();
        else response.end(await fs.readFile(file));
        return;
      }
      const start = Number(range[1]);
      if (start >= stat.size) {
        response.writeHead(416, { 'content-range': `bytes */${stat.size}` }).end();
        return;
      }
      const end = Math.min(Number(range[2]), stat.size - 1);
      const handle = await fs.open(file);
      const bytes = Buffer.alloc(end - start + 1);
      await handle.read(bytes, 0, bytes.length, start);
      await handle.close();
      response
        .writeHead(206, {
          'content-range': `bytes ${start}-${end}/${stat.size}`,
          'content-length': bytes.length,
        })
        .end(bytes);
    } finally {
      inFlight -= 1;
    }
  });
  state.origin = await listen(server);
  state.close = closer(server);
  return state;
}

/** Access keys s3rver knows (it checks the key id, not the V4 signature). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17)
 * no longer offers, so every truncated listing fails with 500. Triple DES with its two keys equal
 * is single DES (encrypt, decrypt, encrypt with one key), so `des` is served by `des-ede-cbc`.
 */
function restoreSingleDes(): void {
  const cipher = crypto.createCipheriv;
  const decipher = crypto.createDecipheriv;
  const twice = (key: crypto.CipherKey) => Buffer.concat([key as Buffer, key as Buffer]);
  Object.assign(crypto, {
    createCipheriv: (
      algorithm: string,
      key: crypto.CipherKey,
      iv: crypto.BinaryLike | null,
      options?: never,
    ) => (algorithm === 'des' ? cipher('des-ede-cbc', twice(key), iv) : cipher(algorithm, key, iv, options)),
    createDecipheriv: (
      algorithm: string,
      key: crypto.CipherKey,
      iv: crypto.BinaryLike | null,
      options?: never,
    ) =>
      algorithm === 'des' ? decipher('des-ede-cbc', twice(key), iv) : decipher(algorithm, key, iv, options),
  });
}

/** A running s3rver; `uploads()` lists the multipart uploads it still holds parts of. */
export interface RunningS3 {
  endpoint: string;
  uploads(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * s3rver with bucket `test`, storing under a temporary directory removed on close. s3rver 3.7
 * has no AbortMultipartUpload (it answers 405): a middleware put before its routes answers
 * `DELETE /bucket/key?uploadId=…` by removing the parts s3rver stored for that upload, as S3 does.
 */
export async function startS3(): Promise<RunningS3> {
  restoreSingleDes();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: 'test' }],
  });
  // Where s3rver's filesystem store keeps the parts of the uploads of bucket `test`.
  const uploadsDirectory = path.join(directory, 'test', '._S3rver_uploads');
  server.middleware.unshift(async (context, next) => {
    const uploadId = context.query.uploadId;
    if (context.method !== 'DELETE' || typeof uploadId !== 'string') return next();
    const parts = path.join(uploadsDirectory, path.basename(uploadId));
    if (!(await fs.stat(parts).catch(() => undefined))) {
      context.status = 404;
      context.body = '<Error><Code>NoSuchUpload</Code></Error>';
      return;
    }
    await fs.rm(parts, { recursive: true, force: true });
    context.status = 204;
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    uploads: () => fs.readdir(uploadsDirectory).catch(() => []),
    close: async () => {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** What the proxy does to one request. */
export type Fault = 'pass' | 'reset' | 'unavailable' | 'slow' | 'truncate';

/**
 * A proxy to `target` that does `choose()` to each request: passes it on, resets the connection,
 * answers 503, answers only after `slowMs`, or sends the headers and half of the body and then
 * drops the connection.
 */
export async function startFaultProxy(
  target: string,
  choose: () => Fault,
  slowMs = 2_000,
): Promise<RunningServer & { faults: Fault[] }> {
  const state = {
    origin: '',
    requests: [] as SeenRequest[],
    faults: [] as Fault[],
    maxInFlight: 0,
    close: async () => {},
  };
  const server = http.createServer(async (request, response) => {
    state.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const fault = choose();
    state.faults.push(fault);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault === 'unavailable') {
      response.writeHead(503).end('<Error><Code>SlowDown</Code></Error>');
      return;
    }
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, slowMs));
    const upstream = await fetch(new URL(request.url ?? '/', target), {
      method: request.method,
      headers: Object.entries(request.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
      ),
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    }).catch(() => undefined);
    if (!upstream || response.destroyed) {
      request.socket.destroy();
      return;
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    const headers = Object.fromEntries(
      [...upstream.headers].filter(
        ([name]) => !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name),
      ),
    );
    response.writeHead(upstream.status, { ...headers, 'content-length': body.length });
    if (fault === 'truncate' && body.length > 1) {
      response.write(body.subarray(0, body.length >> 1), () => request.socket.destroy());
      return;
    }
    response.end(body);
  });
  state.origin = await listen(server);
  state.close = closer(server);
  return state;
}
