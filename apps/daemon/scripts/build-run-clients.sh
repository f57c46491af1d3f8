#!/usr/bin/env bash
# Compiles the C programs `sockgate run`'s tests and benchmark run under the supervisor
# (src/run/test-clients/). Each binary is written beside its final name and renamed into
# place, so a test running while the package rebuilds never executes a half-written file.
# sgrun-uring needs liburing-dev (scripts/bootstrap.sh installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p build/clients
CFLAGS=(-O2 -Wall -Wextra -Werror -std=gnu11)
build() {
  local name="$1"
  shift
  cc "${CFLAGS[@]}" -o "build/clients/.$name.$$" "src/run/test-clients/$name.c" "$@"
  mv -f "build/clients/.$name.$$" "build/clients/$name"
}
build sgrun-race -pthread
build sgrun-uring -luring
build sgrun-abi
build sgrun-bench
build sgrun-attack -pthread
