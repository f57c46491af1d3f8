#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "sockgate.skel.h"

namespace sg {

bpf_map* MapByName(sockgate* skel, const std::string& name) {
  bpf_map* map = bpf_object__find_map_by_name(skel->obj, name.c_str());
  if (map == nullptr || map == skel->maps.sg_scratch || map == skel->maps.sg_events ||
      map == skel->maps.sg_counters || bpf_map__type(map) == BPF_MAP_TYPE_SK_STORAGE) {
    throw StepError("update", "", 0, "the shim has no user-space map called \"" + name + "\"", "SG_ERR_BAD_VALUE");
  }
  return map;
}

// Per-CPU maps give one value per possible CPU, each at an 8-byte stride.
static size_t ValueBytes(bpf_map* map) {
  size_t one = bpf_map__value_size(map);
  switch (bpf_map__type(map)) {
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_ARRAY: {
      int cpus = libbpf_num_possible_cpus();
      return ((one + 7) / 8) * 8 * static_cast<size_t>(cpus > 0 ? cpus : 1);
    }
    default:
      return one;
  }
}

static void CheckSize(bpf_map* map, const char* what, size_t got, size_t want) {
  if (got != want) {
    throw StepError("update", "", 0,
                    std::string(bpf_map__name(map)) + " " + what + " must be " + std::to_string(want) + " bytes, got " +
                        std::to_string(got),
                    "SG_ERR_BAD_VALUE");
  }
}

UpdateResult MapUpdateRaw(bpf_map* map, const uint8_t* key, size_t key_len, const uint8_t* value, size_t value_len,
                          uint64_t flags) {
  CheckSize(map, "key", key_len, bpf_map__key_size(map));
  CheckSize(map, "value", value_len, ValueBytes(map));
  int err = bpf_map__update_elem(map, key, key_len, value, value_len, flags);
  if (err == -E2BIG) return UpdateResult::kFull;
  if (err == -EEXIST) return UpdateResult::kExists;
  if (err != 0) throw StepError("update", "bpf", -err, std::string("update ") + bpf_map__name(map));
  return UpdateResult::kOk;
}

UpdateResult MapUpdate(bpf_map* map, const std::vector<uint8_t>& key, const std::vector<uint8_t>& value,
                       uint64_t flags) {
  return MapUpdateRaw(map, key.data(), key.size(), value.data(), value.size(), flags);
}

bool MapLookupInto(bpf_map* map, const uint8_t* key, size_t key_len, uint8_t* out, size_t out_len) {
  CheckSize(map, "key", key_len, bpf_map__key_size(map));
  CheckSize(map, "value", out_len, ValueBytes(map));
  int err = bpf_map__lookup_elem(map, key, key_len, out, out_len, 0);
  if (err == -ENOENT) return false;
  if (err != 0) throw StepError("read", "bpf", -err, std::string("read ") + bpf_map__name(map));
  return true;
}

std::optional<std::vector<uint8_t>> MapLookup(bpf_map* map, const std::vector<uint8_t>& key) {
  std::vector<uint8_t> value(ValueBytes(map));
  if (!MapLookupInto(map, key.data(), key.size(), value.data(), value.size())) return std::nullopt;
  return value;
}

bool MapDeleteRaw(bpf_map* map, const uint8_t* key, size_t key_len) {
  CheckSize(map, "key", key_len, bpf_map__key_size(map));
  int err = bpf_map__delete_elem(map, key, key_len, 0);
  if (err == -ENOENT) return false;
  if (err != 0) throw StepError("update", "bpf", -err, std::string("delete from ") + bpf_map__name(map));
  return true;
}

bool MapDelete(bpf_map* map, const std::vector<uint8_t>& key) { return MapDeleteRaw(map, key.data(), key.size()); }

std::vector<uint8_t> MapList(bpf_map* map) {
  const size_t kKey = bpf_map__key_size(map), kValue = ValueBytes(map);
  std::vector<uint8_t> out, key(kKey), next(kKey), value(kValue);
  const void* prev = nullptr;
  for (;;) {
    int err = bpf_map__get_next_key(map, prev, next.data(), kKey);
    if (err == -ENOENT) break;
    if (err != 0) throw StepError("read", "bpf", -err, std::string("iterate ") + bpf_map__name(map));
    key = next;
    prev = key.data();
    err = bpf_map__lookup_elem(map, key.data(), kKey, value.data(), kValue, 0);
    if (err == -ENOENT) continue;  // deleted while we iterated
    if (err != 0) throw StepError("read", "bpf", -err, std::string("read ") + bpf_map__name(map));
    out.insert(out.end(), key.begin(), key.end());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
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
