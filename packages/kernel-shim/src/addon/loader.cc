#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "iter.h"
#include "kernel-features.h"
#include "libbpf-log.h"
#include "maps.h"
#include "sockgate.skel.h"

namespace sg {

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Every map but sg_scratch (per-call scratch space, nothing to keep) outlives the daemon.
std::vector<bpf_map*> PinnedMaps(sockgate* s) {
  return {s->maps.sg_verdicts,      s->maps.sg_config,         s->maps.sg_counters,
          s->maps.sg_events,        s->maps.sg_exe_paths,      s->maps.sg_sock_owners,
          s->maps.sg_flows,         s->maps.sg_pending,        s->maps.sg_pending_uids,
          s->maps.sg_pending_listeners, s->maps.sg_pending_socks, s->maps.sg_hold_netns,
          s->maps.sg_queued,        s->maps.sg_end_cookies,    s->maps.sg_end_idents,
          s->maps.sg_scope_uids,    s->maps.sg_scope_cgroups,  s->maps.sg_app_counts,
          s->maps.sg_task_ids,      s->maps.sg_delegations,    s->maps.sg_lineages};
}

std::string MapPin(const std::string& pin_dir, const bpf_map* map) {
  return pin_dir + "/maps/" + bpf_map__name(map);
}

std::string LinkPin(const std::string& pin_dir, const bpf_program* prog) {
  return pin_dir + "/links/" + bpf_program__name(prog);
}

std::string ProgPin(const std::string& pin_dir, const bpf_program* prog) {
  return pin_dir + "/progs/" + bpf_program__name(prog);
}

StepError WithLog(StepError e, const LibbpfLog& log) {
  std::string tail = log.Tail();
  if (!tail.empty()) e.detail = "libbpf log (tail):\n" + tail;
  return e;
}

// The kernel's cgroup id is the kernfs node id, which is what a file handle carries.
uint64_t CgroupId(const std::string& path) {
  alignas(file_handle) char storage[sizeof(file_handle) + sizeof(uint64_t)] = {};
  auto* handle = reinterpret_cast<file_handle*>(storage);
  handle->handle_bytes = sizeof(uint64_t);
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, path.c_str(), handle, &mount_id, 0) < 0) {
    throw StepError("open", "name_to_handle_at", errno, "read the id of cgroup " + path);
  }
  uint64_t id = 0;
  memcpy(&id, handle->f_handle, sizeof id);
  return id;
}

// A pinned sg_verdicts keeps its size across daemons: libbpf only reuses a pinned map
// whose definition matches, so the new object must ask for the same max_entries.
uint32_t PinnedMaxEntries(const std::string& path) {
  Fd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) {
    if (errno == ENOENT) return 0;
    throw StepError("adopt", "bpf", errno, "open pinned map " + path);
  }
  bpf_map_info info = {};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) {
    throw StepError("adopt", "bpf", errno, "read the definition of pinned map " + path);
  }
  return info.max_entries;
}

}  // namespace

