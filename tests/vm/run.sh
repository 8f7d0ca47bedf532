#!/bin/bash
# The VM suites: boots Debian's 6.12 kernel (bookworm-backports) under QEMU
# with emulated NVMe namespaces and runs the NVMe suite and the io_uring
# options suite in it (guest-nvme-all.sh), then a smoke pass on Debian 12's
# own 6.1 kernel. Prints each suite's closing line and
# exits non-zero when any case failed or a VM did not finish.
#
# Needs qemu-system-x86, busybox-static, apt access to Debian's archive and
# a built module (scripts/bootstrap). BLK_VM_TIMEOUT bounds each VM (s).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

if [ -z "${BLK_TEST_BUILDS:-}" ] && [ ! -f "$blk_module" ]; then
	echo "vm: $blk_module missing; run scripts/bootstrap first" >&2
	exit 1
fi
timeout=${BLK_VM_TIMEOUT:-2400}
rc=0

# nsid 1: 512   2: 4096   3: 512+8 PI type 1   4: 4096+64 extended LBA
# 5: read-only (writes fail: Write Fault)   6: qcow2 under blkdebug (reads fail)
# 7: 512+16 PI type 1 with the 64-bit guard (PIF 2)
ns_full=(
	--ns 64M,drive.discard=unmap
	--ns 64M,logical_block_size=4096,physical_block_size=4096,drive.discard=unmap
	--ns 64M,ms=8,mset=0,pi=1
	--ns 64M,logical_block_size=4096,physical_block_size=4096,ms=64,mset=1
	--ns 16M,drive.readonly=on
	--ns 16M,blkdebug=read
	--ns 64M,ms=16,mset=0,pi=1,pif=2
)
# Several modules (the mutants step): each runs its narrowed suite in one boot.
if [ -n "${BLK_TEST_BUILDS:-}" ]; then
	exec "$here/vm-run" --kernel 6.12 --timeout "$timeout" --nvme-params "poll_queues=1" \
		"${ns_full[@]}" -- "$here/guest-builds.sh"
fi
"$here/vm-run" --kernel 6.12 --timeout "$timeout" --nvme-params "poll_queues=1" \
	"${ns_full[@]}" -- "$here/guest-nvme-all.sh" || rc=1

ns_smoke=(
	--ns 64M,drive.discard=unmap
	--ns 64M,logical_block_size=4096,physical_block_size=4096,drive.discard=unmap
)
"$here/vm-run" --kernel 6.1 --timeout "$timeout" --nvme-params "" \
	"${ns_smoke[@]}" -- "$here/run-nvme.sh" --smoke || rc=1
exit $rc
