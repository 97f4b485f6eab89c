/**
 * Processing datasets: the {@link Processor} contract, the registry of processors by name, the
 * built-ins (scale, agc, rms, clip, tpow, bandpass) and the {@link ChunkedProcessor} that applies
 * a processor to a whole dataset in parallel, with provenance.
 *
 * @module
 */
export {
  BANDPASS,
  type BandpassCorners,
  type BandpassParameters,
  bandpassCorners,
  bandpassFftLength,
  parseBandpassParameters,
  trapezoidResponse,
} from './bandpass.js';
export {
  ChunkedProcessor,
  type ChunkedProcessorOptions,
  type ProcessResult,
} from './chunked-processor.js';
export { AGC, CLIP, GAIN_PROCESSORS, parametersFrom, RMS_NORMALISE, SCALE, TIME_POWER_GAIN } from './gain.js';
export {
  defineProcessor,
  type JsonValue,
  type Processor,
  type ProcessorChunk,
  type ProcessorDefinition,
  type ProcessorParameters,
  type ProcessorSpec,
  type TraceFunction,
} from './processor.js';
export {
  BUILTIN_PROCESSORS,
  bindProcessor,
  isProcessorDefinition,
  ProcessorRegistry,
  processors,
} from './registry.js';
