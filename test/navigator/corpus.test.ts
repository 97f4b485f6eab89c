/** Gathers and navigation on datasets imported from real SEG-Y files of the corpus. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSegy } from '../../src/import/index.js';
import { GatherNavigator } from '../../src/navigator/index.js';
import { SegyFile } from '../../src/segy/index.js';
import { Dataset } from '../../src/storage/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const F3 = path.join(FIXTURES, 'segyio', 'f3.sgy');
const SHOTS = path.join(FIXTURES, 'segypy', 'shotgather.sgy');

let scratch: string;
let f3: Dataset;
let f3File: SegyFile;

beforeAll(async () => {
  scratch = await scratchDirectory('corpus-gathers');
  await importSegy(F3, path.join(scratch, 'f3.seis'), {
    ensembleKeys: [['inline'], ['crossline'], ['inline', 'crossline']],
  });
  f3 = await Dataset.open(path.join(scratch, 'f3.seis'));
  f3File = await SegyFile.open(F3);
});
afterAll(async () => {
  await f3.close();
  await f3File.close();
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('gathers of an imported file (f3.sgy)', () => {
  it('reads every crossline gather (several runs each) with the samples and headers of the file', async () => {
    const headers = await f3File.readTraceHeaders(0, f3File.traceCount, ['inline', 'crossline', 'offset']);
    const index = await f3.ensembles();
    expect(index.count('inline')).toBe(23);
    expect(index.count('crossline')).toBe(18);
    const seen = new Set<number>();
    for (const info of index.gathers('crossline')) {
      const gather = await f3.readGather(info, { headers: ['crossline', 'inline', 'offset'] });
      const expected = Array.from({ length: f3File.traceCount }, (_, t) => t).filter(
        (t) => headers.crossline![t] === info.values[0],
      );
      expect(Array.from(gather.traceIndices)).toEqual(expected);
      expect(gather.runs.length).toBe(23);
      for (let i = 0; i < gather.traceCount; i++) {
        const trace = gather.traceIndices[i]!;
        seen.add(trace);
        expect(gather.headers.inline![i]).toBe(headers.inline![trace]);
        const fromFile = await f3File.readTraces(trace, trace + 1);
        expect(Array.from(gather.samples.subarray(i * 75, (i + 1) * 75))).toEqual(Array.from(fromFile));
      }
    }
    expect(seen.size).toBe(414);
  });

  it('decodes gather headers from raw headers to the values of headers.parquet', async () => {
    const all = await f3.headerColumnNames();
    expect(all.length).toBeGreaterThan(80);
    const gather = await f3.gather({ inline: 115, crossline: 880 }, { headers: 'all' });
    expect(gather.traceCount).toBe(1);
    const trace = gather.traceIndices[0]!;
    const row = await f3.headers(all, { start: trace, end: trace + 1 });
    for (const name of all) expect(`${name}=${gather.headers[name]![0]}`).toBe(`${name}=${row[name]![0]}`);
  });

  it('gives header statistics equal to the values of the file', async () => {
    const columns = await f3File.readTraceHeaders(0, f3File.traceCount, [
      'inline',
      'crossline',
      'cdpX',
      'sampleCount',
    ]);
    for (const name of ['inline', 'crossline', 'cdpX', 'sampleCount']) {
      const values = Array.from(columns[name]!, Number);
      const stats = await f3.headerStats(name);
      expect(stats).toMatchObject({
        count: 414,
        min: Math.min(...values),
        max: Math.max(...values),
        source: 'statistics',
      });
      if (stats.distinct !== undefined) expect(stats.distinct).toBe(new Set(values).size);
    }
    expect((await f3.headerStats('inline')).distinct).toBe(23);
    expect((await f3.headerStats('sampleCount')).distinct).toBe(1);
  });

  it('navigates every inline in order within its cache limit', async () => {
    const first = await f3.gather(0, { key: 'inline' });
    const navigator = new GatherNavigator(f3, {
      key: 'inline',
      cacheBytes: 3 * first.byteLength,
      prefetchDepth: 2,
    });
    const visited: number[] = [];
    let gather = await navigator.first();
    for (;;) {
      visited.push(gather.values[0]!);
      expect(navigator.stats.bytesHeld).toBeLessThanOrEqual(3 * first.byteLength);
      if (navigator.currentIndex === navigator.gatherCount! - 1) break;
      gather = await navigator.next();
    }
    await navigator.whenIdle();
    expect(visited).toEqual(Array.from({ length: 23 }, (_, i) => 111 + i));
    expect(navigator.stats.hits + navigator.stats.misses).toBe(23);
    expect(navigator.stats.bytesHeld).toBeLessThanOrEqual(3 * first.byteLength);
  });
});

describe('compressed import (shotgather.sgy)', () => {
  it('reads the same gathers from zstd and uncompressed datasets', async () => {
    await importSegy(SHOTS, path.join(scratch, 'shots-none.seis'), { ensembleKeys: [['traceSequenceFile']] });
    await importSegy(SHOTS, path.join(scratch, 'shots-zstd.seis'), {
      ensembleKeys: [['traceSequenceFile']],
      compression: 'zstd',
      chunkTraces: 7,
    });
    const plain = await Dataset.open(path.join(scratch, 'shots-none.seis'));
    const packed = await Dataset.open(path.join(scratch, 'shots-zstd.seis'));
    const file = await SegyFile.open(SHOTS);
    expect(await packed.traces(0, 31)).toEqual(await file.readTraces(0, 31));
    for (const index of [0, 6, 7, 30]) {
      const a = await plain.gather(index);
      const b = await packed.gather(index);
      expect(Array.from(b.samples)).toEqual(Array.from(a.samples));
      expect(Array.from(b.traceIndices)).toEqual([index]);
    }
    await Promise.all([plain.close(), packed.close(), file.close()]);
  });
});
