#!/bin/bash
# NVMe suite of the nvme-passthru-uring engine; runs inside the test VM
# (tests/vm/run.sh boots it) against QEMU's emulated NVMe controller.
#
#   run-nvme.sh          full suite; namespaces as tests/vm/run.sh makes them:
#                        1: 512   2: 4096   3: 512+8 PI type 1 (separate)
#                        4: 4096+64 extended LBA   5: read-only   6: blkdebug
#                        7: 512+16 PI type 1, 64-bit guard (separate)
#   run-nvme.sh --smoke  short pass for an older kernel (namespaces 1 and 2,
#                        no poll queues)
#
# BLK_TEST_ONLY=ERE runs only the cases whose names match (a quick check of
# one feature); BLKENGINE_BUILD names the build whose module is tested
# (tests/lib.sh). Features that fio does not report (FUA, flushes, Write
# Zeroes, DSM, the split above MDTS) are observed on the wire: the guest
# kernel's nvme:nvme_setup_cmd trace event shows every command the driver
# sends, passthrough ones included.
set -uo pipefail

. "$(dirname "$0")/../lib.sh"
t_watch_stuck 240

mode=${1:-full}
suffix=
[ "$mode" = --smoke ] && suffix=-smoke
t_begin "nvme-$(uname -r | cut -d. -f1,2)$suffix"

if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/vm/run.sh"
	t_end
	exit
fi
if [ ! -f "$blk_module" ]; then
	t_fail module "$blk_module missing: build first (scripts/bootstrap)"
	t_end
	exit
fi

. "$(dirname "$0")/guest-nvme.sh"

NS512=$(ng_of 1)
NS4K=$(ng_of 2)
if [ "$mode" = full ]; then
	NSPI=$(ng_of 3)
	NSEXT=$(ng_of 4)
	NSRO=$(ng_of 5)
	NSBAD=$(ng_of 6)
	NSPI64=$(ng_of 7)
fi

# only NAME...: whether any of the cases NAME runs under BLK_TEST_ONLY.
only() {
	local n
	[ -z "${BLK_TEST_ONLY:-}" ] && return 0
	# bash's own match (tests/lib.sh): a grep per name costs a second in the emulator
	for n; do
		t_only "$n" && return 0
	done
	return 1
}

# ---- the guest kernel's NVMe command trace ----
tracefs=/sys/kernel/tracing
trace_out=/tmp/nvme-trace.txt
trace_ok=
mountpoint -q "$tracefs" || mount -t tracefs nodev "$tracefs" 2>/dev/null
[ -f "$tracefs/events/nvme/nvme_setup_cmd/enable" ] && trace_ok=1
# Room for every command of the longest traced job, per CPU.
[ -n "$trace_ok" ] && echo 8192 >"$tracefs/buffer_size_kb"

# need_trace NAME: the cases that observe the wire fail, not pass, when
# the trace is missing.
need_trace() {
	[ -n "$trace_ok" ] && return 0
	t_fail "$1" "no nvme:nvme_setup_cmd trace event in $tracefs (tracefs or the nvme module's events missing)"
	return 1
}

trace_start() {
	echo 0 >"$tracefs/tracing_on"
	: >"$tracefs/trace"
	echo 1 >"$tracefs/events/nvme/nvme_setup_cmd/enable"
	echo 1 >"$tracefs/tracing_on"
}

# trace_stop: keeps the trace in $trace_out; fails when events were lost.
trace_stop() {
	local inbuf written
	echo 0 >"$tracefs/tracing_on"
	echo 0 >"$tracefs/events/nvme/nvme_setup_cmd/enable"
	cat "$tracefs/trace" >"$trace_out"
	read -r inbuf written < <(sed -n 's#.*entries-in-buffer/entries-written: \([0-9]*\)/\([0-9]*\).*#\1 \2#p' "$trace_out")
	[ -n "$inbuf" ] && [ "$inbuf" = "$written" ]
}

