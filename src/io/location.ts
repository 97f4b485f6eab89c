/**
 * What every backend needs to know of a location: whether it is remote, how it may be shown,
 * and which object keys are acceptable.
 */
import { ArgumentError } from '../errors/index.js';

const REMOTE_SCHEMES = ['http:', 'https:', 's3:'];

/** True when `pathOrUrl` names a remote location (`http:`, `https:` or `s3:` URL), not a local path. */
export function isRemote(pathOrUrl: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(pathOrUrl)?.[1]?.toLowerCase();
  return scheme !== undefined && REMOTE_SCHEMES.includes(scheme);
}

/**
 * `pathOrUrl` as it may be shown or recorded: a URL without user info, query string or fragment
 * (presigned signatures and credentials live there); a path unchanged.
 */
export function redactLocation(pathOrUrl: string): string {
  if (!isRemote(pathOrUrl)) return pathOrUrl;
  try {
    const url = new URL(pathOrUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return pathOrUrl.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}

/**
 * The `/`-separated segments of an object key. Empty, `.` and `..` segments are refused: locally
 * they would leave the root, and in a URL the parser would resolve them away.
 */
export function keySegments(key: string, root: string): string[] {
  const segments = key.split('/');
  if (key === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ArgumentError(`invalid object key "${key}"`, { path: root });
  }
  return segments;
}
