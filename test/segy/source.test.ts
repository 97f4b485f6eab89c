/**
 * SegyFile over an explicit ByteSource (the local file, and bytes in memory standing for a remote
 * or Blob-backed source) reads exactly what the path form reads, and fails the same way.
 */
import { promises as fs, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeisprocError, type SeisprocError } from '../../src/errors/index.js';
import { LocalByteSource } from '../../src/io/index.js';
import {
  checksumFile,
  encodeTraceHeaders,
  SegyFile,
  type SegyOpenOptions,
  SegyWriter,
} from '../../src/segy/index.js';
import { MemoryByteSource } from '../helpers/memory-source.js';
import { FIXTURES_ROOT, loadExpectations } from './corpus-files.js';

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-segy-source-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

/** Everything a file gives: its description, every header value, every sample, the chunks. */
async function contents(file: SegyFile) {
  const chunks = [];
  for await (const chunk of file.chunks({ chunkTraces: 7 })) {
    chunks.push({ ...chunk, samples: [...chunk.samples], rawHeaders: [...chunk.rawHeaders] });
  }
  return {
    description: {
      kind: file.kind,
      fileSize: file.fileSize,
      endianness: file.endianness,
      textEncoding: file.textEncoding,
      formatCode: file.formatCode,
      sampleCount: file.sampleCount,
      sampleInterval: file.sampleInterval,
      sampleIntervalSource: file.sampleIntervalSource,
      traceCount: file.traceCount,
      revision: file.revision,
      dataOffset: file.dataOffset,
      traceHeaderSize: file.traceHeaderSize,
      traceSize: file.traceSize,
      textHeader: file.textHeader,
      textHeaderRaw: [...file.textHeaderRaw],
      extendedTextHeaders: file.extendedTextHeaders,
      binaryHeader: file.binaryHeader,
      notes: file.notes,
    },
    headers: await file.readTraceHeaders(0, file.traceCount),
    rawHeaders: [...(await file.readRawTraceHeaders(0, file.traceCount))],
    lastCdp: await file.readHeaderValue(file.traceCount - 1, 'cdp'),
    samples: [...(await file.readTraces(0, file.traceCount))],
    chunks,
  };
}

