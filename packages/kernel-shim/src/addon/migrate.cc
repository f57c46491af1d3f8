#include "migrate.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "errors.h"
#include "iter.h"
#include "sockgate.skel.h"

namespace sg {

namespace {

StepError MigrateError(const std::string& what, int err = 0, const std::string& syscall = "bpf") {
  return StepError("migrate", err != 0 ? syscall : "", err, what, "SG_ERR_SHIM_MIGRATE");
}

bool PerCpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}
bool Array(uint32_t type) { return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY; }
size_t Round8(size_t n) { return (n + 7) / 8 * 8; }

size_t Cpus() {
  int n = libbpf_num_possible_cpus();
  if (n < 0) throw MigrateError("count possible CPUs", -n, "open");
  return static_cast<size_t>(n);
}

// Bytes one value takes in user space: per-CPU maps give one 8-byte-aligned slot per CPU.
size_t ValueBytes(uint32_t type, uint32_t value_size) {
  return PerCpu(type) ? Round8(value_size) * Cpus() : value_size;
}

// Copies the common prefix of each (per-CPU) slot; the rest of `to` stays zero.
void Convert(const std::vector<uint8_t>& from, uint32_t from_size, std::vector<uint8_t>& to, uint32_t to_size,
             bool per_cpu) {
  std::fill(to.begin(), to.end(), 0);
  size_t slots = per_cpu ? Cpus() : 1;
  size_t from_stride = per_cpu ? Round8(from_size) : from_size, to_stride = per_cpu ? Round8(to_size) : to_size;
  size_t n = std::min(from_size, to_size);
  for (size_t i = 0; i < slots; i++) memcpy(to.data() + i * to_stride, from.data() + i * from_stride, n);
}

// Every key|value pair of a map fd (keys by get_next_key, or the indices of an array).
std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> Entries(int fd, const bpf_map_info& info,
                                                                         const std::string& name) {
  std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> out;
  size_t vbytes = ValueBytes(info.type, info.value_size);
  std::vector<uint8_t> key(info.key_size), next(info.key_size), value(vbytes);
  if (Array(info.type)) {
    for (uint32_t i = 0; i < info.max_entries; i++) {
      memcpy(key.data(), &i, sizeof i);
      if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) throw MigrateError("read the old " + name, errno);
      out.emplace_back(key, value);
    }
    return out;
  }
  const void* prev = nullptr;
  for (;;) {
    if (bpf_map_get_next_key(fd, prev, next.data()) != 0) {
      if (errno == ENOENT) break;
      throw MigrateError("walk the old " + name, errno);
    }
    key = next;
    prev = key.data();
    if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) {
      if (errno == ENOENT) continue;  // deleted meanwhile
      throw MigrateError("read the old " + name, errno);
    }
    out.emplace_back(key, value);
  }
  return out;
}

// Fields (u32 words) of a budget value that count held flows; the others are copied.
std::vector<size_t> CountWords(const std::string& name, uint32_t value_size) {
  if (name == "sg_pending_socks") return {0};  // struct sg_sock_pending: count, then the uid it is charged to
  std::vector<size_t> all;                     // struct sg_budget: count, socks
  for (size_t i = 0; i < value_size / 4; i++) all.push_back(i);
  return all;
}

}  // namespace

Migration::~Migration() { Reset(); }

void Migration::Reset() {
  for (Map& m : maps_)
    if (m.old_fd >= 0) close(m.old_fd);
  maps_.clear();
}

