// The application a DNS answer was delivered to, keyed exactly as its requests are: the
// same requestFromEvent + /proc path (with the exec-time argv and generation the record
// carries, as events do), so the names label that application's connections.

import { readlinkSync } from "node:fs";
import { requestFromEvent } from "@sockgate/protocol";
import type { DnsApp } from "@sockgate/decision-engine";
import { procInfoOf } from "../hold/request-of-flow.js";
import type { DnsRecord } from "@sockgate/protocol/codec";

export function dnsAppOf(r: DnsRecord): DnsApp | undefined {
  let exePath = "";
  try {
    exePath = readlinkSync(`/proc/${r.tgid}/exe`);
  } catch {
    return undefined; // gone: nobody left to label
  }
  const request = requestFromEvent(
    {
      op: "connect",
      proto: r.proto,
      family: r.family,
      tgid: r.tgid,
      uid: r.uid,
      flags: 0,
      cgroupId: 0,
      exeIno: r.exeIno,
      exeDev: r.exeDev,
      exeGeneration: r.exeGeneration,
      argv: r.argv,
      argvTruncated: r.argvTruncated,
      cookie: r.cookie,
      localAddr: r.localAddr,
      remoteAddr: r.remoteAddr,
      localPort: r.localPort,
      remotePort: r.remotePort,
      exePath,
    },
    procInfoOf(r.tgid, exePath, r.uid),
  );
  return request.app;
}
