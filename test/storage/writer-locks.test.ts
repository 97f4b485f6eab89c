import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireWriteLock, ChunkedProcessor, Dataset, importSegy, processors } from '../../src/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';

const SMALL = path.resolve(import.meta.dirname, '../fixtures/segyio/small.sgy');

let scratch: string;
beforeAll(async () => {
  scratch = await scratchDirectory('writer-locks');
});
afterAll(async () => {
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('one writer per dataset path', () => {
  it('refuses an import into an output another writer holds, and leaves nothing behind', async () => {
    const output = path.join(scratch, 'locked-import.seis');
    const lock = await acquireWriteLock(output);
    await expect(importSegy(SMALL, output)).rejects.toMatchObject({ code: 'DATASET_LOCKED' });
    expect(
      (await fs.readdir(scratch)).filter(
        (name) => name.includes('locked-import.seis') && !name.endsWith('.lock'),
      ),
    ).toEqual([]);
    await lock.release();
    const result = await importSegy(SMALL, output);
    expect(result.traceCount).toBe(25);
  });

  it('refuses processing into an output another writer holds; readers of the input still read', async () => {
    const input = path.join(scratch, 'input.seis');
    await importSegy(SMALL, input);
    const output = path.join(scratch, 'locked-process.seis');
    const lock = await acquireWriteLock(output);
    const inputLock = await acquireWriteLock(input);
    await expect(
      new ChunkedProcessor().run(input, processors.create('scale', { factor: 2 }), output),
    ).rejects.toMatchObject({ code: 'DATASET_LOCKED' });
    const reader = await Dataset.open(input);
    expect((await reader.readTraces(0, 1)).length).toBe(50);
    await inputLock.release();
    await lock.release();
    const result = await new ChunkedProcessor().run(input, processors.create('scale', { factor: 2 }), output);
    expect(result.traceCount).toBe(25);
    const [before, after] = await Promise.all([
      reader.readTraces(0, 25),
      (await Dataset.open(output)).readTraces(0, 25),
    ]);
    expect(after).toEqual(before.map((v) => Math.fround(v * 2)));
  });
});
