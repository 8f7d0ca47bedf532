#!/bin/bash
# virtio-blk-vfio-pci suite; runs inside the test VM that tests/vm/run-vfio.sh
# boots (q35, intel-iommu, the functions listed there). The suite hands the
# virtio-blk functions from virtio-pci to vfio-pci, drives them with fio
# through the engine, and checks the device side: MSI-X interrupts counted
# in /proc/interrupts, flushes and unmaps in QEMU's block statistics (QMP),
# the data read back through the kernel's own virtio-blk driver.
#
#   guest-vfio.sh KERNEL_DIR    KERNEL_DIR: the unpacked kernel (kernel.sh)
#
# With BLK_TEST_BUILDS (the mutants step: tab-separated "NAME BUILD CASE"
# lines) the suite runs once per module, narrowed to its case, its output
# after a line "== module NAME"; those runs' counts are left out.
set -uo pipefail

if [ -n "${BLK_TEST_BUILDS:-}" ]; then
	while IFS=$'\t' read -r name build case; do
		echo "== module $name"
		env -u BLK_TEST_COUNTS -u BLK_TEST_BUILDS BLKENGINE_BUILD="$build" \
			BLK_TEST_ONLY="$case" bash "$0" "$@" </dev/null
	done <"$BLK_TEST_BUILDS"
	exit 0
fi

. "$(dirname "$0")/../lib.sh"

t_begin "vfio-$(uname -r | cut -d. -f1,2)"

if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/vm/run-vfio.sh"
	t_end
	exit
fi
kdir=${1:-}
if [ ! -f "$blk_module" ]; then
	t_fail module "$blk_module missing: build first (scripts/bootstrap)"
	t_end
	exit
fi
for m in vfio vfio_iommu_type1 vfio-pci virtio_blk; do
	if ! modprobe -d "$kdir" "$m"; then
		t_fail modules "modprobe -d $kdir $m failed"
		t_end
		exit
	fi
done
ctl=/run/vfioctl
mkdir -p "$ctl"
if ! mountpoint -q "$ctl" && ! mount -t 9p -o trans=virtio,version=9p2000.L vfioctl "$ctl"; then
	t_fail "control share" "cannot mount the host's QMP request share"
	t_end
	exit
fi
udevadm settle >/dev/null 2>&1
engine=(--ioengine="external:$blk_module")
# TCG on a shared machine: a fio start alone can take half a minute.
export BLK_FIO_TIMEOUT=${BLK_FIO_TIMEOUT:-300}
# A case once stopped here with both vCPUs idle: show what waits.
t_watch_stuck 360
work=/tmp/vfio
mkdir -p "$work"

. "$(dirname "$0")/vfio-guest-lib.sh"
fn() { pci_behind_port "$1"; }
# The two functions behind the PCIe-to-PCI bridge (port 00:15.0).
behind_bridge() {
	local br
	br=$(ls -d /sys/bus/pci/devices/0000:00:15.0/0000:??:??.? | head -n1)
	basename "$(ls -d "$br"/0000:??:"$1".0 | head -n1)"
}
A=$(fn 10) B=$(fn 11) C=$(fn 12) D=$(fn 13) H=$(fn 14)
E=$(behind_bridge 01) R=$(behind_bridge 02)
echo "functions: A=$A B=$B C=$C D=$D H=$H E=$E R=$R"
# H is gone once the removal case ran (a batched run boots once).
for f in A B C D E R; do
	if [ -z "${!f}" ]; then
		t_fail "function $f present" "$(ls /sys/bus/pci/devices)"
		t_end
		exit
	fi
done

# qmp NAME JSON: runs a QMP command on the host; prints the reply.
qmp_seq=0
qmp() {
	local n deadline=$((SECONDS + 120))
	qmp_seq=$((qmp_seq + 1))
	n=$qmp_seq-$1
	printf '%s\n' "$2" >"$ctl/.req.tmp" && mv "$ctl/.req.tmp" "$ctl/req-$n.json"
	# A deadline, not a count of sleeps: on a loaded host each sleep of
	# the emulated guest lasts longer than asked, and the relay is slower.
	while [ $SECONDS -lt $deadline ]; do
		if [ -f "$ctl/resp-$n.json" ]; then
			cat "$ctl/resp-$n.json"
			rm -f "$ctl/resp-$n.json"
			return 0
		fi
		sleep 0.1
	done
	echo "no reply from the host in 120 s to $2" >&2
	return 1
}

