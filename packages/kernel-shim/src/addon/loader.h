// Opens and loads the BPF object, then attaches each program to a cgroup through a
// pinned BPF link, or re-adopts the links a previous daemon pinned (atomically
// replacing their programs) so enforcement never pauses.
#pragma once
#include <stdint.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "abi.h"
#include "kernel-features.h"
#include "migrate.h"
#include "pin-lock.h"

struct sockgate;
namespace sg { class LibbpfLog; }
struct bpf_link;
struct bpf_map;
struct bpf_program;

namespace sg {

struct LoadOptions {
  std::string cgroup_path;
  std::string pin_dir;       // holds maps/, links/ and progs/, all already created
  uint32_t max_verdicts = 0;  // sg_verdicts size when no pinned map exists yet
  uint32_t max_pending = 0;   // sg_pending size when no pinned map exists yet
  // Identities recorded at exec (needs task storage in cgroup programs, 6.16); false forces
  // the call-time identity of older kernels.
  bool exec_ids = true;
  // Written into a newly created sg_config before any program is attached, so no call
  // ever meets the all-zero (all "allow") config of a fresh array map.
  uint8_t initial_config[sizeof(sg_config)] = {};
  // Tests only: an ELF object to load instead of the embedded one, with the same programs
  // and maps (the upgrade test's "next version", build/sockgate-upgrade-variant.bpf.o).
  std::string object_path;
};

class Loaded {
 public:
  // Throws StepError; on failure nothing it attached or pinned is left behind.
  explicit Loaded(const LoadOptions& options);
  ~Loaded();
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;

  bool adopted() const { return adopted_; }
  // True when this load created sg_config (and wrote initial_config into it).
  bool config_created() const { return config_created_; }
  // Whether identities come from exec-time records, and if not, why.
  bool exec_ids() const { return exec_ids_; }
  const std::string& exec_ids_reason() const { return exec_ids_reason_; }
  const OptionalFeature& socket_end() const { return socket_end_; }
  /** Active only with exec-time identities too: the call is the named thread's record's. */
  const OptionalFeature& delegation() const { return delegation_; }
  struct sockgate* skel() const { return skel_; }
  // The programs attached to the cgroup through pinned links.
  std::vector<struct bpf_program*> CgroupPrograms() const;
  // Indexed by enum sg_hook: the program(s) whose run stats make that hook's row.
  std::array<std::vector<struct bpf_program*>, SG_HOOK_COUNT> ProgramsByHook() const;
  // exec/fork record identities; attached through pinned tracing links.
  std::vector<struct bpf_program*> TracingPrograms() const;
  // Where sg_hold_match is pinned for iptables' -m bpf --object-pinned.
  const std::string& hold_match_pin() const { return hold_match_pin_; }
  // True when the pins had other map definitions: the new maps hold a copy, and the pinned
  // links still run the old programs until CompleteUpgrade(), which the caller runs once the
  // iptables rules naming the hold match pin have been re-read (they keep the program they
  // opened). Closing without it leaves the old version enforcing, its pins and its match.
  bool upgrade_pending() const { return upgrade_pending_; }
  // netns_paths: where the socket iterators walk for owner records ("" is this namespace).
  void CompleteUpgrade(const std::vector<std::string>& netns_paths);
  std::vector<std::pair<std::string, uint64_t>> MigrationReport() const { return migration_.Report(); }

 private:
  void Open(const LoadOptions& options);
  void PinMaps(const LoadOptions& options);
  void AttachOrAdopt(const LoadOptions& options, int cgroup_fd, uint64_t cgroup_id);
  void PinHoldMatch(const LoadOptions& options);
  void ChooseIdentitySource(const LoadOptions& options);
  // Opens the object into skel_, sets pins and the identity source, loads; returns libbpf's error.
  int OpenAndLoad(const LoadOptions& options, const LibbpfLog& log);
  void AttachTracing(const LoadOptions& options);
  void Undo();

  std::unique_ptr<PinLock> lock_;           // taken first, released last
  struct sockgate* skel_ = nullptr;
  bool adopted_ = false;
  bool config_created_ = false;
  bool exec_ids_ = false;
  std::string exec_ids_reason_;
  OptionalFeature socket_end_{false, ""};
  OptionalFeature delegation_{false, ""};
  std::vector<struct bpf_link*> links_;      // links this process attached
  std::vector<struct bpf_map*> new_pins_;    // maps this process pinned
  std::string hold_match_pin_;               // set once pinned, so Undo() can remove it
  std::vector<uint8_t> object_bytes_;        // LoadOptions::object_path's ELF, alive until destroyed
  Migration migration_;
  bool upgrade_pending_ = false;
  std::vector<std::pair<int, struct bpf_program*>> pending_swaps_;  // pinned link fd, its new program
  int old_hold_match_fd_ = -1;               // re-pinned if the upgrade is not completed
};

// Detaches the pinned link at path (enforcement stops even if a daemon still holds it).
// Returns false when nothing is pinned there. Does not unlink the pin.
bool DetachPinnedLink(const std::string& path);

}  // namespace sg
