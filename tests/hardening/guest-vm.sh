#!/bin/bash
# Hardening of the nvme-passthru-uring and virtio-blk-vhost-vdpa engines;
# runs inside the test VM (tests/hardening/run-vm.sh boots it). Memory
# checking (the ASan + UBSan build of the module, and one short valgrind
# run per engine) on real fio jobs, NVMe controller reset and removal with
# I/O in flight, and a bounded soak per engine verified as it goes and
# again outside the engine.
#
#   guest-vm.sh KERNEL_DIR SOAK_SECS
#
# Namespaces as run-vm.sh makes them: 1: 64 MiB, 512-byte blocks, discard
# 2: 16 MiB, 512+8 PI type 1   3: 16 MiB qcow2 under blkdebug (reads fail).
# The PCI removal of the controller comes last of the NVMe cases; a rescan
# brings it back (node names may change).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

t_begin hardening-vm

if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/hardening/run-vm.sh"
	t_end
	exit
fi
kdir=${1:?kernel tree}
soak_secs=${2:-40}
if [ ! -f "$blk_module" ]; then
	t_fail module "$blk_module missing: build first (scripts/bootstrap)"
	t_end
	exit
fi
asan_module=$blk_build-asan/.libs/libblkengine.so
asan_rt=
[ -f "$asan_module" ] && asan_rt=$(ldd "$asan_module" | awk '/libasan/ { print $3 }')

work=/tmp/hardening
mkdir -p "$work"
# fio leaves verify state files in its working directory.
cd "$work" || exit 1
declare -A qsd_pid
bg_pid=
cleanup() {
	local n
	[ -n "$bg_pid" ] && kill -KILL "$bg_pid" 2>/dev/null
	for n in "${!qsd_pid[@]}"; do
		vdpa dev del "$n" 2>/dev/null
		kill "${qsd_pid[$n]}" 2>/dev/null
	done
}
trap cleanup EXIT

MiB=$((1024 * 1024))
eng=(--ioengine="external:$blk_module")
suite_start=$(date +%s)

# secs_since START: seconds elapsed.
secs_since() {
	echo $(($(date +%s) - $1))
}

# ------------------------------------------------------------ memory tools
# mem_exec TOOL TAG FIO-ARGS...: one fio run (global options, then jobs) under TOOL (asan: the
# sanitizer module with the ASan runtime preloaded; valgrind: memcheck on
# fio with the normal module). Output in $work/TAG.out, reports in
# $work/TAG.log.*, status and seconds in $work/TAG.rc. Can run in the
# background; mem_judge reports it.
mem_exec() {
	local tool=$1 tag=$2 rc start
	shift 2
	rm -f "$work/$tag".*
	start=$(date +%s)
	case $tool in
	asan)
		LD_PRELOAD=$asan_rt \
			ASAN_OPTIONS=detect_leaks=1:exitcode=98:fast_unwind_on_malloc=0:log_path=$work/$tag.log \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$work/$tag.log \
			timeout -k 10 180 "$blk_fio" --ioengine="external:$asan_module" "$@" \
			>"$work/$tag.out" 2>&1
		rc=$?
		;;
	valgrind)
		timeout -k 10 400 valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			--suppressions="$here/fio.supp" --log-file="$work/$tag.log.%p" \
			"$blk_fio" "${eng[@]}" "$@" >"$work/$tag.out" 2>&1
		rc=$?
		;;
	esac
	echo "$rc $(secs_since "$start")" >"$work/$tag.rc"
}