# cmds NSID OP: the "cmd=(OP ...)" part of each traced command OP (e.g.
# nvme_cmd_write; the kernel prints names, or the opcode in hex when it
# has none) sent to namespace NSID.
cmds() {
	grep -F " nsid=$1, " "$trace_out" | grep -o "cmd=($2 [^)]*)"
}
ncmds() {
	cmds "$@" | wc -l
}
# with_ctrl NSID OP BIT: how many of those have bit BIT of the control
# field (the upper half of CDW12: FUA is bit 14, DEAC bit 9).
with_ctrl() {
	local c n=0
	while read -r c; do
		(((16#$c >> $3) & 1)) && n=$((n + 1))
	done < <(cmds "$1" "$2" | sed -n 's/.*ctrl=0x\([0-9a-f]*\).*/\1/p')
	echo $n
}
# blocks NSID OP: each command's block count (len is 0-based), one a line.
blocks() {
	cmds "$1" "$2" | sed -n 's/.* len=\([0-9]*\),.*/\1/p' | while read -r l; do echo $((l + 1)); done
}

# traced NAME FIO-ARGS...: blk NAME ok with the command trace on; the
# trace is in $trace_out afterwards.
traced() {
	local name=$1 rc
	shift
	trace_start
	blk "$name" ok "$@"
	rc=$?
	if ! trace_stop; then
		t_fail "$name" "the kernel's trace buffer lost events: $(grep -m1 entries-written "$trace_out")"
		return 1
	fi
	return $rc
}

# oncs DEV: the controller's ONCS behind /dev/ngXnY, read with an Identify
# Controller admin command of its own (not through the engine or fio).
oncs() {
	local ctrl=${1#/dev/ng}
	python3 - "/dev/nvme${ctrl%%n*}" <<'PY'
import ctypes, fcntl, os, struct, sys
# struct nvme_passthru_cmd (linux/nvme_ioctl.h), 72 bytes
NVME_IOCTL_ADMIN_CMD = 0xC0484E41
buf = ctypes.create_string_buffer(4096)
cmd = bytearray(struct.pack('=BBHIIIQQII6III', 0x06, 0, 0, 0, 0, 0, 0,
                            ctypes.addressof(buf), 0, 4096, 1, 0, 0, 0, 0, 0, 0, 0))
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd)
os.close(fd)
print(struct.unpack_from('<H', buf.raw, 520)[0])
PY
}

ours=(--ioengine="external:$blk_module")
builtin=(--ioengine=io_uring_cmd --cmd_type=nvme)
common=(--thread=1 --iodepth=16 --group_reporting=1)

# blk NAME EXPECT FIO-ARGS...: EXPECT is ok (exit 0, no error) or fail
# (non-zero exit); $out holds fio's output afterwards.
out=
blk() {
	local name=$1 expect=$2 rc
	shift 2
	run_fio out --name=t "${common[@]}" "$@"
	rc=$?
	case $expect in
	ok)
		if [ $rc -eq 0 ] && ! grep -q 'err= *[1-9]' <<<"$out"; then
			return 0
		fi
		t_fail "$name" "exit status $rc" "$out"
		return 1
		;;
	fail)
		if [ $rc -ne 0 ]; then
			return 0
		fi
		t_fail "$name" "fio succeeded; an error was expected" "$out"
		return 1
		;;
	esac
}

# expect_text NAME REGEX: after a blk ... fail, the output must say REGEX.
expect_text() {
	if grep -Eq "$2" <<<"$out"; then
		t_pass "$1"
	else
		t_fail "$1" "output lacks /$2/" "$out"
	fi
}

check_ok() {
	local name=$1
	shift
	blk "$name" ok "$@" && t_pass "$name"
}

check_ok_only() {
	only "$1" || return 0
	check_ok "$@"
}

bssplit_512=4k/40:8k/25:16k/15:64k/10:512/5:1536/5
verify=(--rw=randwrite --size=8m --verify=crc32c --do_verify=1)

optsets=(plain plainfd fixedbufs vectored hipri sqpoll)
optargs() {
	case $1 in
	plain) ;;
	plainfd) echo --registerfiles=0 ;;
	fixedbufs) echo --fixedbufs=1 ;;
	vectored) echo --nonvectored=0 ;;
	hipri) echo --hipri=1 ;;
	sqpoll) echo --sqthread_poll=1 ;;
	esac
}

# ---- randwrite + verify, every format x every option set ----
if [ "$mode" = full ]; then
	formats=(512 4096 pi1 pi1-host pi64 pi64-host ext4160)
else
	# The older kernel's own paths: io_uring's registered and fixed
	# buffers; the other option sets differ only in this engine.
	formats=(512 4096)
	optsets=(plain fixedbufs)
fi
for fmt in "${formats[@]}"; do
	case $fmt in
	512) args=(--filename="$NS512" --bssplit="$bssplit_512") ;;
	4096) args=(--filename="$NS4K" --bssplit=4k/50:8k/25:16k/15:64k/10) ;;
	pi1) args=(--filename="$NSPI" --bssplit="$bssplit_512" --pi_act=1 --pi_chk=GUARD,REFTAG,APPTAG) ;;
	pi1-host) args=(--filename="$NSPI" --bssplit="$bssplit_512" --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG
			--md_per_io_size=1024) ;;
	# 64-bit guard: with pi_act=1 the controller inserts and strips the
	# whole 16 bytes; with pi_act=0 the engine computes the CRC-64 and the
	# 48-bit reference tag, and the controller checks them on every write.
	pi64) args=(--filename="$NSPI64" --bssplit="$bssplit_512" --pi_act=1 --pi_chk=GUARD,REFTAG,APPTAG) ;;
	pi64-host) args=(--filename="$NSPI64" --bssplit="$bssplit_512" --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG
			--md_per_io_size=2048) ;;
	ext4160) args=(--filename="$NSEXT" --bssplit=4160/50:8320/30:16640/20) ;;
	esac
	for os in "${optsets[@]}"; do
		case $fmt in pi1-host | pi64*) [ "$os" != plain ] && [ "$os" != fixedbufs ] && continue ;; esac
		only "verify $fmt $os" || continue
		# shellcheck disable=SC2046
		check_ok "verify $fmt $os" "${ours[@]}" "${args[@]}" "${verify[@]}" $(optargs "$os")
	done
