import { isSockgateError } from "@sockgate/protocol";

/** The SockgateError `fn` throws (code and sentence); anything else it throws is rethrown, and not throwing fails. */
export function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isSockgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a SockgateError");
}
