#!/usr/bin/env bash
# Builds the BPF object and its libbpf skeleton. vmlinux.h comes from the running
# kernel's BTF; CO-RE relocations let the object load on other kernels too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p build
if [ ! -s build/vmlinux.h ]; then
  bpftool btf dump file /sys/kernel/btf/vmlinux format c >build/vmlinux.h.tmp
  mv build/vmlinux.h.tmp build/vmlinux.h
fi
BPF_CFLAGS=(-g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror
  -I build -I ../protocol/abi -I src/bpf -I /usr/include/x86_64-linux-gnu)
clang "${BPF_CFLAGS[@]}" -c src/bpf/sockgate.bpf.c -o build/sockgate.bpf.o
llvm-strip -g build/sockgate.bpf.o -o build/sockgate.stripped.o 2>/dev/null || cp build/sockgate.bpf.o build/sockgate.stripped.o
bpftool gen skeleton build/sockgate.stripped.o name sockgate >build/sockgate.skel.h
# Test only: the same programs with other map definitions, "the next version" the upgrade
# test adopts the pins with (src/bpf/upgrade-variant.bpf.h). Never loaded in production.
clang "${BPF_CFLAGS[@]}" -DSG_UPGRADE_TEST_VARIANT -c src/bpf/sockgate.bpf.c -o build/sockgate-upgrade-variant.full.o
llvm-strip -g build/sockgate-upgrade-variant.full.o -o build/sockgate-upgrade-variant.bpf.o 2>/dev/null || cp build/sockgate-upgrade-variant.full.o build/sockgate-upgrade-variant.bpf.o
# Test only: the shared packet parser and the hold match as socket filters for BPF_PROG_TEST_RUN.
clang "${BPF_CFLAGS[@]}" -c src/bpf/test_progs.bpf.c -o build/test-progs.bpf.o
# Benchmark only: an egress program that passes everything (bench:shim's udp_send floor).
clang "${BPF_CFLAGS[@]}" -c src/bpf/egress_floor.bpf.c -o build/egress-floor.bpf.o