# blockstat DEVID FIELD: QEMU's count of FIELD for the drive of -device DEVID.
blockstat() {
	qmp stats '{"execute":"query-blockstats"}' |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["return"]
for d in r:
    if d.get("qdev", "").endswith(sys.argv[1]) or d.get("device") == "d" + sys.argv[1].lower():
        print(d["stats"][sys.argv[2]]); break' "$1" "$2"
}

# The function's vfio MSI-X lines in /proc/interrupts exist while fio holds
# the device: sampled while it runs, the last sample kept in $work/irq. The
# loop forks nothing (bash reads the file, waits on a FIFO): on a loaded
# host a fork under TCG can take longer than the run being watched.
sample_msix() {	# sample_msix BDF PID
	local line all vec
	local -A last=()
	: >"$work/irq"
	: >"$work/irq_all"
	[ -p "$work/tick" ] || mkfifo "$work/tick"
	exec 9<>"$work/tick"
	while kill -0 "$2" 2>/dev/null; do
		all=
		while IFS= read -r line; do
			[[ $line == *vfio* ]] || continue
			all+=$line$'\n'
			[[ $line == *vfio-msix*"($1)"* ]] || continue
			# Each vector's latest line: as fio ends, the vectors go one
			# by one, and a sample then lacks those already gone.
			vec=${line#*vfio-msix[}
			last[${vec%%]*}]=$line
		done </proc/interrupts
		if [ ${#last[@]} -gt 0 ]; then
			for vec in "${!last[@]}"; do
				printf '%s\n' "${last[$vec]}"
			done >"$work/irq"
		fi
		[ -n "$all" ] && printf '%s' "$all" >"$work/irq_all"
		read -r -t 0.05 -u 9 line
	done
	exec 9<&-
}
# msix [VECTOR]: interrupts counted in the last sample, on one vector or all.
msix() {
	awk -v vec="${1:-}" '
		{
			if (vec != "" && !index($0, "vfio-msix[" vec "]")) next
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i
		}
		END { print n + 0 }' "$work/irq"
}
# irq_fio NAME BDF FIO_ARGS...: expect_ok with fio in the background while
# the MSI-X lines are sampled; ios: the I/Os fio issued.
irq_fio() {
	local name=$1 bdf=$2 pid rc
	shift 2
	echo "-- $(date +%T) $name"
	"$blk_fio" "${engine[@]}" "$@" >"$work/fio.out" 2>&1 &
	pid=$!
	sample_msix "$bdf" "$pid"
	wait "$pid"
	rc=$?
	last_out=$(cat "$work/fio.out")
	ios=$(sed -n 's/.*issued rwts: total=\([0-9]*\),\([0-9]*\),.*/\1 \2/p' <<<"$last_out" |
		awk '{n += $1 + $2} END {print n + 0}')
	if [ $rc = 0 ] && ! grep -q "err= *[1-9]" <<<"$last_out"; then
		t_pass "$name"
	else
		t_fail "$name" "exit $rc" "$last_out" "$(digest "$last_out")"
	fi
}

# digest OUTPUT: fio's error lines, shown last (a failure shows its tail).
digest() {
	echo "-- fio's errors:"
	grep -aE 'blkengine|error|err=|fio: |verify|signal|fault' <<<"$1" | grep -av '^ *$' | head -n 20
}

expect_ok() {
	local name=$1 out rc=0
	shift
	t_only "$name" || return 0
	echo "-- $(date +%T) $name"
	run_fio out "${engine[@]}" "$@" || rc=$?
	if [ $rc = 0 ] && ! grep -q "err= *[1-9]" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "$out" "fio exit status $rc" "$(digest "$out")"
	fi
	last_out=$out
}

expect_err() {
	local name=$1 re=$2 out
	shift 2
	t_only "$name" || return 0
	echo "-- $(date +%T) $name"
	if run_fio out "${engine[@]}" "$@"; then
		t_fail "$name" "fio succeeded; expected an error matching '$re'" "$out"
	elif grep -Eq "$re" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "no message matching '$re'" "$out" "$(digest "$out")"
	fi
}
last_out=

# --- Refusals before the hand-over
expect_err "bound to virtio-pci: says how to hand it to vfio-pci" \
	"bound to the virtio-pci driver.*driver_override.*drivers_probe" \
	--name=j --filename="$(esc "$A")" --thread=1 --rw=read --bs=4k --size=1M

for f in A B C D H; do
	[ -n "${!f}" ] || continue
	to_vfio "${!f}" || t_fail "bind $f (${!f}) to vfio-pci" "driver: $(driver_of "${!f}")"
done
Af=$(esc "$A")
common=(--name=j --filename="$Af" --thread=1 --direct=1)

# --- Data: verify over block sizes and queue depths (A, split ring). A fio
# start costs seconds under TCG: the jobs run one after another in one fio.
expect_ok "verify crc32c: 4k qd1, 4k/64k/1m qd16, 8k randrw qd128; sysfs path + blk_engine" \
	--thread=1 --direct=1 --verify=crc32c --verify_fatal=1 \
	--name=qd1 --filename="$Af" --rw=randwrite --bs=4k --iodepth=1 --size=512k \
	--name=qd16 --filename="$Af" --stonewall --rw=randwrite --bssplit=4k/50:64k/30:1m/20 \
	--iodepth=16 --size=3M --offset=8M --randseed=11 \
	--name=qd128 --filename="$Af" --stonewall --rw=randrw --bs=8k --iodepth=128 --size=1M \
	--offset=16M \
	--name=sysfs --stonewall --filename="$(esc "/sys/bus/pci/devices/$A")" \
	--blk_engine=virtio-blk-vfio-pci --rw=read --bs=64k --size=1M --iodepth=4 --verify=0

# --- Interrupts: counted on the device's MSI-X vectors. blk_wait_mode=eventfd
# sleeps on the vector whenever a completion is not yet there once the ring
# is armed again. How many reads that is depends on the emulator's timing
# (from one in seven to three in four in the runs here), so the count is
# only held to a floor: without the vectors wired there is none at all.
if t_only "interrupts: MSI-X interrupts signal completions"; then
	irq_fio "interrupts: qd1 reads, blk_wait_mode=eventfd" "$A" "${common[@]}" --rw=randread \
		--bs=4k --iodepth=1 --size=4M --time_based=1 --runtime=2 --blk_wait_mode=eventfd
	irq=$(msix)
	if [ "$ios" -ge 50 ] && [ "$irq" -ge 10 ]; then
		t_pass "interrupts: $irq MSI-X interrupts seen for $ios reads"
	else
		t_fail "interrupts: MSI-X interrupts signal completions" "$irq seen for $ios reads" \
			"$(cat "$work/irq")" "all vfio lines seen last:" "$(cat "$work/irq_all")" "$last_out"
	fi
fi
# hipri=1 waits by spinning on the used ring for a budget, then on the
# vector. Whether that saves interrupts here depends on how long the
# emulated device takes (nothing when reads outlast the budget), so this
# case checks only the data written and read back under hipri=1. The wait
# loop is the transport's common one (engines/vblk_wait.c); its polling is
# observed by the vhost-user suite, as poll() calls per I/O.
if t_only "hipri=1 at QD1: writes read back and verified"; then
	expect_ok "hipri=1 at QD1: writes read back and verified" "${common[@]}" --rw=randwrite --bs=4k \
		--iodepth=1 --size=1M --offset=56M --hipri=1 --verify=crc32c --verify_fatal=1
fi

# --- Two jobs, one queue each (the device's two vectors both fire)
if t_only "numjobs=2: both queues' vectors fired"; then
	irq_fio "numjobs=2 thread=1: one queue per job, verify" "$A" "${common[@]}" \
		--rw=randwrite --bs=4k --iodepth=8 --numjobs=2 --size=2M --offset=24M \
		--offset_increment=4M --verify=crc32c --verify_fatal=1 --group_reporting=1 \
		--blk_wait_mode=eventfd
	d0=$(msix 0) d1=$(msix 1)
	if [ "$d0" -gt 0 ] && [ "$d1" -gt 0 ]; then
		t_pass "numjobs=2: both queues' vectors fired ($d0, $d1)"
	else
		t_fail "numjobs=2: both queues' vectors fired" "vector 0: $d0, vector 1: $d1" \
			"$(cat "$work/irq")"
	fi
fi

# --- The IOMMU driver's mapping limit (vfio_iommu_type1 dma_entry_limit, read
# when a container opens): two jobs need four mappings (ring, buffers).
if t_only "dma_entry_limit"; then
	lim=/sys/module/vfio_iommu_type1/parameters/dma_entry_limit
	old=$(cat "$lim")
	echo 3 >"$lim"
	expect_err "dma_entry_limit=3: the fourth mapping is refused by name" \
		"allows 3 DMA mappings and they are taken.*dma_entry_limit" \
		"${common[@]}" --rw=randread --bs=4k --iodepth=4 --numjobs=2 --size=1M
	echo "$old" >"$lim"
fi

# --- Flush and FUA, counted by QEMU (query-blockstats flush_operations)
flushed() {	# flushed NAME MIN MAX FIO_ARGS...: flushes QEMU saw for the run
	local name=$1 min=$2 max=$3 f0 f1 n
	shift 3
	t_only "$name" || return 0
	f0=$(blockstat A flush_operations)
	expect_ok "$name" "$@"
	f1=$(blockstat A flush_operations)
	if [ -z "$f0" ] || [ -z "$f1" ]; then
		t_fail "$name: flushes counted" "query-blockstats gave '$f0' / '$f1'"
		return
	fi
	n=$((f1 - f0))
	if [ "$n" -ge "$min" ] && [ "$n" -le "$max" ]; then
		t_pass "$name: QEMU counted $n flushes"
	else
		t_fail "$name: QEMU counted flushes in [$min, $max]" "$n" "$last_out"
	fi
}
# One fio for both: fsync=4 over 256 writes (64 flushes), then writefua=1
# over 128 (a flush after each, 128): either one missing stays under 180.
flushed "fsync=4 and writefua=1 send flushes" 180 1000 --filename="$Af" --thread=1 --direct=1 \
	--iodepth=1 --rw=randwrite --bs=4k \
	--name=fsync --size=1M --offset=32M --fsync=4 \
	--name=fua --stonewall --size=512k --offset=34M --writefua=1 --verify=crc32c --verify_fatal=1

# --- Discard and write zeroes: ranges filled with a pattern, then trimmed
# and zeroed; the kernel driver reads them back below.
# and x writes what the kernel driver verifies below. No fsync, no
# writefua: QEMU sees no flush.
xjob=(--name=x --rw=randwrite --bs=4k --size=2M --offset=48M --verify=crc32c --verify_fatal=1
	--randseed=4242)
flushed "trim, write zeroes, writes without fsync or writefua: no flush" 0 2 \
	--thread=1 --direct=1 --filename="$Af" --iodepth=4 \
	--name=fill --rw=write --bs=64k --offset=40M --size=8M --buffer_pattern=0xa5 \
	--name=trim --stonewall --rw=trim --bs=64k --offset=40M --size=2M \
	--name=zeroes --stonewall --rw=write --bs=128k --offset=44M --size=2M --write_mode=zeroes \
	"${xjob[@]}" --stonewall --do_verify=0

# --- B offers packed rings (packed=on): blk_ring=packed and blk_ring=split,
# the layout read from the device. QEMU reports the features the driver
# acked (x-query-virtio-status) while the device runs; a reset clears them,
# so they are sampled while fio runs: a verify pass, then reads that go on
# until two samples saw the device running (a QMP round trip from the guest
# can take many seconds under load), then fio is stopped with SIGINT.
sample_features() {	# sample_features DEVID PID: a line per sample
	local ok=0 deadline=$((SECONDS + 150))
	: >"$work/feat"
	while kill -0 "$2" 2>/dev/null && [ $ok -lt 2 ] && [ $SECONDS -lt $deadline ]; do
		qmp vst "{\"execute\":\"x-query-virtio-status\",\"arguments\":{\"path\":\"/machine/peripheral/$1/virtio-backend\"}}" |
			python3 -c 'import json, sys
r = json.load(sys.stdin)
if "error" in r:
    print("error: " + r["error"].get("desc", "?"))
elif any(s.startswith("VIRTIO_CONFIG_S_DRIVER_OK") for s in r["return"]["status"]["statuses"]):
    t = r["return"]["guest-features"]["transports"]
    print("packed" if any(f.startswith("VIRTIO_F_RING_PACKED") for f in t) else "split")
else:
    print("not running: " + " ".join(r["return"]["status"]["statuses"]))' \
			>>"$work/feat" 2>&1
		ok=$(grep -cE '^(packed|split)$' "$work/feat")
	done
	kill -INT "$2" 2>/dev/null
}
ring_case() {	# ring_case LAYOUT
	local name="blk_ring=$1 on a packed=on device: verify, the device runs $1 rings" pid rc seen
	t_only "$name" || return 0
	echo "-- $(date +%T) $name"
	"$blk_fio" "${engine[@]}" --filename="$(esc "$B")" --thread=1 --direct=1 --blk_ring="$1" \
		--name=v --rw=randwrite --bssplit=4k/50:128k/50 --iodepth=16 --size=4M \
		--verify=crc32c --verify_fatal=1 \
		--name=r --stonewall --rw=randread --bs=4k --iodepth=4 --size=4M --time_based=1 \
		--runtime=180 >"$work/fio.out" 2>&1 &
	pid=$!
	sample_features B "$pid"
	wait "$pid"
	rc=$?
	seen=$(grep -E '^(packed|split)$' "$work/feat" | sort | uniq -c | tr '\n' ' ')
	# 128: fio stopped by the sampler's SIGINT, every job ended cleanly.
	if { [ $rc != 0 ] && [ $rc != 128 ]; } || grep -q "err= *[1-9]" "$work/fio.out" ||
		[ "$(grep -c "err= *0" "$work/fio.out")" != 2 ]; then
		t_fail "$name" "fio exit $rc" "$(cat "$work/fio.out")" "$(digest "$(cat "$work/fio.out")")"
	elif [ -n "$seen" ] && ! grep -Eqv "^$1\$|^\$|^not running" "$work/feat"; then
		t_pass "$name (QEMU's samples: $seen)"
	else
		t_fail "$name" "QEMU's samples of the acked features while DRIVER_OK: '${seen:-none}'" \
			"$(sort "$work/feat" | uniq -c)"
	fi
}
ring_case packed
ring_case split

# --- C: read-only
expect_err "read-only device written to" "read-only" --name=j --filename="$(esc "$C")" \
	--thread=1 --rw=randwrite --bs=4k --size=1M

# --- Refusals
expect_err "no iommu_platform: refused, the device would bypass the IOMMU" \
	"VIRTIO_F_ACCESS_PLATFORM.*iommu_platform=on" \
	--name=j --filename="$(esc "$D")" --thread=1 --rw=read --bs=4k --size=1M

if t_only "second fio process"; then
	"$blk_fio" "${engine[@]}" "${common[@]}" --rw=randread --bs=4k --size=8M \
		--time_based=1 --runtime=20 >"$work/bg.log" 2>&1 &
	bgpid=$!
	grp=$(basename "$(readlink "/sys/bus/pci/devices/$A/iommu_group")")
	for i in $(seq 100); do
		ls -l /proc/"$bgpid"/fd 2>/dev/null | grep -q "/dev/vfio/$grp" && break
		sleep 0.2
	done
	expect_err "second fio process: the group is in use" "/dev/vfio/$grp is in use by another process" \
		"${common[@]}" --rw=read --bs=4k --size=1M
	kill "$bgpid" 2>/dev/null
	wait "$bgpid"
fi

if t_only "no access"; then
	grp=$(basename "$(readlink "/sys/bus/pci/devices/$A/iommu_group")")
	if command -v setpriv >/dev/null; then
		out=$(cd /tmp && timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$blk_fio" "${engine[@]}" "${common[@]}" --rw=read --bs=4k --size=1M 2>&1)
		if grep -q "no access to /dev/vfio/$grp.*chown" <<<"$out"; then
			t_pass "no access to /dev/vfio/N: says so"
		else
			t_fail "no access to /dev/vfio/N: says so" "$out"
		fi
	else
		t_fail "no access to /dev/vfio/N" "setpriv (util-linux) missing"
	fi
fi

# E and the rng share an IOMMU group behind the PCIe-to-PCI bridge.
if t_only "group"; then
	to_vfio "$E" || t_fail "bind E to vfio-pci" "driver: $(driver_of "$E")"
	expect_err "group not viable: names the other device and its driver" \
		"group [0-9]+ of $E is not viable.*$R \(driver virtio-pci\)" \
		--name=j --filename="$(esc "$E")" --blk_engine=virtio-blk-vfio-pci --thread=1 \
		--rw=read --bs=4k --size=1M
	to_vfio "$R" || t_fail "bind the rng to vfio-pci" "driver: $(driver_of "$R")"
	expect_err "not a virtio-blk function (virtio-rng)" "$R is 1af4:1044, not a virtio-blk function" \
		--name=j --filename="$(esc "$R")" --thread=1 --rw=read --bs=4k --size=1M
	expect_ok "group viable once both are vfio-pci's" --name=j --filename="$(esc "$E")" \
		--thread=1 --rw=randread --bs=4k --size=1M --iodepth=4
fi

# --- H: unplugged (QMP device_del) while fio runs: fio fails, nothing hangs
if t_only "device removed mid-run: fio fails" && [ -z "$H" ]; then
	t_fail "device removed mid-run: fio fails" "function H is gone already (removed earlier in this boot)"
elif t_only "device removed mid-run: fio fails"; then
	"$blk_fio" "${engine[@]}" --name=j --filename="$(esc "$H")" --thread=1 --rw=randrw \
		--bs=4k --iodepth=8 --size=32M --time_based=1 --runtime=90 >"$work/hot.log" 2>&1 &
	hotpid=$!
	grp=$(basename "$(readlink "/sys/bus/pci/devices/$H/iommu_group")")
	for i in $(seq 100); do
		ls -l /proc/"$hotpid"/fd 2>/dev/null | grep -q "/dev/vfio/$grp" && break
		sleep 0.2
	done
	sleep 2
	qmp del '{"execute":"device_del","arguments":{"id":"H"}}' >"$work/del.json"
	start=$(date +%s)
	while kill -0 "$hotpid" 2>/dev/null && [ $(($(date +%s) - start)) -lt 60 ]; do
		sleep 0.5
	done
	took=$(($(date +%s) - start))
	if kill -0 "$hotpid" 2>/dev/null; then
		kill -9 "$hotpid"
		t_fail "device removed mid-run: fio fails within 60s" "still running after 60s" "$(cat "$work/hot.log")"
	else
		wait "$hotpid"
		rc=$?
		if [ "$rc" -ne 0 ] && grep -q "asks for the device back\|no longer answers" "$work/hot.log"; then
			t_pass "device removed mid-run: fio fails in ${took}s"
		else
			t_fail "device removed mid-run: fio fails saying why" "exit $rc after ${took}s" \
				"$(cat "$work/del.json")" "$(tail -n 30 "$work/hot.log")"
		fi
	fi
	for i in $(seq 40); do
		[ -e "/sys/bus/pci/devices/$H" ] || break
		sleep 0.5
	done
	if [ -e "/sys/bus/pci/devices/$H" ]; then
		t_fail "device removed mid-run: the kernel let the function go" "$H still present"
	else
		t_pass "device removed mid-run: the kernel let the function go"
	fi
fi

# --- A back to the kernel's virtio-blk: what the engine wrote, the kernel reads
if t_only "kernel driver"; then
	if vd=$(to_kernel "$A"); then
		echo "A is $vd under virtio_blk"
		if run_fio out --ioengine=psync --filename="$vd" "${xjob[@]}" --verify_only=1; then
			t_pass "kernel driver: verifies what was written through vfio"
		else
			t_fail "kernel driver: verifies what was written through vfio" "$out"
		fi
		zero_range() {
			[ "$(dd if="$vd" bs=1M skip="$1" count=2 iflag=direct 2>/dev/null | tr -d '\0' | wc -c)" = 0 ]
		}
		nonzero=$(dd if="$vd" bs=1M skip=40 count=2 iflag=direct 2>/dev/null | tr -d '\0' | wc -c)
		if zero_range 40 && ! zero_range 42; then
			t_pass "kernel driver: the trimmed range reads back as zeroes"
		else
			t_fail "kernel driver: the trimmed range reads back as zeroes (the fill after it does not)" \
				"$nonzero non-zero bytes in the trimmed range"
		fi
		if zero_range 44 && ! zero_range 46; then
			t_pass "kernel driver: the write-zeroes range reads back as zeroes"
		else
			t_fail "kernel driver: the write-zeroes range reads back as zeroes" \
				"$(dd if="$vd" bs=1M skip=44 count=2 2>/dev/null | od -A d -t x1 | head -n 4)"
		fi
	else
		t_fail "kernel driver: A back to virtio-pci" "no /dev/vd* for $A"
	fi
fi

t_end
