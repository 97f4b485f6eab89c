/**
 * Built-in amplitude processors: scale, AGC, RMS normalisation, clip and time-power gain. Each
 * works trace by trace, in place, in double precision, and needs neither headers nor gathers.
 */
import type { z } from 'zod';
import { lazy, loadZod } from '../lazy.js';
import { defineProcessor, type ProcessorDefinition, type ProcessorParameters } from './processor.js';

/**
 * Turn a zod object schema into a `parseParameters` function whose error message names each bad
 * parameter. Unknown parameters are refused, so that a typo does not silently fall back to a default.
 */
export function parametersFrom<P extends ProcessorParameters>(
  shape: z.ZodRawShape,
): (raw: ProcessorParameters) => P {
  return lazyParametersFrom(() => shape);
}

/**
 * {@link parametersFrom} for a shape built by `buildShape` on the first parse: zod is loaded and
 * the built-ins' schemas are built when a processor is first created, not when seisproc is imported.
 */
export function lazyParametersFrom<P extends ProcessorParameters>(
  buildShape: (zod: typeof z) => z.ZodRawShape,
): (raw: ProcessorParameters) => P {
  const schema = lazy(() => {
    const { z } = loadZod();
    return z.strictObject(buildShape(z));
  });
  return (raw) => {
    const result = schema().safeParse(raw);
    if (!result.success) {
      throw new Error(
        result.error.issues
          .map((issue) => `${issue.path.length ? issue.path.join('.') : 'parameters'}: ${issue.message}`)
          .join('; '),
      );
    }
    return result.data as P;
  };
}

/** `scale`: multiply every sample by `factor`. */
export const SCALE = defineProcessor<{ factor: number }>({
  name: 'scale',
  version: '1.0.0',
  description: 'multiply every sample by a constant (factor)',
  parseParameters: lazyParametersFrom((z) => ({ factor: z.number() })),
  create: ({ factor }) => {
    return (chunk) => {
      const samples = chunk.samples;
      for (let i = 0; i < samples.length; i++) samples[i]! *= factor;
      return samples;
    };
  },
});

/**
 * `agc`: automatic gain control. Each sample is divided by the RMS amplitude of a window of
 * `window` milliseconds centred on it (2·⌊L/2⌋ + 1 samples, L = window / sample interval, cut at
 * the trace ends); samples whose window is all zero become zero.
 */
export const AGC = defineProcessor<{ window: number }>({
  name: 'agc',
  version: '1.0.0',
  description: 'automatic gain control: divide by the RMS of a sliding window (window in ms, default 500)',
  parseParameters: lazyParametersFrom((z) => ({ window: z.number().positive().default(500) })),
  create: ({ window }) => {
    // Running sums of squares, reused from chunk to chunk of the same thread.
    let prefix = new Float64Array(0);
    return (chunk) => {
      const { samples, sampleCount: n } = chunk;
      const half = Math.floor(Math.max(1, Math.round((window * 1000) / chunk.sampleInterval)) / 2);
      if (prefix.length < n + 1) prefix = new Float64Array(n + 1);
      for (let t = 0; t < chunk.traceCount; t++) {
        const offset = t * n;
        for (let i = 0; i < n; i++) {
          const x = samples[offset + i]!;
          prefix[i + 1] = prefix[i]! + x * x;
        }
        for (let i = 0; i < n; i++) {
          const lo = i > half ? i - half : 0;
          const hi = Math.min(i + half, n - 1);
          const energy = prefix[hi + 1]! - prefix[lo]!;
          // A window's energy is a difference of running sums (float64, so exact to ~1e-16 of the
          // trace energy); a window without energy stays zero instead of being divided by zero.
          samples[offset + i] = energy > 0 ? samples[offset + i]! / Math.sqrt(energy / (hi - lo + 1)) : 0;
        }
      }
      return samples;
    };
  },
});

/** `rms`: scale each trace so that its RMS amplitude is `target` (default 1); all-zero traces stay zero. */
export const RMS_NORMALISE = defineProcessor<{ target: number }>({
  name: 'rms',
  version: '1.0.0',
  description: 'RMS normalisation: scale each trace to an RMS amplitude of target (default 1)',
  parseParameters: lazyParametersFrom((z) => ({ target: z.number().positive().default(1) })),
  create: ({ target }) => {
    return (chunk) => {
      const { samples, sampleCount: n } = chunk;
      for (let t = 0; t < chunk.traceCount; t++) {
        const offset = t * n;
        let energy = 0;
        for (let i = 0; i < n; i++) energy += samples[offset + i]! * samples[offset + i]!;
        if (energy === 0) continue;
        const factor = target / Math.sqrt(energy / n);
        for (let i = 0; i < n; i++) samples[offset + i]! *= factor;
      }
      return samples;
    };
  },
});

/** `clip`: limit every sample to [−limit, limit]. */
export const CLIP = defineProcessor<{ limit: number }>({
  name: 'clip',
  version: '1.0.0',
  description: 'clip every sample to [-limit, limit]',
  parseParameters: lazyParametersFrom((z) => ({ limit: z.number().positive() })),
  create: ({ limit }) => {
    return (chunk) => {
      const samples = chunk.samples;
      for (let i = 0; i < samples.length; i++) {
        const x = samples[i]!;
        if (x > limit) samples[i] = limit;
        else if (x < -limit) samples[i] = -limit;
      }
      return samples;
    };
  },
});

/**
 * `tpow`: time-power gain. Sample i is multiplied by tᵢ^power, with tᵢ = delay + i · interval in
 * seconds (times before zero count as zero, so with power > 0 they are muted).
 */
export const TIME_POWER_GAIN = defineProcessor<{ power: number }>({
  name: 'tpow',
  version: '1.0.0',
  description: 'time-power gain: multiply by t^power, t in seconds from time zero (default power 2)',
  parseParameters: lazyParametersFrom((z) => ({ power: z.number().min(0).default(2) })),
  create: ({ power }) => {
    // The gain curve depends only on the sampling, which is the same for every chunk of a dataset.
    let gains = new Float64Array(0);
    let gainsKey = '';
    return (chunk) => {
      const { samples, sampleCount: n } = chunk;
      const key = `${n}/${chunk.sampleInterval}/${chunk.delayMs}`;
      if (key !== gainsKey) {
        gains = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const seconds = chunk.delayMs / 1000 + (i * chunk.sampleInterval) / 1e6;
          gains[i] = Math.max(0, seconds) ** power;
        }
        gainsKey = key;
      }
      for (let t = 0; t < chunk.traceCount; t++) {
        const offset = t * n;
        for (let i = 0; i < n; i++) samples[offset + i]! *= gains[i]!;
      }
      return samples;
    };
  },
});

/** The amplitude built-ins, in registry order. */
export const GAIN_PROCESSORS: readonly ProcessorDefinition[] = [
  SCALE,
  AGC,
  RMS_NORMALISE,
  CLIP,
  TIME_POWER_GAIN,
];