async function contentsOf(source: string | LocalByteSource | MemoryByteSource, options: SegyOpenOptions) {
  const file = await SegyFile.open(source, options);
  try {
    return { path: file.path, ...(await contents(file)) };
  } finally {
    await file.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<SeisprocError> {
  try {
    await promise;
  } catch (error) {
    expect(isSeisprocError(error), String(error)).toBe(true);
    return error as SeisprocError;
  }
  throw new Error('no error');
}

const fixtures = loadExpectations(FIXTURES_ROOT).files.filter((e) => e.expect === 'read');

describe('SegyFile over a ByteSource', () => {
  it.each(fixtures.map((e) => [e.path, e] as const))(
    'reads %s through a LocalByteSource and from memory as through its path',
    async (rel, e) => {
      const file = path.join(FIXTURES_ROOT, rel);
      const options: SegyOpenOptions = e.kind === 'su' ? { kind: 'su' } : {};
      const byPath = await contentsOf(file, options);
      expect(byPath.path).toBe(file);
      expect(byPath.description.traceCount).toBe(e.n_traces);

      const local = new LocalByteSource(file);
      expect(await contentsOf(local, options)).toEqual(byPath);
      await local.close();

      const memory = new MemoryByteSource(file, await fs.readFile(file));
      expect(await contentsOf(memory, options)).toEqual(byPath);

      const sum = await checksumFile(new MemoryByteSource(file, await fs.readFile(file)), options);
      expect(sum).toEqual(await checksumFile(file, options));
      if (rel !== 'obspy/00001034.sgy_first_trace') expect(sum.sha256).toBe(e.samples_sha256_f32le);
    },
  );

  it('reads large traces header by header locally and in whole-trace blocks from other sources alike', async () => {
    const target = path.join(scratch, 'large-traces.sgy');
    const spec = {
      sampleCount: 5000,
      sampleInterval: 1000,
      formatCode: 5,
      endianness: 'big',
      traceCount: 9,
    } as const;
    const samples = Float32Array.from({ length: 9 * 5000 }, (_, i) => (i % 977) - 400);
    const headers = encodeTraceHeaders(
      9,
      {
        cdp: Array.from({ length: 9 }, (_, t) => 10 + t),
        sampleCount: 5000,
        sampleInterval: 1000,
      },
      { endianness: 'big' },
    );
    const writer = await SegyWriter.create(target, spec);
    await writer.writeTraces(0, samples, headers);
    await writer.close();

    const byPath = await contentsOf(target, {});
    expect(byPath.description.traceSize).toBeGreaterThan(16384);
    expect(byPath.rawHeaders).toEqual([...headers]);
    expect(byPath.samples).toEqual([...samples]);
    const memory = new MemoryByteSource(target, await fs.readFile(target));
    expect(await contentsOf(memory, {})).toEqual(byPath);
    // One request for the nine headers, not one per trace: a request costs a round trip.
    const file = await SegyFile.open(memory);
    memory.reads = 0;
    await file.readRawTraceHeaders(0, 9);
    expect(memory.reads).toBe(1);
    await file.close();
  });

  it('leaves a source it was given open, and its own reads fail once closed', async () => {
    const file = path.join(FIXTURES_ROOT, 'segyio/small.sgy');
    const memory = new MemoryByteSource(file, await fs.readFile(file));
    const segy = await SegyFile.open(memory);
    await segy.close();
    expect(memory.closed).toBe(false);
    expect(await failure(segy.readTraces(0, 1))).toMatchObject({ code: 'IO_ERROR', context: { path: file } });

    const bad = new MemoryByteSource(file, new Uint8Array(100));
    expect(await failure(SegyFile.open(bad))).toMatchObject({ code: 'SEGY_TOO_SHORT' });
    expect(bad.closed).toBe(false);
  });

  it('takes Seismic Unix from the location of a source, and ignores blocking reads where it cannot block', async () => {
    const file = path.join(FIXTURES_ROOT, 'segyio/small.su');
    const bytes = await fs.readFile(file);
    const memory = new MemoryByteSource('https://data.example/lines/small.su', bytes);
    const segy = await SegyFile.open(memory, { blockingReads: true });
    try {
      expect(segy.kind).toBe('su');
      expect(segy.path).toBe('https://data.example/lines/small.su');
      expect(await segy.readTraces(0, 25)).toEqual(await readAll(file, { kind: 'su' }));
    } finally {
      await segy.close();
    }
  });

  it('reads a LocalByteSource with blocking reads as through the thread pool', async () => {
    const file = path.join(FIXTURES_ROOT, 'segyio/f3.sgy');
    const { path: _, ...expected } = await contentsOf(file, {});
    const local = new LocalByteSource(file);
    const segy = await SegyFile.open(local, { blockingReads: true });
    try {
      expect(await contents(segy)).toEqual(expected);
    } finally {
      await segy.close();
      await local.close();
    }
  });
});

async function readAll(file: string, options: SegyOpenOptions): Promise<Float32Array> {
  const segy = await SegyFile.open(file, options);
  try {
    return await segy.readTraces(0, segy.traceCount);
  } finally {
    await segy.close();
  }
}

describe('a source that ends early', () => {
  it('refuses a short file the same way as its path', async () => {
    const file = path.join(FIXTURES_ROOT, 'segyio/small.sgy');
    const cut = path.join(scratch, 'small-cut.sgy');
    const bytes = (await fs.readFile(file)).subarray(0, 3600 + 10 * (240 + 200) + 17);
    await fs.writeFile(cut, bytes);
    const byPath = await failure(SegyFile.open(cut));
    expect(byPath).toMatchObject({ code: 'SEGY_TRUNCATED', context: { traceIndex: 10 } });
    const fromMemory = await failure(SegyFile.open(new MemoryByteSource(cut, bytes)));
    expect(fromMemory.code).toBe(byPath.code);
    expect(fromMemory.context).toEqual(byPath.context);
  });

  it('gives SEGY_TRUNCATED where it ends, with the trace, for every kind of read', async () => {
    const file = path.join(FIXTURES_ROOT, 'segyio/small.sgy');
    const bytes = await fs.readFile(file);
    const cut = path.join(scratch, 'small-shrinking.sgy');
    await fs.writeFile(cut, bytes);
    const end = 3600 + 20 * 440 + 100; // inside trace 20's samples
    const local = await SegyFile.open(cut);
    // The memory source still claims the whole size once its bytes end early, like a remote
    // object replaced by a shorter one.
    const memory = new MemoryByteSource(cut, bytes);
    const fromMemory = await SegyFile.open(memory);
    truncateSync(cut, end);
    memory.bytes = bytes.subarray(0, end);
    try {
      const reads: Array<[string, (file: SegyFile) => Promise<unknown>, number]> = [
        ['readTraces', (f) => f.readTraces(18, 25), 18],
        ['readTraceBlock', (f) => f.readTraceBlock(20, 21), 20],
        ['readRawTraceHeaders', (f) => f.readRawTraceHeaders(0, 25), 0],
        ['readHeaderValue', (f) => f.readHeaderValue(21, 'cdp'), 21],
        [
          'chunks',
          async (f) => {
            for await (const _ of f.chunks({ chunkTraces: 4 }));
          },
          20,
        ],
      ];
      for (const [name, read, traceIndex] of reads) {
        const expected = await failure(read(local));
        expect(expected.code, name).toBe('SEGY_TRUNCATED');
        expect(expected.context.traceIndex, name).toBe(traceIndex);
        const actual = await failure(read(fromMemory));
        expect({ code: actual.code, context: actual.context }, name).toEqual({
          code: expected.code,
          context: expected.context,
        });
      }
    } finally {
      await local.close();
      await fromMemory.close();
    }
  });
});
