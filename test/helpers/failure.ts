import { isSeisprocError, type SeisprocError } from '../../src/errors/index.js';

/** The SeisprocError `promise` rejects with; anything else (another error, a success) fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<SeisprocError> {
  try {
    await promise;
  } catch (error) {
    if (isSeisprocError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
