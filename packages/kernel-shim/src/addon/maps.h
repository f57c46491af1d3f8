// Reads and writes the shim's maps as raw bytes; src/verdict-layout.ts owns the layouts.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

#include "abi.h"

struct sockgate;

namespace sg {

struct ProgramStats {
  uint64_t run_count;
  uint64_t run_time_ns;
};

// false when the map is full (E2BIG); other failures throw StepError.
bool UpdateVerdict(sockgate* skel, const uint8_t (&key)[sizeof(sg_verdict_key)],
                   const uint8_t (&value)[sizeof(sg_verdict_value)]);
// false when there was no such entry.
bool DeleteVerdict(sockgate* skel, const uint8_t (&key)[sizeof(sg_verdict_key)]);
// Key then value for every entry, back to back.
std::vector<uint8_t> ListVerdicts(sockgate* skel);

std::vector<uint8_t> ReadConfig(sockgate* skel);
void WriteConfig(sockgate* skel, const uint8_t (&config)[sizeof(sg_config)]);

// One struct sg_counters per possible CPU, back to back (the caller sums).
std::vector<uint8_t> ReadCounters(sockgate* skel, int* cpus);

ProgramStats ReadProgramStats(int prog_fd, const std::string& name);

}  // namespace sg