done

# ---- SQPOLL: the thread takes the entries before liburing looks ----
# io_uring_submit() on an SQPOLL ring returns the entries the thread has not
# taken yet, which is none when it ran between liburing's store of the tail
# and its read of the head. Rare by itself (a CI run hung on it once); the
# preload makes every submit go that way and reports how often it did.
sq_preload=$blk_build/tests/preload/.libs/sq_taken_early.so
[ "$mode" = full ] || sq_preload=
for qd in ${sq_preload:+1 16}; do
	name="sqpoll QD$qd: the SQ thread took every entry before liburing read its head, verified"
	only "$name" || continue
	if [ ! -f "$sq_preload" ]; then
		t_fail "$name" "$sq_preload missing: build first (scripts/bootstrap)"
		continue
	fi
	LD_PRELOAD=$sq_preload BLK_FIO_TIMEOUT=60 blk "$name" ok "${ours[@]}" --filename="$NS512" \
		--rw=randwrite --bs=4k --size=2m --verify=crc32c --do_verify=1 --iodepth=$qd \
		--sqthread_poll=1 || continue
	changed=$(awk '/^sq-taken-early: [0-9]+ /{ n += $2 } END { print n + 0 }' <<<"$out")
	if [ "$changed" -gt 0 ]; then
		t_pass "$name"
	else
		t_fail "$name" "the preload changed no io_uring_submit() call (not loaded, or no SQPOLL ring)" "$out"
	fi
done

# Vectored commands on fixed buffers: either they work or start-up says why.
if only "verify 512 fixedbufs+vectored" "fixedbufs+vectored refused once at start-up"; then
run_fio out --name=t "${common[@]}" "${ours[@]}" --filename="$NS512" "${verify[@]}" \
	--bs=4k --fixedbufs=1 --nonvectored=0
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'err= *[1-9]' <<<"$out"; then
	t_pass "verify 512 fixedbufs+vectored"
elif [ $rc -ne 0 ] && grep -q 'refused a vectored command' <<<"$out" &&
	[ "$(grep -c 'refused a vectored' <<<"$out")" -eq 1 ]; then
	t_pass "fixedbufs+vectored refused once at start-up"
else
	t_fail "fixedbufs+vectored" "exit status $rc" "$out"
fi
fi

# ---- cross-checks with fio's own io_uring_cmd engine ----
cross_formats=(512 4096)
[ "$mode" = full ] || cross_formats=(512)
for fmt in "${cross_formats[@]}"; do
	only "ours writes, io_uring_cmd verifies ($fmt)" "io_uring_cmd writes, ours verifies ($fmt)" ||
		continue
	dev=$NS512
	[ $fmt = 4096 ] && dev=$NS4K
	x=(--filename="$dev" --rw=randwrite --bs=4k --size=4m --verify=crc32c --randseed=4242)
	if blk "ours writes ($fmt)" ok "${ours[@]}" "${x[@]}" --do_verify=0 &&
		blk "builtin verifies ($fmt)" ok "${builtin[@]}" "${x[@]}" --verify_only=1; then
		if grep -q 'read:' <<<"$out"; then
			t_pass "ours writes, io_uring_cmd verifies ($fmt)"
		else
			t_fail "ours writes, io_uring_cmd verifies ($fmt)" "no reads done" "$out"
		fi
	fi
	x=(--filename="$dev" --rw=randwrite --bs=8k --size=4m --verify=md5 --randseed=777)
	if blk "builtin writes ($fmt)" ok "${builtin[@]}" "${x[@]}" --do_verify=0 &&
		blk "ours verifies ($fmt)" ok "${ours[@]}" "${x[@]}" --verify_only=1; then
		if grep -q 'read:' <<<"$out"; then
			t_pass "io_uring_cmd writes, ours verifies ($fmt)"
		else
			t_fail "io_uring_cmd writes, ours verifies ($fmt)" "no reads done" "$out"
		fi
	fi
done

# Reads are really checked: the same blocks read back with another verify
# type must fail (the headers say md5, the job expects crc32c).
only "verify_only with the wrong verify type fails" &&
blk "verify type mismatch" fail "${ours[@]}" --filename="$NS4K" --rw=randwrite --bs=8k \
	--size=4m --verify=crc32c --randseed=777 --verify_only=1 &&
	expect_text "verify_only with the wrong verify type fails" 'verify type mismatch|bad header|crc32c'

