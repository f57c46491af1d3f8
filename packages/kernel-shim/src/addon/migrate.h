// Adopting pins whose map definitions differ from this version's (a new field, another
// size, other flags): libbpf cannot reuse such a pin, so this version gets fresh maps, the
// old contents are copied over, the programs are swapped (by Loaded), what the old
// programs wrote meanwhile is copied too, and only then do the new maps replace the old
// pins. Layouts change by appending: a value or key is copied up to the shorter of the two
// sizes and the rest is zero.
#pragma once
#include <bpf/bpf.h>
#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

struct sockgate;
struct bpf_map;

namespace sg {

class Migration {
 public:
  Migration() = default;
  ~Migration();
  Migration(const Migration&) = delete;
  Migration& operator=(const Migration&) = delete;

  // Before load. Each map in `pinned` whose pin exists is reused when its definition agrees
  // (set_pin_path), else planned for migration (left to be created at load); maps without a
  // pin are pinned at load and appended to new_pins. Throws StepError.
  void Plan(sockgate* skel, const std::vector<bpf_map*>& pinned, const std::string& pin_dir,
            std::vector<bpf_map*>* new_pins);
  bool needed() const { return !maps_.empty(); }
  // Forgets the plan (closing the old maps), for a load retried with another object.
  void Reset();
  // After load, before any program is swapped: every entry of every migrated map but the
  // socket owner records, which CopyOwners walks in these network namespaces.
  void CopyBeforeSwap(sockgate* skel);
  void CopyOwners(sockgate* skel, const std::vector<std::string>& netns_paths);
  // After the swap: what the old programs wrote since (owner records too), the counters, then the pins.
  void FinishAfterSwap(sockgate* skel, const std::vector<std::string>& netns_paths);
  // Entries moved per migrated map, for the caller to report.
  std::vector<std::pair<std::string, uint64_t>> Report() const;

 private:
  enum class Kind {
    kUserWritten,  // only user space writes it: one copy is all
    kKernelState,  // the programs write it: copy, then after the swap the keys new since
    kSum,          // counters: after the swap only, the old totals added to the new
    kBudget,       // held-flow budgets: copy, then after the swap the old counts' growth added
    kOwners,       // socket storage: walked by sg_iter_migrate_owners_tcp/udp, before and after
    kRecords,      // the ring buffer: records cannot move; readers of the old one are gone
  };
  struct Map {
    bpf_map* map;
    int old_fd;
    bpf_map_info old;
    std::string pin;
    Kind kind;
    std::vector<uint8_t> before;  // kBudget: the old map as copied, key|value pairs
    uint64_t moved = 0;
  };
  void CopyEntries(Map& m, bool only_new_keys);
  void AddBudgetGrowth(Map& m);
  void AddSums(Map& m);
  void WalkOwners(Map& m, sockgate* skel, const std::vector<std::string>& netns_paths);
  void Repin(Map& m);

  std::vector<Map> maps_;
};

}  // namespace sg
