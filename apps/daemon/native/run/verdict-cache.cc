// See verdict-cache.h. Bounded: past kMaxEntries everything is forgotten (and asked again).
#include "verdict-cache.h"

namespace sgrun {
namespace {
constexpr size_t kMaxEntries = 65536;
}

VerdictCache::Hit VerdictCache::Lookup(pid_t tgid, uint64_t epoch, const CallKey& key, int64_t nowMs) const {
  auto p = processes_.find(tgid);
  if (p == processes_.end() || p->second.epoch != epoch) return Hit::kMiss;
  auto e = p->second.calls.find(key);
  if (e == p->second.calls.end()) return Hit::kMiss;
  if (e->second.untilMs != 0 && nowMs >= e->second.untilMs) return Hit::kMiss;
  return e->second.allow ? Hit::kAllow : Hit::kDeny;
}

void VerdictCache::Remember(pid_t tgid, uint64_t epoch, const CallKey& key, bool allow, int64_t untilMs) {
  if (size_ >= kMaxEntries) Flush();
  Process& p = processes_[tgid];
  if (p.epoch != epoch) {
    size_ -= p.calls.size();
    p.calls.clear();
    p.epoch = epoch;
  }
  auto [it, added] = p.calls.insert_or_assign(key, Entry{allow, untilMs});
  (void)it;
  if (added) size_++;
}

void VerdictCache::ForgetProcess(pid_t tgid) {
  auto p = processes_.find(tgid);
  if (p == processes_.end()) return;
  size_ -= p->second.calls.size();
  processes_.erase(p);
}

void VerdictCache::Flush() {
  // Listeners stay: their listen() was decided for the listener's life (a listen() deny
  // found later stops its SYNs in the kernel).
  processes_.clear();
  size_ = 0;
}

void VerdictCache::AllowListener(uint64_t cookie) {
  if (listeners_.size() >= kMaxEntries) listeners_.clear();
  listeners_.insert(cookie);
}

}  // namespace sgrun