# ---- iodepth=1: each I/O submitted, waited for and completed in queue() ----
# One io_uring_enter per I/O (submit and wait together) where the queued
# path takes two (commit's submit, getevents' wait), counted by strace; fio's
# latencies still add up (slat + clat = lat) and clat holds the device's
# time, so the issue time is stamped before that enter.
name="QD1: one io_uring_enter per I/O, slat + clat = lat"
if only "$name"; then
	st=/tmp/qd1-strace.txt
	json=/tmp/qd1.json
	# 512 writes and 512 verify reads of 4 KiB
	timeout --kill-after=10 120 strace -f -c -o "$st" -e trace=io_uring_enter \
		"$blk_fio" --name=t --thread=1 "${ours[@]}" --filename="$NS512" --rw=randwrite \
		--bs=4k --size=2m --iodepth=1 --verify=crc32c --do_verify=1 --output-format=json \
		>"$json" 2>/tmp/qd1.err
	rc=$?
	enters=$(awk '$NF == "io_uring_enter" { print $4 }' "$st")
	why=$(python3 "$blk_top/tests/fio_latencies.py" "$json" --ios 512 --clat-above-slat --submit-one)
	if [ $rc -eq 0 ] && [ -n "$enters" ] && [ "$enters" -ge 1024 ] && [ "$enters" -le 1100 ] && [ -z "$why" ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; ${enters:-no} io_uring_enter calls for 1024 I/Os (1024-1100 expected)${why:+; $why}" \
			"$(cat /tmp/qd1.err)" "$(cat "$st")"
	fi
fi
# Deeper queues: commit() leaves the submission to the getevents() that
# follows, whose enter submits the burst and waits (strace shows each
# enter's to_submit and min_complete). A paced job (rate_iops) keeps the
# plain way: commit() submits alone, getevents() waits alone.
# enter_kinds FILE: "both alone-submit alone-wait" counts of the enters in FILE.
enter_kinds() {
	awk -F'[(,)]' '/io_uring_enter\(/ { s = $3 + 0; w = $4 + 0
		if (s > 0 && w > 0) b++; else if (s > 0) so++; else if (w > 0) wo++ }
		END { print b + 0, so + 0, wo + 0 }' "$1"
}
name="QD16: the burst is submitted by the enter that waits; a paced job submits on commit"
if only "$name"; then
	st=/tmp/qd16-strace.txt
	x=(--name=t --thread=1 "${ours[@]}" --filename="$NS512" --rw=randrw --bs=4k --size=4m
		--iodepth=16 --verify=crc32c --do_verify=1)
	timeout --kill-after=10 120 strace -f -o "$st" -e trace=io_uring_enter \
		"$blk_fio" "${x[@]}" --output-format=json >/tmp/qd16.json 2>/tmp/qd16.err
	rc=$?
	read -r both sub wait < <(enter_kinds "$st")
	timeout --kill-after=10 120 strace -f -o "$st.paced" -e trace=io_uring_enter \
		"$blk_fio" "${x[@]}" --rate_iops=4000 >/tmp/qd16p.out 2>&1
	prc=$?
	read -r pboth psub pwait < <(enter_kinds "$st.paced")
	why=$(python3 "$blk_top/tests/fio_latencies.py" /tmp/qd16.json)
	if [ $rc -eq 0 ] && [ $prc -eq 0 ] && [ "$both" -gt 0 ] && [ "$sub" -eq 0 ] &&
		[ "$psub" -ge 100 ] && [ -z "$why" ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc (paced $prc); enters submitting and waiting / submitting only / waiting only: $both / $sub / $wait (want >0 / 0 / any), paced $pboth / $psub / $pwait (want the start-up probes / 100 or more / any)${why:+; $why}" \
			"$(cat /tmp/qd16.err)" "$(head -5 "$st")"
	fi
fi
for os in "${optsets[@]}"; do
	only "verify QD1 512 $os" || continue
	# shellcheck disable=SC2046
	check_ok "verify QD1 512 $os" "${ours[@]}" --filename="$NS512" --bssplit="$bssplit_512" \
		"${verify[@]}" --iodepth=1 $(optargs "$os")
done
# Several commands per I/O (above MDTS): the I/O completes with its last.
check_ok_only "verify QD1 bs=1m split" "${ours[@]}" --filename="$NS4K" --rw=randwrite --bs=1m \
	--size=8m --verify=crc32c --iodepth=1
if [ "$mode" = full ]; then
	check_ok_only "verify QD1 pi1-host" "${ours[@]}" --filename="$NSPI" --bssplit="$bssplit_512" \
		--pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG --md_per_io_size=1024 "${verify[@]}" --iodepth=1
	check_ok_only "verify QD1 ext4160" "${ours[@]}" --filename="$NSEXT" \
		--bssplit=4160/50:8320/30:16640/20 "${verify[@]}" --iodepth=1
fi

# ---- transfers above MDTS (QEMU: 512 KiB) and the queue's segments ----
# split_blocks ALIGNED|OFFSET: the most 4096-byte blocks one command to
# namespace 2 can carry, from the guest kernel's own limits: MDTS as
# max_hw_sectors_kb, and one page per segment, less one for buffers that
# start inside a page (the pages of a user buffer need not be physically
# contiguous; Linux 6.1 takes 127 segments, 6.12 128).
split_blocks() {
	local q hw segs
	q=/sys/block/$(basename "$(blk_of 2)")/queue
	hw=$(($(cat "$q/max_hw_sectors_kb") / 4))
	segs=$(cat "$q/max_segments")
	[ "$1" = aligned ] || segs=$((segs - 1))
	echo $((hw < segs ? hw : segs))
}
# split_case NAME ALIGNED|OFFSET FIO-ARGS...: 8 writes of 1 MiB, then 8
# reads (verify), each split into commands of at most split_blocks blocks
# on the wire, every block once.
split_case() {
	local name=$1 per n big sum want d ok=1 detail=()
	per=$(split_blocks "$2")
	shift 2
	only "$name" && need_trace "$name" &&
		traced "$name" "${ours[@]}" --filename="$NS4K" --rw=write --bs=1m --size=8m \
			--verify=crc32c "$@" || return 0
	want=$((8 * ((256 + per - 1) / per)))
	for d in write read; do
		n=$(ncmds 2 nvme_cmd_$d)
		big=$(blocks 2 nvme_cmd_$d | awk -v p="$per" '$1 > p' | wc -l)
		sum=$(blocks 2 nvme_cmd_$d | awk '{ s += $1 } END { print s + 0 }')
		[ "$n" -eq "$want" ] && [ "$big" -eq 0 ] && [ "$sum" -eq 2048 ] || ok=0
		detail+=("${d}s: $n commands ($want expected), $big of more than $per blocks, $sum blocks in all (2048 expected)")
	done
	if [ $ok = 1 ]; then
		t_pass "$name"
	else
		t_fail "$name" "${detail[@]}" "$(blocks 2 nvme_cmd_write | sort -n | uniq -c | head -5)"
	fi
}
split_case "bs=1m split: commands within MDTS and the queue's segments, verified" aligned
split_case "bs=1m split, buffers 512 bytes into a page: one segment kept for the offset, verified" \
	offset --mem_align=512

# ---- hipri without poll queues (the smoke kernel has none) ----
if [ "$mode" != full ]; then
	only "hipri without poll queues: clear error" &&
	blk "hipri without poll queues" fail "${ours[@]}" --filename="$NS512" "${verify[@]}" \
		--bs=4k --hipri=1 &&
		expect_text "hipri without poll queues: clear error" 'poll_queues'
	t_end
	exit
fi

# ---- trim, write zeroes, flush, FUA: seen on the wire ----
dev=$NS512
blkdev=$(blk_of 1)
zero_check() {
	# $1 bytes from offset 0 of the block device read back as zeroes
	dd if="$blkdev" bs=64k count=$(($1 / 65536)) iflag=direct status=none |
		cmp -s -n "$1" - /dev/zero
}

name="trim sends DSM deallocate and reads back zeroes"
if only "$name" && need_trace "$name" &&
	blk "$name: fill" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=1m \
		--buffer_pattern=0x5a &&
	! zero_check 1048576 &&
	traced "$name" "${ours[@]}" --filename="$dev" --rw=trim --bs=64k --size=1m; then
	# 16 trims of 128 blocks: one DSM of one range each, deallocate (AD, 4)
	n=$(ncmds 1 nvme_cmd_dsm)
	ad=$(cmds 1 nvme_cmd_dsm | grep -c 'nr=0, attributes=4)')
	if [ "$n" -eq 16 ] && [ "$ad" -eq 16 ] && zero_check 1048576 &&
		blk "$name: read-back" ok "${ours[@]}" --filename="$dev" --rw=read --bs=64k \
			--size=1m --verify=pattern --verify_pattern=0x00; then
		t_pass "$name"
	else
		t_fail "$name" "$n DSM commands ($ad of one range with AD), 16 expected" "$out" \
			"first bytes of $blkdev:" \
			"$(dd if="$blkdev" bs=64k count=16 iflag=direct status=none | od -A d -t x1 | head -5)"
	fi
fi
# Every block is trimmed once: wrong ranges would leave some unzeroed.
name="randtrim num_range=4 sends DSM over every block and reads back zeroes"
if only "$name" && need_trace "$name" &&
	blk "$name: fill" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=2m \
		--buffer_pattern=0x5a &&
	traced "$name" "${ours[@]}" --filename="$dev" --rw=randtrim --bs=4k --size=2m \
		--num_range=4; then
	# 512 trims of 4 KiB: as many DSM ranges, however fio groups them
	ranges=$(cmds 1 nvme_cmd_dsm | sed -n 's/.*nr=\([0-9]*\),.*/\1/p' |
		awk '{ n += $1 + 1 } END { print n + 0 }')
	if [ "$ranges" -eq 512 ] && zero_check 2097152; then
		t_pass "$name"
	else
		t_fail "$name" "$ranges DSM ranges sent, 512 expected" "$out"
	fi
fi

for deac in 0 1; do
	name="write_mode=zeroes (deac=$deac) sends Write Zeroes and reads back zeroes"
	only "$name" && need_trace "$name" || continue
	blk "$name: fill" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k \
		--size=1m --buffer_pattern=0xa5 || continue
	traced "$name" "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=1m \
		--write_mode=zeroes --deac=$deac || continue
	# 16 Write Zeroes of 128 blocks, no data write; DEAC (CDW12 bit 25) as asked
	n=$(ncmds 1 nvme_cmd_write_zeroes)
	w=$(ncmds 1 nvme_cmd_write)
	d=$(with_ctrl 1 nvme_cmd_write_zeroes 9)
	if [ "$n" -eq 16 ] && [ "$w" -eq 0 ] && [ "$d" -eq $((deac * 16)) ] &&
		blk "$name: read-back" ok "${ours[@]}" --filename="$dev" --rw=read --bs=64k \
			--size=1m --verify=pattern --verify_pattern=0x00 &&
		zero_check 1048576; then
		t_pass "$name"
	else
		t_fail "$name" "$n Write Zeroes ($d with DEAC), $w writes; 16, $((deac * 16)) and 0 expected" \
			"$out" "$(cmds 1 nvme_cmd_write_zeroes | head -3)"
	fi
done
name="write_mode=zeroes with verify refused"
only "$name" &&
	blk "$name" fail "${ours[@]}" --filename="$dev" --rw=write --bs=64k \
		--size=1m --write_mode=zeroes --verify=crc32c &&
	expect_text "$name" 'write_mode=zeroes'

# opseq NSID: the namespace's traced reads, writes and flushes in the order
# sent, one letter each (R, W, F).
opseq() {
	grep -F " nsid=$1, " "$trace_out" | grep -o 'cmd=(nvme_cmd_[a-z_]* ' |
		sed -n 's/^cmd=(nvme_cmd_read $/R/p; s/^cmd=(nvme_cmd_write $/W/p; s/^cmd=(nvme_cmd_flush $/F/p' |
		tr -d '\n'
}
# rep N STR: STR N times.
rep() {
	local i
	for ((i = 0; i < $1; i++)); do printf '%s' "$2"; done
}
# At iodepth=1 fio's syncs are deterministic: a sync after every Nth write
# except the last (the job is done then; end_fsync adds one). Deeper queues
# make fio issue syncs as they see fit, for every engine.
name="fsync=4 sends a flush after every 4 writes"
if only "$name" && need_trace "$name" &&
	traced "$name" "${ours[@]}" --filename="$dev" --rw=write --bs=4k --size=1m --fsync=4 \
		--iodepth=1; then
	want="$(rep 63 WWWWF)WWWW"
	got=$(opseq 1)
	if [ "$got" = "$want" ]; then
		t_pass "$name"
	else
		t_fail "$name" "$(grep -o F <<<"$got" | wc -l) flushes for $(grep -o W <<<"$got" | wc -l) writes; 63 for 256, each after 4 writes, expected" \
			"sent: ${got:0:80}..." "$out"
	fi
fi
name="fdatasync=8 + end_fsync sends a flush after every 8 writes and one at the end"
if only "$name" && need_trace "$name" &&
	traced "$name" "${ours[@]}" --filename="$dev" --rw=write --bs=4k --size=1m \
		--fdatasync=8 --end_fsync=1 --iodepth=1; then
	want="$(rep 32 WWWWWWWWF)"
	got=$(opseq 1)
	if [ "$got" = "$want" ]; then
		t_pass "$name"
	else
		t_fail "$name" "$(grep -o F <<<"$got" | wc -l) flushes for $(grep -o W <<<"$got" | wc -l) writes; 32 for 256, each after 8 writes, expected" \
			"sent: ${got:0:80}..." "$out"
	fi
fi
check_ok_only "verify with fsync=4" "${ours[@]}" --filename="$dev" "${verify[@]}" --bs=4k --fsync=4

# FUA is CDW12 bit 30: bit 14 of the control field the trace prints. Each
# job writes 256 blocks of 4 KiB and reads them back (verify).
for fua in 1 0; do
	wname="writefua=$fua: FUA on $([ $fua = 1 ] && echo every || echo no) write command"
	rname="readfua=$fua: FUA on $([ $fua = 1 ] && echo every || echo no) read command"
	only "$wname" "$rname" && need_trace "$wname" || continue
	traced "$wname / $rname" "${ours[@]}" --filename="$NS4K" --rw=write --bs=4k --size=1m \
		--verify=crc32c --do_verify=1 --readfua=$fua --writefua=$fua || continue
	for d in write read; do
		n=$(ncmds 2 nvme_cmd_$d)
		f=$(with_ctrl 2 nvme_cmd_$d 14)
		name=$wname
		[ $d = read ] && name=$rname
		if [ "$n" -eq 256 ] && [ "$f" -eq $((fua * 256)) ]; then
			t_pass "$name"
		else
			t_fail "$name" "$f of $n ${d}s with FUA; $((fua * 256)) of 256 expected" \
				"$(cmds 2 nvme_cmd_$d | head -3)"
		fi
	done
done

# Verify and Write Uncorrectable: what the controller's ONCS says decides
# the outcome (QEMU 7.2 has neither): refused at start-up, or on the wire.
cur_oncs=$(oncs "$dev")
for wm in verify uncor; do
	case $wm in
	verify) bit=7 op='(nvme_cmd_verify|0xc)' ;;
	uncor) bit=1 op='(nvme_cmd_write_uncor|0x4)' ;;
	esac
	if [ -z "$cur_oncs" ]; then
		only "write_mode=$wm" && t_fail "write_mode=$wm" "cannot read ONCS of the controller behind $dev"
		continue
	fi
	if ((!((cur_oncs >> bit) & 1))); then
		name="write_mode=$wm refused at start-up (ONCS $(printf 0x%x "$cur_oncs") lacks it)"
		only "$name" || continue
		blk "$name" fail "${ours[@]}" --filename="$dev" --rw=randwrite --bs=4k --size=2m \
			--write_mode=$wm || continue
		if grep -q "write_mode=$wm: the controller does not support that command (ONCS $(printf 0x%x "$cur_oncs"))" <<<"$out" &&
			! grep -q 'io_u error' <<<"$out"; then
			t_pass "$name"
		else
			t_fail "$name" "no start-up refusal naming write_mode=$wm and ONCS" "$out"
		fi
		continue
	fi
	name="write_mode=$wm sends its command (ONCS $(printf 0x%x "$cur_oncs"))"
	only "$name" && need_trace "$name" || continue
	traced "$name" "${ours[@]}" --filename="$dev" --rw=randwrite --bs=4k --size=2m \
		--write_mode=$wm || continue
	n=$(grep -F " nsid=1, " "$trace_out" | grep -Ec "cmd=$op ")
	w=$(ncmds 1 nvme_cmd_write)
	if [ "$n" -eq 512 ] && [ "$w" -eq 0 ]; then
		t_pass "$name"
	else
		t_fail "$name" "$n commands of write_mode=$wm and $w writes; 512 and 0 expected" "$out"
	fi
