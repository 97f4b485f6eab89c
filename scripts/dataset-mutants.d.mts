// Types of dataset-mutants.mjs for the TypeScript tests that import it.

/** The parts of the seisproc library the mutants are run through (the sources or dist/). */
export type LibraryApi = Record<string, unknown>;

/** A base dataset and its traces codec. */
export interface BaseDataset {
  codec: 'none' | 'zstd';
  dir: string;
}

/** A mutated copy of a base dataset. */
export interface Mutant {
  dir: string;
  /** The file changed or deleted, relative to the dataset. */
  file: string;
  /** What was done to it. */
  kind: string;
  /** Operations that read all of the file and so must refuse it. */
  mustRefuse: string[];
}

/** How one operation on a mutant ended. */
export interface Outcome {
  operation: string;
  result: 'ok' | 'reported' | 'refused' | 'failed';
  code?: string;
  detail?: string;
}

export function prng(seed: number): () => number;
export const OPERATIONS: Record<string, { reads: string[] }>;
export function buildBases(
  api: LibraryApi,
  segyPath: string,
  workDir: string,
  chunkTraces?: number,
): Promise<BaseDataset[]>;
export function referenceResults(
  api: LibraryApi,
  dir: string,
  scratch: string,
): Promise<Record<string, string>>;
export function createMutant(
  baseDir: string,
  mutantDir: string,
  random: () => number,
  codec: BaseDataset['codec'],
): Promise<Mutant>;
export function judgeMutant(
  api: LibraryApi,
  mutant: Mutant,
  reference: Record<string, string>,
  scratch: string,
  timeoutMs: number,
): Promise<Outcome[]>;
