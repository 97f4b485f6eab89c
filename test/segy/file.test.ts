/**
 * SegyFile and SegyWriter on files made here: layout decisions, every read method, SU, multiple
 * writers, and the typed errors of bad input.
 */
import { pbkdf2 } from 'node:crypto';
import { promises as fs, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isSeisprocError, type SeisprocError } from '../../src/errors/index.js';
import {
  decodeSamples,
  type Endianness,
  encodeTraceHeaders,
  type HeaderColumn,
  type SampleFormatCode,
  SegyFile,
  type SegyOpenOptions,
  SegyWriter,
  type SegyWriterSpec,
} from '../../src/segy/index.js';

/** A header column as plain numbers. */
const values = (column: HeaderColumn) => Array.from(column as ArrayLike<number | bigint>, Number);

let scratch: string;
let counter = 0;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'seisproc-segy-'));
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

const fileName = (ext = 'sgy') => path.join(scratch, `f${counter++}.${ext}`);

/** Samples of trace t: distinct, exactly representable in every format. */
function synthetic(traces: number, samples: number): Float32Array {
  const out = new Float32Array(traces * samples);
  for (let t = 0; t < traces; t++)
    for (let s = 0; s < samples; s++) out[t * samples + s] = ((t * 7 + s * 3) % 120) - 60;
  return out;
}

interface Made {
  path: string;
  samples: Float32Array;
  headers: Uint8Array;
}

/** Write a file with SegyWriter: `traces` traces with cdp = 100 + t and sample fields set. */
async function makeFile(spec: Partial<SegyWriterSpec> & { traces: number }, ext = 'sgy'): Promise<Made> {
  const full: SegyWriterSpec = {
    sampleCount: 25,
    sampleInterval: 2000,
    formatCode: 1,
    endianness: 'big',
    traceCount: spec.traces,
    ...spec,
  };
  const target = fileName(ext);
  const samples = synthetic(spec.traces, full.sampleCount);
  const headers = encodeTraceHeaders(
    spec.traces,
    {
      cdp: Array.from({ length: spec.traces }, (_, t) => 100 + t),
      offset: Array.from({ length: spec.traces }, (_, t) => -50 * t),
      sampleCount: full.sampleCount <= 65535 ? full.sampleCount : 0,
      sampleInterval:
        Number.isInteger(full.sampleInterval) && full.sampleInterval <= 32767 ? full.sampleInterval : 0,
    },
    { endianness: full.endianness, traceHeaderSize: full.traceHeaderSize },
  );
  const writer = await SegyWriter.create(target, full);
  await writer.writeTraces(0, samples, headers);
  await writer.close();
  return { path: target, samples, headers };
}

/** Keep every thread of libuv's pool busy for a while; resolves when they are free again. */
function occupyThreadPool(): Promise<unknown> {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return Promise.all(
    Array.from(
      { length: threads },
      () => new Promise((done) => pbkdf2('busy', 'salt', 200_000, 32, 'sha256', done)),
    ),
  );
}

async function patch(file: string, offset: number, bytes: number[] | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'r+');
  await handle.write(Uint8Array.from(bytes), 0, bytes.length, offset);
  await handle.close();
}

async function openError(file: string, options?: SegyOpenOptions): Promise<SeisprocError> {
  try {
    const opened = await SegyFile.open(file, options);
    await opened.close();
  } catch (error) {
    expect(isSeisprocError(error), String(error)).toBe(true);
    return error as SeisprocError;
  }
  throw new Error(`${file} opened`);
}

