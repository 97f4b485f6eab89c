/** Catch what a call throws or a promise rejects with, to assert on its code and context. */
import type { SeisprocError } from '../../../src/index.js';

/** The error `fn` throws (the test fails if it returns). */
export function thrown(fn: () => unknown): SeisprocError {
  try {
    fn();
  } catch (error) {
    return error as SeisprocError;
  }
  throw new Error('expected a throw');
}

/** The error `promise` rejects with (the test fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<SeisprocError> {
  try {
    await promise;
  } catch (error) {
    return error as SeisprocError;
  }
  throw new Error('expected a rejection');
}
