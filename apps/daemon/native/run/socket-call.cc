// Names, keys and text forms of socket-call.h.
#include "socket-call.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace sgrun {

const char* OpName(Op op) {
  switch (op) {
    case Op::kSocket: return "socket";
    case Op::kBind: return "bind";
    case Op::kConnect: return "connect";
    case Op::kListen: return "listen";
    case Op::kAccept: return "accept";
    case Op::kSend: return "send";
  }
  return "socket";
}

const char* ProtoName(Proto p) {
  switch (p) {
    case Proto::kTcp: return "tcp";
    case Proto::kUdp: return "udp";
    case Proto::kIcmp: return "icmp";
    case Proto::kRaw: return "raw";
    case Proto::kOther: return "other";
  }
  return "other";
}

Proto ProtoOf(int domain, int type, int protocol) {
  if (domain == AF_PACKET) return Proto::kRaw;  // link-layer access: asked as a raw socket
  if (type == SOCK_RAW) return Proto::kRaw;
  if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP)) return Proto::kTcp;
  if (type == SOCK_DGRAM && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)) return Proto::kIcmp;
  if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE)) return Proto::kUdp;
  return Proto::kOther;
}

std::string Endpoint::Text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4) inet_ntop(AF_INET, addr + 12, buf, sizeof buf);
  else inet_ntop(AF_INET6, addr, buf, sizeof buf);
  return buf;
}

size_t CallKeyHash::operator()(const CallKey& k) const {
  // FNV-1a over the key's bytes
  const auto* p = reinterpret_cast<const uint8_t*>(&k);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < sizeof k; i++) h = (h ^ p[i]) * 1099511628211ull;
  return static_cast<size_t>(h);
}

std::vector<CallKey> SocketCall::Keys() const {
  CallKey base;
  base.op = static_cast<uint8_t>(op);
  base.domain = static_cast<uint8_t>(domain);
  base.proto = static_cast<uint8_t>(proto);
  std::vector<CallKey> out;
  if (!remotes.empty()) {
    for (const auto& r : remotes) {
      CallKey k = base;
      std::memcpy(k.addr, r.addr, 16);
      k.port = r.port;
      out.push_back(k);
    }
    return out;
  }
  if (hasLocal) {
    std::memcpy(base.addr, local.addr, 16);
    base.port = local.port;
  }
  out.push_back(base);
  return out;
}

}  // namespace sgrun
