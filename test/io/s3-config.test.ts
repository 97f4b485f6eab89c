import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../../src/io/index.js';
import { parseIni, resolveS3Config } from '../../src/io/s3-config.js';
import { failureOf } from '../helpers/failure.js';

let root: string;
let files: { AWS_SHARED_CREDENTIALS_FILE: string; AWS_CONFIG_FILE: string };

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-aws-'));
  files = {
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials'),
    AWS_CONFIG_FILE: path.join(root, 'config'),
  };
  await fs.writeFile(
    files.AWS_SHARED_CREDENTIALS_FILE,
    [
      '# shared credentials',
      '[default]',
      'aws_access_key_id = AKIDDEFAULT',
      'aws_secret_access_key = secretDefault/+=',
      '',
      '[survey]',
      'aws_access_key_id=AKIDSURVEY',
      'aws_secret_access_key=secretSurvey',
      'aws_session_token = tokenSurvey==',
    ].join('\n'),
  );
  await fs.writeFile(
    files.AWS_CONFIG_FILE,
    [
      '[default]',
      'region = eu-west-3',
      '[profile survey]',
      'region = ap-southeast-2',
      's3 =',
      '  addressing_style = path',
      '[profile keys-in-config]',
      'aws_access_key_id = AKIDCONFIG',
      'aws_secret_access_key = secretConfig',
    ].join('\r\n'),
  );
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Environment variables that point the AWS files nowhere, so that the machine's own are not read. */
function noFiles() {
  return { AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'none'), AWS_CONFIG_FILE: path.join(root, 'none') };
}

describe('S3 configuration', () => {
  it('takes keys from the environment and addresses AWS virtual-hosted in the region', async () => {
    const config = await resolveS3Config(
      's3://seismic/lines/a b.sgy',
      {},
      {
        ...files,
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'secretEnv',
        AWS_SESSION_TOKEN: 'tokenEnv',
        AWS_REGION: 'us-west-2',
        AWS_DEFAULT_REGION: 'eu-central-1',
      },
    );
    expect(config).toEqual({
      bucket: 'seismic',
      key: 'lines/a b.sgy',
      endpoint: new URL('https://s3.us-west-2.amazonaws.com'),
      region: 'us-west-2',
      pathStyle: false,
      credentials: { accessKeyId: 'AKIDENV', secretAccessKey: 'secretEnv', sessionToken: 'tokenEnv' },
    });
  });

  it('falls back to AWS_DEFAULT_REGION, then to the profile, then to us-east-1', async () => {
    const keys = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', ...noFiles() };
    expect(
      (await resolveS3Config('s3://b12/k', {}, { ...keys, AWS_DEFAULT_REGION: 'eu-central-1' })).region,
    ).toBe('eu-central-1');
    expect((await resolveS3Config('s3://b12/k', {}, { ...keys, ...files })).region).toBe('eu-west-3');
    expect((await resolveS3Config('s3://b12/k', {}, keys)).region).toBe('us-east-1');
  });

  it('reads the profile of AWS_PROFILE from the credentials and config files', async () => {
    const config = await resolveS3Config('s3://b12/', {}, { ...files, AWS_PROFILE: 'survey' });
    expect(config.region).toBe('ap-southeast-2');
    expect(config.credentials).toEqual({
      accessKeyId: 'AKIDSURVEY',
      secretAccessKey: 'secretSurvey',
      sessionToken: 'tokenSurvey==',
    });
    const fromDefault = await resolveS3Config('s3://b12/', {}, files);
    expect(fromDefault.credentials).toEqual({
      accessKeyId: 'AKIDDEFAULT',
      secretAccessKey: 'secretDefault/+=',
    });
    const fromConfig = await resolveS3Config('s3://b12/', { profile: 'keys-in-config' }, files);
    expect(fromConfig.credentials?.accessKeyId).toBe('AKIDCONFIG');
  });

  it('prefers a profile named in the options to keys in the environment', async () => {
    const config = await resolveS3Config(
      's3://b12/',
      { profile: 'survey' },
      {
        ...files,
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'secretEnv',
      },
    );
    expect(config.credentials?.accessKeyId).toBe('AKIDSURVEY');
  });

  it('addresses custom endpoints path style, from the options or the environment', async () => {
    const keys = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', ...noFiles() };
    const general = await resolveS3Config(
      's3://b12/k',
      {},
      { ...keys, AWS_ENDPOINT_URL: 'http://minio:9000' },
    );
    expect([general.endpoint.href, general.pathStyle]).toEqual(['http://minio:9000/', true]);
    const specific = await resolveS3Config(
      's3://b12/k',
      {},
      {
        ...keys,
        AWS_ENDPOINT_URL: 'http://minio:9000',
        AWS_ENDPOINT_URL_S3: 'http://s3.local:9000',
      },
    );
    expect(specific.endpoint.href).toBe('http://s3.local:9000/');
    const option = await resolveS3Config(
      's3://b12/k',
      { endpoint: 'https://r2.example', pathStyle: false },
      {
        ...keys,
        AWS_ENDPOINT_URL_S3: 'http://s3.local:9000',
      },
    );
    expect([option.endpoint.href, option.pathStyle]).toEqual(['https://r2.example/', false]);
    // A bucket with dots on AWS: path style, since the TLS certificate covers one label only.
    expect((await resolveS3Config('s3://my.bucket/k', {}, keys)).pathStyle).toBe(true);
  });

  it('sends nothing signed when anonymous, and without credentials fails with STORAGE_CREDENTIALS', async () => {
    const empty = noFiles();
    expect((await resolveS3Config('s3://public/k', { anonymous: true }, empty)).credentials).toBeUndefined();
    const error = await failureOf(resolveS3Config('s3://private/k', {}, empty));
    expect(error.code).toBe('STORAGE_CREDENTIALS');
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID.*profile "default".*anonymous: true/);
    const missing = await failureOf(resolveS3Config('s3://private/k', { profile: 'nobody' }, files));
    expect(missing.code).toBe('STORAGE_CREDENTIALS');
    expect(missing.message).toContain('profile "nobody"');
    expect(missing.message).not.toMatch(/secret|AKID/);
  });

  it('refuses invalid URLs and endpoints with STORAGE_INVALID_URL', async () => {
    for (const url of ['s3://', 's3://a/k', 's3://Upper/k', 's3://under_score/k']) {
      expect((await failureOf(openObjectStore(url, { anonymous: true }))).code).toBe('STORAGE_INVALID_URL');
    }
    const endpoint = await failureOf(
      openObjectStore('s3://b12/k', { anonymous: true, endpoint: 'not a url' }),
    );
    expect(endpoint.code).toBe('STORAGE_INVALID_URL');
  });

  it('parses the INI dialect of the AWS files', () => {
    expect(
      parseIni(
        '; comment\n[ default ]\nregion=us-east-2\nkey = a = b\n\n[profile x]\ns3 =\n  max_concurrent_requests = 4\n',
      ),
    ).toEqual({ default: { region: 'us-east-2', key: 'a = b' }, 'profile x': { s3: '' } });
  });
});
