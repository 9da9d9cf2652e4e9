import { UserInputError } from "../../src/errors.js";

/** The input error `run` throws; fails the test when it throws nothing or something else. */
export function inputError(run: () => unknown, accepted = "no error"): UserInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof UserInputError) return error;
    throw error;
  }
  throw new Error(`expected a UserInputError, but got ${accepted}`);
}
