/**
 * Each built-in processor against an independent computation written differently: naive loops
 * over the definition, and for the bandpass a direct (O(N²)) discrete Fourier transform.
 */
import { describe, expect, it } from 'vitest';
import { isSeisprocError } from '../../src/errors/index.js';
import { type ProcessorChunk, type ProcessorParameters, processors } from '../../src/process/index.js';

/** A chunk of `traces` × `samples` pseudo-random values (deterministic LCG). */
function randomChunk(traces: number, samples: number, sampleInterval = 2000, seed = 7): ProcessorChunk {
  let state = seed;
  const data = new Float32Array(traces * samples);
  for (let i = 0; i < data.length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    data[i] = (state / 2 ** 31 - 0.5) * 20;
  }
  return {
    samples: data,
    traceCount: traces,
    sampleCount: samples,
    sampleInterval,
    delayMs: 0,
    firstTrace: 0,
    headers: {},
  };
}

function apply(name: string, parameters: ProcessorParameters, chunk: ProcessorChunk): Float32Array {
  const input = { ...chunk, samples: chunk.samples.slice() };
  return processors.create(name, parameters).process(input);
}

function expectClose(
  actual: Float32Array,
  expected: ArrayLike<number>,
  relative: number,
  absolute = 0,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i]!;
    const tolerance = absolute + relative * Math.abs(e);
    if (!(Math.abs(actual[i]! - e) <= tolerance)) {
      throw new Error(`sample ${i}: got ${actual[i]}, expected ${e} (±${tolerance})`);
    }
  }
}

describe('scale', () => {
  it('multiplies every sample by the factor', () => {
    const chunk = randomChunk(3, 17);
    const out = apply('scale', { factor: -2.5 }, chunk);
    expectClose(
      out,
      Array.from(chunk.samples, (x) => x * -2.5),
      1e-7,
    );
  });
});

describe('agc', () => {
  it('divides each sample by the RMS of its centred window', () => {
    const chunk = randomChunk(4, 120, 4000);
    // Make one trace's amplitude vary strongly along time, and another all zero.
    for (let s = 0; s < 120; s++) chunk.samples[120 + s]! *= 1 + s * s;
    chunk.samples.fill(0, 240, 360);
    const windowMs = 100; // 25 samples at 4 ms → half-width 12
    const out = apply('agc', { window: windowMs }, chunk);
    const expected: number[] = [];
    const half = 12;
    for (let t = 0; t < 4; t++) {
      for (let s = 0; s < 120; s++) {
        let sum = 0;
        let count = 0;
        for (let j = Math.max(0, s - half); j <= Math.min(119, s + half); j++) {
          sum += chunk.samples[t * 120 + j]! ** 2;
          count++;
        }
        const rms = Math.sqrt(sum / count);
        expected.push(rms === 0 ? 0 : chunk.samples[t * 120 + s]! / rms);
      }
    }
    expectClose(out, expected, 1e-5, 1e-6);
    // After AGC the varying trace has a similar level everywhere.
    const early = Math.abs(out[120 + 20]!);
    expect(early).toBeLessThan(4);
  });

  it('uses 500 ms by default', () => {
    expect(processors.create('agc').parameters).toEqual({ window: 500 });
  });
});

describe('rms', () => {
  it('scales each trace to the target RMS and leaves zero traces at zero', () => {
    const chunk = randomChunk(3, 50);
    chunk.samples.fill(0, 50, 100);
    const out = apply('rms', { target: 3 }, chunk);
    const expected: number[] = [];
    for (let t = 0; t < 3; t++) {
      const trace = Array.from(chunk.samples.subarray(t * 50, (t + 1) * 50));
      const rms = Math.sqrt(trace.reduce((a, x) => a + x * x, 0) / trace.length);
      for (const x of trace) expected.push(rms === 0 ? 0 : (3 * x) / rms);
    }
    expectClose(out, expected, 1e-6);
    const first = out.subarray(0, 50);
    expect(Math.sqrt(first.reduce((a, x) => a + x * x, 0) / 50)).toBeCloseTo(3, 5);
  });
});

describe('clip', () => {
  it('limits samples to [-limit, limit]', () => {
    const chunk = randomChunk(2, 40);
    const out = apply('clip', { limit: 4 }, chunk);
    expectClose(
      out,
      Array.from(chunk.samples, (x) => Math.max(-4, Math.min(4, x))),
      0,
    );
    expect(Math.max(...out)).toBe(4);
    expect(Math.min(...out)).toBe(-4);
  });
});

describe('tpow', () => {
  it('multiplies sample i by (delay + i·dt)^power', () => {
    const chunk = { ...randomChunk(2, 30, 4000), delayMs: -20 };
    const out = apply('tpow', { power: 1.5 }, chunk);
    const expected = Array.from(chunk.samples, (x, i) => {
      const seconds = -0.02 + (i % 30) * 0.004;
      return seconds <= 0 ? 0 : x * seconds ** 1.5;
    });
    expectClose(out, expected, 1e-6);
  });
});

/** Zero-phase filtering by a direct DFT of the zero-padded trace: the definition, with no FFT. */
function directDftBandpass(
  trace: ArrayLike<number>,
  size: number,
  sampleIntervalUs: number,
  response: (hz: number) => number,
): number[] {
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    for (let n = 0; n < trace.length; n++) {
      const angle = (-2 * Math.PI * k * n) / size;
      re[k] += trace[n]! * Math.cos(angle);
      im[k] += trace[n]! * Math.sin(angle);
    }
    const hz = (Math.min(k, size - k) * 1e6) / (size * sampleIntervalUs);
    re[k] *= response(hz);
    im[k] *= response(hz);
  }
  const out: number[] = [];
  for (let n = 0; n < trace.length; n++) {
    let sum = 0;
    for (let k = 0; k < size; k++) {
      const angle = (2 * Math.PI * k * n) / size;
      sum += re[k]! * Math.cos(angle) - im[k]! * Math.sin(angle);
    }
    out.push(sum / size);
  }
  return out;
}

