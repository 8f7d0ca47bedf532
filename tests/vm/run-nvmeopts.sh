#!/bin/bash
# The nvmeopts-vm suite: fio's io_uring engine options that
# nvme-passthru-uring takes so io_uring_cmd job files run unchanged
# (force_async, nowait, prio/prioclass, cmdprio_*), observed in the guest
# kernel: io_uring's tracepoints and a kprobe on the kernel's reading of
# each passthrough SQE; protection information errors named by their NVMe
# status before fio's errno text. One small VM boot; tests/vm/guest-nvmeopts.sh
# runs inside.
#
#   tests/vm/run-nvmeopts.sh [--timeout SECS]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
timeout=${BLK_VM_TIMEOUT:-900}
[ "${1:-}" = --timeout ] && timeout=$2

if [ ! -f "$blk_module" ]; then
	echo "nvmeopts-vm: $blk_module missing; run scripts/bootstrap first" >&2
	exit 1
fi

exec "$here/vm-run" --kernel 6.12 --timeout "$timeout" --nvme-params "" --ctrl mdts=5 \
	--ns 16M \
	--ns 8M \
	--ns 8M,ms=8,mset=0,pi=1 \
	-- "$here/guest-nvmeopts.sh"
