{
  # The API server's peer credentials (native/peer-cred.cc): SO_PEERCRED, SO_PEERGROUPS
  # and the peer's executable, which Node does not expose.
  "targets": [
    {
      "target_name": "sockgate_peercred",
      "sources": ["native/peer-cred.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"]
    }
  ]
}
