/**
 * The signer against published values: cases of AWS's Signature V4 test suite
 * (aws-sig-v4-test-suite) and the examples of the S3 documentation ("Signature Calculations for
 * the Authorization Header"). s3rver does not check V4 signatures, so this is what proves them.
 */
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../src/io/s3-sign.js';

const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  datetime: '20150830T123600Z',
};
const SUITE_CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

const S3_DOCS = {
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  region: 'us-east-1',
  datetime: '20130524T000000Z',
};
const S3_CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('Signature V4: the aws-sig-v4-test-suite', () => {
  const cases: [string, string, Record<string, string>, string | undefined, string, string][] = [
    [
      'get-vanilla',
      '/',
      {},
      undefined,
      'host;x-amz-date',
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    ],
    [
      'get-vanilla-query-order-key-case',
      '/?Param2=value2&Param1=value1',
      {},
      undefined,
      'host;x-amz-date',
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
    [
      'get-unreserved',
      '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      {},
      undefined,
      'host;x-amz-date',
      '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
    ],
    [
      'get-header-value-trim',
      '/',
      { 'My-Header1': ' value1', 'My-Header2': '"a   b   c"' },
      undefined,
      'host;my-header1;my-header2;x-amz-date',
      'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    ],
    [
      'post-x-www-form-urlencoded',
      '/',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'Param1=value1',
      'content-type;host;x-amz-date',
      'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    ],
  ];
  for (const [name, target, headers, body, signedHeaders, signature] of cases) {
    it(name, async () => {
      const signed = await signRequest(
        {
          method: body === undefined ? 'GET' : 'POST',
          url: new URL(`https://example.amazonaws.com${target}`),
          headers,
          body: body === undefined ? undefined : new TextEncoder().encode(body),
        },
        SUITE,
      );
      expect(signed.authorization).toBe(
        `${SUITE_CREDENTIAL}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
      );
      expect(signed['x-amz-date']).toBe('20150830T123600Z');
    });
  }

  it('signs a session token as x-amz-security-token', async () => {
    const token = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW';
    const signed = await signRequest(
      { method: 'GET', url: new URL('https://example.amazonaws.com/') },
      { ...SUITE, credentials: { ...SUITE.credentials, sessionToken: token } },
    );
    expect(signed['x-amz-security-token']).toBe(token);
    expect(signed.authorization).toMatch(
      /SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});

describe('Signature V4: the S3 documentation examples', () => {
  it('GET Object with a Range header', async () => {
    const signed = await signRequest(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { range: 'bytes=0-9' },
      },
      S3_DOCS,
    );
    expect(signed['x-amz-content-sha256']).toBe(EMPTY_SHA256);
    expect(signed.authorization).toBe(
      `${S3_CREDENTIAL}, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
    );
  });

  it('PUT Object, a key with a character to encode, the payload hash given', async () => {
    const signed = await signRequest(
      {
        method: 'PUT',
        url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
        headers: {
          date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        },
        body: new TextEncoder().encode('Welcome to Amazon S3.'),
      },
      S3_DOCS,
    );
    expect(signed.authorization).toBe(
      `${S3_CREDENTIAL}, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
    );
  });

  it('GET Bucket lifecycle and GET Bucket (list objects), query parameters out of order', async () => {
    const lifecycle = await signRequest(
      { method: 'GET', url: new URL('https://examplebucket.s3.amazonaws.com/?lifecycle') },
      S3_DOCS,
    );
    expect(lifecycle.authorization).toMatch(
      /Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543$/,
    );
    const list = await signRequest(
      { method: 'GET', url: new URL('https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2') },
      S3_DOCS,
    );
    expect(list.authorization).toMatch(
      /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
    );
  });
});