# mem_judge TOOL TAG EXPECT NAME: EXPECT is ok or fail (fio must fail
# cleanly). Zero reports and zero leaks from the module are required;
# fio's leaks of its own command line are allowed (fio.supp, parse_options).
# Leaves fio's output in $mem_out.
mem_judge() {
	local tool=$1 tag=$2 expect=$3 name=$4 rc secs why="" bad
	read -r rc secs <"$work/$tag.rc"
	mem_out=$(cat "$work/$tag.out")
	if [ "$rc" -ge 124 ] && [ "$rc" -ne 98 ] && [ "$rc" -ne 99 ]; then
		why="fio hung or crashed (exit status $rc)"
	elif [ "$tool" = valgrind ] && { [ "$rc" -eq 99 ] ||
		grep -q 'ERROR SUMMARY: [1-9]' "$work/$tag".log.* 2>/dev/null; }; then
		why="valgrind found errors: $(grep -h -A25 -E 'Invalid|uninitialised|definitely lost in' "$work/$tag".log.* | head -60)"
	elif [ "$tool" = valgrind ] && ! grep -q 'ERROR SUMMARY: 0' "$work/$tag".log.* 2>/dev/null; then
		why="valgrind wrote no summary"
	elif [ "$tool" = asan ] && ! bad=$(asan_clean "$tag"); then
		why="ASan/UBSan found errors: $bad"
	elif [ "$expect" = ok ] && { { [ "$rc" -ne 0 ] && [ "$rc" -ne 98 ]; } ||
		grep -q 'err= *[1-9]' <<<"$mem_out"; }; then
		why="fio failed (status $rc)"
	elif [ "$expect" = fail ] && [ "$rc" -eq 0 ]; then
		why="fio succeeded; an error was expected"
	fi
	if [ -z "$why" ]; then
		t_pass "$tool: $name ($secs s)"
		return 0
	fi
	t_fail "$tool: $name" "$why" "$mem_out"
	return 1
}
mem_out=

# mem_run TOOL EXPECT NAME FIO-ARGS...: mem_exec then mem_judge.
mem_run() {
	local tool=$1 expect=$2 name=$3
	shift 3
	mem_exec "$tool" mc "$@"
	mem_judge "$tool" mc "$expect" "$name"
}

# asan_clean TAG: every report in the logs is a leak of fio's command line
# (allocated under parse_options, no module frame); prints what is not.
asan_clean() {
	cat "$work/$1".log.* 2>/dev/null | awk '
		/ERROR: AddressSanitizer|ERROR: LeakSanitizer: [^d]|runtime error:/ { bad = 1; print }
		/^(Direct|Indirect) leak/ { if (blk != "") check(); blk = $0; next }
		/^SUMMARY/ { if (blk != "") check(); blk = ""; next }
		blk != "" { blk = blk "\n" $0 }
		function check() {
			if (blk ~ /libblkengine/ || blk !~ /parse_options/) { bad = 1; print blk }
			blk = ""
		}
		END { exit bad }'
}

# ---------------------------------------------------------------- helpers
. "$here/../vm/guest-nvme.sh"

# fio_bg DEV FIO-ARGS...: fio in the background, output to $work/bg.out,
# status to $work/bg.rc; returns once fio holds DEV and has run its I/O for
# two seconds.
fio_bg() {
	local dev=$1 p
	shift
	rm -f "$work/bg.rc"
	(timeout -k 5 120 "$blk_fio" "$@" >"$work/bg.out" 2>&1; echo $? >"$work/bg.rc") &
	bg_pid=$!
	for _ in $(seq 150); do
		p=$(pgrep -n -x fio) && [ -n "$(find "/proc/$p/fd" -lname "$dev" 2>/dev/null)" ] && break
		sleep 0.2
	done
	sleep 2
}

# bg_wait START BOUND: waits until BOUND s after START (date +%s) for the
# background fio; sets bg_rc (empty when it is still running: then it is
# killed) and bg_secs (since START).
bg_wait() {
	local start=$1 bound=$2
	while [ $(($(date +%s) - start)) -lt "$bound" ] && [ ! -s "$work/bg.rc" ]; do
		sleep 0.2
	done
	bg_secs=$(secs_since "$start")
	bg_rc=$(cat "$work/bg.rc" 2>/dev/null)
	if [ -z "$bg_rc" ]; then
		pkill -KILL -P "$bg_pid" 2>/dev/null
		kill -KILL "$bg_pid" 2>/dev/null
	fi
	wait "$bg_pid" 2>/dev/null
	bg_pid=
}

