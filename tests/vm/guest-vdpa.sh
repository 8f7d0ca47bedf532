#!/bin/bash
# virtio-blk-vhost-vdpa suite; runs inside the test VM (tests/vm/run-vdpa.sh
# boots it). qemu-storage-daemon serves vduse-blk exports, `vdpa dev add`
# turns each into /dev/vhost-vdpa-N, and fio drives it through the engine.
#
#   guest-vdpa.sh KERNEL_DIR    KERNEL_DIR: the unpacked kernel (kernel.sh)
set -uo pipefail

. "$(dirname "$0")/../lib.sh"
t_watch_stuck 240

t_begin "vdpa-$(uname -r | cut -d. -f1,2)"

if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/vm/run-vdpa.sh"
	t_end
	exit
fi
kdir=${1:-}
if [ ! -f "$blk_module" ]; then
	t_fail module "$blk_module missing: build first (scripts/bootstrap)"
	t_end
	exit
fi
if ! modprobe -d "$kdir" vduse || ! modprobe -d "$kdir" vhost_vdpa; then
	t_fail modules "modprobe -d $kdir vduse vhost_vdpa failed"
	t_end
	exit
fi
udevadm settle >/dev/null 2>&1

work=/tmp/vdpa
mkdir -p "$work"
declare -A qsd_pid
cleanup() {
	local n
	for n in "${!qsd_pid[@]}"; do
		vdpa dev del "$n" 2>/dev/null
		kill "${qsd_pid[$n]}" 2>/dev/null
	done
}
trap cleanup EXIT

engine=(--ioengine="external:$blk_module")