done

check_ok_only "bs=1m split, vectored + fixedbufs off" "${ours[@]}" --filename="$NS512" \
	--rw=randwrite --bs=1m --size=8m --verify=crc32c --nonvectored=0
check_ok_only "bs=1m split on extended LBA" "${ours[@]}" --filename="$NSEXT" --rw=write \
	--bs=$((4160 * 256)) --size=$((4160 * 2048)) --verify=crc32c
name="blk_oversize=refuse names bs and the limit"
only "$name" &&
	blk "$name" fail "${ours[@]}" --filename="$NS4K" --rw=write --bs=1m \
		--size=8m --blk_oversize=refuse &&
	expect_text "$name" 'bs=1048576.*maximum transfer'
if only "io_uring_cmd fails bs=1m where we split (contrast)"; then
	run_fio out --name=t "${common[@]}" "${builtin[@]}" --filename="$NS4K" --rw=write --bs=1m --size=2m
	if [ $? -ne 0 ] || grep -q 'err= *[1-9]' <<<"$out"; then
		t_pass "io_uring_cmd fails bs=1m where we split (contrast)"
	else
		t_skip "io_uring_cmd bs=1m contrast" "the builtin engine did not fail"
	fi
fi

# ---- several namespaces, each its own format, in one job ----
check_ok_only "three namespaces in one job" "${ours[@]}" --filename="$NS512:$NS4K:$NSPI" \
	--rw=randwrite --bssplit=4k/60:16k/40 --size=12m --verify=crc32c
