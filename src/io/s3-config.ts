/**
 * Where an `s3://bucket/key` URL leads and with which credentials, resolved as the AWS tools
 * resolve them: options, then environment variables, then the shared credentials and config
 * files of a profile.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StorageError } from '../errors/index.js';
import { redactLocation } from './location.js';

/** Access keys that sign requests. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What {@link resolveS3Config} is given: the S3 members of the storage options. */
export interface S3ConfigOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
  pathStyle?: boolean;
  anonymous?: boolean;
}

/** Everything needed to address and sign requests for one bucket. */
export interface S3Config {
  bucket: string;
  /** The key (a source) or key prefix (a store) of the URL, decoded, without a leading `/`. */
  key: string;
  /** The service's URL: a custom endpoint, or `https://s3.<region>.amazonaws.com`. */
  endpoint: URL;
  region: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. */
  pathStyle: boolean;
  /** Undefined for anonymous (unsigned) requests. */
  credentials: S3Credentials | undefined;
}

/**
 * Resolve `s3://bucket/key` with `options` and `env` (`process.env`). Endpoint: option,
 * `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS in the region (virtual-hosted style, or
 * path style for a bucket with dots, which TLS wildcards do not cover); custom endpoints are
 * addressed path style. Region: option, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's,
 * `us-east-1`. Credentials: with option `profile`, that profile; otherwise `AWS_ACCESS_KEY_ID`
 * and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else the profile `AWS_PROFILE` or
 * `default` of the credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`) and
 * the config file (`AWS_CONFIG_FILE` or `~/.aws/config`). None found is `STORAGE_CREDENTIALS`
 * unless `anonymous` asks for unsigned requests.
 */
export async function resolveS3Config(
  address: string,
  options: S3ConfigOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<S3Config> {
  const { bucket, key } = parseS3Url(address);
  const profileName = options.profile ?? env.AWS_PROFILE ?? 'default';
  const profile = await readProfile(profileName, env);
  const region =
    options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? profile.config.region ?? 'us-east-1';
  const custom = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  let endpoint: URL;
  try {
    endpoint = new URL(custom ?? `https://s3.${region}.amazonaws.com`);
  } catch {
    throw new StorageError('STORAGE_INVALID_URL', `invalid S3 endpoint "${custom}"`, { path: address });
  }
  const pathStyle = options.pathStyle ?? (custom !== undefined || bucket.includes('.'));
  if (options.anonymous) return { bucket, key, endpoint, region, pathStyle, credentials: undefined };

  const fromEnv =
    options.profile === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? credentialsOf(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN)
      : undefined;
  // The credentials file wins over the config file, as for the AWS CLI and SDKs.
  const credentials =
    fromEnv ?? credentialsFromProfile(profile.credentials) ?? credentialsFromProfile(profile.config);
  if (!credentials) {
    throw new StorageError(
      'STORAGE_CREDENTIALS',
      `no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys for profile "${profileName}" in ${profile.files.join(' or ')}, or open with anonymous: true for a public bucket`,
      { path: `s3://${bucket}/${key}` },
    );
  }
  return { bucket, key, endpoint, region, pathStyle, credentials };
}

/** The bucket and the decoded key of `s3://bucket/key`. */
export function parseS3Url(address: string): { bucket: string; key: string } {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new StorageError('STORAGE_INVALID_URL', `invalid S3 URL "${redactLocation(address)}"`);
  }
  const bucket = url.hostname;
  if (url.protocol !== 's3:' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StorageError(
      'STORAGE_INVALID_URL',
      `invalid S3 URL "s3://${bucket}${url.pathname}": s3://bucket/key`,
    );
  }
  return { bucket, key: decodeURIComponent(url.pathname.replace(/^\//, '')) };
}

function credentialsOf(accessKeyId: string, secretAccessKey: string, sessionToken?: string): S3Credentials {
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

function credentialsFromProfile(section: Record<string, string>): S3Credentials | undefined {
  const { aws_access_key_id: id, aws_secret_access_key: secret, aws_session_token: token } = section;
  return id && secret ? credentialsOf(id, secret, token) : undefined;
}

/** The sections of `name` in the credentials file (`[name]`) and the config file (`[profile name]`, `[default]`). */
async function readProfile(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ credentials: Record<string, string>; config: Record<string, string>; files: string[] }> {
  const home = os.homedir();
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config');
  const [credentials, config] = await Promise.all([readIni(credentialsFile), readIni(configFile)]);
  return {
    credentials: credentials[name] ?? {},
    config: config[name === 'default' ? 'default' : `profile ${name}`] ?? {},
    files: [credentialsFile, configFile],
  };
}

async function readIni(file: string): Promise<Record<string, Record<string, string>>> {
  const text = await fs.readFile(file, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return '';
    throw new StorageError('STORAGE_CREDENTIALS', `cannot read ${file}`, { path: file, cause });
  });
  return parseIni(text);
}

/**
 * The sections of an AWS credentials or config file: `[section]` headers, `key = value` lines,
 * `#` and `;` comments. Indented lines continue the setting above them (the nested
 * `s3 =\n  addressing_style = path` form) and are skipped, since nothing here reads them; a
 * general INI parser would take them for top-level keys.
 */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s/.test(line) || /^[#;]/.test(line) || line.trim() === '') continue;
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header?.[1]) {
      current = sections[header[1]] ??= {};
      continue;
    }
    const setting = /^([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (current && setting?.[1]) current[setting[1].toLowerCase()] = setting[2] ?? '';
  }
  return sections;
}
