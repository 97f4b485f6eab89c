/**
 * Planning an export before anything is written: open the sources, check that they agree,
 * decide the output layout (kind, sample format, byte order, headers), resolve the trace
 * selection and cut it into segments. The plan is plain data, so it crosses worker threads as is.
 */
import path from 'node:path';
import { ArgumentError, SeisprocError } from '../errors/index.js';
import {
  decodeBinaryHeader,
  type Endianness,
  type SampleFormatCode,
  SegyFile,
  type SegyKind,
  type SegyWriterSpec,
  sampleFormat,
} from '../segy/index.js';
import type { Dataset, GatherKeyValues } from '../storage/index.js';
import { version } from '../version.js';
import {
  MAX_16BIT_SAMPLE_COUNT,
  outputBinaryHeader,
  statesSampleCount,
  type TraceHeaderTransform,
  traceHeaderSampleCount,
} from './headers.js';
import {
  checkTraceRange,
  datasetSourceSpec,
  type HeaderSourceSpec,
  openHeaderSource,
  openSampleSource,
  type SampleSourceSpec,
  type SerializableSegyOpenOptions,
  type TraceRange,
} from './sources.js';

/** What to write: sample format, byte order and which traces. Shared by every SEG-Y/SU export. */
export interface ConversionOptions {
  /** Sample format code written. Default: the source's for SEG-Y output; 5 (IEEE float) for SU, the only SU format. */
  formatCode?: SampleFormatCode;
  /**
   * Byte order written. Default: the source's when source and output are of the same kind;
   * otherwise big-endian for SEG-Y (the standard's order) and little-endian for SU (Seismic Unix's
   * native order on x86 and ARM).
   */
  endianness?: Endianness;
  /** Export only traces `[start, end)` of the source. */
  range?: TraceRange;
  /**
   * Export only these gathers, in this order, each named by its key values as indexed in the
   * dataset's `ensembles.parquet`, e.g. `[{ fieldRecord: 1001 }, { fieldRecord: 1003 }]` or
   * `[{ inline: 10, crossline: 20 }]`. Needs a dataset; not with `range`.
   */
  gathers?: readonly GatherKeyValues[];
  /**
   * Traces encoded and written per write call: the size of the encoded blocks a writer holds in
   * memory besides the source chunks it reads. Default and maximum: the source's chunk rows
   * (about 4–8 MiB of samples for a dataset), so every stored chunk is read once and whole.
   */
  chunkTraces?: number;
}

/** Everything a SEG-Y or SU export starts from. */
export interface SegyExportRequest extends ConversionOptions {
  /** `segy`, or `su` for Seismic Unix (no textual or binary header, float samples). Default: the kind of the header source. */
  kind?: SegyKind;
  /** Where the samples come from. */
  samples: SampleSourceSpec;
  /** The opened dataset when `samples` is one (its metadata gives headers and the gather index). */
  dataset?: Dataset;
  /** An original SEG-Y/SU file to take the textual, binary and trace headers from instead of the dataset. */
  original?: { path: string; options?: SerializableSegyOpenOptions };
}

/** One worker's share: consecutive output traces, read from one or more source ranges. */
export interface ExportSegment {
  /** Index of the segment, for error context. */
  id: number;
  /** Output trace index of the segment's first trace. */
  outputStart: number;
  /** Source trace ranges, written one after the other from `outputStart` on. */
  ranges: TraceRange[];
}

/** A complete, validated description of an export, as plain data. */
export interface ExportPlan {
  /** The file written (a temporary sibling of the final path). */
  outputPath: string;
  /** Where samples are read. */
  samples: SampleSourceSpec;
  /** Where trace headers are read. */
  headers: HeaderSourceSpec;
  /** The output file's layout and file headers, for `SegyWriter.create` / `openForWrite`. */
  writer: SegyWriterSpec & { traceCount: number; traceHeaderSize: number };
  /** How each trace header is converted. */
  transform: TraceHeaderTransform;
  /** Source traces exported, in output order. */
  ranges: TraceRange[];
  /** Traces written. */
  traceCount: number;
  /** Traces per encoded write. */
  chunkTraces: number;
  /** Traces per read block of the sample source (segments are cut at these boundaries). */
  sourceBlockTraces: number;
  /** Bytes of one output trace (header and samples). */
  traceSize: number;
  /** Bytes of the whole output file. */
  fileSize: number;
  /** Things the user should know (dropped extension bytes, headers kept in source byte order). */
  warnings: string[];
}

