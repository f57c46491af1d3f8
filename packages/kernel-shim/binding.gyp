{
  # The addon over libbpf: opens, loads, attaches, updates maps and forwards event
  # records. build/sockgate.skel.h comes from scripts/build-bpf.sh, which runs first.
  "targets": [
    {
      "target_name": "sockgate_shim",
      "sources": [
        "src/addon/addon.cc",
        "src/addon/errors.cc",
        "src/addon/libbpf-log.cc",
        "src/addon/loader.cc",
        "src/addon/pin-lock.cc",
        "src/addon/migrate.cc",
        "src/addon/test-object.cc",
        "src/addon/file-id.cc",
        "src/addon/maps.cc",
        "src/addon/events.cc",
        "src/addon/shim-handle.cc",
        "src/addon/netns.cc",
        "src/addon/iter.cc",
        "src/addon/kernel-features.cc",
        "src/addon/netlink-socket.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "build",
        "../protocol/abi"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["<!@(pkg-config --libs libbpf)", "-lelf", "-lz"]
    }
  ]
}
