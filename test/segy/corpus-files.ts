/**
 * The shared SEG-Y/SU test corpus (../shared/segy-corpus, see its README.md) and its
 * expectations, for the tests under test/segy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED_CORPUS = path.resolve(here, '../../../shared/segy-corpus');
/** The repository's copy of a few corpus files, with their expectations. */
export const FIXTURES_ROOT = path.resolve(here, '../fixtures');

function hasExpectations(root: string): boolean {
  try {
    return statSync(path.join(root, 'expected.json')).isFile();
  } catch {
    return false;
  }
}

/**
 * Root of the corpus: SEISPROC_CORPUS, else the shared corpus next to the repository, else the
 * fixtures in the repository (a fresh clone in CI has only those).
 */
export const CORPUS_ROOT =
  process.env.SEISPROC_CORPUS ?? (hasExpectations(SHARED_CORPUS) ? SHARED_CORPUS : FIXTURES_ROOT);

// CI lays the shared corpus beside the clone: testing only the fixtures there would hide a regression.
if (process.env.CI && CORPUS_ROOT === FIXTURES_ROOT) {
  throw new Error(`CI: the shared corpus is missing at ${SHARED_CORPUS}`);
}

/** True when only the repository fixtures are available, not the full corpus. */
export const usingFixtures = CORPUS_ROOT === FIXTURES_ROOT;

/** Raw trace header values of one trace, by segyio name. */
export type ExpectedHeaders = Record<string, number>;

/** One record of expected.json. */
export interface Expectation {
  path: string;
  kind: 'segy' | 'su';
  expect: 'read' | 'reject';
  note?: string;
  endian?: 'big' | 'little' | null;
  format?: number | null;
  n_traces?: number;
  n_samples?: number;
  dt_us?: number | null;
  ext_text_headers?: number | null;
  text_encoding?: string | null;
  text_line1?: string | null;
  samples_sha256_f32le?: string;
  min?: number;
  max?: number;
  trace_headers?: { first: ExpectedHeaders; last: ExpectedHeaders };
}

/** expected.json. */
export interface ExpectedDocument {
  header_positions: Record<string, { byte: number; bytes: number }>;
  files: Expectation[];
}

/** expected.json of the corpus (or of another root, e.g. {@link FIXTURES_ROOT}), parsed. */
export function loadExpectations(root = CORPUS_ROOT): ExpectedDocument {
  return JSON.parse(readFileSync(path.join(root, 'expected.json'), 'utf8')) as ExpectedDocument;
}

/** Every data file of the corpus (relative paths), expected or not. */
export function corpusFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return walk(CORPUS_ROOT)
    .map((full) => path.relative(CORPUS_ROOT, full))
    .filter((rel) => !rel.endsWith('.json') && !rel.endsWith('.md'))
    .sort();
}
