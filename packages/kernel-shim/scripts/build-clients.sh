#!/usr/bin/env bash
# Compiles the C clients the kernel tests and the benchmark run as real processes.
# Each binary is written beside its final name and renamed into place, so a test
# running while the package rebuilds never executes a half-written file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p build/clients
CFLAGS=(-O2 -Wall -Wextra -Werror -std=gnu11)
for c in sgclient sgbench sghold sguring sgargv; do
  cc "${CFLAGS[@]}" -o "build/clients/.$c.$$" "test/clients/$c.c"
  mv -f "build/clients/.$c.$$" "build/clients/$c"
done
# sgmasq runs from its library after it unmaps its own executable (the identity attack test)
cc "${CFLAGS[@]}" -fPIC -shared -Wl,-z,now -o "build/clients/.libsgmasq.so.$$" test/clients/sgmasq-lib.c
mv -f "build/clients/.libsgmasq.so.$$" build/clients/libsgmasq.so
cc "${CFLAGS[@]}" -o "build/clients/.sgmasq.$$" test/clients/sgmasq.c -Lbuild/clients -lsgmasq -Wl,-z,now -Wl,-rpath,'$ORIGIN'
mv -f "build/clients/.sgmasq.$$" build/clients/sgmasq
