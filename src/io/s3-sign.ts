/**
 * AWS Signature Version 4 by aws4fetch's signer: fetch's `Headers` and WebCrypto only, so the
 * same code signs in Node and in a browser. aws4fetch is imported on the first signature, like
 * every dependency that start-up does not need.
 */
import type { RemoteRequest } from './fetch.js';
import type { S3Credentials } from './s3-config.js';

/** How to sign: whose keys, for which region and service, at what time. */
export interface SigningContext {
  credentials: S3Credentials;
  region: string;
  /** Default `s3`. */
  service?: string;
  /** `YYYYMMDDTHHMMSSZ`; default now. Fixed only to check the signer against published vectors. */
  datetime?: string;
  /** Signing keys by day, region and service: derived once per day instead of four HMACs a request. */
  cache?: Map<string, ArrayBuffer>;
}

/** The SHA-256 of no bytes, which S3 wants as the payload hash of a bodiless request. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The headers to send with `request`, its own included: `authorization`, `x-amz-date`, the
 * session token, and for S3 the payload hash (`x-amz-content-sha256`; the caller's, computed
 * once per body, or that of an empty body). Every header is signed, `range` too, so that a
 * captured signature cannot be replayed for other bytes, except `accept-encoding`, which a
 * browser replaces with its own and an intermediary may rewrite: it is sent unsigned.
 */
export async function signRequest(
  request: RemoteRequest,
  context: SigningContext,
): Promise<Record<string, string>> {
  const service = context.service ?? 's3';
  const { 'accept-encoding': _unsigned, ...headers } = request.headers ?? {};
  if (service === 's3' && request.body === undefined) headers['x-amz-content-sha256'] ??= EMPTY_SHA256;
  const { AwsV4Signer } = await import('aws4fetch');
  const signer = new AwsV4Signer({
    method: request.method,
    url: request.url.href,
    headers,
    body: request.body,
    accessKeyId: context.credentials.accessKeyId,
    secretAccessKey: context.credentials.secretAccessKey,
    sessionToken: context.credentials.sessionToken,
    service,
    region: context.region,
    cache: context.cache,
    datetime: context.datetime,
    allHeaders: true,
  });
  const signed = await signer.sign();
  return Object.fromEntries(signed.headers.entries());
}

/** Hex and base64 SHA-256 of `bytes`: the signed payload hash and the checksum S3 stores. */
export async function sha256(bytes: Uint8Array): Promise<{ hex: string; base64: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return { hex, base64: btoa(String.fromCharCode(...digest)) };
}
