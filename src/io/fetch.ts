/**
 * HTTP requests as the remote backends make them: a bounded number at once, each under a
 * timeout, transient faults retried with exponential backoff and full jitter, every failure a
 * typed {@link StorageError} that names the location without credentials or query string.
 */
import { StorageError } from '../errors/index.js';

/** How long and how often a request is tried. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** Time for all attempts and the waits between them, in ms (default 30,000). */
  totalTimeoutMs?: number;
  /** Time for one attempt, response body included, in ms (default 30,000, and never past the total). */
  requestTimeoutMs?: number;
  /** The backoff before the second attempt, doubled for each further one, in ms (default 100). */
  baseDelayMs?: number;
  /** The longest backoff, in ms (default 5,000). */
  maxDelayMs?: number;
}

const RETRY_DEFAULTS: Required<RetryOptions> = {
  attempts: 5,
  totalTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

/** Statuses that say "try again later". */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/** One request. The URL may carry a presigned query string: it is sent, never shown. */
export interface RemoteRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/** Headers that authorize `request` (a signature), computed anew for every attempt. */
export type Authorize = (request: RemoteRequest) => Promise<Record<string, string>>;

/** Options of a {@link Transport}. */
export interface TransportOptions {
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  retry?: RetryOptions;
  authorize?: Authorize;
}

/** A fault worth another attempt: a transient status, a reset connection, a timeout, a short body. */
class TransientFault extends Error {
  constructor(
    message: string,
    readonly truncated: boolean,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** At most `limit` holders at once; the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be ≥ 1, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so that `active` never drops below the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** Sends requests for one store or source: its concurrency limit, retry policy and authorization. */
export class Transport {
  private readonly semaphore: Semaphore;
  private readonly retry: Required<RetryOptions>;
  private readonly authorize: Authorize | undefined;

  constructor(options: TransportOptions = {}) {
    this.semaphore = new Semaphore(options.concurrency ?? 8);
    this.retry = { ...RETRY_DEFAULTS, ...options.retry };
    this.authorize = options.authorize;
  }

  /**
   * Send `request` and hand a successful response (2xx, or 416 for a range past the end) to
   * `read`, which consumes its body within the same attempt, so that a body cut short is
   * retried like any other transient fault. A 404 resolves to undefined (an S3 404 naming a
   * missing bucket is an error); 401 and 403 are `STORAGE_FORBIDDEN`; other failures after the
   * retries are `STORAGE_UNAVAILABLE`, or `STORAGE_TRUNCATED` when the last body was short.
   * `location` is the redacted URL that messages show.
   */
  send<T>(
    request: RemoteRequest,
    location: string,
    read: (response: Response) => Promise<T>,
  ): Promise<T | undefined> {
    return this.semaphore.run(() => this.attempt(request, location, read));
  }

  private async attempt<T>(
    request: RemoteRequest,
    location: string,
    read: (response: Response) => Promise<T>,
  ): Promise<T | undefined> {
    const { attempts, totalTimeoutMs, requestTimeoutMs, baseDelayMs, maxDelayMs } = this.retry;
    const deadline = Date.now() + totalTimeoutMs;
    let fault: TransientFault | undefined;
    let made = 0;
    while (made < attempts) {
      if (made > 0) {
        const delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (made - 1));
        if (Date.now() + delay >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      const timeoutMs = Math.min(requestTimeoutMs, deadline - Date.now());
      if (timeoutMs <= 0) break;
      made += 1;
      try {
        return await this.once(request, location, timeoutMs, read);
      } catch (error) {
        if (!(error instanceof TransientFault)) throw error;
        fault = error;
      }
    }
    throw new StorageError(
      fault?.truncated ? 'STORAGE_TRUNCATED' : 'STORAGE_UNAVAILABLE',
      `${request.method} failed after ${made} attempt${made === 1 ? '' : 's'}${fault ? `: ${fault.message}` : ''}`,
      { path: location, attempts: made, status: fault?.status, cause: fault },
    );
  }

  private async once<T>(
    request: RemoteRequest,
    location: string,
    timeoutMs: number,
    read: (response: Response) => Promise<T>,
  ): Promise<T | undefined> {
    const headers = { ...request.headers, ...(await this.authorize?.(request)) };
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
    } catch (cause) {
      throw networkFault(cause, timeoutMs, false);
    }
    const { status } = response;
    if (TRANSIENT_STATUSES.has(status)) {
      await response.body?.cancel().catch(() => undefined);
      throw new TransientFault(`HTTP ${status}`, false, status);
    }
    if (status === 404) {
      const code = await s3ErrorCode(response);
      if (code === 'NoSuchBucket')
        throw new StorageError('STORAGE_NOT_FOUND', 'no such bucket', { path: location });
      return undefined;
    }
    if (status === 401 || status === 403 || (!response.ok && status !== 416)) {
      const code = await s3ErrorCode(response);
      const forbidden = status === 401 || status === 403;
      const what = forbidden ? 'access denied' : `${request.method} refused`;
      throw new StorageError(
        forbidden ? 'STORAGE_FORBIDDEN' : 'STORAGE_IO',
        `${what} (HTTP ${status}${code ? `, ${code}` : ''})`,
        {
          path: location,
          status,
        },
      );
    }
    try {
      return await read(response);
    } catch (cause) {
      if (cause instanceof TransientFault || cause instanceof StorageError) throw cause;
      throw networkFault(cause, timeoutMs, true);
    }
  }
}

/** A fetch or body failure as a transient fault: a timeout, or a connection that broke. */
function networkFault(cause: unknown, timeoutMs: number, duringBody: boolean): TransientFault {
  const name = (cause as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TransientFault(`no complete response within ${Math.round(timeoutMs)} ms`, false, undefined, {
      cause,
    });
  }
  const code = ((cause as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  const what = duringBody ? 'the connection broke during the response body' : 'the connection failed';
  return new TransientFault(`${what}${code ? ` (${code})` : ''}`, duringBody, undefined, { cause });
}

/**
 * The `<Code>` of an S3 error body (`NoSuchBucket`, `AccessDenied`…), read from at most the first
 * 64 KiB; nothing else of the body is kept, since S3 echoes the string it signed there.
 */
async function s3ErrorCode(response: Response): Promise<string | undefined> {
  try {
    const text = new TextDecoder().decode((await readAll(response, 'error body')).subarray(0, 65_536));
    return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** The declared length of a response body, or undefined when the server did not say. */
export function contentLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * Read the body of `response` into `into`, which it must fill: fewer bytes are a truncated body
 * (retried). More bytes are a server that does not keep its word (`STORAGE_IO`), unless
 * `surplus` is `'drop'`: then the body is read only as far as `into` goes.
 */
export async function readExactly(
  response: Response,
  into: Uint8Array,
  location: string,
  surplus: 'refuse' | 'drop' = 'refuse',
): Promise<Uint8Array> {
  let done = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const { done: ended, value: chunk } = await reader.read();
    if (ended) break;
    if (done + chunk.length > into.length) {
      into.set(chunk.subarray(0, into.length - done), done);
      await reader.cancel().catch(() => undefined);
      if (surplus === 'drop') return into;
      throw new StorageError(
        'STORAGE_IO',
        `the response is longer than the ${into.length} bytes it promised`,
        {
          path: location,
        },
      );
    }
    into.set(chunk, done);
    done += chunk.length;
  }
  if (done < into.length) throw shortBody(`the response ended after ${done} of ${into.length} bytes`);
  return into;
}

/** A response body shorter than promised: retried, and `STORAGE_TRUNCATED` if the last attempt is short too. */
export function shortBody(message: string): Error {
  return new TransientFault(message, true);
}

/** The whole body of `response`, checked against its declared length. */
export async function readAll(response: Response, location: string): Promise<Uint8Array> {
  const declared = contentLength(response);
  if (declared !== undefined && !response.headers.has('content-encoding')) {
    return readExactly(response, new Uint8Array(declared), location);
  }
  return new Uint8Array(await response.arrayBuffer());
}
