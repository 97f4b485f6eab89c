/**
 * Every file of the shared corpus against expected.json, field by field; files without an
 * expectation are read or refused with a typed error.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import {
  checksumFile,
  HeaderMapping,
  ibmToIeeeBitsSegyio,
  SegyFile,
  TRACE_HEADER_FIELDS,
} from '../../src/segy/index.js';
import {
  CORPUS_ROOT,
  corpusFiles,
  type Expectation,
  loadExpectations,
  usingFixtures,
} from './corpus-files.js';

const doc = loadExpectations();
const expected = new Map(doc.files.map((e) => [e.path, e]));
const full = (rel: string) => path.join(CORPUS_ROOT, rel);

/**
 * The one corpus file whose expected checksum is not the exact decode: it holds un-normalised IBM
 * floats, which segyio (the oracle) scales as if normalised. See the last test.
 */
const UNNORMALISED_IBM = 'obspy/00001034.sgy_first_trace';

function openOptions(e: Expectation) {
  return e.kind === 'su' ? { kind: 'su' as const } : {};
}

describe(`corpus files with expectations (${usingFixtures ? 'repository fixtures only' : CORPUS_ROOT})`, () => {
  for (const e of doc.files.filter((f) => f.expect === 'reject')) {
    it(`refuses ${e.path} with a typed error`, async () => {
      const error = await SegyFile.open(full(e.path), openOptions(e)).then(
        (file) => file.close().then(() => undefined),
        (err: unknown) => err,
      );
      expect(isSeisprocError(error), `${e.path} opened`).toBe(true);
      expect((error as { code: string }).code).toMatch(/^SEGY_/);
      expect((error as { context: { path?: string } }).context.path).toBe(full(e.path));
    });
  }

  for (const e of doc.files.filter((f) => f.expect === 'read')) {
    it(`reads ${e.path} as expected`, async () => {
      const file = await SegyFile.open(full(e.path), openOptions(e));
      try {
        expect(file.kind).toBe(e.kind);
        expect(file.traceCount).toBe(e.n_traces);
        expect(file.sampleCount).toBe(e.n_samples);
        if (e.kind === 'segy' && e.format != null) expect(file.formatCode).toBe(e.format);
        if (e.endian) expect(file.endianness).toBe(e.endian);
        if (e.dt_us != null) expect(file.sampleInterval).toBe(e.dt_us);
        if (e.ext_text_headers != null) expect(file.extendedTextHeaders).toHaveLength(e.ext_text_headers);
        if (e.text_encoding === 'ebcdic' || e.text_encoding === 'ascii') {
          expect(file.textEncoding).toBe(e.text_encoding);
        }
        if (e.text_line1) {
          const line1 = file.textHeader.split('\n')[0]!;
          expect(line1.trimEnd()).toBe(e.text_line1.replaceAll('\0', ' ').trimEnd());
        }
        if (e.trace_headers) {
          const names = Object.keys(doc.header_positions);
          for (const name of names) {
            expect(HeaderMapping.standard().field(name).byte).toBe(doc.header_positions[name]!.byte);
          }
          const last = file.traceCount - 1;
          const first = await file.readTraceHeaders(0, 1, names);
          const final = await file.readTraceHeaders(last, last + 1, names);
          const value = (columns: typeof first, name: string) => Number(columns[name]![0]!);
          expect(Object.fromEntries(names.map((n) => [n, value(first, n)]))).toEqual(e.trace_headers.first);
          expect(Object.fromEntries(names.map((n) => [n, value(final, n)]))).toEqual(e.trace_headers.last);
        }
        if (e.path !== UNNORMALISED_IBM) {
          const sum = await checksumFile(full(e.path), openOptions(e));
          expect(sum.sha256).toBe(e.samples_sha256_f32le);
          expect(sum.traceCount).toBe(e.n_traces);
        }
        if (e.min !== undefined && e.max !== undefined && e.path !== UNNORMALISED_IBM) {
          const samples = await file.readTraces(0, file.traceCount);
          let min = Number.POSITIVE_INFINITY;
          let max = Number.NEGATIVE_INFINITY;
          for (const v of samples) {
            if (!Number.isFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
          }
          expect(min).toBe(e.min);
          expect(max).toBe(e.max);
        }
      } finally {
        await file.close();
      }
    });
  }
});

describe('corpus files without expectations', () => {
  for (const rel of corpusFiles().filter((f) => !expected.has(f))) {
    it(`reads ${rel} completely or refuses it with a typed error`, async () => {
      const kind = /\.su$/.test(rel) ? { kind: 'su' as const } : {};
      let file: SegyFile;
      try {
        file = await SegyFile.open(full(rel), kind);
      } catch (error) {
        expect(isSeisprocError(error), String(error)).toBe(true);
        return;
      }
      try {
        const samples = await file.readTraces(0, file.traceCount);
        expect(samples.length).toBe(file.traceCount * file.sampleCount);
        const headers = await file.readRawTraceHeaders(0, file.traceCount);
        expect(headers.byteLength).toBe(file.traceCount * file.traceHeaderSize);
        expect(file.dataOffset + file.traceCount * file.traceSize).toBeLessThanOrEqual(file.fileSize);
      } finally {
        await file.close();
      }
    });
  }

  it.skipIf(usingFixtures)(
    'reads the rev 2.1 files that no reference reader handles as their construction implies',
    async () => {
      // increment-lsb.sgy is increment.sgy byte-swapped: same layout, same samples.
      const big = await SegyFile.open(full('segyio/increment.sgy'));
      const little = await SegyFile.open(full('segyio/increment-lsb.sgy'));
      try {
        expect(little.endianness).toBe('little');
        for (const key of ['traceCount', 'sampleCount', 'sampleInterval', 'traceSize'] as const) {
          expect(little[key]).toBe(big[key]);
        }
        expect(await little.readTraces(0, little.traceCount)).toEqual(
          await big.readTraces(0, big.traceCount),
        );
        // Bytes 233-240 are the rev 2.1 header name, text that byte swapping leaves alone; the
        // -lsb file swapped bytes 219-222 as one 4-byte value (segyio 1.8.3's layout), where rev 2
        // has two 2-byte source energy directions.
        const numeric = TRACE_HEADER_FIELDS.filter((f) => f.byte < 219 || (f.byte > 222 && f.byte < 233)).map(
          (f) => f.key,
        );
        expect(await little.readTraceHeaders(0, 5, numeric)).toEqual(
          await big.readTraceHeaders(0, 5, numeric),
        );
      } finally {
        await big.close();
        await little.close();
      }
      // stanzas-unknown-count.sgy is stanzas-known-count.sgy with the count -1: the stanzas end at EndText.
      const known = await SegyFile.open(full('segyio/stanzas-known-count.sgy'));
      const unknown = await SegyFile.open(full('segyio/stanzas-unknown-count.sgy'));
      try {
        expect(unknown.binaryHeader.extendedTextHeaderCount).toBe(-1);
        expect(unknown.extendedTextHeaders).toHaveLength(known.extendedTextHeaders.length);
        expect(unknown.extendedTextHeaders.at(-1)).toMatch(/\(\(\s*SEG\s*:\s*EndText\s*\)\)/i);
        expect(unknown.dataOffset).toBe(known.dataOffset);
      } finally {
        await known.close();
        await unknown.close();
      }
      // trace-header-extensions.sgy declares two extensions (SEG00001, PRIVATE1) in its layout stanza.
      const extended = await SegyFile.open(full('segyio/trace-header-extensions.sgy'));
      try {
        expect(extended.traceHeaderSize).toBe(720);
        expect(extended.traceCount).toBe(2);
      } finally {
        await extended.close();
      }
      // long.sgy: 60000 samples, more than a signed 16-bit field holds.
      const long = await SegyFile.open(full('segyio/long.sgy'));
      try {
        expect(long.sampleCount).toBe(60000);
      } finally {
        await long.close();
      }
    },
  );
});

describe('un-normalised IBM floats', () => {
  it('decodes them exactly, and reproduces the oracle (segyio) with ibm: segyio', async () => {
    const e = expected.get(UNNORMALISED_IBM)!;
    const compat = await checksumFile(full(e.path), { ibm: 'segyio' });
    expect(compat.sha256).toBe(e.samples_sha256_f32le);

    const file = await SegyFile.open(full(e.path));
    try {
      const samples = await file.readTraces(0, 1);
      const raw = await file.readTraceBlock(0, 1);
      const view = new DataView(raw.buffer, file.traceHeaderSize);
      let unnormalised = 0;
      for (let i = 0; i < file.sampleCount; i++) {
        const word = view.getUint32(i * 4, true);
        const fraction = word & 0xffffff;
        const exponent = (word >>> 24) & 0x7f;
        // The definition of an IBM float, evaluated in double precision: 0.F × 16^(E − 64).
        const exact = Math.fround((word >>> 31 ? -1 : 1) * (fraction / 2 ** 24) * 16 ** (exponent - 64));
        expect(samples[i]).toBe(exact);
        if (fraction !== 0 && fraction < 0x100000) unnormalised++;
        else {
          const segyio = new Float32Array(new Uint32Array([ibmToIeeeBitsSegyio(word)]).buffer)[0];
          expect(samples[i]).toBe(segyio);
        }
      }
      expect(unnormalised).toBeGreaterThan(100);
    } finally {
      await file.close();
    }
  });
});