check_ok_only "PI + extended in one job" "${ours[@]}" --filename="$NSPI:$NS4K" \
	--rw=randrw --bs=8k --size=4m --verify=crc32c --pi_act=0 --md_per_io_size=128

# ---- protection information checks are real ----
name="PI apptag mismatch reported as NVMe status"
if only "$name" && blk "$name: write apptag" ok "${ours[@]}" --filename="$NSPI" --rw=write \
	--bs=4k --size=1m --pi_act=0 --md_per_io_size=64 --apptag=0x1234; then
	blk "$name" fail "${ours[@]}" --filename="$NSPI" --rw=read --bs=4k --size=1m \
		--pi_act=0 --md_per_io_size=64 --apptag=0x4321 --pi_chk=APPTAG --continue_on_error=none &&
		expect_text "$name" '0x283|Application Tag'
fi

name="PI 64-bit guard apptag mismatch reported as NVMe status"
if only "$name" && blk "$name: write apptag" ok "${ours[@]}" --filename="$NSPI64" --rw=write \
	--bs=4k --size=1m --pi_act=0 --md_per_io_size=128 --apptag=0x1234; then
	blk "$name" fail "${ours[@]}" --filename="$NSPI64" --rw=read --bs=4k --size=1m \
		--pi_act=0 --md_per_io_size=128 --apptag=0x4321 --pi_chk=APPTAG --continue_on_error=none &&
		expect_text "$name" '0x283|Application Tag'
