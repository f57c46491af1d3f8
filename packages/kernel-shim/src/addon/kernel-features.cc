#include "kernel-features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "errors.h"

namespace sg {

namespace {

struct Needed {
  bpf_prog_type prog;
  bpf_func_id helper;
  const char* what;
};

// The oldest kernel that has each one; the shim's floor is the highest of them (5.18).
const Needed kHelpers[] = {
    {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_set_retval, "bpf_set_retval in cgroup programs (Linux 5.18): refusing a call with EACCES"},
    {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_loop, "bpf_loop (Linux 5.17): building executable paths"},
    {BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_sk_storage_get, "socket storage in cgroup_skb programs (Linux 5.2): listener owners"},
    {BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_ringbuf_reserve, "the BPF ring buffer (Linux 5.8): events"},
    {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_get_current_task_btf, "bpf_get_current_task_btf (Linux 5.11): identities"},
};

}  // namespace

void RequireKernelFeatures() {
  for (const Needed& n : kHelpers) {
    if (libbpf_probe_bpf_helper(n.prog, n.helper, nullptr) != 1) {
      throw StepError("open", "", 0, std::string("this kernel lacks ") + n.what + ", which sockgate needs",
                      "SG_ERR_KERNEL_FEATURE");
    }
  }
}

OptionalFeature SocketEndFeature() {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) return {false, "the kernel's BTF is unreadable, so bpf_sock_destroy cannot be found"};
  bool found = btf__find_by_name_kind(vmlinux, "bpf_sock_destroy", BTF_KIND_FUNC) >= 0;
  btf__free(vmlinux);
  if (found) return {true, ""};
  return {false, "this kernel has no bpf_sock_destroy (Linux 6.5): a socket whose permission ends lives on until closed"};
}

OptionalFeature DelegationFeature() {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) return {false, "the kernel's BTF is unreadable, so bpf_task_from_pid cannot be found"};
  int from_pid = btf__find_by_name_kind(vmlinux, "bpf_task_from_pid", BTF_KIND_FUNC);
  int release = btf__find_by_name_kind(vmlinux, "bpf_task_release", BTF_KIND_FUNC);
  btf__free(vmlinux);
  if (from_pid < 0 || release < 0) return {false, "this kernel has no bpf_task_from_pid (Linux 6.2)"};
  // t = bpf_task_from_pid(1); if (t) bpf_task_release(t); return 1;
  auto kfunc = [](int id) { return bpf_insn{BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id}; };
  const bpf_insn prog[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1},
      kfunc(from_pid),
      {BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0},
      {BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0},
      kfunc(release),
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  struct Kind {
    bpf_prog_type type;
    bpf_attach_type attach;
    const char* name;
  };
  for (const Kind& k : {Kind{BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, "sockops"},
                        Kind{BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, "cgroup/bind"}}) {
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = k.attach);
    int fd = bpf_prog_load(k.type, nullptr, "GPL", prog, sizeof prog / sizeof prog[0], &opts);
    if (fd < 0) return {false, std::string("this kernel's ") + k.name + " programs cannot take a task by its pid (bpf_task_from_pid)"};
    close(fd);
  }
  return {true, ""};
}

}  // namespace sg