void Migration::Plan(sockgate* skel, const std::vector<bpf_map*>& pinned, const std::string& pin_dir,
                     std::vector<bpf_map*>* new_pins) {
  for (bpf_map* map : pinned) {
    std::string name = bpf_map__name(map), path = pin_dir + "/maps/" + name;
    unlink((path + "-migrating").c_str());  // left by an upgrade that died before its rename
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0 && errno != ENOENT) throw StepError("adopt", "bpf", errno, "open pinned map " + path);
    bpf_map_info info = {};
    uint32_t len = sizeof info;
    if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
      int err = errno;
      close(fd);
      throw StepError("adopt", "bpf", err, "read the definition of pinned map " + path);
    }
    bool same = fd >= 0 && info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
                info.value_size == bpf_map__value_size(map) && info.max_entries == bpf_map__max_entries(map) &&
                info.map_flags == bpf_map__map_flags(map);
    if (fd < 0 || same) {
      if (fd >= 0) close(fd);
      // libbpf reuses a map pinned at its pin path and pins the others at load
      int err = bpf_map__set_pin_path(map, path.c_str());
      if (err != 0) throw StepError("pin", "bpf", -err, "set pin path " + path);
      if (fd < 0) new_pins->push_back(map);
      continue;
    }
    Kind kind = name == "sg_counters" || name == "sg_app_counts"                                      ? Kind::kSum
                : name == "sg_pending_uids" || name == "sg_pending_listeners" || name == "sg_pending_socks" ? Kind::kBudget
                : name == "sg_verdicts" || name == "sg_config" || name == "sg_flows" || name == "sg_hold_netns" ||
                        name == "sg_scope_uids" || name == "sg_scope_cgroups" || name == "sg_end_cookies" ||
                        name == "sg_end_idents" || name == "sg_end_gen"
                    ? Kind::kUserWritten
                    : Kind::kKernelState;
    uint32_t type = bpf_map__type(map);
    auto both = [&](uint32_t t) { return info.type == t && type == t; };
    auto walkable = [](uint32_t t) {
      return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
             t == BPF_MAP_TYPE_LRU_PERCPU_HASH || Array(t);
    };
    if (both(BPF_MAP_TYPE_SK_STORAGE) && name == "sg_sock_owners") kind = Kind::kOwners;
    if (both(BPF_MAP_TYPE_RINGBUF)) kind = Kind::kRecords;
    // Ancestry since the old version's load: the new map starts empty (processes forked
    // before are checked by /proc alone, as those older than the shim are).
    if (both(BPF_MAP_TYPE_TASK_STORAGE) && name == "sg_lineages") kind = Kind::kRecords;
    bool copyable = walkable(info.type) && walkable(type) && PerCpu(info.type) == PerCpu(type) &&
                    Array(info.type) == Array(type) && (!Array(type) || info.key_size == bpf_map__key_size(map));
    if (kind != Kind::kOwners && kind != Kind::kRecords && !copyable) {
      close(fd);
      throw MigrateError("pinned map " + path + " (type " + std::to_string(info.type) +
                         ") cannot be migrated to this version's definition (type " + std::to_string(bpf_map__type(map)) +
                         "): give it a migration in src/addon/migrate.cc; the pinned shim keeps enforcing unchanged");
    }
    maps_.push_back({map, fd, info, path, kind, {}, 0});
    if (kind == Kind::kOwners) {
      int err = bpf_map__reuse_fd(skel->maps.sg_sock_owners_prev, fd);
      if (err != 0) throw MigrateError("give the owner iterators the old sg_sock_owners", -err);
    }
    if (name == "sg_pending_socks") {
      // the new hold match also looks in the old map until the programs that fill it are gone
      int err = bpf_map__reuse_fd(skel->maps.sg_pending_socks_prev, fd);
      if (err != 0) throw MigrateError("give the new hold match the old sg_pending_socks", -err);
    }
  }
}

