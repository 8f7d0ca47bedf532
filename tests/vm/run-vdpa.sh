#!/bin/bash
# Boots one test VM (Debian's 6.12 kernel, which has vduse and vhost_vdpa)
# and runs the virtio-blk-vhost-vdpa suite in it (tests/vm/guest-vdpa.sh).
# Suite counts come back through $BLK_TEST_COUNTS.
#
#   tests/vm/run-vdpa.sh [--timeout SECS]
#
# The guest takes about 260 s alone on 2 vCPUs and more than twice that
# beside the host suites: the bound (default BLK_VM_TIMEOUT or 1800 s) is
# for a hung guest, not a slow one.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
timeout=${BLK_VM_TIMEOUT:-1800}
[ "${1:-}" = --timeout ] && timeout=$2

read -r kdir kversion < <("$here/kernel.sh" 6.12) || {
	echo "run-vdpa.sh: no 6.12 kernel (tests/vm/kernel.sh 6.12 failed)" >&2
	exit 125
}
[ -n "${kversion:-}" ] || exit 125
exec "$here/vm-run" --kernel 6.12 --timeout "$timeout" -- "$here/guest-vdpa.sh" "$kdir"
