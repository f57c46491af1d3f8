// Runs one of the shim's BPF iterator programs (iter/tcp, iter/udp) to completion in each
// given network namespace: the iterator walks the sockets of the namespace it is created in.
#pragma once
#include <string>
#include <vector>

struct bpf_program;

namespace sg {

// Returns how many namespaces were walked; a namespace path that no longer exists is skipped.
int RunIterator(bpf_program* prog, const std::vector<std::string>& netns_paths);

}  // namespace sg
