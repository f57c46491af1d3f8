// One field of /proc/PID/status (or /proc/PID/task/TID/status): the text after "Name:",
// tabs trimmed, or undefined when the line is not there. Callers parse the value: decimal
// ids ("Uid: 1000 1000 1000 1000", first is the real uid), flags ("NoNewPrivs: 1"),
// hexadecimal signal masks ("SigCgt: 0000000000004a02").

export function statusField(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)[ \\t]*$`, "m").exec(status)?.[1];
}
