#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "sockgate.skel.h"

namespace sg {

bool UpdateVerdict(sockgate* skel, const uint8_t (&key)[sizeof(sg_verdict_key)],
                   const uint8_t (&value)[sizeof(sg_verdict_value)]) {
  int err = bpf_map__update_elem(skel->maps.sg_verdicts, key, sizeof key, value, sizeof value, BPF_ANY);
  if (err == -E2BIG) return false;
  if (err != 0) throw StepError("update", "bpf", -err, "update sg_verdicts");
  return true;
}

bool DeleteVerdict(sockgate* skel, const uint8_t (&key)[sizeof(sg_verdict_key)]) {
  int err = bpf_map__delete_elem(skel->maps.sg_verdicts, key, sizeof key, 0);
  if (err == -ENOENT) return false;
  if (err != 0) throw StepError("update", "bpf", -err, "delete from sg_verdicts");
  return true;
}

std::vector<uint8_t> ListVerdicts(sockgate* skel) {
  constexpr size_t kKey = sizeof(sg_verdict_key), kValue = sizeof(sg_verdict_value);
  std::vector<uint8_t> out;
  uint8_t key[kKey], next[kKey], value[kValue];
  const void* prev = nullptr;
  for (;;) {
    int err = bpf_map__get_next_key(skel->maps.sg_verdicts, prev, next, kKey);
    if (err == -ENOENT) break;
    if (err != 0) throw StepError("read", "bpf", -err, "iterate sg_verdicts");
    memcpy(key, next, kKey);
    prev = key;
    err = bpf_map__lookup_elem(skel->maps.sg_verdicts, key, kKey, value, kValue, 0);
    if (err == -ENOENT) continue;  // deleted while we iterated
    if (err != 0) throw StepError("read", "bpf", -err, "read sg_verdicts");
    out.insert(out.end(), key, key + kKey);
    out.insert(out.end(), value, value + kValue);
  }
  return out;
}

std::vector<uint8_t> ReadConfig(sockgate* skel) {
  uint32_t zero = 0;
  std::vector<uint8_t> out(sizeof(sg_config));
  int err = bpf_map__lookup_elem(skel->maps.sg_config, &zero, sizeof zero, out.data(), out.size(), 0);
  if (err != 0) throw StepError("read", "bpf", -err, "read sg_config");
  return out;
}

void WriteConfig(sockgate* skel, const uint8_t (&config)[sizeof(sg_config)]) {
  uint32_t zero = 0;
  int err = bpf_map__update_elem(skel->maps.sg_config, &zero, sizeof zero, config, sizeof config, BPF_ANY);
  if (err != 0) throw StepError("update", "bpf", -err, "update sg_config");
}

std::vector<uint8_t> ReadCounters(sockgate* skel, int* cpus) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) throw StepError("read", "open", -n, "count possible CPUs");
  // Per-CPU values are laid out at 8-byte strides; sg_counters is a multiple of 8.
  static_assert(sizeof(sg_counters) % 8 == 0, "per-CPU stride");
  uint32_t zero = 0;
  std::vector<uint8_t> out(sizeof(sg_counters) * static_cast<size_t>(n));
  int err = bpf_map__lookup_elem(skel->maps.sg_counters, &zero, sizeof zero, out.data(), out.size(), 0);
  if (err != 0) throw StepError("read", "bpf", -err, "read sg_counters");
  *cpus = n;
  return out;
}

ProgramStats ReadProgramStats(int prog_fd, const std::string& name) {
  bpf_prog_info info = {};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
    throw StepError("stats", "bpf", errno, "read program info of " + name);
  }
  return {info.run_cnt, info.run_time_ns};
}

}  // namespace sg
