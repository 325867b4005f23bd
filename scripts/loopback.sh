#!/usr/bin/env bash
# Run a command in a network namespace of its own whose only interface is loopback, so that nothing it starts
# reaches beyond this machine or is reached from it. Ray 2.60's servers listen on every interface even when
# its node address is 127.0.0.1; in here, every interface is loopback.
# Where this machine allows no user and network namespaces, the command runs as it is, with a warning.
set -euo pipefail
if unshare --user --map-root-user --net true 2>/dev/null && command -v ip >/dev/null; then
  exec unshare --user --map-root-user --net sh -c 'ip link set lo up && exec "$@"' sh "$@"
fi
echo "warning: no network namespace here; running on this machine's network: $*" >&2
exec "$@"
