// Work inside another network namespace from this process: the calling thread enters it
// with setns(2) and comes back before returning, so sockets and BPF iterators made in
// between belong to that namespace while the mount namespace (and /sys/fs/bpf) stays ours.
#pragma once
#include <stdint.h>

#include <functional>
#include <string>

namespace sg {

// Runs fn in the namespace at path (e.g. /run/netns/x or /proc/PID/ns/net); "" runs it
// here. Throws StepError when the namespace cannot be entered or left.
void InNetns(const std::string& path, const std::function<void()>& fn);

// The namespace's cookie (SO_NETNS_COOKIE), as bpf_get_netns_cookie() reports it.
uint64_t NetnsCookie(const std::string& path);

}  // namespace sg
