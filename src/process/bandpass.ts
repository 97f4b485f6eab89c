/**
 * Built-in zero-phase bandpass filter: each trace's spectrum is multiplied by a real, even
 * trapezoid response, so amplitudes are shaped and phases left as they are (no time shift).
 */
import type FFT from 'fft.js';
import { loadFft } from '../lazy.js';
import { lazyParametersFrom } from './gain.js';
import { defineProcessor, type ProcessorParameters } from './processor.js';

/**
 * Parameters of the bandpass filter, in Hz. Either the four corners of a trapezoid
 * (`f1 ≤ f2 ≤ f3 ≤ f4`: zero below f1, linear ramp up to 1 at f2, 1 up to f3, linear ramp down
 * to zero at f4), or `low` and/or `high` edges of the pass band with a `taper` (default 5 Hz)
 * outside them: f1 = low − taper, f2 = low, f3 = high, f4 = high + taper. Without `low` nothing is
 * cut at the low end, without `high` nothing at the high end.
 */
export type BandpassParameters = {
  f1?: number;
  f2?: number;
  f3?: number;
  f4?: number;
  low?: number;
  high?: number;
  taper?: number;
};

/** The four corners of the trapezoid (f3 = f4 = ∞ when there is no high cut). */
export interface BandpassCorners {
  f1: number;
  f2: number;
  f3: number;
  f4: number;
}

const parseShape = lazyParametersFrom<BandpassParameters>((z) => {
  const hertz = () => z.number().min(0).optional();
  return {
    f1: hertz(),
    f2: hertz(),
    f3: hertz(),
    f4: hertz(),
    low: hertz(),
    high: hertz(),
    taper: hertz(),
  };
});

/** Check bandpass parameters and return them complete (the taper default filled in for low/high). */
export function parseBandpassParameters(raw: ProcessorParameters): BandpassParameters {
  const p = parseShape(raw);
  const corners = [p.f1, p.f2, p.f3, p.f4];
  const edges = [p.low, p.high, p.taper];
  const cornersGiven = corners.filter((v) => v !== undefined).length;
  const edgesGiven = edges.some((v) => v !== undefined);
  if (cornersGiven > 0) {
    if (cornersGiven < 4 || edgesGiven) {
      throw new Error('give either all four corners f1, f2, f3, f4 or low/high (with an optional taper)');
    }
    if (!(p.f1! <= p.f2! && p.f2! <= p.f3! && p.f3! <= p.f4!) || p.f1 === p.f4) {
      throw new Error(`corners must satisfy f1 <= f2 <= f3 <= f4 and f1 < f4, got ${corners.join(', ')}`);
    }
    return { f1: p.f1, f2: p.f2, f3: p.f3, f4: p.f4 };
  }
  if (p.low === undefined && p.high === undefined) {
    throw new Error('give the pass band: low and/or high (Hz), or the corners f1, f2, f3, f4');
  }
  if (p.low !== undefined && p.high !== undefined && p.low >= p.high) {
    throw new Error(`low (${p.low} Hz) must be below high (${p.high} Hz)`);
  }
  return {
    ...(p.low === undefined ? {} : { low: p.low }),
    ...(p.high === undefined ? {} : { high: p.high }),
    taper: p.taper ?? 5,
  };
}

/** The trapezoid corners of complete bandpass parameters. */
export function bandpassCorners(p: BandpassParameters): BandpassCorners {
  if (p.f1 !== undefined) return { f1: p.f1, f2: p.f2!, f3: p.f3!, f4: p.f4! };
  const taper = p.taper ?? 0;
  return {
    f1: p.low === undefined ? 0 : Math.max(0, p.low - taper),
    f2: p.low ?? 0,
    f3: p.high ?? Number.POSITIVE_INFINITY,
    f4: p.high === undefined ? Number.POSITIVE_INFINITY : p.high + taper,
  };
}

/** Amplitude response of the trapezoid at `frequency` Hz. */
export function trapezoidResponse(frequency: number, { f1, f2, f3, f4 }: BandpassCorners): number {
  if (frequency < f1) return 0;
  if (frequency < f2) return (frequency - f1) / (f2 - f1);
  if (frequency <= f3) return 1;
  if (frequency < f4) return (f4 - frequency) / (f4 - f3);
  return 0;
}

/**
 * FFT length used for `sampleCount` samples: the smallest power of two ≥ 2 × sampleCount (and ≥ 4). The
 * trace is zero-padded to it, so the filter's impulse response does not wrap the end of the trace
 * around onto its start.
 */
export function bandpassFftLength(sampleCount: number): number {
  // At least 4: the inverse runs at half the length, and fft.js needs a length of 2 or more.
  let size = 4;
  while (size < 2 * sampleCount) size *= 2;
  return size;
}