void Migration::CopyEntries(Map& m, bool only_new_keys) {
  std::string name = bpf_map__name(m.map);
  int fd = bpf_map__fd(m.map);
  uint32_t type = bpf_map__type(m.map), ks = bpf_map__key_size(m.map), vs = bpf_map__value_size(m.map);
  if (only_new_keys && Array(type)) return;  // every index exists: nothing can be new
  std::vector<uint8_t> key(ks), value(ValueBytes(type, vs));
  for (auto& [old_key, old_value] : Entries(m.old_fd, m.old, name)) {
    if (Array(type)) {
      uint32_t i;
      memcpy(&i, old_key.data(), sizeof i);
      if (i >= bpf_map__max_entries(m.map)) continue;  // this version's array is shorter
    }
    Convert(old_key, m.old.key_size, key, ks, false);
    Convert(old_value, m.old.value_size, value, vs, PerCpu(type));
    if (bpf_map_update_elem(fd, key.data(), value.data(), only_new_keys ? BPF_NOEXIST : BPF_ANY) != 0) {
      if (errno == EEXIST && only_new_keys) continue;
      if (errno == E2BIG) {
        throw MigrateError(name + " holds more entries than this version's " + std::to_string(bpf_map__max_entries(m.map)) +
                           ": nothing was changed, the pinned shim keeps enforcing");
      }
      throw MigrateError("copy an entry of " + name, errno);
    }
    m.moved++;
    if (m.kind == Kind::kBudget && !only_new_keys) {
      m.before.insert(m.before.end(), old_key.begin(), old_key.end());
      m.before.insert(m.before.end(), old_value.begin(), old_value.end());
    }
  }
}

void Migration::AddBudgetGrowth(Map& m) {
  std::string name = bpf_map__name(m.map);
  int fd = bpf_map__fd(m.map);
  uint32_t ks = bpf_map__key_size(m.map), vs = bpf_map__value_size(m.map);
  std::map<std::vector<uint8_t>, std::vector<uint8_t>> before;
  size_t pair = m.old.key_size + m.old.value_size;
  for (size_t at = 0; at + pair <= m.before.size(); at += pair) {
    before[{m.before.begin() + at, m.before.begin() + at + m.old.key_size}] = {m.before.begin() + at + m.old.key_size,
                                                                              m.before.begin() + at + pair};
  }
  std::vector<size_t> counts = CountWords(name, std::min(m.old.value_size, vs));
  std::vector<uint8_t> key(ks), value(vs);
  for (auto& [old_key, now] : Entries(m.old_fd, m.old, name)) {
    auto was = before.find(old_key);
    Convert(old_key, m.old.key_size, key, ks, false);
    bool exists = bpf_map_lookup_elem(fd, key.data(), value.data()) == 0;
    if (!exists) Convert(now, m.old.value_size, value, vs, false);  // new since the copy: all of it
    bool changed = !exists;
    for (size_t w : counts) {
      uint32_t n, then = 0, cur;
      memcpy(&n, now.data() + 4 * w, 4);
      if (was != before.end()) memcpy(&then, was->second.data() + 4 * w, 4);
      if (!exists || n == then) continue;
      memcpy(&cur, value.data() + 4 * w, 4);
      cur += n - then;  // the old programs' holds (and releases) since the copy
      memcpy(value.data() + 4 * w, &cur, 4);
      changed = true;
    }
    if (!changed) continue;
    if (bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY) != 0) throw MigrateError("update " + name, errno);
    m.moved += exists ? 0 : 1;
  }
}

