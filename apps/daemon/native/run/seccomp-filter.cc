// Builds the filter of seccomp-filter.h with symbolic jump targets, so an edit cannot
// leave a jump pointing at the wrong instruction.
#include "seccomp-filter.h"

#include <linux/audit.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>
#include <map>
#include <string>
#include <utility>

#if defined(__x86_64__)
#define SG_AUDIT_ARCH AUDIT_ARCH_X86_64
#define SG_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define SG_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "sockgate run knows the system call numbers of x86_64 and aarch64 only"
#endif

namespace sgrun {
namespace {

constexpr unsigned kNotify = SECCOMP_RET_USER_NOTIF;
constexpr unsigned kAllow = SECCOMP_RET_ALLOW;
constexpr unsigned kKill = SECCOMP_RET_KILL_PROCESS;
constexpr unsigned kEperm = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);

constexpr unsigned ArgLow(int i) { return offsetof(struct seccomp_data, args) + 8 * i; }
constexpr unsigned ArgHigh(int i) { return offsetof(struct seccomp_data, args) + 8 * i + 4; }

// A program of statements and conditional jumps to named labels, resolved at the end.
class Program {
 public:
  void Load(unsigned offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void Ret(unsigned action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  // if (A <op> k) goto yes; else goto no ("" = the next instruction)
  void Jump(unsigned op, unsigned k, const std::string& yes, const std::string& no = "") {
    fixups_.push_back({code_.size(), {yes, no}});
    code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0));
  }
  void Label(const std::string& name) { labels_[name] = code_.size(); }

  std::vector<sock_filter> Finish() {
    for (auto& [at, targets] : fixups_) {
      code_[at].jt = Offset(at, targets.first);
      code_[at].jf = Offset(at, targets.second);
    }
    return code_;
  }

 private:
  unsigned char Offset(size_t at, const std::string& label) {
    if (label.empty()) return 0;
    size_t to = labels_.at(label);
    // classic BPF jumps only forward, at most 255 instructions
    if (to <= at || to - at - 1 > 255) throw std::string("seccomp filter: jump to ") + label + " out of range";
    return static_cast<unsigned char>(to - at - 1);
  }

  std::vector<sock_filter> code_;
  std::map<std::string, size_t> labels_;
  std::vector<std::pair<size_t, std::pair<std::string, std::string>>> fixups_;
};

}  // namespace

std::vector<sock_filter> BuildFilter(const FilterOptions& options) {
  Program p;
  p.Load(offsetof(struct seccomp_data, arch));
  p.Jump(BPF_JEQ, SG_AUDIT_ARCH, "", "kill");
  p.Load(offsetof(struct seccomp_data, nr));
#ifdef SG_X32_BIT
  p.Jump(BPF_JSET, SG_X32_BIT, "kill");
#endif
  p.Jump(BPF_JEQ, __NR_socket, "socket");
  p.Jump(BPF_JEQ, __NR_sendto, "sendto");
  for (long nr : {__NR_bind, __NR_connect, __NR_listen, __NR_accept, __NR_accept4, __NR_sendmsg, __NR_sendmmsg, __NR_execve, __NR_execveat}) {
    p.Jump(BPF_JEQ, static_cast<unsigned>(nr), "notify");
  }
  p.Jump(BPF_JEQ, __NR_prctl, "prctl");
  p.Jump(BPF_JEQ, __NR_seccomp, "seccomp");
  if (options.noIoUring) {
    for (long nr : {__NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register}) p.Jump(BPF_JEQ, static_cast<unsigned>(nr), "eperm");
  }
  p.Ret(kAllow);

  // socket(family, ...): the family is a register; only these families are asked about
  p.Label("socket");
  p.Load(ArgLow(0));
  p.Jump(BPF_JEQ, AF_INET, "notify");
  p.Jump(BPF_JEQ, AF_INET6, "notify");
  p.Jump(BPF_JEQ, AF_PACKET, "notify");
  p.Ret(kAllow);

  // sendto(fd, buf, len, flags, dest_addr, addrlen): without an address it is send()
  p.Label("sendto");
  p.Load(ArgLow(4));
  p.Jump(BPF_JEQ, 0, "", "notify");
  p.Load(ArgHigh(4));
  p.Jump(BPF_JEQ, 0, "", "notify");
  p.Ret(kAllow);

  p.Label("prctl");
  p.Load(ArgLow(0));
  p.Jump(BPF_JEQ, PR_SET_MM, "eperm");
  p.Ret(kAllow);

  p.Label("seccomp");
  p.Load(ArgLow(0));
  p.Jump(BPF_JEQ, SECCOMP_SET_MODE_FILTER, "", "allow");
  p.Load(ArgLow(1));
  p.Jump(BPF_JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, "eperm");
  p.Label("allow");
  p.Ret(kAllow);

  p.Label("notify");
  p.Ret(kNotify);
  p.Label("eperm");
  p.Ret(kEperm);
  p.Label("kill");
  p.Ret(kKill);
  return p.Finish();
}

}  // namespace sgrun
