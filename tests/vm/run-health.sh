#!/bin/bash
# The health-vm suite: drive health and write amplification of
# nvme-passthru-uring (blk_health) against a real kernel driver, in one VM
# under QEMU 10 (bookworm-backports, unpacked by tests/vm/qemu.sh beside the
# system's QEMU), whose NVMe subsystem has Flexible Data Placement.
# tests/vm/guest-health.sh runs inside; suite counts come back through
# $BLK_TEST_COUNTS. With BLK_TEST_BUILDS (the mutants step) every listed
# module runs in the same boot.
#
#   tests/vm/run-health.sh [--timeout SECS]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
timeout=${BLK_VM_TIMEOUT:-1800}
[ "${1:-}" = --timeout ] && timeout=$2

if [ -z "${BLK_TEST_BUILDS:-}" ] && [ ! -f "$blk_module" ]; then
	echo "health-vm: $blk_module missing; run scripts/bootstrap first" >&2
	exit 1
fi

# fio 3.41 for the placement cases with fio's own options, beside fio's
# io_uring_cmd engine (tests/vm/module-for-fio.sh).
export BLK_FDP_FIO_DIR=
if [ -n "${BLK_TEST_BUILDS:-}" ]; then
	export BLK_FDP_FIO_WHY="not with BLK_TEST_BUILDS"
elif dir=$("$here/module-for-fio.sh" 3.41 2>"$blk_build/health-3.41.why"); then
	export BLK_FDP_FIO_DIR=$dir
else
	export BLK_FDP_FIO_WHY=$(cat "$blk_build/health-3.41.why")
fi

# One FDP endurance group: 8 reclaim unit handles of 1 MiB reclaim units in
# one reclaim group; namespace 1 may use seven of them, namespace 2 (which fails
# reads of the clusters written: blkdebug) the last.
exec "$here/vm-run" --qemu 10 --kernel 6.12 --timeout "$timeout" --nvme-params "" \
	--subsys fdp=on,fdp.runs=1M,fdp.nrg=1,fdp.nruh=8 \
	--ns 64M,fdp.ruhs=0-6 \
	--ns 16M,blkdebug=read,fdp.ruhs=7 \
	-- "$here/guest-health.sh"