void Migration::AddSums(Map& m) {
  std::string name = bpf_map__name(m.map);
  int fd = bpf_map__fd(m.map);
  uint32_t type = bpf_map__type(m.map), ks = bpf_map__key_size(m.map), vs = bpf_map__value_size(m.map);
  size_t slots = PerCpu(type) ? Cpus() : 1, stride = PerCpu(type) ? Round8(vs) : vs;
  size_t old_stride = PerCpu(m.old.type) ? Round8(m.old.value_size) : m.old.value_size;
  size_t words = std::min(m.old.value_size, vs) / 8;
  std::vector<uint8_t> key(ks), value(ValueBytes(type, vs));
  for (auto& [old_key, old_value] : Entries(m.old_fd, m.old, name)) {
    if (Array(type)) {
      uint32_t i;
      memcpy(&i, old_key.data(), sizeof i);
      if (i >= bpf_map__max_entries(m.map)) continue;
    }
    Convert(old_key, m.old.key_size, key, ks, false);
    if (bpf_map_lookup_elem(fd, key.data(), value.data()) != 0) std::fill(value.begin(), value.end(), 0);
    for (size_t c = 0; c < slots; c++) {
      for (size_t w = 0; w < words; w++) {
        uint64_t a, b;
        memcpy(&a, value.data() + c * stride + 8 * w, 8);
        memcpy(&b, old_value.data() + c * old_stride + 8 * w, 8);
        a += b;
        memcpy(value.data() + c * stride + 8 * w, &a, 8);
      }
    }
    if (bpf_map_update_elem(fd, key.data(), value.data(), BPF_ANY) != 0) {
      if (errno == E2BIG) continue;  // a full counter map: that application goes uncounted, as in the kernel
      throw MigrateError("add the old counts of " + name, errno);
    }
    m.moved++;
  }
}

void Migration::WalkOwners(Map& m, sockgate* skel, const std::vector<std::string>& netns_paths) {
  skel->bss->sg_migrate_owner_bytes = m.old.value_size;
  uint32_t before = skel->bss->sg_migrated_owners;
  try {
    RunIterator(skel->progs.sg_iter_migrate_owners_tcp, netns_paths);
    RunIterator(skel->progs.sg_iter_migrate_owners_udp, netns_paths);
  } catch (const StepError& e) {
    throw MigrateError(std::string("copy the socket owner records: ") + e.what(), e.err, e.syscall);
  }
  m.moved += skel->bss->sg_migrated_owners - before;
}

void Migration::Repin(Map& m) {
  // Pinned beside the old pin, then renamed over it: the path always names a map (bpffs
  // names cannot hold a dot).
  std::string tmp = m.pin + "-migrating";
  unlink(tmp.c_str());
  if (bpf_obj_pin(bpf_map__fd(m.map), tmp.c_str()) != 0) throw MigrateError("pin " + tmp, errno);
  if (rename(tmp.c_str(), m.pin.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    throw MigrateError("replace pin " + m.pin, err, "rename");
  }
}

void Migration::CopyBeforeSwap(sockgate* /*skel*/) {
  for (Map& m : maps_) {
    if (m.kind == Kind::kUserWritten || m.kind == Kind::kKernelState || m.kind == Kind::kBudget) CopyEntries(m, false);
  }
}

void Migration::CopyOwners(sockgate* skel, const std::vector<std::string>& netns_paths) {
  for (Map& m : maps_)
    if (m.kind == Kind::kOwners) WalkOwners(m, skel, netns_paths);
}

void Migration::FinishAfterSwap(sockgate* skel, const std::vector<std::string>& netns_paths) {
  for (Map& m : maps_) {
    if (m.kind == Kind::kKernelState) CopyEntries(m, true);
    if (m.kind == Kind::kBudget) AddBudgetGrowth(m);
    if (m.kind == Kind::kSum) AddSums(m);
    if (m.kind == Kind::kOwners) WalkOwners(m, skel, netns_paths);  // sockets the old programs tagged since the first walk
  }
  for (Map& m : maps_) {
    Repin(m);
    close(m.old_fd);  // the old map goes with the old programs (kept only where a prev slot reuses it)
    m.old_fd = -1;
  }
  if (skel->bss->sg_migrate_owner_failures != 0) {
    // those sockets have no owner now: their SYNs are denied (no_owner), never let through
    maps_.push_back({nullptr, -1, {}, "sg_sock_owners (not copied: no room)", Kind::kRecords, {},
                     skel->bss->sg_migrate_owner_failures});
  }
}

std::vector<std::pair<std::string, uint64_t>> Migration::Report() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const Map& m : maps_) out.emplace_back(m.map != nullptr ? bpf_map__name(m.map) : m.pin, m.moved);
  return out;
}

}  // namespace sg
