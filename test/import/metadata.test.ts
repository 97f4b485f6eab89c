/** What a dataset records about its source, read through any ByteSource. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSource } from '../../src/import/metadata.js';
import { LocalByteSource } from '../../src/io/index.js';
import { MemoryByteSource } from '../helpers/memory-source.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Three MiB and a bit, different everywhere, so that head and tail hashes differ. */
const bytes = Uint8Array.from({ length: 3 * MiB + 123 }, (_, i) => (i * 31 + (i >> 12)) & 0xff);

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-import-metadata-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('describeSource', () => {
  it('records a URL without credentials or query string, its size, time and end hashes', async () => {
    const modified = new Date('2026-03-04T05:06:07.000Z');
    const source = new MemoryByteSource(
      'https://reader:secret@data.example/lines/line.sgy?X-Amz-Signature=abc123#part',
      bytes,
      bytes.byteLength,
      modified,
    );
    expect(await describeSource(source, 'segy')).toEqual({
      path: 'https://data.example/lines/line.sgy',
      kind: 'segy',
      size: bytes.byteLength,
      mtime: '2026-03-04T05:06:07.000Z',
      head_sha256: sha256(bytes.subarray(0, MiB)),
      tail_sha256: sha256(bytes.subarray(bytes.byteLength - MiB)),
    });
  });

  it('leaves the time empty when the source cannot tell, and hashes a small file whole at both ends', async () => {
    const small = bytes.subarray(0, 5000);
    const source = new MemoryByteSource('s3://bucket/small.su', small);
    expect(await describeSource(source, 'su')).toEqual({
      path: 's3://bucket/small.su',
      kind: 'su',
      size: 5000,
      mtime: '',
      head_sha256: sha256(small),
      tail_sha256: sha256(small),
    });
  });

  it('describes a local file by its absolute path and modification time', async () => {
    const file = path.join(scratch, 'line.sgy');
    await fs.writeFile(file, bytes);
    const source = new LocalByteSource(file);
    try {
      expect(await describeSource(source, 'segy')).toEqual({
        path: file,
        kind: 'segy',
        size: bytes.byteLength,
        mtime: (await fs.stat(file)).mtime.toISOString(),
        head_sha256: sha256(bytes.subarray(0, MiB)),
        tail_sha256: sha256(bytes.subarray(bytes.byteLength - MiB)),
      });
    } finally {
      await source.close();
    }
  });
});
