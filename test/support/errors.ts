// The InputError a piece of set-up code throws, for tests that check its file, path and message.
import { InputError } from "../../src/errors.js"

/** Runs `f` and returns the InputError it throws; anything else thrown, or nothing, fails the test. */
export const inputErrorOf = (f: () => unknown): InputError => {
  try {
    f()
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error("expected an InputError")
}

/** The InputError an asynchronous `f` rejects with; anything else, or success, fails the test. */
export const inputErrorOfAsync = async (f: () => Promise<unknown>): Promise<InputError> => {
  try {
    await f()
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error("expected an InputError")
}