/** Trapezoid written out piecewise for the reference. */
const trapezoid = (f1: number, f2: number, f3: number, f4: number) => (hz: number) =>
  hz <= f1 ? 0 : hz < f2 ? (hz - f1) / (f2 - f1) : hz <= f3 ? 1 : hz < f4 ? (f4 - hz) / (f4 - f3) : 0;

describe('bandpass', () => {
  it('equals a direct DFT filter on short traces (corners form, odd trace count)', () => {
    // 50 samples → FFT length 128 (smallest power of two ≥ 100); 3 traces exercise the odd pairing.
    const chunk = randomChunk(3, 50, 4000);
    const out = apply('bandpass', { f1: 10, f2: 20, f3: 60, f4: 90 }, chunk);
    const expected: number[] = [];
    for (let t = 0; t < 3; t++) {
      expected.push(
        ...directDftBandpass(
          chunk.samples.subarray(t * 50, (t + 1) * 50),
          128,
          4000,
          trapezoid(10, 20, 60, 90),
        ),
      );
    }
    expectClose(out, expected, 1e-4, 1e-4);
  });

  it('equals a direct DFT filter for low/high with taper', () => {
    const chunk = randomChunk(2, 37, 2000);
    const out = apply('bandpass', { low: 30, high: 120, taper: 15 }, chunk);
    const expected: number[] = [];
    for (let t = 0; t < 2; t++) {
      expected.push(
        ...directDftBandpass(
          chunk.samples.subarray(t * 37, (t + 1) * 37),
          128,
          2000,
          trapezoid(15, 30, 120, 135),
        ),
      );
    }
    expectClose(out, expected, 1e-4, 1e-4);
  });

  it('is zero phase: a centred spike stays centred and symmetric', () => {
    const chunk = { ...randomChunk(1, 101, 2000), samples: new Float32Array(101) };
    chunk.samples[50] = 1;
    const out = processors.create('bandpass', { low: 10, high: 60 }).process(chunk);
    const peak = out.indexOf(Math.max(...out));
    expect(peak).toBe(50);
    for (let j = 1; j <= 50; j++) expect(out[50 + j]!).toBeCloseTo(out[50 - j]!, 6);
  });

  it('passes a sine inside the band and kills one outside', () => {
    const n = 1000;
    const dt = 2000; // 2 ms: Nyquist 250 Hz
    const sine = (hz: number) => {
      const chunk = { ...randomChunk(1, n, dt), samples: new Float32Array(n) };
      for (let i = 0; i < n; i++) chunk.samples[i] = Math.sin(2 * Math.PI * hz * i * (dt / 1e6));
      return chunk;
    };
    const filter = processors.create('bandpass', { f1: 10, f2: 15, f3: 45, f4: 50 });
    const middle = (samples: Float32Array) => samples.subarray(200, 800);
    const inBand = sine(30);
    const passed = middle(filter.process({ ...inBand, samples: inBand.samples.slice() }));
    const original = middle(inBand.samples);
    for (let i = 0; i < passed.length; i++) expect(Math.abs(passed[i]! - original[i]!)).toBeLessThan(0.02);
    const killed = middle(filter.process(sine(100)));
    expect(Math.max(...killed.map(Math.abs))).toBeLessThan(0.01);
  });

  it('refuses contradictory or incomplete bands', () => {
    const cases: ProcessorParameters[] = [
      {},
      { f1: 10, f2: 5, f3: 20, f4: 30 },
      { f1: 10, f2: 20, f3: 30 },
      { low: 60, high: 10 },
      { low: 5, f1: 1, f2: 2, f3: 3, f4: 4 },
      { low: -1 },
      { low: 5, hihg: 60 },
    ];
    for (const parameters of cases) {
      let error: unknown;
      try {
        processors.create('bandpass', parameters);
      } catch (caught) {
        error = caught;
      }
      expect(isSeisprocError(error, 'INVALID_ARGUMENT'), JSON.stringify(parameters)).toBe(true);
    }
  });

  it('fills in the default taper and fails on a band above Nyquist', () => {
    expect(processors.create('bandpass', { low: 5, high: 60 }).parameters).toEqual({
      low: 5,
      high: 60,
      taper: 5,
    });
    const filter = processors.create('bandpass', { low: 300 });
    expect(() => filter.process(randomChunk(1, 10, 2000))).toThrow(/Nyquist/);
  });
});

describe('registry', () => {
  it('lists the built-ins and refuses unknown names, versions and parameters', () => {
    expect(processors.names()).toEqual(['agc', 'bandpass', 'clip', 'rms', 'scale', 'tpow']);
    expect(() => processors.create('nope')).toThrow(/unknown processor "nope"/);
    expect(() => processors.create('scale', { factor: 2 }, { version: '0.1.0' })).toThrow(/version/);
    expect(() => processors.create('scale', {})).toThrow(/factor/);
    expect(() => processors.create('clip', { limit: 1, extra: 2 })).toThrow(/extra/);
    expect(() => processors.create('scale', { factor: 'x' })).toThrow(/bad parameters/);
  });

  it('rebuilds a processor from its spec', () => {
    const original = processors.create('agc', { window: 250 });
    const rebuilt = processors.fromSpec({
      name: 'agc',
      version: original.version,
      parameters: original.parameters,
    });
    expect(rebuilt.parameters).toEqual({ window: 250 });
    expect(rebuilt.definition).toBe(original.definition);
  });
});
