// What the running kernel offers that a test's expectations depend on.

import { release } from "node:os";

/** SO_PEERPIDFD (Linux 6.5+): without it the peer's executable is read but cannot be confirmed (exeVerified false). */
export function kernelHasPeerPidfd(): boolean {
  const [major = 0, minor = 0] = release().split(".").map((n) => parseInt(n, 10));
  return major > 6 || (major === 6 && minor >= 5);
}
