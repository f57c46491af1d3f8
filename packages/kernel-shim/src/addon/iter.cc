#include "iter.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "errors.h"
#include "netns.h"

namespace sg {

int RunIterator(bpf_program* prog, const std::vector<std::string>& netns_paths) {
  std::unique_ptr<bpf_link, int (*)(bpf_link*)> link(bpf_program__attach_iter(prog, nullptr), bpf_link__destroy);
  if (!link) throw StepError("iter", "bpf", errno, std::string("attach iterator ") + bpf_program__name(prog));
  int walked = 0;
  for (const std::string& path : netns_paths) {
    if (!path.empty() && access(path.c_str(), F_OK) != 0) continue;  // the namespace went away
    int fd = -1;
    InNetns(path, [&] {
      fd = bpf_iter_create(bpf_link__fd(link.get()));
      if (fd < 0) throw StepError("iter", "bpf", errno, std::string("create iterator ") + bpf_program__name(prog));
    });
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    }
    int err = n < 0 ? errno : 0;
    close(fd);
    if (err != 0) throw StepError("iter", "read", err, std::string("run iterator ") + bpf_program__name(prog));
    walked++;
  }
  return walked;
}

}  // namespace sg
