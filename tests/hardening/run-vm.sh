#!/bin/bash
# Hardening of the engines that need a kernel this host may not have:
# nvme-passthru-uring on QEMU's emulated NVMe controller and
# virtio-blk-vhost-vdpa on a VDUSE device, in one VM boot (Debian's 6.12
# kernel, tests/vm/vm-run). The cases run in tests/hardening/guest-vm.sh:
# the ASan + UBSan build of the module and valgrind on real fio jobs,
# controller reset and PCI removal with I/O in flight, and a bounded soak
# per engine verified as it goes and again outside the engine.
#
#   tests/hardening/run-vm.sh                  soak of 40 s per engine
#   tests/hardening/run-vm.sh --long MINUTES   soak of MINUTES per engine
#
# Builds the sanitizer module (configure --enable-sanitizers) in its own
# build directory next to the normal one when it is missing. Suite counts
# come back through $BLK_TEST_COUNTS.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

soak_secs=40
while [ $# -gt 0 ]; do
	case $1 in
	--long)
		soak_secs=$(( ${2:?--long needs a number of minutes} * 60 ))
		shift 2
		;;
	*)
		echo "usage: $0 [--long MINUTES]" >&2
		exit 2
		;;
	esac
done

if [ ! -f "$blk_module" ]; then
	echo "hardening-vm: $blk_module missing; run scripts/bootstrap first" >&2
	exit 1
fi

# The guest sees this tree read-only: the sanitizer module is built here.
asan_build=$blk_build-asan
fio_src=$(cat "$blk_build/.fio-src" 2>/dev/null)
log=$(mktemp /tmp/blkengine-hardening-vm.XXXXXX)
trap 'rm -f "$log"' EXIT
build_lock "$asan_build"
if [ ! -f "$asan_build/Makefile" ]; then
	mkdir -p "$asan_build"
	if ! (cd "$asan_build" && "$blk_top/configure" -q --with-fio="$fio_src" --enable-sanitizers) \
		>"$log" 2>&1; then
		echo "hardening-vm: configure --enable-sanitizers failed in $asan_build:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
fi
if ! make -C "$asan_build" -j2 libblkengine.la >"$log" 2>&1; then
	echo "hardening-vm: building the sanitizer module in $asan_build failed:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
build_unlock

read -r kdir kversion < <("$here/../vm/kernel.sh" 6.12) || {
	echo "hardening-vm: no 6.12 kernel (tests/vm/kernel.sh 6.12 failed)" >&2
	exit 125
}
[ -n "${kversion:-}" ] || exit 125
rm -f "$log"

# nsid 1: 512-byte blocks, deallocate reads back zeroes (soak, faults)
# 2: 512+8 PI type 1   3: qcow2 under blkdebug (data reads fail)
exec "$here/../vm/vm-run" --kernel 6.12 --timeout $((1800 + 2 * soak_secs)) \
	--ns 64M,drive.discard=unmap \
	--ns 16M,ms=8,mset=0,pi=1 \
	--ns 16M,blkdebug=read \
	-- "$here/guest-vm.sh" "$kdir" "$soak_secs"
