#!/bin/bash
# The VM part of scripts/demo; runs inside the test VM (tests/vm/vm-run).
#
#   demo-guest.sh KERNEL_DIR REPS RUNTIME [BLKIO_FIO BLKIO_MODULE]
#
# NVMe: nvme-passthru-uring and fio's io_uring_cmd on /dev/ngXnY, fio's
# io_uring on /dev/nvmeXnY (direct=1), side by side in this one boot.
# vDPA: qemu-storage-daemon exports a file on the guest's tmpfs through
# VDUSE; virtio-blk-vhost-vdpa and fio's libblkio engine on
# /dev/vhost-vdpa-N, fio's io_uring on the file (direct=1). With
# BLKIO_FIO (a fio built with libblkio, scripts/lib/fio-libblkio.sh) and
# BLKIO_MODULE (blkengine built against it) every vDPA run uses that one
# fio binary; without them there is no libblkio run. fio runs on vCPU 0,
# the daemon on vCPU 1.
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
. "$(dirname "$0")/bench.sh"

ext="external:$bench_module"
vm_notes=()
note() { vm_notes+=("$*"); }
bench_fio_cpu=
daemon_cpu=
if [ "$(nproc)" -ge 2 ]; then
	bench_fio_cpu=0
	daemon_cpu=1
fi

qsd_pid=
vdpa_name=
cleanup() {
	[ -n "$vdpa_name" ] && vdpa dev del "$vdpa_name" 2>/dev/null
	if [ -n "$qsd_pid" ]; then
		kill "$qsd_pid" 2>/dev/null
		wait "$qsd_pid" 2>/dev/null
	fi
}
trap cleanup EXIT

