import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { clipAmplitude, encodePng, renderQuickLook, type SeismicSection } from '../../src/navigator/index.js';

/** Two traces of 100 samples: the first all +1, the second all −1. */
const SECTION: SeismicSection = {
  samples: Float32Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : -1)),
  traceCount: 2,
  sampleCount: 100,
  sampleInterval: 4000,
};

function pixel(image: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return Array.from(image.data.subarray(at, at + 4));
}

/** The data area: the region inside the grey frame. */
function dataArea(image: { width: number; height: number; data: Uint8Array }) {
  const frame = (x: number, y: number) => pixel(image, x, y).slice(0, 3).join() === '90,90,90';
  const y = Math.floor(image.height / 2);
  let left = 0;
  while (!frame(left, y)) left++;
  let right = image.width - 1;
  while (!frame(right, y)) right--;
  return { left: left + 1, right: right - 1, y };
}

describe('renderQuickLook', () => {
  it('colours positive amplitudes red and negative blue (seismic), white and black (gray)', () => {
    const image = renderQuickLook(SECTION);
    const { left, right, y } = dataArea(image);
    expect(pixel(image, left + 2, y)).toEqual([128, 0, 0, 255]);
    expect(pixel(image, right - 2, y)).toEqual([0, 0, 77, 255]);
    const gray = renderQuickLook(SECTION, { colormap: 'gray' });
    expect(pixel(gray, left + 2, y)).toEqual([255, 255, 255, 255]);
    expect(pixel(gray, right - 2, y)).toEqual([0, 0, 0, 255]);
    // Enlarged to a readable size: 2 traces of 200 px, 100 samples of 3 px.
    expect(right - left + 1).toBe(400);
  });

  it('scales by gain and clips at a percentile of |amplitude|', () => {
    const samples = Float32Array.from({ length: 100 }, (_, i) => i + 1);
    expect(clipAmplitude(samples, 1, 99)).toBe(99);
    expect(clipAmplitude(samples, 2, 50)).toBe(100);
    expect(clipAmplitude(new Float32Array(10), 1, 99)).toBe(1);
    const half = renderQuickLook(
      { ...SECTION, samples: Float32Array.from({ length: 200 }, (_, i) => (i < 100 ? 0.5 : 1)) },
      {
        clipPercentile: 100,
      },
    );
    const { left, y } = dataArea(half);
    // Half the clip level: three quarters up the map, where matplotlib's seismic is pure red.
    expect(pixel(half, left + 2, y)).toEqual([255, 1, 1, 255]);
  });

  it('draws wiggles with filled positive lobes when traces are far enough apart', () => {
    const wiggles = renderQuickLook(SECTION, { wiggle: true, colormap: 'gray' });
    const { left, y } = dataArea(wiggles);
    // Trace 1 (+1, clipped) fills from its centre (x = 100) one trace spacing to the right, over
    // its white density; left of its centre the density shows.
    expect(pixel(wiggles, left + 100, y)).toEqual([0, 0, 0, 255]);
    expect(pixel(wiggles, left + 150, y)).toEqual([0, 0, 0, 255]);
    expect(pixel(wiggles, left + 50, y)).toEqual([255, 255, 255, 255]);
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const image = renderQuickLook({ ...SECTION, title: 'Line 7: cdp=12' });
    const decoded = PNG.sync.read(encodePng(image));
    expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
    expect(Buffer.compare(decoded.data, Buffer.from(image.data))).toBe(0);
  });

  it('rejects empty sections and bad options', () => {
    expect(() => renderQuickLook({ ...SECTION, traceCount: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => renderQuickLook({ ...SECTION, traceCount: 3 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => renderQuickLook(SECTION, { gain: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => renderQuickLook(SECTION, { clipPercentile: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
