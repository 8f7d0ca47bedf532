#!/bin/bash
# The vm-vfio part of scripts/demo; runs inside the test VM that the demo
# boots with tests/vm/vfio-machine.sh (q35, a virtual Intel IOMMU, two
# virtio-blk PCI functions of the same kind).
#
#   demo-guest-vfio.sh KERNEL_DIR REPS RUNTIME [BLKIO_FIO BLKIO_MODULE]
#
# The function behind 00:10.0 goes to vfio-pci: virtio-blk-vfio-pci (ours)
# and, with BLKIO_FIO (a fio built with libblkio) and BLKIO_MODULE (this
# module built against it), fio's libblkio engine with
# libblkio_driver=virtio-blk-vfio-pci on it. The function behind 00:11.0
# stays with the kernel's virtio-blk driver: fio's io_uring (direct=1) on
# its /dev/vdX. Every engine runs one fio process per workload, in an
# order that rotates with each repetition. fio runs on vCPU 0.
#
# The results (fio JSON) go to stdout as a base64 tar.gz between the lines
# @@BLKDEMO-RESULTS-BEGIN@@ and @@BLKDEMO-RESULTS-END@@.
set -uo pipefail

kdir=${1:?kernel dir}
bench_reps=${2:?reps}
bench_runtime=${3:?runtime}
blkio_fio=${4:-}
blkio_module=${5:-}
bench_out=/tmp/demo-results
mkdir -p "$bench_out"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench.sh"
. "$here/../../tests/vm/vfio-guest-lib.sh"

vm_notes=()
note() { vm_notes+=("$*"); }
finish() {
	printf '%s\n' "${vm_notes[@]}" >"$bench_out/vm-notes.txt"
	echo "@@BLKDEMO-RESULTS-BEGIN@@"
	tar -czf - -C "$bench_out" . | base64 -w 76
	echo "@@BLKDEMO-RESULTS-END@@"
	exit 0
}
[ "$(nproc)" -ge 2 ] && bench_fio_cpu=0

for m in vfio vfio_iommu_type1 vfio-pci virtio_blk; do
	modprobe -d "$kdir" "$m" || { note "vm-vfio: modprobe -d $kdir $m failed; vm-vfio part skipped"; finish; }
done
vfn=$(pci_behind_port 10)
kfn=$(pci_behind_port 11)
if [ -z "$vfn" ] || ! to_vfio "$vfn"; then
	note "vm-vfio: the function behind 00:10.0 (${vfn:-none}) could not be handed to vfio-pci; vm-vfio part skipped"
	finish
fi
vdev=
if [ -z "$kfn" ] || ! vdev=$(to_kernel "$kfn"); then
	note "vm-vfio: the function behind 00:11.0 (${kfn:-none}) got no /dev/vdX from virtio-blk: no io_uring run"
	vdev=
fi

fio_all=$bench_fio
ext=external:$bench_module
if [ -n "$blkio_fio" ]; then
	if [ -x "$blkio_fio" ] && [ -f "$blkio_module" ]; then
		fio_all=$blkio_fio
		ext=external:$blkio_module
	else
		note "vm-vfio: $blkio_fio or $blkio_module is not reachable in the VM; no libblkio run"
		blkio_fio=
	fi
fi
bench_fio=$fio_all
engines=("virtio-blk-vfio-pci --ioengine=$ext --filename=$(esc "$vfn")")
[ -n "$blkio_fio" ] && engines+=(
	"libblkio --ioengine=libblkio --libblkio_driver=virtio-blk-vfio-pci --libblkio_path=/sys/bus/pci/devices/$vfn")
[ -n "$vdev" ] && engines+=("io_uring --ioengine=io_uring --direct=1 --filename=$vdev")

# Reads find written blocks everywhere on both functions.
"$bench_fio" --name=fill --thread=1 --ioengine="$ext" --filename="$(esc "$vfn")" \
	--rw=write --bs=1m --iodepth=4 --size=256m >/dev/null 2>&1 ||
	note "vm-vfio: filling $vfn failed; reads may see unwritten blocks"
[ -n "$vdev" ] && { "$bench_fio" --name=fill --ioengine=io_uring --direct=1 --filename="$vdev" \
	--rw=write --bs=1m --iodepth=4 >/dev/null 2>&1 ||
	note "vm-vfio: filling $vdev failed; reads may see unwritten blocks"; }

bench_total=$((${#engines[@]} * ${#bench_workloads[@]} * bench_reps))
echo "VM: $bench_total fio runs of ${bench_runtime}s, $bench_reps repetition(s)"
for rep in $(seq "$bench_reps"); do
	for i in "${!engines[@]}"; do
		e=${engines[$(((i + rep) % ${#engines[@]}))]}
		# fio's libblkio engine needs one process per workload (one
		# queue per job of a process); every engine runs the same way.
		for w in "${bench_workloads[@]}"; do
			# shellcheck disable=SC2086
			bench_run vm-vfio "$w" ${e%% *} "$rep" ${e#* }
		done
	done
done

note "vm-vfio: two virtio-blk PCI functions (q35, virtual Intel IOMMU, 8 queues of 256, packed=on, a 256 MiB image each on the host's tmpfs): $vfn bound to vfio-pci for virtio-blk-vfio-pci${blkio_fio:+ and libblkio (libblkio_driver=virtio-blk-vfio-pci)}${vdev:+, $vdev ($kfn) through the virtio-blk driver of the kernel for io_uring}; every engine one fio process per workload, the order rotating with each repetition; $("$bench_fio" --version)"
[ "$bench_failed" -gt 0 ] && note "vm-vfio: $bench_failed run(s) failed (their .err files are in the report folder)"
finish