# --- NVMe
ng=$(ls /dev/ng*n1 2>/dev/null | head -n1)
nvme_ok=
if [ -n "$ng" ] && [ -b "/dev/nvme${ng#/dev/ng}" ]; then
	nvme_ok=1
	blk=/dev/nvme${ng#/dev/ng}
else
	note "vm-nvme: no NVMe namespace appeared in the VM; NVMe part skipped"
fi

# --- vDPA through VDUSE
vdpa_ok=
img=/tmp/vduse.img
setup_vdpa() {
	local i node
	modprobe -d "$kdir" vduse 2>/dev/null && modprobe -d "$kdir" vhost_vdpa 2>/dev/null ||
		{ note "vm-vdpa: modprobe vduse vhost_vdpa failed; vDPA part skipped"; return 1; }
	command -v vdpa >/dev/null ||
		{ note "vm-vdpa: the vdpa tool (iproute2) is missing; vDPA part skipped"; return 1; }
	udevadm settle >/dev/null 2>&1
	truncate -s 256M "$img"
	${daemon_cpu:+taskset -c "$daemon_cpu"} qemu-storage-daemon \
		--blockdev "driver=file,node-name=n0,filename=$img,aio=io_uring,cache.direct=on" \
		--export "type=vduse-blk,id=e0,node-name=n0,name=demo0,writable=on,num-queues=1,queue-size=256,logical-block-size=4096" \
		>/tmp/qsd-vduse.log 2>&1 &
	qsd_pid=$!
	for i in $(seq 100); do
		[ -e /dev/vduse/demo0 ] && break
		sleep 0.1
	done
	vdpa dev add name demo0 mgmtdev vduse >>/tmp/qsd-vduse.log 2>&1 ||
		{ note "vm-vdpa: vdpa dev add failed: $(tail -n1 /tmp/qsd-vduse.log)"; return 1; }
	vdpa_name=demo0
	for i in $(seq 100); do
		node=$(ls -d /sys/bus/vdpa/devices/demo0/vhost-vdpa-* 2>/dev/null | head -n1)
		if [ -n "$node" ] && [ -e "/dev/${node##*/}" ]; then
			vdpa_dev=/dev/${node##*/}
			return 0
		fi
		sleep 0.1
	done
	note "vm-vdpa: no /dev/vhost-vdpa-N appeared; vDPA part skipped"
	return 1
}
vdpa_dev=
setup_vdpa && vdpa_ok=1

# Starting fio under emulation takes many seconds: one fio process runs
# all workloads of an engine and repetition (bench_group).
nvme_engines=(
	"nvme-passthru-uring --ioengine=$ext --filename=$ng"
	"io_uring_cmd --ioengine=io_uring_cmd --cmd_type=nvme --filename=$ng"
	"io_uring --ioengine=io_uring --direct=1 --filename=${blk:-}"
)
nvme_fio=$bench_fio
vdpa_fio=$bench_fio
vdpa_ext=$ext
vdpa_blkio=
if [ -n "$vdpa_ok" ] && [ -n "$blkio_fio" ]; then
	if [ -x "$blkio_fio" ] && [ -f "$blkio_module" ]; then
		vdpa_fio=$blkio_fio
		vdpa_ext=external:$blkio_module
		vdpa_blkio=1
	else
		note "vm-vdpa: $blkio_fio or $blkio_module is not reachable in the VM; no libblkio run"
	fi
fi
vdpa_engines=("virtio-blk-vhost-vdpa --ioengine=$vdpa_ext --filename=${vdpa_dev:-}")
[ -n "$vdpa_blkio" ] && vdpa_engines+=(
	"libblkio --ioengine=libblkio --libblkio_driver=virtio-blk-vhost-vdpa --libblkio_path=$vdpa_dev")
vdpa_engines+=("io_uring --ioengine=io_uring --direct=1 --filename=$img --size=256M")
bench_skip=
n=0
[ -n "$nvme_ok" ] && n=$((n + ${#nvme_engines[@]}))
[ -n "$vdpa_ok" ] && n=$((n + ${#vdpa_engines[@]}))
# With libblkio on the vDPA target, every engine there runs one fio process
# per workload (see below).
[ -n "$vdpa_blkio" ] && n=$((n + ${#vdpa_engines[@]} * (${#bench_workloads[@]} - 1)))
bench_total=$((n * bench_reps))
echo "VM: $bench_total fio runs of ${#bench_workloads[@]} workloads x ${bench_runtime}s, $bench_reps repetition(s)"
for rep in $(seq "$bench_reps"); do
	if [ -n "$nvme_ok" ]; then
		bench_fio=$nvme_fio
		# The order rotates from one repetition to the next, so no
		# engine always runs first after the boot.
		for i in "${!nvme_engines[@]}"; do
			e=${nvme_engines[$(((i + rep) % ${#nvme_engines[@]}))]}
			# shellcheck disable=SC2086
			bench_group vm-nvme ${e%% *} "$rep" ${e#* }
		done
	fi
	if [ -n "$vdpa_ok" ]; then
		bench_fio=$vdpa_fio
		for i in "${!vdpa_engines[@]}"; do
			e=${vdpa_engines[$(((i + rep) % ${#vdpa_engines[@]}))]}
			if [ -n "$vdpa_blkio" ]; then
				# fio's libblkio engine shares one instance among a
				# process's jobs, one queue per job: more jobs than the
				# device has queues fail, so it needs one process per
				# workload. The other engines run the same way, or the
				# start-up and the jobs before each workload would
				# weigh on one engine's figures and not the other's.
				for w in "${bench_workloads[@]}"; do
					# shellcheck disable=SC2086
					bench_run vm-vdpa "$w" ${e%% *} "$rep" ${e#* }
				done
				continue
			fi
			# shellcheck disable=SC2086
			bench_group vm-vdpa ${e%% *} "$rep" ${e#* }
		done
	fi
done

[ -n "$nvme_ok" ] && note "vm-nvme: QEMU's emulated NVMe controller, one 256 MiB namespace with 4096-byte blocks on a tmpfs image; $ng ($blk for io_uring)"
[ -n "$vdpa_blkio" ] && note "vm-vdpa: every engine ran one fio process per workload (the structure libblkio needs), in an order that rotates with each repetition"
[ -n "$vdpa_ok" ] && note "vm-vdpa: qemu-storage-daemon vduse-blk export of a 256 MiB file on the guest's tmpfs (aio=io_uring, cache.direct=on), one queue of 256; $vdpa_dev; $("$vdpa_fio" --version) for every vDPA run"
[ "$bench_failed" -gt 0 ] && note "VM: $bench_failed run(s) failed (their .err files are in the report folder)"
printf '%s\n' "${vm_notes[@]}" >"$bench_out/vm-notes.txt"

echo "@@BLKDEMO-RESULTS-BEGIN@@"
tar -czf - -C "$bench_out" . | base64 -w 76
echo "@@BLKDEMO-RESULTS-END@@"
exit 0
