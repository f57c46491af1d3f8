// The seccomp filter `sockgate run` installs, evaluated here on made-up system calls,
// including ones a given kernel cannot make: an i386 `int 0x80` socketcall (some kernels,
// like the project's test machines, have no working int 0x80 entry, and the process dies
// of SIGSEGV before seccomp sees anything) and x32 numbers. The end-to-end tests run the
// same filter in the kernel for the calls it can make.

import { describe, expect, it } from "vitest";
import { runAddon } from "../native.js";

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const X32 = 0x40000000;
const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const RET_USER_NOTIF = 0x7fc00000;
const RET_EPERM = 0x00050000 | 1;
// x86_64 numbers
const NR = { getpid: 39, socket: 41, connect: 42, accept: 43, sendto: 44, sendmsg: 46, bind: 49, listen: 50, execve: 59, prctl: 157, accept4: 288, sendmmsg: 307, seccomp: 317, io_uring_setup: 425 };
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const AF_PACKET = 17;
const PR_SET_MM = 35;
const PR_SET_NAME = 15;
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;

type Program = Array<[number, number, number, number]>;

/** A classic-BPF interpreter for what a seccomp filter may use: loads of seccomp_data words, jumps, returns. */
function evaluate(program: Program, call: { nr: number; arch?: number; args?: bigint[] }): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(call.nr >>> 0, 0);
  data.writeUInt32LE(call.arch ?? AUDIT_ARCH_X86_64, 4);
  (call.args ?? []).forEach((a, i) => data.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const [code, jt, jf, k] = program[pc]!;
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        acc = data.readUInt32LE(k);
        break;
      case 0x06: // BPF_RET | BPF_K
        return k >>> 0;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        pc += acc === k >>> 0 ? jt : jf;
        break;
      case 0x45: // BPF_JMP | BPF_JSET | BPF_K
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      default:
        throw new Error(`instruction ${code.toString(16)} at ${pc} is not one this interpreter knows`);
    }
  }
  throw new Error("the filter ran off its end");
}

describe.runIf(process.arch === "x64")("the sockgate run seccomp filter (x86_64)", () => {
  const program = runAddon().filterProgram({ noIoUring: false });
  const run = (nr: number, args: bigint[] = [], arch?: number): number => evaluate(program, { nr, args, arch });

  it("kills every call of a foreign ABI: i386 (int 0x80 socketcall, socket) and x32", () => {
    expect(run(102, [1n, 0x1000n], AUDIT_ARCH_I386)).toBe(RET_KILL_PROCESS); // i386 socketcall(SYS_SOCKET)
    expect(run(359, [2n, 1n, 0n], AUDIT_ARCH_I386)).toBe(RET_KILL_PROCESS); // i386 socket
    expect(run(20, [], AUDIT_ARCH_I386)).toBe(RET_KILL_PROCESS); // i386 getpid: the ABI, not the call, decides
    expect(run(X32 | NR.getpid)).toBe(RET_KILL_PROCESS);
    expect(run(X32 | NR.socket, [BigInt(AF_INET), 1n, 0n])).toBe(RET_KILL_PROCESS);
  });

  it("traps socket() for AF_INET, AF_INET6 and AF_PACKET only (the family is a register)", () => {
    for (const family of [AF_INET, AF_INET6, AF_PACKET]) expect(run(NR.socket, [BigInt(family), 1n, 0n])).toBe(RET_USER_NOTIF);
    for (const family of [AF_UNIX, AF_NETLINK]) expect(run(NR.socket, [BigInt(family), 1n, 0n])).toBe(RET_ALLOW);
  });

  it("traps bind, connect, listen, accept, accept4, sendmsg, sendmmsg and exec; sendto only with an address", () => {
    for (const nr of [NR.bind, NR.connect, NR.listen, NR.accept, NR.accept4, NR.sendmsg, NR.sendmmsg, NR.execve]) expect(run(nr, [3n])).toBe(RET_USER_NOTIF);
    expect(run(NR.sendto, [3n, 0x1000n, 10n, 0n, 0n, 0n])).toBe(RET_ALLOW);
    expect(run(NR.sendto, [3n, 0x1000n, 10n, 0n, 0x7ffd0000n, 16n])).toBe(RET_USER_NOTIF);
    // an address above 4 GiB with a zero low half is still an address
    expect(run(NR.sendto, [3n, 0x1000n, 10n, 0n, 0x7f0000000000n, 16n])).toBe(RET_USER_NOTIF);
    expect(run(NR.getpid)).toBe(RET_ALLOW);
  });

  it("refuses PR_SET_MM and a seccomp listener of the program's own; io_uring only with noIoUring", () => {
    expect(run(NR.prctl, [BigInt(PR_SET_MM)])).toBe(RET_EPERM);
    expect(run(NR.prctl, [BigInt(PR_SET_NAME)])).toBe(RET_ALLOW);
    expect(run(NR.seccomp, [BigInt(SECCOMP_SET_MODE_FILTER), BigInt(SECCOMP_FILTER_FLAG_NEW_LISTENER)])).toBe(RET_EPERM);
    expect(run(NR.seccomp, [BigInt(SECCOMP_SET_MODE_FILTER), 0n])).toBe(RET_ALLOW);
    expect(run(NR.io_uring_setup, [8n, 0n])).toBe(RET_ALLOW);
    const strict = runAddon().filterProgram({ noIoUring: true });
    for (const nr of [425, 426, 427]) expect(evaluate(strict, { nr })).toBe(RET_EPERM);
  });
});
