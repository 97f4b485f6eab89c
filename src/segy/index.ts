/**
 * The SEG-Y core: the standard as data tables, sample codecs, byte order and format detection,
 * textual headers, positional reading ({@link SegyFile}) and writing ({@link SegyWriter}) of SEG-Y
 * and Seismic Unix files, and header mappings.
 *
 * @module
 */

export { checksumFile, type FileChecksum, SampleChecksum } from './checksum.js';
export {
  decodeSampleRuns,
  decodeSampleRunsNative,
  decodeSamples,
  decodeSamplesNative,
  type Endianness,
  encodeSampleRuns,
  encodeSampleRunsNative,
  encodeSamples,
  isNativeRunArray,
  type NativeRunArray,
  type NativeSampleArray,
  type SampleRuns,
} from './codecs.js';
export { copyRecords } from './columns.js';
export {
  BINARY_HEADER_FIELDS,
  binaryHeaderField,
  HEADER_VALUE_SIZES,
  type HeaderField,
  type HeaderValueType,
  TRACE_HEADER_FIELDS,
} from './fields.js';
export { SegyFile, type SegyKind, type SegyOpenOptions, type TraceChunk } from './file.js';
export {
  isSampleFormatCode,
  type NativeSampleType,
  SAMPLE_FORMAT_CODES,
  SAMPLE_FORMATS,
  type SampleFormatCode,
  type SampleFormatInfo,
  sampleFormat,
} from './formats.js';
export {
  decodeBinaryHeader,
  decodeHeaderColumns,
  encodeBinaryHeader,
  type HeaderColumn,
  HeaderMapping,
  type HeaderMappingJSON,
  readHeaderValue,
  writeHeaderValue,
} from './headers.js';
export { type IbmDecoding, ibmToIeeeBits, ibmToIeeeBitsSegyio, ieeeToIbmBits } from './ibm.js';
export { DEFAULT_SAMPLE_INTERVAL, FILE_HEADER_SIZE, type SampleIntervalSource } from './layout.js';
export { type FieldRange, summarizeTraceHeaders, type TraceHeaderSummary } from './summary.js';
export {
  decodeText,
  detectTextEncoding,
  encodeText,
  TEXT_HEADER_SIZE,
  type TextDetection,
  type TextEncoding,
} from './text.js';
export { buildFileHeaders, encodeTraceHeaders, SegyWriter, type SegyWriterSpec } from './writer.js';
