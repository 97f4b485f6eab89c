/**
 * Quick-look images of a gather or a range of traces: variable density with an optional wiggle
 * overlay, a time axis in ms and trace numbers, encoded as PNG with `pngjs`. Meant for a glance
 * (a CLI, a thumbnail), not for interpretation.
 */
import { ArgumentError } from '../errors/index.js';
import { loadPngjs } from '../lazy.js';
import { writeFileAtomic } from '../storage/index.js';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';

/** Traces to draw: samples trace after trace, with what the axes need. */
export interface SeismicSection {
  /** traceCount × sampleCount samples. */
  samples: Float32Array;
  /** Number of traces. */
  traceCount: number;
  /** Samples per trace. */
  sampleCount: number;
  /** Sample interval in µs. */
  sampleInterval: number;
  /** Time of the first sample in ms (default 0). */
  delayMs?: number;
  /** Number shown for each trace (default 1, 2, 3...). */
  traceLabels?: ArrayLike<number>;
  /** A line of text above the image. */
  title?: string;
}

/** Colour maps for variable density. */
export type Colormap = 'seismic' | 'gray';

/** How to draw a {@link SeismicSection}. */
export interface QuickLookOptions {
  /** Multiply every sample by this (default 1). */
  gain?: number;
  /** Amplitudes beyond this percentile of |amplitude| saturate (0 < clip ≤ 100, default 99). */
  clipPercentile?: number;
  /** Colour map (default `seismic`: blue negative, white zero, red positive). */
  colormap?: Colormap;
  /** Draw wiggle traces with their positive lobes filled over the density (when traces are ≥ 3 px apart). */
  wiggle?: boolean;
  /** Largest width of the data area in pixels (default 1200). */
  maxWidth?: number;
  /** Largest height of the data area in pixels (default 900). */
  maxHeight?: number;
}

/** An RGBA raster. */
export interface RgbaImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width × height × 4 bytes, rows top to bottom. */
  data: Uint8Array;
}

const TEXT_SCALE = 2;
/** Small sections are enlarged to at least this data area. */
const MIN_PLOT_WIDTH = 400;
const MIN_PLOT_HEIGHT = 300;
const TEXT_HEIGHT = GLYPH_HEIGHT * TEXT_SCALE;
const TICK = 6;
const BLACK = [0, 0, 0] as const;
const AXIS_GRAY = [90, 90, 90] as const;

/** matplotlib's `seismic`: dark blue, blue, white, red, dark red. */
const SEISMIC_STOPS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 0, 77],
  [0.25, 0, 0, 255],
  [0.5, 255, 255, 255],
  [0.75, 255, 0, 0],
  [1, 128, 0, 0],
];

function colorTable(colormap: Colormap): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    if (colormap === 'gray') {
      table.fill(i, i * 3, i * 3 + 3);
      continue;
    }
    let k = 1;
    while (k < SEISMIC_STOPS.length - 1 && t > SEISMIC_STOPS[k]![0]) k++;
    const [t0, r0, g0, b0] = SEISMIC_STOPS[k - 1]!;
    const [t1, r1, g1, b1] = SEISMIC_STOPS[k]!;
    const f = (t - t0) / (t1 - t0);
    table[i * 3] = Math.round(r0 + (r1 - r0) * f);
    table[i * 3 + 1] = Math.round(g0 + (g1 - g0) * f);
    table[i * 3 + 2] = Math.round(b0 + (b1 - b0) * f);
  }
  return table;
}

/** The |amplitude| at `percentile`, from at most ~200 000 samples spread over the section. */
export function clipAmplitude(samples: Float32Array, gain: number, percentile: number): number {
  const stride = Math.max(1, Math.floor(samples.length / 200_000));
  const picked = new Float32Array(Math.ceil(samples.length / stride));
  let n = 0;
  for (let i = 0; i < samples.length; i += stride) {
    const value = Math.abs(samples[i]! * gain);
    if (Number.isFinite(value)) picked[n++] = value;
  }
  const sorted = picked.subarray(0, n).sort();
  if (!n) return 1;
  const clip = sorted[Math.min(n - 1, Math.max(0, Math.ceil((percentile / 100) * n) - 1))]!;
  return clip > 0 ? clip : sorted[n - 1]! > 0 ? sorted[n - 1]! : 1;
}