Loaded::Loaded(const LoadOptions& options) : lock_(std::make_unique<PinLock>(options.pin_dir)) {
  LibbpfLog log;
  Fd cgroup(open(options.cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cgroup.get() < 0) throw StepError("open", "open", errno, "open cgroup " + options.cgroup_path);
  uint64_t cgroup_id = CgroupId(options.cgroup_path);

  try {
    RequireKernelFeatures();
    socket_end_ = SocketEndFeature();
    delegation_ = DelegationFeature();
    ChooseIdentitySource(options);
    int err = OpenAndLoad(options, log);
    if (err != 0 && exec_ids_) {
      // The exec-time identity needs what this kernel may lack (tp_btf, task storage in
      // cgroup programs): load without it rather than not at all, and say so.
      Undo();
      sockgate__destroy(skel_);
      skel_ = nullptr;
      migration_.Reset();  // planned again for the object without them
      object_bytes_.clear();
      exec_ids_ = false;
      exec_ids_reason_ = "the exec-time identity programs did not load on this kernel (error " +
                         std::to_string(-err) + "; Linux 6.16 or later loads them)";
      err = OpenAndLoad(options, log);
    }
    if (err != 0) throw WithLog(StepError("load", "bpf", -err, "load the BPF programs"), log);
    if (migration_.needed()) migration_.CopyBeforeSwap(skel_);
    for (bpf_map* map : new_pins_) config_created_ |= map == skel_->maps.sg_config;
    if (config_created_) {
      uint32_t zero = 0;
      err = bpf_map__update_elem(skel_->maps.sg_config, &zero, sizeof zero, options.initial_config,
                                 sizeof options.initial_config, BPF_ANY);
      if (err != 0) throw StepError("load", "bpf", -err, "write the initial sg_config");
    }
    // exec/fork first, then the seed: a process started meanwhile is recorded by one or the other
    if (exec_ids_) AttachTracing(options);
    AttachOrAdopt(options, cgroup.get(), cgroup_id);
    PinHoldMatch(options);
  } catch (StepError& e) {
    Undo();
    if (skel_ != nullptr) sockgate__destroy(skel_);
    skel_ = nullptr;
    throw WithLog(std::move(e), log);
  }
}

void Loaded::Open(const LoadOptions& options) {
  if (options.object_path.empty()) {
    skel_ = sockgate__open();
    if (skel_ == nullptr) throw StepError("open", "bpf", errno, "open the BPF object");
    return;
  }
  // The skeleton's maps and programs, found by name in another build of the same source.
  Fd file(open(options.object_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) throw StepError("open", "open", errno, "open BPF object " + options.object_path);
  uint8_t chunk[65536];
  ssize_t n;
  while ((n = read(file.get(), chunk, sizeof chunk)) > 0) object_bytes_.insert(object_bytes_.end(), chunk, chunk + n);
  if (n < 0) throw StepError("open", "read", errno, "read BPF object " + options.object_path);
  skel_ = static_cast<sockgate*>(calloc(1, sizeof(sockgate)));
  if (skel_ == nullptr) throw StepError("open", "calloc", ENOMEM, "open the BPF object");
  int err = sockgate__create_skeleton(skel_);
  if (err == 0) {
    skel_->skeleton->data = object_bytes_.data();
    skel_->skeleton->data_sz = object_bytes_.size();
    err = bpf_object__open_skeleton(skel_->skeleton, nullptr);
  }
  if (err != 0) {
    sockgate__destroy(skel_);
    skel_ = nullptr;
    throw StepError("open", "bpf", -err, "open BPF object " + options.object_path);
  }
}

void Loaded::CompleteUpgrade(const std::vector<std::string>& netns_paths) {
  if (!upgrade_pending_) return;
  migration_.CopyOwners(skel_, netns_paths);
  // Atomic replace per hook: each one runs the old program or the new, never none.
  for (auto& [fd, prog] : pending_swaps_) {
    if (bpf_link_update(fd, bpf_program__fd(prog), nullptr) != 0) {
      throw StepError("adopt", "bpf", errno, std::string("replace the program of the pinned link of ") + bpf_program__name(prog));
    }
  }
  for (auto& [fd, prog] : pending_swaps_) close(fd);
  pending_swaps_.clear();
  upgrade_pending_ = false;  // swapped: there is no going back to the old hold match
  adopted_ = true;
  if (old_hold_match_fd_ >= 0) close(old_hold_match_fd_);
  old_hold_match_fd_ = -1;
  migration_.FinishAfterSwap(skel_, netns_paths);
}

int Loaded::OpenAndLoad(const LoadOptions& options, const LibbpfLog& log) {
  try {
    Open(options);
  } catch (StepError& e) {
    throw WithLog(std::move(e), log);
  }
  PinMaps(options);
  skel_->rodata->sg_exec_ids = exec_ids_ ? 1 : 0;
  if (delegation_.active && !exec_ids_)
    delegation_ = {false, "it takes exec-time identities, which are off: " + exec_ids_reason_};
  skel_->rodata->sg_delegation = delegation_.active ? 1 : 0;
  if (!exec_ids_) {
    for (bpf_program* prog : TracingPrograms()) bpf_program__set_autoload(prog, false);
    bpf_program__set_autoload(skel_->progs.sg_iter_seed_ids, false);
  }
  // The verifier gives up with EAGAIN whenever a signal is pending, and libbpf retries only
  // a few times: under a profiler's SIGPROF (or any busy signal source) the load never
  // finishes. Signals wait until the programs are in.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int err = sockgate__load(skel_);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return err;
}

Loaded::~Loaded() {
  if (upgrade_pending_) {
    // Not completed: the old programs still run on the old pins; put their hold match back.
    for (auto& [fd, prog] : pending_swaps_) close(fd);
    if (old_hold_match_fd_ >= 0 && !hold_match_pin_.empty()) {
      unlink(hold_match_pin_.c_str());
      bpf_obj_pin(old_hold_match_fd_, hold_match_pin_.c_str());
    }
  }
  if (old_hold_match_fd_ >= 0) close(old_hold_match_fd_);
  // Closing a pinned link's fd leaves it attached: the pin holds it.
  for (bpf_link* link : links_) bpf_link__destroy(link);
  sockgate__destroy(skel_);
  lock_.reset();  // last: the next opener finds everything closed
}

std::vector<bpf_program*> Loaded::CgroupPrograms() const {
  return {skel_->progs.sg_sock_create, skel_->progs.sg_bind4,    skel_->progs.sg_bind6,
          skel_->progs.sg_connect4,    skel_->progs.sg_connect6, skel_->progs.sg_sendmsg4,
          skel_->progs.sg_sendmsg6,    skel_->progs.sg_ingress,  skel_->progs.sg_sockops,
          skel_->progs.sg_sock_release, skel_->progs.sg_egress, skel_->progs.sg_setsockopt};
}

std::array<std::vector<bpf_program*>, SG_HOOK_COUNT> Loaded::ProgramsByHook() const {
  // Order is enum sg_hook; the iterators share one row.
  return {{{skel_->progs.sg_sock_create}, {skel_->progs.sg_bind4},    {skel_->progs.sg_bind6},
           {skel_->progs.sg_connect4},    {skel_->progs.sg_connect6}, {skel_->progs.sg_sendmsg4},
           {skel_->progs.sg_sendmsg6},    {skel_->progs.sg_ingress},  {skel_->progs.sg_sockops},
           {skel_->progs.sg_sock_release}, {skel_->progs.sg_hold_match},
           {skel_->progs.sg_iter_mark_listeners, skel_->progs.sg_iter_sock_idents, skel_->progs.sg_iter_end_tcp,
            skel_->progs.sg_iter_end_udp},
           {skel_->progs.sg_exec, skel_->progs.sg_fork, skel_->progs.sg_iter_seed_ids},
           {skel_->progs.sg_egress},
           {skel_->progs.sg_setsockopt}}};
}

std::vector<bpf_program*> Loaded::TracingPrograms() const {
  return {skel_->progs.sg_exec, skel_->progs.sg_fork};
}


void Loaded::ChooseIdentitySource(const LoadOptions& options) {
  if (!options.exec_ids) {
    exec_ids_reason_ = "exec-time identities were turned off";
  } else if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_task_storage_get, nullptr) != 1) {
    exec_ids_reason_ = "this kernel's cgroup programs cannot read task storage (Linux 6.16 or later can)";
  } else {
    exec_ids_ = true;
  }
}