/** File-level facts of the header source. */
interface FileHeaders {
  kind: SegyKind;
  formatCode: number;
  endianness: Endianness;
  sampleInterval: number;
  textHeader: Uint8Array | undefined;
  extendedTextHeaders: Uint8Array[];
  binaryHeader: Uint8Array | undefined;
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

function datasetFileHeaders(dataset: Dataset): FileHeaders {
  const m = dataset.metadata;
  return {
    kind: m.source_format.kind,
    formatCode: m.source_format.format_code,
    endianness: m.source_format.endianness,
    sampleInterval: m.sample_interval_us,
    textHeader: m.text_header ? fromBase64(m.text_header.raw_base64) : undefined,
    extendedTextHeaders: m.extended_text_headers.map((h) => fromBase64(h.raw_base64)),
    binaryHeader: m.binary_header ? fromBase64(m.binary_header.raw_base64) : undefined,
  };
}

function segyFileHeaders(file: SegyFile): FileHeaders {
  const isSegy = file.kind === 'segy';
  return {
    kind: file.kind,
    formatCode: file.formatCode,
    endianness: file.endianness,
    sampleInterval: file.sampleInterval,
    textHeader: isSegy ? file.textHeaderRaw : undefined,
    extendedTextHeaders: isSegy ? file.extendedTextHeadersRaw : [],
    binaryHeader: isSegy ? file.binaryHeaderRaw : undefined,
  };
}

/** Largest encoded block a segment allocates, whatever `chunkTraces` asks for. */
const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

/**
 * Check the request and work out the export. Reads only headers and metadata; writes nothing.
 *
 * @throws OperationError `EXPORT_DIMENSION_MISMATCH` when an original file and the samples differ
 *   in trace or sample count; ArgumentError for options that cannot be honoured.
 */
export async function buildExportPlan(request: SegyExportRequest, outputPath: string): Promise<ExportPlan> {
  const samples = await openSampleSource(request.samples);
  const sourceShape = {
    traces: samples.traceCount,
    samplesPerTrace: samples.sampleCount,
    blockTraces: samples.blockTraces,
  };
  await samples.close();

  let fileHeaders: FileHeaders;
  let headers: HeaderSourceSpec;
  if (request.original) {
    const options = request.original.options ?? {};
    const original = await SegyFile.open(request.original.path, options);
    try {
      checkDimensions(original, request.original.path, sourceShape, request.samples.path);
      fileHeaders = segyFileHeaders(original);
    } finally {
      await original.close();
    }
    headers = { kind: 'segy', path: path.resolve(request.original.path), options };
  } else if (request.dataset) {
    fileHeaders = datasetFileHeaders(request.dataset);
    headers = datasetSourceSpec(request.dataset);
  } else {
    throw new ArgumentError(
      'a bare Zarr array has no trace headers: give the original SEG-Y file (originalSegyPath) to take them from',
      { path: request.samples.path },
    );
  }

  const headerSource = await openHeaderSource(headers);
  const firstHeader = headerSource.traceCount > 0 ? await headerSource.read(0, 1) : undefined;
  const sourceHeaderSize = headerSource.traceHeaderSize;
  const sourceEndianness = headerSource.endianness;
  await headerSource.close();

  const ranges = await selectTraces(request, sourceShape.traces);
  const traceCount = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
  if (traceCount === 0) {
    throw new ArgumentError('the selection holds no traces: nothing to export', {
      path: request.samples.path,
    });
  }

  const kind = request.kind ?? fileHeaders.kind;
  const sampleCount = sourceShape.samplesPerTrace;
  const formatCode = chooseFormat(request, fileHeaders, kind);
  const endianness =
    request.endianness ??
    (fileHeaders.kind === kind ? fileHeaders.endianness : kind === 'su' ? 'little' : 'big');
  const bytesPerSample = sampleFormat(formatCode).bytesPerSample;
  const firstTraceSampleCount = firstHeader
    ? traceHeaderSampleCount(firstHeader, sourceEndianness)
    : undefined;
  const warnings: string[] = [];

  const targetHeaderSize = kind === 'su' ? 240 : sourceHeaderSize;
  if (targetHeaderSize < sourceHeaderSize) {
    warnings.push(
      `Seismic Unix has 240-byte trace headers: bytes 241–${sourceHeaderSize} of each trace header (rev-2 extensions) are not written`,
    );
  }
  if (targetHeaderSize > 240 && endianness !== sourceEndianness) {
    warnings.push(
      `trace header extension bytes 241–${targetHeaderSize} have no field table and are copied in the source byte order (${sourceEndianness})`,
    );
  }

  const sourceBinary =
    fileHeaders.binaryHeader && decodeBinaryHeader(fileHeaders.binaryHeader, fileHeaders.endianness);
  // SU readers take the sample count from every trace header, so SU output needs it there.
  const countChanged =
    kind === 'su'
      ? firstTraceSampleCount !== sampleCount
      : !statesSampleCount(sourceBinary, firstTraceSampleCount, sampleCount);
  if (countChanged && sampleCount > MAX_16BIT_SAMPLE_COUNT) {
    throw new ArgumentError(
      `${sampleCount} samples per trace do not fit the 16-bit sample count of the trace headers (at most ${MAX_16BIT_SAMPLE_COUNT})`,
      { path: request.samples.path },
    );
  }

  const transform: TraceHeaderTransform = {
    sourceSize: sourceHeaderSize,
    targetSize: targetHeaderSize,
    sourceEndianness,
    endianness,
    ...(countChanged ? { sampleCount } : {}),
  };

  const writer: ExportPlan['writer'] = {
    kind,
    sampleCount,
    sampleInterval: fileHeaders.sampleInterval,
    formatCode,
    endianness,
    traceHeaderSize: targetHeaderSize,
    traceCount,
  };
  if (kind === 'segy') {
    writer.textHeader = fileHeaders.textHeader ?? generatedTextHeader(request, traceCount, sampleCount);
    writer.extendedTextHeaders = fileHeaders.extendedTextHeaders;
    writer.binaryHeader = outputBinaryHeader(fileHeaders.binaryHeader, {
      sourceEndianness: fileHeaders.endianness,
      endianness,
      formatCode,
      sampleCount,
      sampleInterval: fileHeaders.sampleInterval,
      traceCount,
      sourceTraceCount: sourceShape.traces,
      firstTraceSampleCount,
    });
  }

  const traceSize = targetHeaderSize + sampleCount * bytesPerSample;
  const dataOffset = kind === 'segy' ? 3600 + 3200 * (writer.extendedTextHeaders?.length ?? 0) : 0;
  const chunkTraces = chooseWriteChunk(request.chunkTraces, sourceShape.blockTraces, traceSize, traceCount);
  return {
    outputPath,
    samples: request.samples,
    headers,
    writer,
    transform,
    ranges,
    traceCount,
    chunkTraces,
    sourceBlockTraces: sourceShape.blockTraces,
    traceSize,
    fileSize: dataOffset + traceCount * traceSize,
    warnings,
  };
}

function checkDimensions(
  original: SegyFile,
  originalPath: string,
  source: { traces: number; samplesPerTrace: number },
  samplesPath: string,
): void {
  if (original.traceCount === source.traces && original.sampleCount === source.samplesPerTrace) return;
  throw new SeisprocError(
    'EXPORT_DIMENSION_MISMATCH',
    `the original file has ${original.traceCount} traces × ${original.sampleCount} samples but the samples at ${samplesPath} ` +
      `are ${source.traces} traces × ${source.samplesPerTrace} samples; headers and samples must match trace for trace`,
    {
      path: originalPath,
      originalShape: [original.traceCount, original.sampleCount],
      samplesShape: [source.traces, source.samplesPerTrace],
    },
  );
}

function chooseFormat(request: SegyExportRequest, headers: FileHeaders, kind: SegyKind): SampleFormatCode {
  if (kind === 'su') {
    if (request.formatCode !== undefined && request.formatCode !== 5) {
      throw new ArgumentError(
        `Seismic Unix files hold 4-byte IEEE floats (format 5) only, not format ${request.formatCode}`,
      );
    }
    return 5;
  }
  const code = request.formatCode ?? (headers.kind === 'su' ? 5 : headers.formatCode);
  return sampleFormat(code).code;
}

function chooseWriteChunk(
  requested: number | undefined,
  sourceBlock: number,
  traceSize: number,
  traceCount: number,
): number {
  if (requested !== undefined && (!Number.isInteger(requested) || requested <= 0)) {
    throw new ArgumentError(`chunkTraces must be a positive integer, got ${requested}`);
  }
  const wanted = Math.min(requested ?? sourceBlock, sourceBlock);
  return Math.max(1, Math.min(wanted, traceCount, Math.floor(MAX_BLOCK_BYTES / traceSize)));
}

/** The textual header of a SEG-Y written from a source that had none (Seismic Unix). */
function generatedTextHeader(request: SegyExportRequest, traceCount: number, sampleCount: number): string {
  const source = request.dataset?.metadata.source?.path ?? request.samples.path;
  const lines = [
    `C 1 SEG-Y WRITTEN BY SEISPROC ${version}`,
    `C 2 FROM ${source}`,
    `C 3 ${traceCount} TRACES OF ${sampleCount} SAMPLES`,
    'C 4 THE SOURCE HAD NO TEXTUAL HEADER (SEISMIC UNIX)',
  ];
  for (let line = lines.length + 1; line <= 40; line++)
    lines.push(line === 40 ? 'C40 END TEXTUAL HEADER' : `C${String(line).padStart(2)}`);
  return lines.map((l) => l.slice(0, 80)).join('\n');
}

/** The source trace ranges to export, in output order. */
async function selectTraces(request: SegyExportRequest, traceCount: number): Promise<TraceRange[]> {
  if (request.range && request.gathers) {
    throw new ArgumentError('give either a trace range or a list of gathers, not both');
  }
  if (request.gathers) {
    if (!request.dataset) {
      throw new ArgumentError('selecting gathers needs a dataset with a gather index', {
        path: request.samples.path,
      });
    }
    return gatherRanges(request.dataset, request.gathers);
  }
  const range = request.range ?? { start: 0, end: traceCount };
  checkTraceRange(range, traceCount, 'trace range');
  return [{ start: range.start, end: range.end }];
}

/** Trace ranges of the gathers asked for, from the gather index, in the order asked. */
async function gatherRanges(dataset: Dataset, gathers: readonly GatherKeyValues[]): Promise<TraceRange[]> {
  const index = await dataset.ensembles();
  return gathers.flatMap((values) =>
    index.find(values).runs.map((run) => ({ start: run.start, end: run.start + run.count })),
  );
}

/**
 * Cut the selection into at most `parts` segments of about equal trace counts. Inside a range,
 * cuts fall only on multiples of `alignTraces` (stored chunk boundaries), so that no two segments
 * read (and decompress) the same chunk: a cut with no boundary near it moves to the end of its
 * range. Between ranges (gathers) segments may end anywhere.
 */
export function splitIntoSegments(
  ranges: readonly TraceRange[],
  parts: number,
  alignTraces: number,
): ExportSegment[] {
  const total = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
  const cuts: number[] = [];
  for (let k = 1; k < parts; k++) cuts.push(Math.round((k * total) / parts));
  const segments: ExportSegment[] = [];
  let current: TraceRange[] = [];
  let written = 0;
  let cutIndex = 0;
  const flush = () => {
    if (current.length === 0) return;
    const outputStart = written - current.reduce((sum, r) => sum + r.end - r.start, 0);
    segments.push({ id: segments.length, outputStart, ranges: current });
    current = [];
  };
  for (const range of ranges) {
    let start = range.start;
    while (start < range.end) {
      while (cutIndex < cuts.length && cuts[cutIndex]! <= written) cutIndex++;
      const room = cutIndex < cuts.length ? cuts[cutIndex]! - written : Number.POSITIVE_INFINITY;
      if (range.end - start < room) {
        current.push({ start, end: range.end });
        written += range.end - start;
        break;
      }
      const end = alignedCut(start + room, start, range.end, alignTraces);
      current.push({ start, end });
      written += end - start;
      start = end;
      flush();
      cutIndex++;
    }
  }
  flush();
  return segments;
}

/**
 * Where to cut a range [start, rangeEnd) near `ideal`: the nearest chunk boundary inside it (the
 * rounded one, else the next, else the previous), or the range's end when it holds none.
 */
function alignedCut(ideal: number, start: number, rangeEnd: number, alignTraces: number): number {
  const candidates = [
    Math.round(ideal / alignTraces) * alignTraces,
    Math.ceil(ideal / alignTraces) * alignTraces,
    Math.floor(ideal / alignTraces) * alignTraces,
  ];
  return candidates.find((cut) => cut > start && cut < rangeEnd) ?? rangeEnd;
}
