// A DNS server for the end-to-end test, run in the peer namespace: answers every A query
// with the address given, TTL 300. Prints "ready" once bound. argv: bindAddress address
import { createSocket } from "node:dgram";
import dnsPacket from "dns-packet";

const [bind, address] = process.argv.slice(2);
const sock = createSocket("udp4");
sock.on("message", (msg, rinfo) => {
  let q;
  try {
    q = dnsPacket.decode(msg);
  } catch {
    return;
  }
  const answers = q.questions.filter((x) => x.type === "A").map((x) => ({ type: "A", name: x.name, ttl: 300, data: address }));
  sock.send(dnsPacket.encode({ type: "response", id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions, answers }), rinfo.port, rinfo.address);
});
sock.bind(53, bind, () => process.stdout.write("ready\n"));