void Loaded::AttachTracing(const LoadOptions& options) {
  // A tracing link cannot swap its program (no bpf_link_update): attach the new one beside
  // the old, then move the pin. Both writing the same records for a moment is harmless.
  for (bpf_program* prog : TracingPrograms()) {
    std::string path = LinkPin(options.pin_dir, prog);
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) throw StepError("attach", "bpf", errno, "attach " + std::string(bpf_program__name(prog)));
    links_.push_back(link);
    if (access(path.c_str(), F_OK) == 0) {
      Fd old(bpf_obj_get(path.c_str()));
      if (unlink(path.c_str()) != 0) throw StepError("pin", "unlink", errno, "replace pin " + path);
      (void)old;  // closed here: with its pin gone the old link ends when its last holder closes it
      adopted_ = true;
    }
    int err = bpf_link__pin(link, path.c_str());
    if (err != 0) throw StepError("pin", "bpf", -err, "pin link " + path);
  }
  RunIterator(skel_->progs.sg_iter_seed_ids, {""});
}

void Loaded::PinHoldMatch(const LoadOptions& options) {
  // iptables -m bpf --object-pinned opens this path; a rule keeps the program it opened,
  // so re-pinning on adoption leaves running rules intact until they are rewritten.
  bpf_program* prog = skel_->progs.sg_hold_match;
  std::string path = ProgPin(options.pin_dir, prog);
  if (migration_.needed()) old_hold_match_fd_ = bpf_obj_get(path.c_str());  // -1 when there is none
  if (unlink(path.c_str()) != 0 && errno != ENOENT) throw StepError("pin", "unlink", errno, "replace pin " + path);
  int err = bpf_program__pin(prog, path.c_str());
  if (err != 0) throw StepError("pin", "bpf", -err, "pin program " + path);
  hold_match_pin_ = path;
}

