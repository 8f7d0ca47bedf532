#!/bin/bash
# The zns-vm suite: zoned namespaces (NVMe ZNS) under nvme-passthru-uring,
# against the kernel's nvme driver in one VM under Debian 12's QEMU, whose
# nvme-ns emulates zones. tests/vm/guest-zns.sh runs inside; its counts come
# back through $BLK_TEST_COUNTS. With BLK_TEST_BUILDS (the mutants step) every
# listed module runs in the same boot.
#
# fio 3.33 has no finish_zone hook: the finish case runs the module built
# against fio 3.41 (tests/vm/module-for-fio.sh, the matrix suite's fio).
#
#   tests/vm/run-zns.sh [--timeout SECS]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
timeout=${BLK_VM_TIMEOUT:-900}
[ "${1:-}" = --timeout ] && timeout=$2

if [ -z "${BLK_TEST_BUILDS:-}" ] && [ ! -f "$blk_module" ]; then
	echo "zns-vm: $blk_module missing; run scripts/bootstrap first" >&2
	exit 1
fi

# A module for a fio with finish_zone; empty (and the finish case fails,
# saying why) when it cannot be built.
export BLK_ZNS_FINISH_DIR=
if [ -n "${BLK_TEST_BUILDS:-}" ]; then
	# The mutants step: its modules are all built against the main fio.
	export BLK_ZNS_FINISH_WHY="not with BLK_TEST_BUILDS"
elif dir=$("$here/module-for-fio.sh" 3.41 2>"$blk_build/zns-3.41.why"); then
	export BLK_ZNS_FINISH_DIR=$dir
else
	export BLK_ZNS_FINISH_WHY=$(cat "$blk_build/zns-3.41.why")
fi

# nsid 1: 512-byte blocks, 1 MiB zones, at most 3 open and 4 active zones
# nsid 2: 4096-byte blocks, 4 MiB zones of 3 MiB capacity
# nsid 3: not zoned
# ZASL 5: a Zone Append carries at most 4 KiB << 5 = 128 KiB.
exec "$here/vm-run" --kernel 6.12 --timeout "$timeout" --nvme-params "" \
	--ctrl zoned.zasl=5 \
	--ns 32M,zoned=true,zoned.zone_size=1M,zoned.zone_capacity=1M,zoned.max_open=3,zoned.max_active=4 \
	--ns 32M,logical_block_size=4096,physical_block_size=4096,zoned=true,zoned.zone_size=4M,zoned.zone_capacity=3M \
	--ns 16M \
	-- "$here/guest-zns.sh"
