import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fromEpsg,
  isWriteLocked,
  type OpenProject,
  type ProcessingStep,
  ProjectManager,
} from '../../src/index.js';
import { scratchDirectory, writeSyntheticDataset } from '../helpers/synthetic-dataset.js';
import { rejection } from './helpers/errors.js';
import { startChild } from './helpers/processes.js';

const V0_FIXTURE = new URL('./fixtures/project-v0.json', import.meta.url);

let dir: string;
const opened: OpenProject[] = [];
beforeEach(async () => {
  dir = await scratchDirectory('project');
});
afterEach(async () => {
  for (const project of opened.splice(0)) await project.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function track(project: OpenProject): OpenProject {
  opened.push(project);
  return project;
}

async function fileJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

const step = (overrides: Partial<ProcessingStep> = {}): ProcessingStep => ({
  id: 'b5a1d7a2-0000-4000-8000-000000000001',
  processor: 'scale',
  processorVersion: '1',
  parameters: { factor: 2 },
  input: { path: '/data/in.seis', sha256: 'a'.repeat(64), traceCount: 6, sampleCount: 10 },
  output: { path: '/data/out.seis', sha256: 'b'.repeat(64), traceCount: 6, sampleCount: 10 },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  seisprocVersion: '0.1.0',
  ...overrides,
});

describe('ProjectManager.create and load', () => {
  it('creates, saves and loads a project with datasets stored relative to its folder', async () => {
    const file = path.join(dir, 'survey', 'north-sea.seisproj');
    const manager = new ProjectManager();
    const project = track(
      await manager.create(file, {
        name: 'North Sea',
        description: 'test',
        crs: fromEpsg(23031),
        metadata: { a: 1 },
      }),
    );
    expect(project.readOnly).toBe(false);
    const inside = path.join(dir, 'survey', 'data', 'line1.seis');
    const outside = path.join(dir, 'elsewhere', 'line2.seis');
    await writeSyntheticDataset(inside, { shots: 2, channels: 3, sampleCount: 10 });
    await writeSyntheticDataset(outside, { shots: 3, channels: 3, sampleCount: 10 });
    const first = await project.addDataset(inside);
    await project.addDataset(outside, { name: 'Line 2' });
    expect((await project.addDataset(inside)).id).toBe(first.id);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    project.recordProcessingStep(step());
    await project.save();

    const stored = await fileJson(file);
    expect(stored.format_version).toBe(1);
    expect((stored.datasets as Array<{ path: string }>).map((d) => d.path)).toEqual([
      path.join('data', 'line1.seis'),
      outside,
    ]);
    await project.close();

    const loaded = track(await manager.load(file));
    const { project: data } = loaded;
    expect(data.name).toBe('North Sea');
    expect(data.metadata).toEqual({ a: 1 });
    expect(data.datasets.map((d) => [d.name, d.path])).toEqual([
      ['line1', inside],
      ['Line 2', outside],
    ]);
    expect(data.processing).toEqual([step()]);
    expect(loaded.coordinateSystem?.description).toBe('ED50 / UTM zone 31N');
    expect(loaded.migratedFrom).toBeUndefined();
  });

  it('refuses to create over an existing file unless asked to overwrite', async () => {
    const file = path.join(dir, 'p.seisproj');
    const manager = new ProjectManager();
    await (await manager.create(file, { name: 'one' })).close();
    const error = await rejection(manager.create(file, { name: 'two' }));
    expect(error.code).toBe('DATASET_EXISTS');
    expect(await isWriteLocked(file)).toBe(false);
    const replaced = track(await manager.create(file, { name: 'two' }, { overwrite: true }));
    expect(replaced.project.name).toBe('two');
  });

  it('changes the name, description, metadata and CRS', async () => {
    const file = path.join(dir, 'p.seisproj');
    const manager = new ProjectManager();
    const project = track(await manager.create(file, { name: 'one' }));
    project.update({ name: 'renamed', description: 'now with text', metadata: { colour: 'blue' } });
    project.setCoordinateSystem(fromEpsg(32631));
    await project.save();
    await project.close();
    const loaded = track(await manager.load(file, { readOnly: true }));
    expect(loaded.project).toMatchObject({
      name: 'renamed',
      description: 'now with text',
      metadata: { colour: 'blue' },
    });
    expect(loaded.coordinateSystem?.epsg).toBe(32631);
    expect(() => project.update({ name: 'x' })).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
  });

  it('refuses malformed steps, unknown datasets and empty names', async () => {
    const project = track(await new ProjectManager().create(path.join(dir, 'p.seisproj'), { name: 'p' }));
    expect(() =>
      project.recordProcessingStep(
        step({ input: { path: 'x', sha256: 'nothex', traceCount: 1, sampleCount: 1 } }),
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect((await rejection(project.addDataset(path.join(dir, 'nothing.seis')))).code).toBe(
      'DATASET_NOT_FOUND',
    );
    expect(() => project.update({ name: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(project.removeDataset('unknown')).toBe(false);
    expect(
      (await rejection(new ProjectManager().create(path.join(dir, 'q.seisproj'), { name: '' }))).code,
    ).toBe('INVALID_ARGUMENT');
  });

  it('serialises concurrent saves into a valid file', async () => {
    const file = path.join(dir, 'p.seisproj');
    const project = track(await new ProjectManager().create(file, { name: 'p' }));
    const saves = [];
    for (let i = 0; i < 5; i++) {
      project.update({ description: `revision ${i}` });
      saves.push(project.save());
    }
    await Promise.all(saves);
    expect((await fileJson(file)).description).toBe('revision 4');
  });
});

describe('project files that cannot be used', () => {
  /** A minimal valid version-1 file, which each case below spoils in one way. */
  const VALID_FILE = {
    format_version: 1,
    id: 'p',
    name: 'x',
    description: '',
    createdAt: '',
    modifiedAt: '',
    datasets: [],
    processing: [],
    crs: null,
    metadata: {},
  };

  it('loads the minimal file the cases below spoil', async () => {
    const file = path.join(dir, 'good.seisproj');
    await fs.writeFile(file, JSON.stringify(VALID_FILE));
    expect(track(await new ProjectManager().load(file, { readOnly: true })).project.name).toBe('x');
  });

  it('says PROJECT_NOT_FOUND for a missing file and does not keep a lock', async () => {
    const file = path.join(dir, 'missing.seisproj');
    const manager = new ProjectManager();
    expect((await rejection(manager.load(file))).code).toBe('PROJECT_NOT_FOUND');
    expect((await rejection(manager.load(file, { readOnly: true }))).code).toBe('PROJECT_NOT_FOUND');
    expect(await isWriteLocked(file)).toBe(false);
  });

  it.each([
    ['not JSON', '{"format_version": 1, "name": '],
    ['a newer format', JSON.stringify({ format_version: 7, name: 'future' })],
    ['a bad version field', JSON.stringify({ format_version: 'one', name: 'x' })],
    ['missing fields', JSON.stringify({ format_version: 1, name: 'x' })],
    ['a malformed processing step', JSON.stringify({ ...VALID_FILE, processing: [{ processor: 'scale' }] })],
    [
      'an unknown coordinate system',
      JSON.stringify({ ...VALID_FILE, crs: { epsg: 99999, units: 'm', description: 'unbundled' } }),
    ],
  ])('says PROJECT_INVALID for a file with %s, leaving it untouched', async (_what, content) => {
    const file = path.join(dir, 'bad.seisproj');
    await fs.writeFile(file, content);
    const error = await rejection(new ProjectManager().load(file));
    expect(error.code).toBe('PROJECT_INVALID');
    expect(error.context.path).toBe(file);
    expect(await fs.readFile(file, 'utf8')).toBe(content);
    expect(await isWriteLocked(file)).toBe(false);
  });
});

describe('project locking', () => {
  it('lets one writer in, readers always, and refuses writes to a read-only project', async () => {
    const file = path.join(dir, 'p.seisproj');
    const manager = new ProjectManager();
    const writer = track(await manager.create(file, { name: 'shared' }));
    expect(await isWriteLocked(file)).toBe(true);
    expect((await rejection(manager.load(file))).code).toBe('DATASET_LOCKED');

    const reader = track(await manager.load(file, { readOnly: true }));
    expect(reader.readOnly).toBe(true);
    expect(reader.project.name).toBe('shared');
    expect((await rejection(reader.save())).code).toBe('READ_ONLY');
    expect(() => reader.removeDataset('x')).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    expect((await rejection(reader.addDataset(file))).code).toBe('READ_ONLY');
    expect((await rejection(reader.locateDatasets({ relocate: true }))).code).toBe('READ_ONLY');

    await writer.close();
    expect((await rejection(writer.save())).code).toBe('READ_ONLY');
    const next = track(await manager.load(file));
    expect(next.readOnly).toBe(false);
  });

  it('refuses a writer while another process has the project open for writing', async () => {
    const file = path.join(dir, 'p.seisproj');
    const manager = new ProjectManager();
    await (await manager.create(file, { name: 'shared' })).close();
    const child = startChild('project', file);
    await child.waitFor('locked');

    const error = await rejection(manager.load(file));
    expect(error.code).toBe('DATASET_LOCKED');
    expect(error.name).toBe('DatasetError');
    const reader = track(await manager.load(file, { readOnly: true }));
    expect(reader.project.name).toBe('shared');

    child.process.stdin!.write('release\n');
    await child.waitFor('released');
    await child.exited;
    track(await manager.load(file));
  });
});

describe('finding referenced datasets', () => {
  async function projectWith(names: Array<[string, number]>, manager = new ProjectManager()) {
    const file = path.join(dir, 'proj', 'p.seisproj');
    const project = track(await manager.create(file, { name: 'p' }));
    for (const [name, shots] of names) {
      const at = path.join(dir, 'proj', 'data', name);
      await writeSyntheticDataset(at, { shots, channels: 2, sampleCount: 4 });
      await project.addDataset(at);
    }
    return { file, project };
  }

  it('tells ok, moved (by name or content), missing and mismatched datasets apart', async () => {
    const { project } = await projectWith([
      ['stays.seis', 1],
      ['moved.seis', 2],
      ['renamed.seis', 3],
      ['deleted.seis', 4],
      ['replaced.seis', 5],
    ]);
    const data = path.join(dir, 'proj', 'data');
    await fs.mkdir(path.join(dir, 'proj', 'archive'));
    await fs.rename(path.join(data, 'moved.seis'), path.join(dir, 'proj', 'archive', 'moved.seis'));
    await fs.rename(path.join(data, 'renamed.seis'), path.join(data, 'line-3-final.seis'));
    await fs.rm(path.join(data, 'deleted.seis'), { recursive: true });
    await fs.rm(path.join(data, 'replaced.seis'), { recursive: true });
    await writeSyntheticDataset(path.join(data, 'replaced.seis'), { shots: 9, channels: 2, sampleCount: 4 });

    const locations = await project.locateDatasets();
    expect(locations.map((l) => [l.reference.name, l.status, l.foundAt])).toEqual([
      ['stays', 'ok', undefined],
      ['moved', 'moved', path.join(dir, 'proj', 'archive', 'moved.seis')],
      ['renamed', 'moved', path.join(data, 'line-3-final.seis')],
      ['deleted', 'missing', undefined],
      ['replaced', 'mismatch', undefined],
    ]);

    await project.locateDatasets({ relocate: true });
    expect(project.project.datasets.map((d) => path.relative(dir, d.path))).toEqual([
      path.join('proj', 'data', 'stays.seis'),
      path.join('proj', 'archive', 'moved.seis'),
      path.join('proj', 'data', 'line-3-final.seis'),
      path.join('proj', 'data', 'deleted.seis'),
      path.join('proj', 'data', 'replaced.seis'),
    ]);
    expect((await project.locateDatasets()).map((l) => l.status)).toEqual([
      'ok',
      'ok',
      'ok',
      'missing',
      'mismatch',
    ]);
  });

  it('searches the configured search paths, and keeps working when the project folder moves', async () => {
    const library = path.join(dir, 'library');
    const manager = new ProjectManager({ searchPaths: [library] });
    const { file, project } = await projectWith([['line.seis', 2]], manager);
    await project.save();
    await project.close();

    // The whole project folder moves: relative paths keep it whole.
    const movedFile = path.join(dir, 'moved-proj', 'p.seisproj');
    await fs.rename(path.dirname(file), path.dirname(movedFile));
    const moved = track(await manager.load(movedFile));
    expect((await moved.locateDatasets()).map((l) => l.status)).toEqual(['ok']);

    // The dataset moves out to the shared library, two levels down.
    await fs.mkdir(path.join(library, '2026', 'lines'), { recursive: true });
    const inLibrary = path.join(library, '2026', 'lines', 'line.seis');
    await fs.rename(path.join(dir, 'moved-proj', 'data', 'line.seis'), inLibrary);
    expect((await moved.locateDatasets()).map((l) => [l.status, l.foundAt])).toEqual([['moved', inLibrary]]);
    const deeper = new ProjectManager({ searchPaths: [library], searchDepth: 1 });
    expect((await deeper.locateDatasets(moved.project, movedFile)).map((l) => l.status)).toEqual(['missing']);
  });

  it('finds a moved file that is not a dataset by its name', async () => {
    const { project } = await projectWith([]);
    const segy = path.join(dir, 'proj', 'raw', 'line.sgy');
    await fs.mkdir(path.dirname(segy));
    await fs.writeFile(segy, 'not really SEG-Y');
    const reference = await project.addDataset(segy);
    expect(reference.fingerprint).toBeNull();
    await fs.rename(segy, path.join(dir, 'proj', 'line.sgy'));
    expect((await project.locateDatasets()).map((l) => [l.status, l.foundAt])).toEqual([
      ['moved', path.join(dir, 'proj', 'line.sgy')],
    ]);
  });

  it('relocates by hand only to the same dataset', async () => {
    const { project } = await projectWith([['a.seis', 1]]);
    const [reference] = project.project.datasets;
    const other = path.join(dir, 'other.seis');
    await writeSyntheticDataset(other, { shots: 7, channels: 2, sampleCount: 4 });
    expect((await rejection(project.relocateDataset(reference!.id, other))).code).toBe('DATASET_MISMATCH');
    expect((await rejection(project.relocateDataset(reference!.id, path.join(dir, 'none')))).code).toBe(
      'DATASET_NOT_FOUND',
    );
    expect((await rejection(project.relocateDataset('nope', other))).code).toBe('INVALID_ARGUMENT');
    const copy = path.join(dir, 'copy.seis');
    await fs.cp(reference!.path, copy, { recursive: true });
    expect((await project.relocateDataset(reference!.id, copy)).path).toBe(copy);
    expect(project.removeDataset(reference!.id)).toBe(true);
    expect(project.project.datasets).toEqual([]);
  });
});

describe('version-0 project files', () => {
  it('are migrated on load and rewritten, with a backup, at the first save', async () => {
    const file = path.join(dir, 'legacy.seisproj');
    await fs.copyFile(V0_FIXTURE, file);
    const original = await fs.readFile(file, 'utf8');
    const manager = new ProjectManager();

    const readOnly = track(await manager.load(file, { readOnly: true }));
    const project = track(await manager.load(file));
    expect(project.migratedFrom).toBe(0);
    const data = project.project;
    expect(readOnly.project).toEqual(data);
    expect(data).toMatchObject({
      name: 'North Sea 2019',
      createdAt: '2019-05-01T10:00:00.000Z',
      modifiedAt: '2019-06-11T16:30:00.000Z',
      crs: { epsg: 23031, description: 'ED50 / UTM zone 31N', units: 'm' },
    });
    expect(data.datasets.map((d) => [d.name, d.path, d.fingerprint])).toEqual([
      ['line_001', path.join(dir, 'data', 'line_001.seis'), null],
      ['Line 2 (AGC)', path.join(dir, 'data', 'line_002_agc.seis'), null],
    ]);
    expect(data.processing).toEqual([
      {
        id: expect.stringMatching(/^legacy-/),
        processor: 'agc',
        processorVersion: '1.0.0',
        parameters: { windowMs: 500 },
        input: {
          path: 'data/line_002.seis',
          sha256: '5f3c2a9e1b7d4c8f0a6e2d9b3c7f1e5a8d4b2c6f0e9a7d3b1c5f8e2a4d6b9c0e',
          traceCount: 1200,
          sampleCount: 1501,
        },
        output: {
          path: 'data/line_002_agc.seis',
          sha256: '0e9c6b4d2a8e5f1c3b7d9a0e4f2c8b6d1a3e7f9c5b0d2e8a6c4f1b3d7e9a5c2f',
          traceCount: 1200,
          sampleCount: 1501,
        },
        startedAt: '2019-05-02T09:15:00.000Z',
        finishedAt: '2019-05-02T09:15:00.000Z',
        seisprocVersion: 'unknown',
      },
    ]);
    expect(await fs.readFile(file, 'utf8')).toBe(original);

    await project.save();
    expect(await fs.readFile(`${file}.v0.bak`, 'utf8')).toBe(original);
    const rewritten = await fileJson(file);
    expect(rewritten.format_version).toBe(1);
    expect((rewritten.datasets as Array<{ path: string }>).map((d) => d.path)).toEqual([
      path.join('data', 'line_001.seis'),
      path.join('data', 'line_002_agc.seis'),
    ]);
    await project.close();
    const reloaded = track(await manager.load(file, { readOnly: true }));
    expect(reloaded.migratedFrom).toBeUndefined();
    expect({ ...reloaded.project, modifiedAt: '' }).toEqual({ ...data, modifiedAt: '' });
  });
});
