{
  # sockgate_peercred: the API server's peer credentials (native/peer-cred.cc):
  # SO_PEERCRED, SO_PEERGROUPS and the peer's executable, which Node does not expose.
  # sockgate_run: `sockgate run`'s seccomp supervisor (native/run/): the command's spawn
  # under the filter, the notification thread, and the daemon's look at a caller's socket.
  # sockgate_pidfd: pidfds (native/pidfd.cc), so the per-process cache of held flows checks
  # that a pid is still the process it read instead of reading /proc again.
  # sockgate_memory: malloc_trim (native/malloc-trim.cc), so memory freed inside the
  # process goes back to the system (src/memory-trim.ts).
  "targets": [
    {
      "target_name": "sockgate_memory",
      "sources": ["native/malloc-trim.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "sockgate_pidfd",
      "sources": ["native/pidfd.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "sockgate_peercred",
      "sources": ["native/peer-cred.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"]
    },
    {
      "target_name": "sockgate_run",
      "sources": [
        "native/run/addon.cc",
        "native/run/child-waiter.cc",
        "native/run/seccomp-filter.cc",
        "native/run/socket-call.cc",
        "native/run/spawn.cc",
        "native/run/supervisor.cc",
        "native/run/target.cc",
        "native/run/verdict-cache.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-O2"],
      "ldflags": ["-pthread"]
    }
  ]
}