/** Per-thread FFT set-up for one trace length and sample interval. */
interface FilterPlan {
  key: string;
  /** Forward transform of the zero-padded trace (length N). */
  forward: FFT;
  /** Inverse transform at half the length (N / 2), see `inverseRealTransform`. */
  inverse: FFT;
  /** Response of bins 0 … N/2. */
  response: Float64Array;
  /** cos and sin of 2πk/N for k < N/2, interleaved. */
  twiddles: Float64Array;
  /** Interleaved complex spectrum (length N). */
  spectrum: Float64Array;
  /** One zero-padded real trace. */
  signal: Float64Array;
  /** Interleaved complex half-length spectrum and its inverse. */
  packed: Float64Array;
  unpacked: Float64Array;
}

/**
 * Inverse DFT of the conjugate-symmetric spectrum of a real signal of even length N, given its bins
 * 0 … N/2, with one complex FFT of length N/2: the even samples E and odd samples O have spectra
 * E[k] = (X[k] + X̄[N/2−k]) / 2 and O[k] = (X[k] − X̄[N/2−k]) / 2 · e^{2πik/N}, so the inverse of
 * Z = E + iO holds the even samples in its real parts and the odd ones in its imaginary parts:
 * `plan.unpacked` ends up holding x[0 … N−1] in order.
 */
function inverseRealTransform(plan: FilterPlan): void {
  const { spectrum, packed, twiddles } = plan;
  const half = plan.inverse.size;
  for (let k = 0; k < half; k++) {
    const aRe = spectrum[2 * k]!;
    const aIm = spectrum[2 * k + 1]!;
    const bRe = spectrum[2 * (half - k)]!;
    const bIm = -spectrum[2 * (half - k) + 1]!;
    const dRe = (aRe - bRe) / 2;
    const dIm = (aIm - bIm) / 2;
    const cos = twiddles[2 * k]!;
    const sin = twiddles[2 * k + 1]!;
    const oRe = dRe * cos - dIm * sin;
    const oIm = dRe * sin + dIm * cos;
    packed[2 * k] = (aRe + bRe) / 2 - oIm;
    packed[2 * k + 1] = (aIm + bIm) / 2 + oRe;
  }
  plan.inverse.inverseTransform(plan.unpacked, packed);
}

/**
 * `bandpass`: zero-phase trapezoid bandpass (see {@link BandpassParameters}). Each trace is filtered
 * on its own (never paired with a neighbour in one complex FFT), so its result does not depend on
 * how the dataset is cut into chunks, down to the last bit: provenance checksums stay reproducible.
 * The forward transform is fft.js's real transform; the inverse packs the real result into a complex
 * FFT of half the length (`inverseRealTransform`).
 */
export const BANDPASS = defineProcessor<BandpassParameters>({
  name: 'bandpass',
  version: '1.0.0',
  description: 'zero-phase bandpass: f1,f2,f3,f4 trapezoid or low/high with taper (Hz)',
  parseParameters: parseBandpassParameters,
  create: (parameters) => {
    const corners = bandpassCorners(parameters);
    let plan: FilterPlan | undefined;
    const planFor = (sampleCount: number, sampleInterval: number): FilterPlan => {
      const key = `${sampleCount}/${sampleInterval}`;
      if (plan?.key === key) return plan;
      const nyquist = 1e6 / (2 * sampleInterval);
      if (corners.f1 >= nyquist) {
        throw new Error(
          `the band starts at ${corners.f1} Hz, at or above the Nyquist frequency ${nyquist} Hz: every sample would be zero`,
        );
      }
      const size = bandpassFftLength(sampleCount);
      const response = new Float64Array(size / 2 + 1);
      for (let k = 0; k <= size / 2; k++) {
        response[k] = trapezoidResponse((k * 1e6) / (size * sampleInterval), corners);
      }
      const twiddles = new Float64Array(size);
      for (let k = 0; k < size / 2; k++) {
        twiddles[2 * k] = Math.cos((2 * Math.PI * k) / size);
        twiddles[2 * k + 1] = Math.sin((2 * Math.PI * k) / size);
      }
      const FFT = loadFft();
      plan = {
        key,
        forward: new FFT(size),
        inverse: new FFT(size / 2),
        response,
        twiddles,
        spectrum: new Float64Array(2 * size),
        signal: new Float64Array(size),
        packed: new Float64Array(size),
        unpacked: new Float64Array(size),
      };
      return plan;
    };
    return (chunk) => {
      const { samples, sampleCount: n, traceCount } = chunk;
      const filter = planFor(n, chunk.sampleInterval);
      const { forward, response, spectrum, signal, unpacked } = filter;
      for (let t = 0; t < traceCount; t++) {
        const offset = t * n;
        for (let i = 0; i < n; i++) signal[i] = samples[offset + i]!;
        signal.fill(0, n);
        // realTransform fills bins 0 … N/2, all the inverse needs.
        forward.realTransform(spectrum, signal);
        for (let k = 0; k < response.length; k++) {
          spectrum[2 * k]! *= response[k]!;
          spectrum[2 * k + 1]! *= response[k]!;
        }
        inverseRealTransform(filter);
        for (let i = 0; i < n; i++) samples[offset + i] = unpacked[i]!;
      }
      return samples;
    };
  },
});
