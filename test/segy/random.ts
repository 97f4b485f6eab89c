/** Deterministic PRNG (mulberry32) so that property and fuzz tests are reproducible. */
export { prng } from '../../scripts/dataset-mutants.mjs';