# export_dev NAME BLOCKDEV EXPORT_OPTS: starts a vduse-blk export and binds
# it to vhost_vdpa; sets dev_node to its /dev/vhost-vdpa-N.
export_dev() {
	local name=$1 blockdev=$2 opts=$3 i node
	qemu-storage-daemon --blockdev "$blockdev,node-name=n_$name" \
		--export "type=vduse-blk,id=e_$name,node-name=n_$name,name=$name,$opts" \
		>"$work/qsd-$name.log" 2>&1 &
	qsd_pid[$name]=$!
	for i in $(seq 100); do
		[ -e "/dev/vduse/$name" ] && break
		sleep 0.1
	done
	vdpa dev add name "$name" mgmtdev vduse >>"$work/qsd-$name.log" 2>&1 || {
		cat "$work/qsd-$name.log" >&2
		return 1
	}
	# With virtio_vdpa loaded too, a new device may land there instead.
	if [ "$(basename "$(readlink "/sys/bus/vdpa/devices/$name/driver")")" = virtio_vdpa ]; then
		echo "$name" >/sys/bus/vdpa/drivers/virtio_vdpa/unbind
		echo "$name" >/sys/bus/vdpa/drivers/vhost_vdpa/bind
	fi
	for i in $(seq 100); do
		node=$(ls -d /sys/bus/vdpa/devices/"$name"/vhost-vdpa-* 2>/dev/null | head -n1)
		if [ -n "$node" ] && [ -e "/dev/${node##*/}" ]; then
			dev_node=/dev/${node##*/}
			return 0
		fi
		sleep 0.1
	done
	cat "$work/qsd-$name.log" >&2
	return 1
}

unexport_dev() {
	vdpa dev del "$1" 2>/dev/null
	if [ -n "${qsd_pid[$1]:-}" ]; then
		kill "${qsd_pid[$1]}" 2>/dev/null
		wait "${qsd_pid[$1]}" 2>/dev/null
		unset "qsd_pid[$1]"
	fi
}
dev_node=

# expect_ok NAME FIO_ARGS...: fio succeeds with no error reported.
expect_ok() {
	local name=$1 out
	shift
	if run_fio out "${engine[@]}" "$@" && ! grep -q "err= *[1-9]" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
	last_out=$out
}

# expect_err NAME REGEX FIO_ARGS...: fio fails and says REGEX.
expect_err() {
	local name=$1 re=$2 out
	shift 2
	if run_fio out "${engine[@]}" "$@"; then
		t_fail "$name" "fio succeeded; expected an error matching '$re'" "$out"
	elif grep -Eq "$re" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "no message matching '$re'" "$out"
	fi
}
last_out=

# --- A: a 64 MiB file on tmpfs, 4 queues of 256, 512-byte blocks
img=$work/a.img
truncate -s 64M "$img"
if ! export_dev vda "driver=file,filename=$img,discard=unmap" \
	"writable=on,num-queues=4,queue-size=256,logical-block-size=512"; then
	t_fail "export A" "vduse-blk export or vdpa dev add failed"
	t_end
	exit
fi
A=$dev_node
echo "export A: $A"
common=(--name=j --filename="$A" --thread=1 --direct=1)

expect_ok "randwrite verify crc32c, mixed block sizes (512/4k/64k), qd16" \
	"${common[@]}" --rw=randwrite --bssplit=512/20:4k/60:64k/20 --iodepth=16 \
	--size=8M --verify=crc32c --verify_fatal=1 --randseed=11

expect_ok "numjobs=4 thread=1: one queue per job, verify" \
	"${common[@]}" --rw=randwrite --bs=4k --iodepth=8 --numjobs=4 --size=2M \
	--offset_increment=4M --verify=crc32c --verify_fatal=1 --group_reporting=1
if grep -q "virtqueue" <<<"$last_out"; then
	t_fail "numjobs=4 left no virtqueue message" "$last_out"
fi

# Cross-checks with fio's own engine on the backing file, same seed.
xjob=(--name=x --rw=randwrite --bs=4k --size=4M --offset=16M --verify=crc32c
	--verify_fatal=1 --randseed=4242)
if run_fio out "${engine[@]}" --filename="$A" --thread=1 "${xjob[@]}" --iodepth=8 --do_verify=0 &&
	run_fio out2 --ioengine=psync --filename="$img" "${xjob[@]}" --verify_only=1; then
	t_pass "written through vdpa, verified by psync on the image"
else
	t_fail "written through vdpa, verified by psync on the image" "$out" "${out2:-}"
fi
xjob=(--name=y --rw=randwrite --bs=8k --size=4M --offset=24M --verify=crc32c
	--verify_fatal=1 --randseed=777)
if run_fio out --ioengine=psync --filename="$img" "${xjob[@]}" --do_verify=0 &&
	run_fio out2 "${engine[@]}" --filename="$A" --thread=1 "${xjob[@]}" --iodepth=8 --verify_only=1; then
	t_pass "written by psync on the image, verified through vdpa"
else
	t_fail "written by psync on the image, verified through vdpa" "$out" "${out2:-}"
fi

# Trim and write zeroes: data first, then the range must read back as zeroes.
zero_range() {
	[ "$(dd if="$img" bs=1M skip="$1" count="$(($2 >> 20))" 2>/dev/null | tr -d '\0' | wc -c)" = 0 ]
}
fill() {
	run_fio fout --ioengine=psync --filename="$img" --name=f --rw=write --bs=64k \
		--offset="$1"M --size="$2" --buffer_pattern=0xa5
}
fill 32 2M
expect_ok "trim (discard)" "${common[@]}" --rw=trim --bs=64k --offset=32M --size=2M --iodepth=4
if zero_range 32 $((2 << 20)); then t_pass "trimmed range reads back as zeroes"; else
	t_fail "trimmed range reads back as zeroes" "image bytes at 32M are not zero:" \
		"$(dd if="$img" bs=1M skip=32 count=2 2>/dev/null | od -A d -t x1 | head -n 4)" "$fout"; fi
fill 36 2M
expect_ok "write zeroes (write_mode=zeroes)" "${common[@]}" --rw=write --bs=128k \
	--offset=36M --size=2M --write_mode=zeroes --iodepth=4
if zero_range 36 $((2 << 20)); then t_pass "write-zeroes range reads back as zeroes"; else
	t_fail "write-zeroes range reads back as zeroes" "image bytes at 36M are not zero:" \
		"$(dd if="$img" bs=1M skip=36 count=2 2>/dev/null | od -A d -t x1 | head -n 4)"; fi

# traced_ok NAME FIO_ARGS...: expect_ok while strace counts the flushes
# (fdatasync/fsync) export A's daemon makes on its backing file: the device
# side of VIRTIO_BLK_T_FLUSH. Sets flushes; empty when tracing failed.
traced_ok() {
	local name=$1 attached=1
	shift
	flushes=
	strace_attach "${qsd_pid[vda]}" "$work/strace.out" fdatasync,fsync 2>"$work/strace.why" ||
		attached=
	expect_ok "$name" "$@"
	strace_detach
	[ -n "$attached" ] || { t_fail "$name: strace attached" "$(cat "$work/strace.why")"; return; }
	flushes=$(awk 'NF >= 5 && $4 ~ /^[0-9]+$/ && ($NF == "fdatasync" || $NF == "fsync") {n += $4}
		END {print n + 0}' "$work/strace.out")
}

# QD1, so the daemon cannot merge flushes: 256 writes, a flush every 4.
traced_ok "flush (fsync=4)" "${common[@]}" --rw=randwrite --bs=4k --size=1M --offset=40M \
	--iodepth=1 --fsync=4
if [ -n "$flushes" ] && [ "$flushes" -ge 60 ]; then
	t_pass "fsync=4: the daemon flushed its file $flushes times for 256 writes"
else
	t_fail "fsync=4: the daemon flushes its file for every 4 writes" "flushes: ${flushes:-?}" "$last_out"
fi
traced_ok "writefua=1 randwrite verify" "${common[@]}" --rw=randwrite --bs=4k --size=512k \
	--offset=40M --iodepth=1 --writefua=1 --verify=crc32c --verify_fatal=1
if [ -n "$flushes" ] && [ "$flushes" -ge 128 ]; then
	t_pass "writefua=1: the daemon flushed its file $flushes times for 128 writes"
else
	t_fail "writefua=1: a flush reaches the daemon after every write" "flushes: ${flushes:-?}" "$last_out"
fi
traced_ok "the same writes without writefua" "${common[@]}" --rw=randwrite --bs=4k --size=512k \
	--offset=40M --iodepth=1 --verify=crc32c --verify_fatal=1
if [ -n "$flushes" ] && [ "$flushes" -le 2 ]; then
	t_pass "without writefua: no flush per write ($flushes)"
else
	t_fail "without writefua: no flush per write" "flushes: ${flushes:-?}" "$last_out"
fi

# Bad inputs on A.
exec 9<>"$A"
expect_err "device held open elsewhere: already in use" "$A.*already in use" \
	"${common[@]}" --rw=read --bs=4k --size=1M
exec 9>&-
expect_err "bs not a multiple of the block size" "not a multiple" \
	"${common[@]}" --rw=read --bs=1000 --size=1M
expect_ok "device usable again after the other user left" "${common[@]}" --rw=read --bs=4k --size=1M

# Two fio processes on one device: the second is refused.
"$blk_fio" "${engine[@]}" "${common[@]}" --rw=randread --bs=4k --size=8M \
	--time_based=1 --runtime=15 >"$work/bg.log" 2>&1 &
bgpid=$!
# Until the first fio holds the device (its job has started).
for i in $(seq 100); do
	ls -l /proc/"$bgpid"/fd 2>/dev/null | grep -q "$A" && break
	sleep 0.2
done
expect_err "second fio process: already in use" "already in use" \
	"${common[@]}" --rw=read --bs=4k --size=1M
wait "$bgpid"

# A vdpa device bound to virtio_vdpa has no /dev/vhost-vdpa-N.
name_a=vda
if modprobe -d "$kdir" virtio_vdpa 2>/dev/null &&
	echo "$name_a" >/sys/bus/vdpa/drivers/vhost_vdpa/unbind &&
	echo "$name_a" >/sys/bus/vdpa/drivers/virtio_vdpa/bind; then
	sleep 1
	expect_err "device bound to virtio_vdpa: says how to rebind" \
		"virtio_vdpa.*echo $name_a > /sys/bus/vdpa/drivers/vhost_vdpa/bind" \
		"${common[@]}" --rw=read --bs=4k --size=1M
	echo "$name_a" >/sys/bus/vdpa/drivers/virtio_vdpa/unbind
	echo "$name_a" >/sys/bus/vdpa/drivers/vhost_vdpa/bind
	sleep 1
	A=/dev/$(basename "$(ls -d /sys/bus/vdpa/devices/$name_a/vhost-vdpa-* | head -n1)")
	expect_ok "after the advised rebind the device works" --name=j --filename="$A" \
		--thread=1 --rw=randread --bs=4k --size=1M
else
	t_fail "device bound to virtio_vdpa" "could not load virtio_vdpa or rebind $name_a"
fi
unexport_dev vda

# --- B: read-only null export
if export_dev vdb "driver=null-co,size=$((64 << 20)),read-zeroes=on" "writable=off,num-queues=1"; then
	B=$dev_node
	expect_err "read-only export written to" "read-only" \
		--name=j --filename="$B" --thread=1 --rw=randwrite --bs=4k --size=1M
	expect_ok "read-only export read" --name=j --filename="$B" --thread=1 --rw=randread \
		--bs=4k --size=1M --iodepth=4
	unexport_dev vdb
else
	t_fail "export B" "read-only export failed"
fi

# --- C: null device, 1 queue of 1024, 4096-byte blocks
if export_dev vdc "driver=null-co,size=$((256 << 20)),read-zeroes=on" \
	"writable=on,num-queues=1,queue-size=1024,logical-block-size=4096"; then
	C=$dev_node
	expect_ok "4k blocks, queue 1024, qd64 randrw" --name=j --filename="$C" --thread=1 \
		--rw=randrw --bs=4k --iodepth=64 --size=64M --io_size=16M
	expect_err "512-byte I/O on a 4096-byte device refused" "not a multiple of the device's logical block size \(4096" \
		--name=j --filename="$C" --thread=1 --rw=randread --bs=512 --size=1M
	expect_err "numjobs=2 on a one-queue device refused" "virtqueue" \
		--name=j --filename="$C" --thread=1 --numjobs=2 --rw=randread --bs=4k --size=1M

	# Daemon killed mid-run: fio must fail, not hang. VDUSE waits
	# msg_timeout seconds for its daemon; shorten it for the test.
	for f in /sys/class/vduse/vdc/msg_timeout /sys/class/vduse/devices/vdc/msg_timeout; do
		[ -w "$f" ] && echo 3 >"$f"
	done
	# Kill the daemon once fio's I/O is under way (it holds the device).
	(
		for i in $(seq 150); do
			p=$(pgrep -n -x fio) && ls -l /proc/"$p"/fd 2>/dev/null | grep -q "$C" && break
			sleep 0.2
		done
		sleep 2
		kill -9 "${qsd_pid[vdc]}"
	) &
	start=$(date +%s)
	if BLK_FIO_TIMEOUT=60 run_fio out "${engine[@]}" --name=j --filename="$C" --thread=1 \
		--rw=randread --bs=4k --iodepth=8 --size=64M --time_based=1 --runtime=40; then
		t_fail "daemon killed mid-run: fio fails" "fio succeeded" "$out"
	elif [ $(($(date +%s) - start)) -ge 40 ]; then
		t_fail "daemon killed mid-run: fio fails within 40s" "$out"
	elif grep -q "stopped answering" <<<"$out"; then
		t_pass "daemon killed mid-run: fio fails in $(($(date +%s) - start))s"
	else
		t_fail "daemon killed mid-run: fio says the device stopped answering" "$out"
	fi
	vdpa dev del vdc 2>/dev/null
	unset "qsd_pid[vdc]"
else
	t_fail "export C" "null 4096 export failed"
fi

t_end
