// The kernel verdict entry as data (mirror of struct sg_verdict_key / sg_verdict_value in
// packages/protocol/abi/sockgate-abi.h, with names for enums and text for the address),
// and the diff that moves the kernel from one plan to the next.

import type { OpName, ProtoName } from "@sockgate/protocol";

export interface KernelVerdictKey {
  exeDev: number;
  exeIno: number;
  uid: number;
  op: OpName;
  proto: ProtoName;
  /** abi.LAYER_ADDR | abi.LAYER_PORT */
  layer: number;
  /** 0 unless layer has LAYER_PORT. */
  port: number;
  /** Canonical text (IPv4 as ::ffff:a.b.c.d) when layer has LAYER_ADDR, else null. */
  addr: string | null;
}

export interface KernelVerdict {
  key: KernelVerdictKey;
  verdict: "allow" | "deny";
  /** u32 echoed by the shim in events; a hash of the rule id unless tagOf says otherwise. */
  tag: number;
  ruleId: string;
  /**
   * The entry's deadline in the engine's clock (ms since the epoch): the kernel stops
   * honouring it then, even if nobody withdraws it. null: until the rules change.
   */
  expiresAt: number | null;
  /**
   * i_generation of the executable when planned (0: unknown or a filesystem without one):
   * the kernel honours the entry only for that file, not for a later one reusing the inode.
   */
  exeGeneration: number;
}

/** Default tag: FNV-1a of the rule id (never 0, which means "no entry" in events). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

export function kernelVerdictKeyString(k: KernelVerdictKey): string {
  return `${k.exeDev}/${k.exeIno}/${k.uid}/${k.op}/${k.proto}/${k.layer}/${k.port}/${k.addr ?? ""}`;
}

/** What to write and what to delete to move the kernel from `before` to `after`. */
export function diffKernelVerdicts(before: readonly KernelVerdict[], after: readonly KernelVerdict[]): { upsert: KernelVerdict[]; withdraw: KernelVerdictKey[] } {
  const old = new Map(before.map((e) => [kernelVerdictKeyString(e.key), e]));
  const upsert: KernelVerdict[] = [];
  const next = new Set<string>();
  for (const e of after) {
    const k = kernelVerdictKeyString(e.key);
    next.add(k);
    const prev = old.get(k);
    if (prev === undefined || prev.verdict !== e.verdict || prev.tag !== e.tag || prev.expiresAt !== e.expiresAt || prev.exeGeneration !== e.exeGeneration) {
      upsert.push(e);
    }
  }
  const withdraw = before.filter((e) => !next.has(kernelVerdictKeyString(e.key))).map((e) => e.key);
  return { upsert, withdraw };
}