fi

# The kernel's block layer checks a 64-bit guard namespace's PI on every
# read (CRC-64 NVMe, reference tag): data the engine wrote with its own PI
# must read back through /dev/nvmeXnY with psync, and verify there.
name="PI 64-bit guard: written with the engine's PI (pi_act=0), read back by psync on the block device"
if only "$name"; then
	bdev=$(blk_of 7)
	x=(--rw=randwrite --bs=4k --size=4m --randseed=64 --verify=crc32c --verify_fatal=1)
	if [ ! -b "$bdev" ] || [ "$(cat "/sys/block/${bdev#/dev/}/size" 2>/dev/null)" = 0 ]; then
		t_fail "$name" "no usable block device for nsid 7 ($bdev): the kernel did not take the format" \
			"$(ls -l /dev/nvme* 2>&1)"
	elif blk "$name: ours writes" ok "${ours[@]}" --filename="$NSPI64" "${x[@]}" --do_verify=0 \
		--pi_act=0 --md_per_io_size=128 --pi_chk=GUARD,REFTAG &&
		blk "$name" ok --ioengine=psync --direct=1 --filename="$bdev" "${x[@]}" --verify_only=1; then
		t_pass "$name"
	fi
fi

# ---- formats and inputs the engine must refuse ----
# refused NAME REGEX FIO-ARGS...: fio must fail and say REGEX.
refused() {
	local name=$1 re=$2
	shift 2
	only "$name" || return 0
	blk "$name" fail "$@" && expect_text "$name" "$re"
}
refused "missing md_per_io_size named" 'md_per_io_size=64' "${ours[@]}" --filename="$NSPI" \
	--rw=write --bs=4k --size=1m --pi_act=0
refused "block device: names the char device" "use filename=$NS512" "${ours[@]}" \
	--filename="$(blk_of 1)" --rw=read --bs=4k --size=1m
refused "misaligned bs named" 'bs=2048 is not a multiple of the namespace.s logical block size \(4096 bytes\)' "${ours[@]}" \
	--filename="$NS4K" --rw=read --bs=2k --size=1m
refused "extended LBA block size named" 'block size \(4160 bytes\)' "${ours[@]}" --filename="$NSEXT" \
	--rw=write --bs=4k --size=1m
refused "misaligned offset named" 'offset=512' "${ours[@]}" --filename="$NS4K" --rw=read \
	--bs=4k --size=1m --offset=512
refused "offset past the end named" 'offset=1073741824.*past the end' "${ours[@]}" \
	--filename="$NS4K" --rw=read --bs=4k --size=1m --offset=1g
refused "unknown write_mode named" 'sideways' "${ours[@]}" --filename="$NS4K" --rw=read \
	--bs=4k --size=1m --write_mode=sideways
refused "missing device named" '/dev/ng9n9' "${ours[@]}" --filename=/dev/ng9n9 --rw=read \
	--bs=4k --size=1m

# ---- device errors come back as NVMe statuses ----
name="Write Fault 0x280 reported, with the per-status summary"
only "$name" &&
	blk "$name" fail "${ours[@]}" --filename="$NSRO" --rw=write --bs=4k --size=64k &&
	expect_text "$name" 'failed with NVMe status 0x280'
# qcow2 answers reads of clusters never written without reading its file,
# so the namespace is written first for blkdebug's read errors to show.
bad_filled=
fill_bad_namespace() {
	[ -n "$bad_filled" ] && return 0
	blk "$1: fill blkdebug namespace" ok "${ours[@]}" --filename="$NSBAD" \
		--rw=write --bs=64k --size=256k && bad_filled=1
}
name="Unrecovered Read Error 0x281 reported"
if only "$name" && fill_bad_namespace "$name"; then
	blk "$name" fail "${ours[@]}" --filename="$NSBAD" --rw=read --bs=4k --size=64k &&
		expect_text "$name" '0x281'
fi
# At iodepth=1 a failed I/O leaves queue() as queued and is reported by getevents.
name="QD1: Write Fault 0x280 reported"
only "$name" &&
	blk "$name" fail "${ours[@]}" --filename="$NSRO" --rw=write --bs=4k --size=64k --iodepth=1 &&
	expect_text "$name" 'failed with NVMe status 0x280'
name="QD1: Unrecovered Read Error 0x281 reported, the job goes on with continue_on_error=io"
if only "$name" && fill_bad_namespace "$name"; then
	run_fio out --name=t "${common[@]}" "${ours[@]}" --filename="$NSBAD" --rw=read --bs=4k \
		--size=64k --iodepth=1 --continue_on_error=io
	# every one of the 16 reads fails, and fio counts each
	if grep -q 'errors *: total=16,' <<<"$out" && grep -q '0x281' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "16 read errors counted by fio and status 0x281 named expected" "$out"
	fi
fi

t_end
