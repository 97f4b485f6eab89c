import packageJson from '../package.json' with { type: 'json' };

/** The seisproc package version, recorded in datasets and provenance. */
export const version: string = packageJson.version;