/** A round step (1, 2 or 5 × 10^k) of at least `minimum`. */
function niceStep(minimum: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(minimum, 1e-9)));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= minimum) return factor * power;
  return 10 * power;
}

/** A tick time without float noise: whole ms as integers, else at most three decimals. */
function formatMs(ms: number): string {
  return String(Number(ms.toFixed(3)));
}

/** Draw a section as an RGBA image. */
export function renderQuickLook(section: SeismicSection, options: QuickLookOptions = {}): RgbaImage {
  const { samples, traceCount, sampleCount } = section;
  if (!traceCount || !sampleCount) throw new ArgumentError('nothing to draw: the section has no samples');
  if (samples.length < traceCount * sampleCount) {
    throw new ArgumentError(`${samples.length} samples cannot hold ${traceCount} traces of ${sampleCount}`);
  }
  const gain = options.gain ?? 1;
  const percentile = options.clipPercentile ?? 99;
  if (!(gain > 0) || !Number.isFinite(gain))
    throw new ArgumentError(`gain must be a positive number, got ${gain}`);
  if (!(percentile > 0 && percentile <= 100))
    throw new ArgumentError(`clip must be in (0, 100], got ${percentile}`);
  const maxWidth = options.maxWidth ?? 1200;
  const maxHeight = options.maxHeight ?? 900;

  // Data area: whole pixels per trace and per sample when they fit (enlarged up to a readable
  // size for small sections), else nearest-neighbour thinning.
  const pxPerTrace = Math.max(
    1,
    Math.min(Math.floor(maxWidth / traceCount), Math.max(12, Math.ceil(MIN_PLOT_WIDTH / traceCount))),
  );
  const plotWidth = traceCount <= maxWidth ? traceCount * pxPerTrace : maxWidth;
  const pxPerSample = Math.max(
    1,
    Math.min(Math.floor(maxHeight / sampleCount), Math.max(4, Math.ceil(MIN_PLOT_HEIGHT / sampleCount))),
  );
  const plotHeight = sampleCount <= maxHeight ? sampleCount * pxPerSample : maxHeight;
  const traceAt = (x: number) => Math.min(traceCount - 1, Math.floor((x * traceCount) / plotWidth));
  const sampleAt = (y: number) => Math.min(sampleCount - 1, Math.floor((y * sampleCount) / plotHeight));

  // Without a sample interval (some files say 0) the axis counts samples instead of ms.
  const timed = section.sampleInterval > 0;
  const dtMs = timed ? section.sampleInterval / 1000 : 1;
  const delay = timed ? (section.delayMs ?? 0) : 0;
  const timeStep = niceStep((maxTickSpacing(plotHeight) / plotHeight) * sampleCount * dtMs);
  const timeTicks: number[] = [];
  const lastTime = delay + (sampleCount - 1) * dtMs;
  for (let k = Math.ceil(delay / timeStep); k * timeStep <= lastTime + 1e-9; k++)
    timeTicks.push(k * timeStep);
  const labels = section.traceLabels ?? Array.from({ length: traceCount }, (_, i) => i + 1);
  const widestLabel = Math.max(
    ...Array.from({ length: Math.min(traceCount, 4096) }, (_, i) => String(labels[i]).length),
  );

  // The left margin holds the time labels, and the TRACE caption clear of the first trace number.
  const firstLabelHalf = Math.ceil(textWidth(String(labels[0]), TEXT_SCALE) / 2);
  const left = Math.max(
    textWidth('TRACE', TEXT_SCALE) + firstLabelHalf + 16,
    Math.max(...timeTicks.map((t) => textWidth(formatMs(t), TEXT_SCALE))) + TICK + 8,
  );
  const top = (section.title ? TEXT_HEIGHT + 10 : 0) + TEXT_HEIGHT + TICK + 6;
  const bottom = TEXT_HEIGHT + 10;
  const right = Math.ceil(textWidth('9'.repeat(widestLabel), TEXT_SCALE) / 2) + 8;
  const width = Math.max(
    left + plotWidth + right,
    section.title ? textWidth(section.title, TEXT_SCALE) + 8 : 0,
  );
  const height = top + plotHeight + bottom;
  const data = new Uint8Array(width * height * 4).fill(255);
  const put = (x: number, y: number, [r, g, b]: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const at = (y * width + x) * 4;
    data[at] = r;
    data[at + 1] = g;
    data[at + 2] = b;
  };

  // Variable density.
  const table = colorTable(options.colormap ?? 'seismic');
  const clip = clipAmplitude(samples, gain, percentile);
  const scale = gain / clip;
  for (let y = 0; y < plotHeight; y++) {
    const s = sampleAt(y);
    for (let x = 0; x < plotWidth; x++) {
      const value = samples[traceAt(x) * sampleCount + s]! * scale;
      const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
      const c = Math.round((v + 1) * 127.5) * 3;
      const at = ((top + y) * width + left + x) * 4;
      data[at] = table[c]!;
      data[at + 1] = table[c + 1]!;
      data[at + 2] = table[c + 2]!;
    }
  }

  // Wiggles: each trace deflects up to one trace spacing; positive lobes filled (variable area).
  if (options.wiggle && pxPerTrace >= 3) {
    const inPlot = (x: number, y: number) => {
      if (x >= left && x < left + plotWidth) put(x, y, BLACK);
    };
    for (let trace = 0; trace < traceCount; trace++) {
      const center = left + trace * pxPerTrace + (pxPerTrace - 1) / 2;
      let previousX: number | undefined;
      for (let y = 0; y < plotHeight; y++) {
        const value = samples[trace * sampleCount + sampleAt(y)]! * scale;
        const v = Number.isFinite(value) ? Math.max(-1, Math.min(1, value)) : 0;
        const x = Math.round(center + v * pxPerTrace);
        if (v > 0) for (let fill = Math.round(center); fill <= x; fill++) inPlot(fill, top + y);
        const from = previousX ?? x;
        for (let step = Math.min(from, x); step <= Math.max(from, x); step++) inPlot(step, top + y);
        previousX = x;
      }
    }
  }

  // Frame, time axis (ms) on the left, trace numbers on top, title.
  for (let x = left - 1; x <= left + plotWidth; x++) {
    put(x, top - 1, AXIS_GRAY);
    put(x, top + plotHeight, AXIS_GRAY);
  }
  for (let y = top - 1; y <= top + plotHeight; y++) {
    put(left - 1, y, AXIS_GRAY);
    put(left + plotWidth, y, AXIS_GRAY);
  }
  const text = (value: string, x: number, y: number) =>
    drawText(value, x, y, TEXT_SCALE, (px, py) => put(px, py, BLACK));
  for (const t of timeTicks) {
    const y = top + Math.round(((t - delay) / dtMs) * (plotHeight / sampleCount));
    for (let x = left - 1 - TICK; x < left - 1; x++) put(x, y, BLACK);
    const label = formatMs(t);
    text(label, left - TICK - 4 - textWidth(label, TEXT_SCALE), Math.max(top, y - TEXT_HEIGHT / 2));
  }
  const unit = timed ? 'MS' : 'SAMPLE';
  text(unit, Math.max(4, left - TICK - 4 - textWidth(unit, TEXT_SCALE)), top + plotHeight + 6);
  const labelSpacing = textWidth('9'.repeat(widestLabel), TEXT_SCALE) + 4 * TEXT_SCALE;
  const traceStep = Math.max(1, niceStep(labelSpacing / (plotWidth / traceCount)));
  const traceY = top - TICK - 3 - TEXT_HEIGHT;
  for (let trace = 0; trace < traceCount; trace += traceStep) {
    const x = left + Math.round((trace + 0.5) * (plotWidth / traceCount));
    for (let y = top - 1 - TICK; y < top - 1; y++) put(x, y, BLACK);
    const label = String(labels[trace]);
    text(label, x - Math.floor(textWidth(label, TEXT_SCALE) / 2), traceY);
  }
  text('TRACE', 4, traceY);
  if (section.title) text(section.title, 4, 4);
  return { width, height, data };
}

/** Tick spacing in pixels for an axis of `length` pixels: about twelve ticks, never closer than 40 px. */
function maxTickSpacing(length: number): number {
  return Math.max(40, length / 12);
}

/** Encode an image as PNG. */
export function encodePng(image: RgbaImage): Buffer {
  const { PNG } = loadPngjs();
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

/** Write an image as a PNG file (to a temporary sibling, renamed into place when complete). */
export async function writePng(image: RgbaImage, filePath: string): Promise<void> {
  await writeFileAtomic(filePath, encodePng(image));
}