# what_fio_said: fio's first error lines, for the case's name.
what_fio_said() {
	grep -m2 -E 'blkengine: |error|err= *[1-9]' "$work/bg.out" | tr '\n' ' ' | cut -c1-200
}

# soak NAME TARGET OUTSIDE PREPARE FIO-GLOBALS...: three jobs, one region
# each: trims each followed by a write of the same range (randtrimwrite),
# verified as it goes; random reads and writes of mixed sizes with flushes
# and writefua, verified as they go (verify_backlog); random trims over a
# filled region, which must read back as zeroes outside the engine
# (OUTSIDE: the block device or the backing file). Then a write pass with a
# fixed seed over all three, verified by fio's psync engine on OUTSIDE
# after PREPARE (a command).
# fio 3.33's randtrimwrite writes only when the job starts at offset 0 (it
# adds offset= twice to the write) and sends the write without waiting for
# its trim, so it runs at offset 0 with iodepth=1; its trim_percentage
# asserts, hence the zero check outside the engine.
# Regions: 0-8M randtrimwrite, 8-16M randrw, 16-24M randtrim.
soak() {
	local name=$1 target=$2 outside=$3 prepare=$4 start counts
	shift 4
	start=$(date +%s)
	if ! run_fio out "${eng[@]}" "$@" --name=fill --filename="$target" --rw=write \
		--bs=1M --offset=16M --size=8M --iodepth=4 --buffer_pattern=0x5a; then
		t_fail "$name soak: fill the trim region" "$out"
		return
	fi
	if BLK_FIO_TIMEOUT=$((soak_secs + 120)) run_fio out "${eng[@]}" "$@" \
		--filename="$target" --time_based --runtime="$soak_secs" \
		--name=trimwrite --offset=0 --size=8M --rw=randtrimwrite --bs=32k --iodepth=1 \
		--verify=crc32c --verify_fatal=1 --verify_backlog=64 \
		--name=rw --offset=8M --size=8M --rw=randrw --bssplit=4k/40:8k/20:64k/30:256k/10 \
		--iodepth=16 --fsync=64 --writefua=1 --verify=crc32c --verify_fatal=1 \
		--verify_backlog=256 \
		--name=trim --offset=16M --size=8M --rw=randtrim --bs=64k --iodepth=8 &&
		! grep -q 'err= *[1-9]' <<<"$out"; then
		t_pass "$name soak ${soak_secs} s: randtrimwrite, randrw + flushes + writefua, randtrim; verified as they go"
	else
		t_fail "$name soak ${soak_secs} s" "$out"
	fi
	# Each job did every kind of I/O it is there for (reads are verifies).
	counts=$(grep -oE 'issued rwts: total=[0-9,]+' <<<"$out" | cut -d= -f2 | tr '\n' ' ')
	if awk -F, -v RS=' ' '
		NR == 1 && $1 > 0 && $2 > 0 && $3 > 0 { ok++ }
		NR == 2 && $1 > 0 && $2 > 0 && $4 > 0 { ok++ }
		NR == 3 && $3 > 0 { ok++ }
		END { exit ok != 3 }' <<<"$counts"; then
		t_pass "$name soak: each job issued its I/O (reads,writes,trims,flushes: $counts)"
	else
		t_fail "$name soak: each job issued its I/O" "reads,writes,trims,flushes per job: $counts" "$out"
	fi
	if grep -qiE "verify: bad|mismatch|bad magic" <<<"$out"; then
		t_fail "$name soak: zero verify mismatches" "$(grep -iE 'verify: bad|mismatch|bad magic' <<<"$out" | head)"
	else
		t_pass "$name soak: zero verify mismatches"
	fi
	sync
	echo 3 >/proc/sys/vm/drop_caches
	if cmp -s -n $((8 * MiB)) -i $((16 * MiB)):0 "$outside" /dev/zero; then
		t_pass "$name soak: every trimmed block reads as zeroes outside the engine"
	else
		t_fail "$name soak: every trimmed block reads as zeroes outside the engine" \
			"$(cmp -n $((8 * MiB)) -i $((16 * MiB)):0 "$outside" /dev/zero 2>&1 | head -1)"
	fi
	if run_fio out "${eng[@]}" "$@" --name=final --filename="$target" --rw=write \
		--bs=64k --size=24M --iodepth=16 --verify=crc32c --do_verify=0 --randseed=4242 \
		--end_fsync=1; then
		$prepare
		sync
		echo 3 >/proc/sys/vm/drop_caches
		if run_fio out --name=final --ioengine=psync --filename="$outside" --rw=write \
			--bs=64k --size=24M --verify=crc32c --verify_only=1 --randseed=4242 \
			--verify_fatal=1 && grep -q 'read:' <<<"$out"; then
			t_pass "$name soak: read with psync outside the engine, the final pass verifies"
		else
			t_fail "$name soak: read with psync outside the engine, the final pass verifies" "$out"
		fi
	else
		t_fail "$name soak: final write pass" "$out"
	fi
	echo "-- $name soak took $(secs_since "$start") s"
}