void Loaded::PinMaps(const LoadOptions& options) {
  // A pinned map keeps its size; a new one gets the requested size (0: the object's).
  for (auto [map, wanted] : {std::pair{skel_->maps.sg_verdicts, options.max_verdicts},
                             std::pair{skel_->maps.sg_pending, options.max_pending}}) {
    uint32_t size = PinnedMaxEntries(MapPin(options.pin_dir, map));
    if (size == 0) size = wanted;
    if (size == 0) continue;
    int err = bpf_map__set_max_entries(map, size);
    if (err != 0) throw StepError("open", "bpf", -err, std::string("size ") + bpf_map__name(map) + " to " + std::to_string(size));
  }
  // Pins whose definition agrees are reused, the others migrated (migrate.h).
  migration_.Plan(skel_, PinnedMaps(skel_), options.pin_dir, &new_pins_);
}

void Loaded::AttachOrAdopt(const LoadOptions& options, int cgroup_fd, uint64_t cgroup_id) {
  auto programs = CgroupPrograms();
  // Check every pinned link before changing any, so a mismatch leaves all as it was.
  std::vector<Fd> pinned;
  for (bpf_program* prog : programs) {
    std::string path = LinkPin(options.pin_dir, prog);
    Fd fd(bpf_obj_get(path.c_str()));
    if (fd.get() < 0 && errno != ENOENT) throw StepError("adopt", "bpf", errno, "open pinned link " + path);
    if (fd.get() >= 0) {
      bpf_link_info info = {};
      uint32_t len = sizeof info;
      if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) {
        throw StepError("adopt", "bpf", errno, "read pinned link " + path);
      }
      if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.cgroup_id != cgroup_id) {
        std::string where = info.type != BPF_LINK_TYPE_CGROUP ? "is not a cgroup link"
                            : info.cgroup.cgroup_id == 0
                                ? "is attached to no cgroup (its cgroup was removed)"
                                : "is attached to cgroup id " + std::to_string(info.cgroup.cgroup_id);
        throw StepError("adopt", "", 0,
                        "pinned link " + path + " " + where + ", expected " + options.cgroup_path + " (id " +
                            std::to_string(cgroup_id) + "); unload the pinned shim first (unloadShim)",
                        "SG_ERR_PIN_CGROUP_MISMATCH");
      }
    }
    pinned.push_back(std::move(fd));
  }

  for (size_t i = 0; i < programs.size(); i++) {
    bpf_program* prog = programs[i];
    std::string path = LinkPin(options.pin_dir, prog);
    if (pinned[i].get() >= 0 && migration_.needed()) {
      // Swapped in CompleteUpgrade(), once the copy is made and the hold rules re-read.
      pending_swaps_.emplace_back(dup(pinned[i].get()), prog);
      upgrade_pending_ = true;
      continue;
    }
    if (pinned[i].get() >= 0) {
      // Atomic replace: the hook never runs without a program.
      if (bpf_link_update(pinned[i].get(), bpf_program__fd(prog), nullptr) != 0) {
        throw StepError("adopt", "bpf", errno, "replace the program of pinned link " + path);
      }
      adopted_ = true;
      continue;
    }
    bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
    if (link == nullptr) {
      throw StepError("attach", "bpf", errno,
                      "attach " + std::string(bpf_program__name(prog)) + " to " + options.cgroup_path);
    }
    links_.push_back(link);
    int err = bpf_link__pin(link, path.c_str());
    if (err != 0) throw StepError("pin", "bpf", -err, "pin link " + path);
  }
}

void Loaded::Undo() {
  for (bpf_link* link : links_) {
    bpf_link__unpin(link);  // no-op error when it was never pinned
    bpf_link__destroy(link);
  }
  links_.clear();
  for (bpf_map* map : new_pins_) bpf_map__unpin(map, nullptr);
  new_pins_.clear();
  if (!hold_match_pin_.empty()) unlink(hold_match_pin_.c_str());
  hold_match_pin_.clear();
}

bool DetachPinnedLink(const std::string& path) {
  Fd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) {
    if (errno == ENOENT) return false;
    throw StepError("detach", "bpf", errno, "open pinned link " + path);
  }
  // Tracing links (exec/fork records) cannot be detached: unpinning ends them once no
  // process holds them, and they only record identities, they decide nothing.
  if (bpf_link_detach(fd.get()) != 0 && errno != EOPNOTSUPP) {
    throw StepError("detach", "bpf", errno, "detach pinned link " + path);
  }
  return true;
}

}  // namespace sg
