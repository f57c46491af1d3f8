// One trapped socket call, as read from the seccomp notification, the target's memory and
// its socket (pidfd_getfd): what the supervisor decides on and what JavaScript is told.
#pragma once

#include <linux/seccomp.h>
#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace sgrun {

enum class Op : uint8_t { kSocket = 1, kBind, kConnect, kListen, kAccept, kSend };
enum class Proto : uint8_t { kTcp = 1, kUdp, kIcmp, kRaw, kOther };

const char* OpName(Op op);
/** bind and listen: allowed, the supervisor makes them itself on its copy of the checked socket. */
inline bool DoneOnCheckedSocket(Op op) { return op == Op::kBind || op == Op::kListen; }
const char* ProtoName(Proto p);
/** What a socket's type and protocol are called in a request (SOCK_STREAM: tcp, ping sockets: icmp). */
Proto ProtoOf(int domain, int type, int protocol);

/** An address with its port; IPv4 kept v4-mapped, as the kernel shim keys them. */
struct Endpoint {
  uint8_t addr[16] = {};
  uint16_t port = 0;
  bool v4 = false;
  std::string Text() const;
};

/** A verdict cache key: one call of one process. */
struct CallKey {
  uint8_t op = 0;
  uint8_t domain = 0;
  uint8_t proto = 0;
  uint8_t pad = 0;
  uint16_t port = 0;
  uint16_t pad2 = 0;
  uint8_t addr[16] = {};
  bool operator==(const CallKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }
};

struct CallKeyHash {
  size_t operator()(const CallKey& k) const;
};

/** What the supervisor found out about a trapped call. */
struct SocketCall {
  uint64_t notifId = 0;
  uint64_t epoch = 0;  // the process instance (TaskTable), for the cache
  pid_t tid = 0;
  pid_t tgid = 0;
  Op op = Op::kSocket;
  int fd = -1;
  int domain = 0;  // AF_INET, AF_INET6, AF_PACKET
  int type = 0;    // SOCK_STREAM, ... (without SOCK_NONBLOCK / SOCK_CLOEXEC)
  int protocol = 0;
  Proto proto = Proto::kOther;
  uint64_t cookie = 0;  // the socket's (for accept: the listener's); 0 for socket()
  bool hasLocal = false;
  Endpoint local;  // bind: the address asked for; listen, accept: the socket's own
  std::vector<Endpoint> remotes;  // connect, send: the peers (sendmmsg: one per message)
  int backlog = 0;                // listen
  std::vector<uint8_t> rawLocal;  // bind: the sockaddr as read from the caller, to bind with
  // bind, listen: the supervisor's own copy of the checked socket (pidfd_getfd), owned by
  // the pending entry; an allowed call is done on it, never on whatever the fd names later
  int copyFd = -1;
  std::vector<CallKey> Keys() const;
};

}  // namespace sgrun