# export_dev NAME BLOCKDEV EXPORT_OPTS: a vduse-blk export bound to
# vhost_vdpa; sets dev_node to its /dev/vhost-vdpa-N.
export_dev() {
	local name=$1 blockdev=$2 opts=$3 node
	qemu-storage-daemon --blockdev "$blockdev,node-name=n_$name" \
		--export "type=vduse-blk,id=e_$name,node-name=n_$name,name=$name,$opts" \
		>"$work/qsd-$name.log" 2>&1 &
	qsd_pid[$name]=$!
	for _ in $(seq 100); do
		[ -e "/dev/vduse/$name" ] && break
		sleep 0.1
	done
	vdpa dev add name "$name" mgmtdev vduse >>"$work/qsd-$name.log" 2>&1 || return 1
	for _ in $(seq 100); do
		for node in /sys/bus/vdpa/devices/"$name"/vhost-vdpa-*; do
			if [ -e "/dev/${node##*/}" ]; then
				dev_node=/dev/${node##*/}
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}
dev_node=

unexport_dev() {
	vdpa dev del "$1" 2>/dev/null
	if [ -n "${qsd_pid[$1]:-}" ]; then
		kill "${qsd_pid[$1]}" 2>/dev/null
		wait "${qsd_pid[$1]}" 2>/dev/null
		unset "qsd_pid[$1]"
	fi
}

# ------------------------------------------------------- NVMe: memory
NS=$(ng_of 1)
NSPI=$(ng_of 2)
NSBAD=$(ng_of 3)
if [ -z "$NS" ] || [ -z "$NSPI" ] || [ -z "$NSBAD" ]; then
	t_fail "NVMe namespaces" "expected nsid 1-3, found: $(ls /dev/ng* 2>&1)"
	t_end
	exit
fi
ctrl=$(basename "$(readlink -f "/sys/block/nvme${NS#/dev/ng}/device")")
[ -e "/sys/class/nvme/$ctrl/reset_controller" ] || ctrl=nvme0
echo "namespaces: $NS (512) $NSPI (PI) $NSBAD (blkdebug), controller $ctrl"
nv=(--thread=1 --direct=1)

have_asan=1
if [ -z "$asan_rt" ]; then
	have_asan=
	t_fail "ASan module" "$asan_module missing or not linked to libasan (run-vm.sh builds it)"
fi
if [ -n "$have_asan" ]; then
	mem_run asan ok "NVMe, 4 threads: verify with fixedbufs; verify vectored with bs=1m split at MDTS; trims (num_range=4); flushes + writefua" \
		"${nv[@]}" --filename="$NS" \
		--name=fixed --offset=0 --size=2M --rw=randwrite --bssplit=4k/50:16k/30:64k/15:512/5 \
		--iodepth=8 --verify=crc32c --verify_fatal=1 --fixedbufs=1 \
		--name=vectored --offset=4M --size=4M --rw=randwrite --bssplit=4k/70:1m/30 \
		--iodepth=8 --verify=crc32c --verify_fatal=1 --nonvectored=0 \
		--name=trim --offset=16M --size=4M --rw=randtrim --bs=16k --iodepth=4 --num_range=4 \
		--name=flush --offset=24M --size=2M --rw=randwrite --bs=4k --iodepth=4 --fsync=4 \
		--end_fsync=1 --writefua=1
	mem_run asan ok "NVMe PI type 1, 2 threads: controller-generated and host-generated PI, verify" \
		"${nv[@]}" --filename="$NSPI" --pi_chk=GUARD,REFTAG,APPTAG --verify=crc32c --verify_fatal=1 \
		--name=ctrl --rw=randwrite --bssplit=512/30:4k/70 --size=1M --iodepth=8 --pi_act=1 \
		--name=host --offset=4M --rw=randwrite --bs=4k --size=1M --iodepth=8 --pi_act=0 \
		--md_per_io_size=64
	# The blkdebug image fails reads of clusters that hold data.
	if run_fio out "${eng[@]}" "${nv[@]}" --name=fill --filename="$NSBAD" --rw=write \
		--bs=64k --size=1M && ! grep -q 'err= *[1-9]' <<<"$out"; then
		mem_run asan fail "NVMe injected read errors: fio fails" "${nv[@]}" --name=bad \
			--filename="$NSBAD" --rw=randread --bs=4k --size=1M --iodepth=8 &&
			if grep -q '0x281' <<<"$mem_out"; then
				t_pass "asan: the injected read error is reported as NVMe status 0x281"
			else
				t_fail "asan: the injected read error is reported as NVMe status 0x281" "$mem_out"
			fi
	else
		t_fail "fill the blkdebug namespace" "$out"
	fi
fi

# ------------------------------------------------------- NVMe: faults
# A controller reset while fio runs: fio must end (with errors or not) and
# not hang, and the engine must work once the controller is live again.
# QEMU completes the commands in flight, so without polling fio usually
# sees no error; with hipri=1 Linux 6.12 fails some polled passthrough
# commands with EFAULT across the reset (fio's io_uring_cmd engine too).
resets() {
	dmesg | grep -c "$ctrl: .*default/read/poll queues"
}
for pol in --hipri=0 --hipri=1; do
	name="controller reset during I/O ($pol)"
	before=$(resets)
	fio_bg "$NS" "${eng[@]}" "${nv[@]}" --name=r --filename="$NS" --rw=randrw --bs=4k \
		--size=16M --iodepth=16 --time_based --runtime=10 $pol
	running=
	[ -s "$work/bg.rc" ] || running=1
	start=$(date +%s)
	echo 1 >"/sys/class/nvme/$ctrl/reset_controller"
	reset_secs=$(secs_since "$start")
	bg_wait "$start" 60
	if [ -z "$running" ]; then
		t_fail "$name: fio was running at the reset" "$(cat "$work/bg.out")"
	elif [ "$(resets)" -le "$before" ]; then
		t_fail "$name: the controller was reset" "$(dmesg | tail -n 20)"
	elif [ -z "$bg_rc" ]; then
		t_fail "$name: fio ends within 60 s" "still running; killed" "$(cat "$work/bg.out")"
	elif [ "$bg_rc" -ge 124 ]; then
		t_fail "$name: fio ends cleanly" "exit status $bg_rc" "$(cat "$work/bg.out")"
	else
		t_pass "$name: reset took $reset_secs s, fio ended $bg_secs s after it, exit $bg_rc $(what_fio_said)"
	fi
	for _ in $(seq 50); do
		[ "$(cat "/sys/class/nvme/$ctrl/state" 2>/dev/null)" = live ] && break
		sleep 0.2
	done
	if run_fio out "${eng[@]}" "${nv[@]}" --name=after --filename="$NS" --rw=randwrite \
		--bs=4k --size=2M --iodepth=8 --verify=crc32c --verify_fatal=1 $pol &&
		! grep -q 'err= *[1-9]' <<<"$out"; then
		t_pass "after the reset ($pol): a verify run works"
	else
		t_fail "after the reset ($pol): a verify run works" "$out"
	fi
done

# ------------------------------------------------------- vDPA: memory
vdpa_ok=
if ! modprobe -d "$kdir" vduse || ! modprobe -d "$kdir" vhost_vdpa; then
	t_fail "vDPA modules" "modprobe -d $kdir vduse vhost_vdpa failed"
else
	udevadm settle >/dev/null 2>&1
	vimg=$work/vdpa.img
	truncate -s 32M "$vimg"
	if export_dev hv "driver=file,filename=$vimg,discard=unmap" \
		"writable=on,num-queues=3,queue-size=256,logical-block-size=512"; then
		vdpa_ok=1
		V=$dev_node
		echo "vhost-vdpa device: $V"
	else
		t_fail "vduse-blk export bound to vhost_vdpa" "$(cat "$work/qsd-hv.log")"
	fi
fi
vd=(--thread=1)
if [ -n "$vdpa_ok" ] && [ -n "$have_asan" ]; then
	# The jobs of one process share the device, one virtqueue each.
	mem_run asan ok "vhost-vdpa, 3 threads: numjobs=2 verify of mixed sizes + end_fsync; randtrimwrite with flushes" \
		"${vd[@]}" --filename="$V" \
		--name=v --numjobs=2 --offset_increment=8M --rw=randwrite --bssplit=512/10:4k/60:64k/30 \
		--size=4M --iodepth=16 --verify=crc32c --verify_fatal=1 --end_fsync=1 \
		--name=t --offset=24M --size=4M --rw=randtrimwrite --bs=16k --iodepth=8 --fsync=8
fi

# ------------------------------------------- vDPA: one queue gives up
# Two jobs on the device, one queue each. The daemon is stopped for 4 s:
# job a (blk_stall_timeout=1) fails with ETIMEDOUT and frees its ring while
# job b and the device's monitor thread go on; once the daemon runs again,
# b finishes its runtime and verifies. The monitor must never read a ring
# whose memory is gone (a segfault of fio), and a stall of one queue must
# not fail the other.
if [ -n "$vdpa_ok" ]; then
	name="vhost-vdpa: one job's queue stalls out while the other runs on"
	rm -f "$work/stall.json"
	fio_bg "$V" "${eng[@]}" "${vd[@]}" --filename="$V" --output-format=json \
		--output="$work/stall.json" --time_based --runtime=12 --iodepth=4 --bs=4k \
		--name=a --offset=0 --size=4M --rw=randread --blk_stall_timeout=1 \
		--name=b --offset=8M --size=4M --rw=randwrite --verify=crc32c --verify_fatal=1
	start=$(date +%s)
	kill -STOP "${qsd_pid[hv]}"
	sleep 4
	kill -CONT "${qsd_pid[hv]}"
	bg_wait "$start" 90
	verdict=$(python3 -c '
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.index("\n{") + 1 if not t.startswith("{") else 0:])
print(" ".join("%s:%d" % (j["jobname"], j["error"]) for j in d["jobs"]))
' "$work/stall.json" 2>/dev/null)
	if [ -z "$bg_rc" ]; then
		t_fail "$name" "fio still running after 90 s; killed" "$(cat "$work/bg.out")"
	elif [ "$bg_rc" -ge 124 ] || [ "$bg_rc" -eq 0 ] || [ "$verdict" != "a:110 b:0" ] ||
		grep -q "closed the connection" "$work/bg.out"; then
		t_fail "$name" "exit $bg_rc, jobs: ${verdict:-no JSON}" "$(cat "$work/bg.out")" \
			"$(head -c 600 "$work/stall.json" 2>/dev/null)"
	else
		t_pass "$name (exit $bg_rc, jobs $verdict)"
	fi
fi

# ---------------------------------------------- NVMe soak, vDPA valgrind
# valgrind's start of fio alone takes about a minute under emulation: each
# engine's valgrind run (a few hundred I/Os) goes along with the other
# engine's soak.
vg_pid=
if [ -n "$vdpa_ok" ]; then
	mem_exec valgrind vgv "${vd[@]}" --name=vg --filename="$V" --rw=randwrite --bs=4k \
		--size=1M --iodepth=8 --verify=crc32c --verify_fatal=1 &
	vg_pid=$!
fi
soak NVMe "$NS" "/dev/nvme${NS#/dev/ng}" : "${nv[@]}"
if [ -n "$vg_pid" ]; then
	wait "$vg_pid"
	mem_judge valgrind vgv ok "vhost-vdpa verify, 512 I/Os"
fi

# Controller removed with I/O in flight (PCI remove): fio fails, no hang.
# Last of the NVMe faults; a PCI rescan brings the controller back.
pci=$(basename "$(readlink -f "/sys/class/nvme/$ctrl/device")")
name="controller removed during I/O (PCI remove of $pci)"
fio_bg "$NS" "${eng[@]}" "${nv[@]}" --name=r --filename="$NS" --rw=randrw --bs=4k \
	--size=16M --iodepth=16 --time_based --runtime=20
running=
[ -s "$work/bg.rc" ] || running=1
start=$(date +%s)
echo 1 >"/sys/bus/pci/devices/$pci/remove"
bg_wait "$start" 60
if [ -z "$running" ]; then
	t_fail "$name: fio was running at the removal" "$(cat "$work/bg.out")"
elif [ -z "$bg_rc" ]; then
	t_fail "$name: fio ends within 60 s" "still running; killed" "$(cat "$work/bg.out")"
elif [ "$bg_rc" -eq 0 ] || [ "$bg_rc" -ge 124 ]; then
	t_fail "$name: fio fails cleanly" "exit status $bg_rc" "$(cat "$work/bg.out")"
else
	t_pass "$name: fio failed $bg_secs s after it, exit $bg_rc: $(what_fio_said)"
fi
echo 1 >/sys/bus/pci/rescan
NS=
for _ in $(seq 100); do
	NS=$(ng_of 1) && [ -c "$NS" ] && break
	sleep 0.2
done
if [ -n "$NS" ] && run_fio out "${eng[@]}" "${nv[@]}" --name=again --filename="$NS" \
	--rw=randwrite --bs=4k --size=2M --iodepth=8 --verify=crc32c --verify_fatal=1 &&
	! grep -q 'err= *[1-9]' <<<"$out"; then
	t_pass "after a PCI rescan: a verify run on the new $NS works"
else
	t_fail "after a PCI rescan: a verify run works" "${NS:-no namespace 1}" "$out"
fi

# ---------------------------------------------- vDPA soak, NVMe valgrind
vg_pid=
if [ -n "$NS" ]; then
	mem_exec valgrind vgn "${nv[@]}" --name=vg --filename="$NS" --offset=32M --rw=randwrite \
		--bs=4k --size=1M --iodepth=8 --verify=crc32c --verify_fatal=1 &
	vg_pid=$!
fi
if [ -n "$vdpa_ok" ]; then
	# The backing file is read outside the engine once the daemon stopped.
	stop_hv() {
		unexport_dev hv
	}
	soak vhost-vdpa "$V" "$vimg" stop_hv "${vd[@]}"
fi
if [ -n "$vg_pid" ]; then
	wait "$vg_pid"
	mem_judge valgrind vgn ok "NVMe verify, 512 I/Os"
fi

echo "-- suite took $(secs_since "$suite_start") s"
t_end