describe('SegyWriter → SegyFile round trip', () => {
  for (const formatCode of [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16] as SampleFormatCode[]) {
    for (const endianness of ['big', 'little'] as Endianness[]) {
      it(`format ${formatCode}, ${endianness}-endian`, async () => {
        const made = await makeFile({ traces: 7, formatCode, endianness });
        const file = await SegyFile.open(made.path);
        try {
          expect(file).toMatchObject({
            kind: 'segy',
            endianness,
            formatCode,
            sampleCount: 25,
            sampleInterval: 2000,
            traceCount: 7,
            dataOffset: 3600,
            traceHeaderSize: 240,
            textEncoding: 'ebcdic',
          });
          const unsigned = [10, 11, 12, 15, 16].includes(formatCode);
          const expected = unsigned ? made.samples.map((v) => Math.max(0, v)) : made.samples;
          expect(await file.readTraces(0, 7)).toEqual(expected);
          expect(await file.readRawTraceHeaders(0, 7)).toEqual(made.headers);
          expect(values((await file.readTraceHeaders(2, 5, ['CDP'])).CDP!)).toEqual([102, 103, 104]);
          expect(file.textHeader.split('\n')[0]!.trimEnd()).toBe('C 1 SEG-Y file written by seisproc');
          expect(file.binaryHeader.byteOrder).toBe(0x01020304);
          expect(file.revision).toBe(endianness === 'little' ? 2 : 1);
        } finally {
          await file.close();
        }
      });
    }
  }

  it('writes rev 2 fields for long traces, fractional intervals and header extensions', async () => {
    const made = await makeFile({
      traces: 3,
      sampleCount: 70000,
      sampleInterval: 0.5,
      formatCode: 16,
      traceHeaderSize: 480,
    });
    const file = await SegyFile.open(made.path);
    try {
      expect(file.sampleCount).toBe(70000);
      expect(file.sampleInterval).toBe(0.5);
      expect(file.traceHeaderSize).toBe(480);
      expect(file.revision).toBe(2);
      expect(file.binaryHeader).toMatchObject({
        sampleCount: 0,
        extSampleCount: 70000,
        additionalTraceHeaderCount: 1,
      });
      expect(await file.readTraces(1, 2)).toEqual(
        made.samples.subarray(70000, 140000).map((v) => Math.max(0, v)),
      );
      expect(await file.readRawTraceHeaders(0, 3)).toEqual(made.headers);
    } finally {
      await file.close();
    }
  });

  it('keeps given text, extended headers and binary header fields', async () => {
    const made = await makeFile({
      traces: 2,
      textHeader: 'C 1 CLIENT SEISPROC\nC 2 LINE 7',
      textEncoding: 'ascii',
      extendedTextHeaders: ['((SEG: Example))', '((SEG: EndText))'],
      binaryHeader: { jobId: 42, Samples: 9999, SortingCode: 4 },
    });
    const file = await SegyFile.open(made.path);
    try {
      expect(file.textEncoding).toBe('ascii');
      expect(file.textHeader.split('\n')[1]!.trimEnd()).toBe('C 2 LINE 7');
      expect(file.extendedTextHeaders.map((t) => t.split('\n')[0]!.trimEnd())).toEqual([
        '((SEG: Example))',
        '((SEG: EndText))',
      ]);
      expect(file.dataOffset).toBe(3600 + 6400);
      // Given fields are kept, except those the spec decides (the sample count here).
      expect(file.binaryHeader).toMatchObject({
        jobId: 42,
        sortingCode: 4,
        sampleCount: 25,
        extendedTextHeaderCount: 2,
      });
      expect(await file.readTraces(0, 2)).toEqual(made.samples);
    } finally {
      await file.close();
    }
  });

  it('lets several writers fill one preallocated file', async () => {
    const spec: SegyWriterSpec = {
      sampleCount: 50,
      sampleInterval: 4000,
      formatCode: 5,
      endianness: 'little',
      traceCount: 100,
    };
    const target = fileName();
    const samples = synthetic(100, 50);
    const headers = encodeTraceHeaders(
      100,
      { cdp: Array.from({ length: 100 }, (_, t) => t) },
      { endianness: 'little' },
    );
    const first = await SegyWriter.create(target, spec);
    expect((await fs.stat(target)).size).toBe(3600 + 100 * (240 + 200));
    const others = await Promise.all([1, 2, 3].map(() => SegyWriter.openForWrite(target, spec)));
    const writers = [first, ...others];
    await Promise.all(
      writers.map((w, i) =>
        w.writeTraces(
          i * 25,
          samples.subarray(i * 25 * 50, (i + 1) * 25 * 50),
          headers.subarray(i * 25 * 240, (i + 1) * 25 * 240),
        ),
      ),
    );
    await Promise.all(writers.map((w) => w.close()));
    const file = await SegyFile.open(target);
    try {
      expect(await file.readTraces(0, 100)).toEqual(samples);
      expect(values((await file.readTraceHeaders(0, 100, ['cdp'])).cdp!)).toEqual(
        Array.from({ length: 100 }, (_, t) => t),
      );
    } finally {
      await file.close();
    }
  });

  it('writes already-encoded traces and refuses writes that do not fit', async () => {
    const made = await makeFile({ traces: 4, formatCode: 3 });
    const spec: SegyWriterSpec = {
      sampleCount: 25,
      sampleInterval: 2000,
      formatCode: 3,
      endianness: 'big',
      traceCount: 4,
    };
    const source = await SegyFile.open(made.path);
    const block = await source.readTraceBlock(1, 3);
    await source.close();
    const target = fileName();
    const writer = await SegyWriter.create(target, spec);
    await writer.writeEncodedTraces(0, block);
    await expect(writer.writeEncodedTraces(3, block)).rejects.toMatchObject({ code: 'SEGY_RANGE' });
    await expect(writer.writeEncodedTraces(0, block.subarray(1))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(writer.writeTraces(0, new Float32Array(24), new Uint8Array(240))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(writer.writeTraces(0, new Float32Array(25), new Uint8Array(100))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await writer.close();
    await expect(writer.writeEncodedTraces(0, block)).rejects.toMatchObject({ code: 'SEGY_WRITE' });
    const file = await SegyFile.open(target);
    try {
      expect(await file.readTraces(0, 2)).toEqual(made.samples.subarray(25, 75));
    } finally {
      await file.close();
    }
  });

  it('fsyncs on close only when asked to', async () => {
    const spec: SegyWriterSpec = { sampleCount: 10, sampleInterval: 2000, formatCode: 5, endianness: 'big' };
    // The FileHandle class is not exported: take its prototype from an open handle.
    const probe = await fs.open(fileName(), 'w');
    const prototype = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi.spyOn(prototype, 'sync');
    try {
      const plain = await SegyWriter.create(fileName(), spec);
      await plain.writeTraces(0, new Float32Array(10), new Uint8Array(240));
      await plain.close();
      expect(sync).not.toHaveBeenCalled();
      const durable = await SegyWriter.create(fileName(), spec);
      await durable.writeTraces(0, new Float32Array(10), new Uint8Array(240));
      await durable.close({ sync: true });
      expect(sync).toHaveBeenCalledTimes(1);
    } finally {
      sync.mockRestore();
    }
  });

  it('refuses inconsistent specs', async () => {
    const base: SegyWriterSpec = { sampleCount: 10, sampleInterval: 1000, formatCode: 1, endianness: 'big' };
    const bad: Array<Partial<SegyWriterSpec>> = [
      { sampleCount: 0 },
      { sampleInterval: -1 },
      { traceHeaderSize: 300 },
      { kind: 'su', formatCode: 1 },
      { kind: 'su', formatCode: 5, sampleCount: 70000 },
      { textHeader: new Uint8Array(100) },
      { binaryHeader: new Uint8Array(10) },
    ];
    for (const change of bad) {
      await expect(
        SegyWriter.create(fileName(), { ...base, ...change }),
        JSON.stringify(change),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    await expect(
      SegyWriter.create(fileName(), { ...base, formatCode: 4 as SampleFormatCode }),
    ).rejects.toMatchObject({
      code: 'SEGY_BAD_FORMAT_CODE',
    });
    await expect(SegyWriter.openForWrite(path.join(scratch, 'missing.sgy'), base)).rejects.toMatchObject({
      code: 'SEGY_WRITE',
    });
  });
});

describe('Seismic Unix', () => {
  for (const endianness of ['big', 'little'] as Endianness[]) {
    it(`writes and reads ${endianness}-endian SU, detected by extension and by byte order`, async () => {
      const made = await makeFile(
        { kind: 'su', traces: 6, formatCode: 5, endianness, sampleInterval: 250 },
        'su',
      );
      expect((await fs.stat(made.path)).size).toBe(6 * (240 + 100));
      const file = await SegyFile.open(made.path);
      try {
        expect(file).toMatchObject({
          kind: 'su',
          endianness,
          formatCode: 5,
          sampleCount: 25,
          sampleInterval: 250,
          traceCount: 6,
          dataOffset: 0,
          textEncoding: null,
          textHeader: '',
        });
        expect(await file.readTraces(0, 6)).toEqual(made.samples);
        expect(values((await file.readTraceHeaders(0, 6, ['cdp'])).cdp!)).toEqual([
          100, 101, 102, 103, 104, 105,
        ]);
      } finally {
        await file.close();
      }
    });
  }

  it('refuses an SU file whose first header gives no sample count, and truncated SU files', async () => {
    const made = await makeFile({ kind: 'su', traces: 3, formatCode: 5 }, 'su');
    await patch(made.path, 114, [0, 0]);
    expect((await openError(made.path)).code).toBe('SEGY_BAD_SAMPLE_COUNT');
    const truncated = await makeFile({ kind: 'su', traces: 3, formatCode: 5 }, 'su');
    await fs.truncate(truncated.path, 3 * 340 - 10);
    expect((await openError(truncated.path)).code).toBe('SEGY_TRUNCATED');
    const small = fileName('su');
    await fs.writeFile(small, new Uint8Array(100));
    expect((await openError(small)).code).toBe('SEGY_TOO_SHORT');
  });
});

describe('reading', () => {
  it('reads chunks, header values and raw blocks consistently', async () => {
    const made = await makeFile({ traces: 37, formatCode: 2, endianness: 'little' });
    const file = await SegyFile.open(made.path);
    try {
      const seen: number[] = [];
      const collected = new Float32Array(37 * 25);
      for await (const chunk of file.chunks({ chunkTraces: 10 })) {
        seen.push(chunk.start, chunk.end);
        collected.set(chunk.samples, chunk.start * 25);
        expect(chunk.rawHeaders).toEqual(made.headers.subarray(chunk.start * 240, chunk.end * 240));
      }
      expect(seen).toEqual([0, 10, 10, 20, 20, 30, 30, 37]);
      expect(collected).toEqual(made.samples);
      // reuseBuffers: the same values from two sets of buffers used in turn.
      const reusedSamples = new Float32Array(37 * 25);
      const buffers: ArrayBufferLike[] = [];
      for await (const chunk of file.chunks({ chunkTraces: 10, start: 3, reuseBuffers: true })) {
        reusedSamples.set(chunk.samples, chunk.start * 25);
        expect(chunk.rawHeaders).toEqual(made.headers.subarray(chunk.start * 240, chunk.end * 240));
        buffers.push(chunk.samples.buffer);
      }
      expect(reusedSamples.subarray(3 * 25)).toEqual(made.samples.subarray(3 * 25));
      expect(buffers).toHaveLength(4);
      expect(buffers[2]).toBe(buffers[0]);
      expect(buffers[3]).toBe(buffers[1]);
      expect(buffers[1]).not.toBe(buffers[0]);
      const partial: number[] = [];
      for await (const chunk of file.chunks({ chunkTraces: 4, start: 5, end: 13 })) partial.push(chunk.start);
      expect(partial).toEqual([5, 9]);
      // Stopping early leaves the file usable.
      for await (const chunk of file.chunks({ chunkTraces: 2 })) if (chunk.start >= 2) break;
      expect(await file.readHeaderValue(36, 'CDP')).toBe(136);
      expect(await file.readHeaderValue(3, 'offset')).toBe(-150);
      const block = await file.readTraceBlock(4, 6);
      expect(block.byteLength).toBe(2 * file.traceSize);
      expect(file.decodeBlock(block, 2, new Float32Array(50))).toEqual(made.samples.subarray(100, 150));
      expect(await file.readTraces(10, 10)).toHaveLength(0);
      const out = new Float32Array(60).fill(7);
      await file.readTraces(1, 3, out);
      expect(out.subarray(0, 50)).toEqual(made.samples.subarray(25, 75));
      expect(out[55]).toBe(7);
    } finally {
      await file.close();
    }
  });

  it('reads headers of small traces in blocks, also several calls at once', async () => {
    const made = await makeFile({ traces: 37, formatCode: 2, endianness: 'little' });
    const file = await SegyFile.open(made.path);
    try {
      // The calls share one kept block buffer when they can; concurrent ones must not mix it up.
      const [first, second, third] = await Promise.all([
        file.readRawTraceHeaders(0, 20),
        file.readRawTraceHeaders(10, 37),
        file.readRawTraceHeaders(5, 6),
      ]);
      expect(first).toEqual(made.headers.subarray(0, 20 * 240));
      expect(second).toEqual(made.headers.subarray(10 * 240));
      expect(third).toEqual(made.headers.subarray(5 * 240, 6 * 240));
      expect(await file.readRawTraceHeaders(30, 37)).toEqual(made.headers.subarray(30 * 240));
    } finally {
      await file.close();
    }
  });

  it('reads headers of large traces one by one with the same result', async () => {
    const made = await makeFile({ traces: 40, sampleCount: 5000, formatCode: 5 });
    const file = await SegyFile.open(made.path);
    try {
      expect(file.traceSize).toBeGreaterThan(16384);
      expect(await file.readRawTraceHeaders(3, 40)).toEqual(made.headers.subarray(3 * 240));
    } finally {
      await file.close();
    }
  });

  it('reads the same with blocking reads, done before the call returns, and reports a short read', async () => {
    const made = await makeFile({ traces: 12, formatCode: 5 });
    const file = await SegyFile.open(made.path, { blockingReads: true });
    try {
      expect(await file.readTraces(0, 12)).toEqual(made.samples);
      expect(await file.readRawTraceHeaders(2, 9)).toEqual(made.headers.subarray(2 * 240, 9 * 240));
      // A blocking read has read the bytes when the call returns. With libuv's thread pool kept
      // busy, a read through the pool would still be queued when the file is cut right after the
      // call, and would come up short.
      const poolBusy = occupyThreadPool();
      const read = file.readTraceBlock(10, 12);
      truncateSync(made.path, 3600 + 11 * file.traceSize - 1);
      expect(file.decodeBlock(await read, 2, new Float32Array(50))).toEqual(made.samples.subarray(250));
      await poolBusy;
      await expect(file.readTraceBlock(10, 12)).rejects.toMatchObject({
        code: 'SEGY_TRUNCATED',
        context: { path: made.path, byteOffset: 3600 + 11 * file.traceSize - 1, traceIndex: 10 },
      });
    } finally {
      await file.close();
    }
  });

  it('refuses bad ranges and reads after close', async () => {
    const made = await makeFile({ traces: 5 });
    const file = await SegyFile.open(made.path);
    for (const [start, end] of [
      [-1, 2],
      [3, 2],
      [0, 6],
      [0.5, 2],
    ] as const) {
      await expect(file.readTraces(start, end)).rejects.toMatchObject({
        code: 'SEGY_RANGE',
        context: { path: made.path },
      });
    }
    await expect(file.readHeaderValue(5, 'cdp')).rejects.toMatchObject({ code: 'SEGY_RANGE' });
    await expect(file.readTraceHeaders(0, 1, ['nonsense'])).rejects.toMatchObject({
      code: 'SEGY_BAD_HEADER_FIELD',
    });
    await expect(file.readTraceBlock(0, 2, new Uint8Array(10))).rejects.toMatchObject({ code: 'SEGY_RANGE' });
    await expect(async () => {
      for await (const _ of file.chunks({ chunkTraces: 0 })) break;
    }).rejects.toMatchObject({ code: 'SEGY_RANGE' });
    await file.close();
    await expect(file.readTraces(0, 1)).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('applies a header mapping given as JSON', async () => {
    const made = await makeFile({ traces: 3 });
    const file = await SegyFile.open(made.path, {
      mapping: { fields: [{ key: 'inline', byte: 21, type: 'int32' }] },
    });
    try {
      expect(values((await file.readTraceHeaders(0, 3, ['inline'])).inline!)).toEqual([100, 101, 102]);
    } finally {
      await file.close();
    }
  });
});

describe('layout decisions', () => {
  it('takes the sample count from trace header 115 when the binary header says 0', async () => {
    const made = await makeFile({ traces: 4 });
    await patch(made.path, 3220, [0, 0]);
    const file = await SegyFile.open(made.path);
    expect(file.sampleCount).toBe(25);
    expect(file.notes.join(' ')).toMatch(/first trace header/);
    expect(await file.readTraces(0, 4)).toEqual(made.samples);
    await file.close();
  });

  it('decides the sample interval as segyio does', async () => {
    const cases: Array<[binary: number, trace: number, expected: number]> = [
      [2000, 2000, 2000],
      [0, 1000, 1000],
      [3000, 0, 3000],
      [2000, 1000, 4000], // disagreement: the fallback
      [-2000, 1000, 1000], // negative means missing
      [0, 0, 4000],
    ];
    for (const [binary, trace, expected] of cases) {
      const made = await makeFile({ traces: 2 });
      const bin = new DataView(new ArrayBuffer(2));
      bin.setInt16(0, binary);
      await patch(made.path, 3216, new Uint8Array(bin.buffer));
      bin.setInt16(0, trace);
      await patch(made.path, 3600 + 116, new Uint8Array(bin.buffer));
      const file = await SegyFile.open(made.path);
      expect(file.sampleInterval, `${binary}/${trace}`).toBe(expected);
      await file.close();
    }
    const made = await makeFile({ traces: 2 });
    await patch(made.path, 3216, [0x0f, 0xa0]);
    const file = await SegyFile.open(made.path, { fallbackSampleInterval: 1234 });
    expect(file.sampleInterval).toBe(1234);
    await file.close();
  });

  it('honours explicit byte order and format overrides', async () => {
    const made = await makeFile({ traces: 3, formatCode: 5, endianness: 'little' });
    await patch(made.path, 3296, [0, 0, 0, 0]); // no byte order constant: detection by format code
    const detected = await SegyFile.open(made.path);
    expect(detected.endianness).toBe('little');
    await detected.close();
    const forced = await SegyFile.open(made.path, { formatCode: 2 });
    const raw = await forced.readTraceBlock(0, 1);
    const asInt = decodeSamples(raw.subarray(240), 2, 'little', new Float32Array(25));
    expect(await forced.readTraces(0, 1)).toEqual(asInt);
    await forced.close();
    expect((await openError(made.path, { endianness: 'big' })).code).toBe('SEGY_BAD_FORMAT_CODE');
  });
});

describe('bad input', () => {
  it('reports too-short, truncated, header-only and garbage-tailed files', async () => {
    const tiny = fileName();
    await fs.writeFile(tiny, new Uint8Array(3599));
    expect(await openError(tiny)).toMatchObject({ code: 'SEGY_TOO_SHORT', context: { path: tiny } });

    const made = await makeFile({ traces: 5 });
    await fs.truncate(made.path, 3600 + 5 * 340 - 3);
    const error = await openError(made.path);
    expect(error).toMatchObject({
      code: 'SEGY_TRUNCATED',
      context: { path: made.path, traceIndex: 4, byteOffset: 3600 + 4 * 340 },
    });
    const tolerant = await SegyFile.open(made.path, { ignoreTruncated: true });
    expect(tolerant.traceCount).toBe(4);
    expect(await tolerant.readTraces(0, 4)).toEqual(made.samples.subarray(0, 100));
    await tolerant.close();

    const headerOnly = await makeFile({ traces: 1 });
    await fs.truncate(headerOnly.path, 3600);
    expect((await openError(headerOnly.path)).code).toBe('SEGY_NO_TRACES');
    await fs.truncate(headerOnly.path, 3700);
    expect((await openError(headerOnly.path, { ignoreTruncated: true })).code).toBe('SEGY_NO_TRACES');

    const tail = await makeFile({ traces: 2 });
    await fs.appendFile(tail.path, new Uint8Array(17).fill(0xab));
    expect((await openError(tail.path)).code).toBe('SEGY_TRUNCATED');
  });

  it('reports bad format codes, sample counts, text and extended headers', async () => {
    const format = await makeFile({ traces: 2 });
    await patch(format.path, 3224, [0, 4]);
    expect(await openError(format.path)).toMatchObject({
      code: 'SEGY_BAD_FORMAT_CODE',
      context: { byteOffset: 3224 },
    });
    await patch(format.path, 3224, [0x7f, 0x7f]);
    expect((await openError(format.path)).code).toBe('SEGY_BAD_FORMAT_CODE');

    const samples = await makeFile({ traces: 2 });
    await patch(samples.path, 3220, [0, 0]);
    await patch(samples.path, 3600 + 114, [0, 0]);
    await patch(samples.path, 3600 + 340 + 114, [0, 0]);
    expect((await openError(samples.path)).code).toBe('SEGY_BAD_SAMPLE_COUNT');

    const absurd = await makeFile({ traces: 2 });
    await patch(absurd.path, 3220, [0xff, 0xff]);
    await patch(absurd.path, 3600 + 114, [0xff, 0xff]);
    expect((await openError(absurd.path)).code).toBe('SEGY_TRUNCATED');

    const text = await makeFile({ traces: 2 });
    const junk = new Uint8Array(3200);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    await patch(text.path, 0, junk);
    expect(await openError(text.path)).toMatchObject({
      code: 'SEGY_BAD_TEXT_HEADER',
      context: { byteOffset: 0 },
    });

    const extended = await makeFile({ traces: 2 });
    await patch(extended.path, 3504, [0x01, 0x00]);
    expect((await openError(extended.path)).code).toBe('SEGY_BAD_EXTENDED_HEADERS');
    await patch(extended.path, 3504, [0xff, 0xfe]);
    expect((await openError(extended.path)).code).toBe('SEGY_BAD_EXTENDED_HEADERS');
    await patch(extended.path, 3504, [0xff, 0xff]); // -1 but no EndText stanza
    expect((await openError(extended.path)).code).toBe('SEGY_BAD_EXTENDED_HEADERS');
    // A count the (sparse) file has room for, but far more than any real file carries.
    await fs.truncate(extended.path, 3600 + 3200 * 5000 + 2 * 340);
    await patch(extended.path, 3504, [0x13, 0x88]);
    expect(await openError(extended.path)).toMatchObject({
      code: 'SEGY_BAD_EXTENDED_HEADERS',
      message: /at most 4096/,
    });
  });

  it('refuses variable-length rev 2 traces it cannot read', async () => {
    const made = await makeFile({ traces: 3, endianness: 'little' });
    await patch(made.path, 3502, [0, 0]); // fixed-length flag off
    await fs.appendFile(made.path, new Uint8Array(100));
    expect((await openError(made.path)).code).toBe('SEGY_VARIABLE_LENGTH');
  });

  it('reports a missing file as STORAGE_NOT_FOUND', async () => {
    const missing = path.join(scratch, 'nope.sgy');
    expect(await openError(missing)).toMatchObject({ code: 'STORAGE_NOT_FOUND', context: { path: missing } });
  });
});
