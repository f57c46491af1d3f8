// Reads and writes the shim's maps as raw bytes, by name; src/*-layout.ts own the layouts.
#pragma once
#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "abi.h"

struct sockgate;
struct bpf_map;

namespace sg {

struct ProgramStats {
  uint64_t run_count;
  uint64_t run_time_ns;
};

enum class UpdateResult { kOk, kFull, kExists };

// The shim map called name; user space may not reach sg_scratch or the ring buffer this way.
// Throws StepError (SG_ERR_BAD_VALUE) for any other name.
bpf_map* MapByName(sockgate* skel, const std::string& name);
// Key and value sizes must match the map's; flags are BPF_ANY / BPF_NOEXIST / BPF_EXIST.
UpdateResult MapUpdate(bpf_map* map, const std::vector<uint8_t>& key, const std::vector<uint8_t>& value,
                       uint64_t flags);
std::optional<std::vector<uint8_t>> MapLookup(bpf_map* map, const std::vector<uint8_t>& key);
// false when there was no such entry.
bool MapDelete(bpf_map* map, const std::vector<uint8_t>& key);
// The same without copies, for the per-flow path: the caller's bytes, checked against the
// map's sizes (StepError SG_ERR_BAD_VALUE when they differ). MapLookupInto writes the value
// into out and returns false when there is no entry.
bool MapLookupInto(bpf_map* map, const uint8_t* key, size_t key_len, uint8_t* out, size_t out_len);
UpdateResult MapUpdateRaw(bpf_map* map, const uint8_t* key, size_t key_len, const uint8_t* value, size_t value_len,
                          uint64_t flags);
bool MapDeleteRaw(bpf_map* map, const uint8_t* key, size_t key_len);
// Key then value for every entry, back to back.
std::vector<uint8_t> MapList(bpf_map* map);

// One struct sg_counters per possible CPU, back to back (the caller sums).
std::vector<uint8_t> ReadCounters(sockgate* skel, int* cpus);

ProgramStats ReadProgramStats(int prog_fd, const std::string& name);

}  // namespace sg
