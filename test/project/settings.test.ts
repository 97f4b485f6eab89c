import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AppSettings,
  DEFAULT_DATASET_CACHE_LIMIT_BYTES,
  defaultSessionState,
  defaultSettingsPath,
  SessionState,
} from '../../src/index.js';
import { scratchDirectory } from '../helpers/synthetic-dataset.js';

const V0_FIXTURE = new URL('./fixtures/settings-v0.json', import.meta.url);

let dir: string;
beforeEach(async () => {
  dir = await scratchDirectory('settings');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('AppSettings', () => {
  it('starts from defaults without a file', async () => {
    const result = await AppSettings.load(path.join(dir, 'settings.json'));
    expect(result).toMatchObject({ source: 'defaults', recovered: undefined, missingDatasets: [] });
    expect(result.settings.toJSON()).toEqual({
      loadedDatasets: [],
      activeDatasetId: null,
      datasetCacheLimitBytes: DEFAULT_DATASET_CACHE_LIMIT_BYTES,
      autoLoadLast: false,
      session: null,
    });
  });

  it('keeps loaded datasets, the active one, the cache limit and the session', async () => {
    const file = path.join(dir, 'config', 'settings.json');
    const line1 = path.join(dir, 'line1.seis');
    const line2 = path.join(dir, 'line2.sgy');
    await fs.mkdir(line1);
    await fs.writeFile(line2, 'segy');
    const settings = new AppSettings(file);
    const first = settings.addLoadedDataset(line1, { loadedAt: new Date('2026-02-01T00:00:00Z') });
    const second = settings.addLoadedDataset(line2, { name: 'Line two' });
    expect(first).toMatchObject({ name: 'line1', path: line1, loadedAt: '2026-02-01T00:00:00.000Z' });
    // Loading the same path again refreshes the entry instead of adding one.
    const again = settings.addLoadedDataset(line1, { loadedAt: new Date('2026-03-01T00:00:00Z') });
    expect(again.id).toBe(first.id);
    expect(settings.loadedDatasets).toHaveLength(2);
    settings.setActiveDataset(second.id);
    settings.setDatasetCacheLimit(256 * 1024 ** 2);
    settings.setAutoLoadLast(true);
    const session = new SessionState();
    session.setColormap('seismic');
    settings.setSession(session);
    await settings.save();

    const { settings: loaded, source, missingDatasets } = await AppSettings.load(file);
    expect(source).toBe('file');
    expect(missingDatasets).toEqual([]);
    expect(loaded.toJSON()).toEqual(settings.toJSON());
    expect(loaded.activeDataset?.name).toBe('Line two');
    expect(loaded.loadedDatasets[0]!.loadedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(loaded.session?.colormap).toBe('seismic');
    expect(JSON.parse(await fs.readFile(file, 'utf8')).format_version).toBe(1);
    expect(await fs.readdir(path.dirname(file))).toEqual(['settings.json']);
  });

  it('drops datasets whose path is gone on restore, and says which', async () => {
    const file = path.join(dir, 'settings.json');
    const kept = path.join(dir, 'kept.seis');
    const gone = path.join(dir, 'gone.seis');
    await fs.mkdir(kept);
    await fs.mkdir(gone);
    const settings = new AppSettings(file);
    settings.addLoadedDataset(kept);
    const goneEntry = settings.addLoadedDataset(gone);
    settings.setActiveDataset(goneEntry.id);
    await settings.save();
    await fs.rm(gone, { recursive: true });

    const dropped = await AppSettings.load(file);
    expect(dropped.missingDatasets.map((d) => d.path)).toEqual([gone]);
    expect(dropped.settings.loadedDatasets.map((d) => d.path)).toEqual([kept]);
    expect(dropped.settings.activeDatasetId).toBeNull();

    const kept2 = await AppSettings.load(file, { keepMissingDatasets: true });
    expect(kept2.missingDatasets.map((d) => d.path)).toEqual([gone]);
    expect(kept2.settings.loadedDatasets).toHaveLength(2);
    expect(kept2.settings.activeDatasetId).toBe(goneEntry.id);
  });

  it('migrates a version-0 settings file', async () => {
    const file = path.join(dir, 'settings.json');
    await fs.copyFile(V0_FIXTURE, file);
    await fs.mkdir(path.join(dir, 'surveys', 'line_001.seis'), { recursive: true });
    await fs.mkdir(path.join(dir, 'surveys', 'line_002.seis'));

    const result = await AppSettings.load(file);
    expect(result.source).toBe('file');
    expect(result.migratedFrom).toBe(0);
    expect(result.missingDatasets.map((d) => d.path)).toEqual(['/mnt/unplugged/line_003.seis']);
    const data = result.settings.toJSON();
    expect(data.loadedDatasets.map(({ path: p, name, loadedAt }) => ({ p, name, loadedAt }))).toEqual([
      {
        p: path.join(dir, 'surveys', 'line_001.seis'),
        name: 'line_001',
        loadedAt: '1970-01-01T00:00:00.000Z',
      },
      { p: path.join(dir, 'surveys', 'line_002.seis'), name: 'Line 2', loadedAt: '2019-05-03T08:00:00.000Z' },
    ]);
    expect(result.settings.activeDataset?.name).toBe('Line 2');
    expect(data.datasetCacheLimitBytes).toBe(256 * 1024 * 1024);
    expect(data.autoLoadLast).toBe(true);
    // The old session does not validate as a current one: dropped, not fatal.
    expect(data.session).toBeNull();

    // Ids of a migrated file are stable, so two reads agree.
    const twice = await AppSettings.load(file);
    expect(twice.settings.loadedDatasets.map((d) => d.id)).toEqual(data.loadedDatasets.map((d) => d.id));
  });

  it.each([
    ['not JSON', '{"format_version":1,'],
    [
      'an active dataset that is not loaded',
      JSON.stringify({
        format_version: 1,
        loadedDatasets: [],
        activeDatasetId: 'ghost',
        datasetCacheLimitBytes: 1024,
        autoLoadLast: false,
        session: null,
      }),
    ],
    [
      'a bad cache limit',
      JSON.stringify({
        format_version: 1,
        loadedDatasets: [],
        activeDatasetId: null,
        datasetCacheLimitBytes: -5,
        autoLoadLast: false,
        session: null,
      }),
    ],
  ])('keeps a settings file with %s aside and starts from defaults', async (_what, content) => {
    const file = path.join(dir, 'settings.json');
    await fs.writeFile(file, content);
    const result = await AppSettings.load(file);
    expect(result.source).toBe('defaults');
    expect(result.recovered?.reason).toBe('corrupt');
    expect(result.recovered?.error.code).toBe('SETTINGS_INVALID');
    expect(await fs.readFile(result.recovered!.keptAs!, 'utf8')).toBe(content);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses invalid changes', () => {
    const settings = new AppSettings(path.join(dir, 'settings.json'));
    expect(() => settings.setActiveDataset('nobody')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    for (const bytes of [0, -1, 1.5, Number.NaN]) {
      expect(() => settings.setDatasetCacheLimit(bytes)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => settings.setSession({ ...defaultSessionState(), colormap: '' })).toThrow(
      expect.objectContaining({ code: 'SESSION_INVALID' }),
    );
    const entry = settings.addLoadedDataset(path.join(dir, 'a.seis'), { id: 'a' });
    expect(() => settings.addLoadedDataset(path.join(dir, 'b.seis'), { id: entry.id })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new AppSettings(path.join(dir, 's.json'), { datasetCacheLimitBytes: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(settings.removeLoadedDataset('a')).toBe(true);
    expect(settings.removeLoadedDataset('a')).toBe(false);
  });

  it('saves synchronously for exit handlers', () => {
    const file = path.join(dir, 'settings.json');
    const settings = new AppSettings(file);
    settings.setAutoLoadLast(true);
    settings.saveSync();
    return expect(AppSettings.load(file).then((r) => r.settings.autoLoadLast)).resolves.toBe(true);
  });

  it.runIf(process.platform === 'linux')('puts the settings file in the XDG config folder', () => {
    const previous = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = dir;
    try {
      expect(defaultSettingsPath('my-viewer')).toBe(path.join(dir, 'my-viewer', 'settings.json'));
    } finally {
      if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previous;
    }
  });
});
