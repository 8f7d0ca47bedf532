#!/bin/bash
# NVMe suite of the nvme-passthru-uring engine; runs inside the test VM
# (tests/vm/run.sh boots it) against QEMU's emulated NVMe controller.
#
#   run-nvme.sh          full suite; namespaces as tests/vm/run.sh makes them:
#                        1: 512   2: 4096   3: 512+8 PI type 1 (separate)
#                        4: 4096+64 extended LBA   5: read-only   6: blkdebug
#   run-nvme.sh --smoke  short pass for an older kernel (namespaces 1 and 2,
#                        no poll queues)
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

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

# The generic char device of namespace nsid (node numbers need not match).
ng_of() {
	local b
	for b in /sys/block/nvme*n*; do
		[ "$(cat "$b/nsid" 2>/dev/null)" = "$1" ] || continue
		b=${b##*/}
		echo "/dev/ng${b#nvme}"
		return 0
	done
	return 1
}
blk_of() {
	local ng
	ng=$(ng_of "$1") || return 1
	echo "/dev/nvme${ng#/dev/ng}"
}

NS512=$(ng_of 1)
NS4K=$(ng_of 2)
if [ "$mode" = full ]; then
	NSPI=$(ng_of 3)
	NSEXT=$(ng_of 4)
	NSRO=$(ng_of 5)
	NSBAD=$(ng_of 6)
fi

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
	formats=(512 4096 pi1 pi1-host ext4160)
else
	formats=(512 4096)
	optsets=(plain plainfd fixedbufs vectored)
fi
for fmt in "${formats[@]}"; do
	case $fmt in
	512) args=(--filename="$NS512" --bssplit="$bssplit_512") ;;
	4096) args=(--filename="$NS4K" --bssplit=4k/50:8k/25:16k/15:64k/10) ;;
	pi1) args=(--filename="$NSPI" --bssplit="$bssplit_512" --pi_act=1 --pi_chk=GUARD,REFTAG,APPTAG) ;;
	pi1-host) args=(--filename="$NSPI" --bssplit="$bssplit_512" --pi_act=0 --pi_chk=GUARD,REFTAG,APPTAG
			--md_per_io_size=1024) ;;
	ext4160) args=(--filename="$NSEXT" --bssplit=4160/50:8320/30:16640/20) ;;
	esac
	for os in "${optsets[@]}"; do
		[ "$fmt" = pi1-host ] && [ "$os" != plain ] && [ "$os" != fixedbufs ] && continue
		# shellcheck disable=SC2046
		check_ok "verify $fmt $os" "${ours[@]}" "${args[@]}" "${verify[@]}" $(optargs "$os")
	done
done

# Vectored commands on fixed buffers: either they work or start-up says why.
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

# ---- cross-checks with fio's own io_uring_cmd engine ----
for fmt in 512 4096; do
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
blk "verify type mismatch" fail "${ours[@]}" --filename="$NS4K" --rw=randwrite --bs=8k \
	--size=4m --verify=crc32c --randseed=777 --verify_only=1 &&
	expect_text "verify_only with the wrong verify type fails" 'verify type mismatch|bad header|crc32c'

# ---- hipri without poll queues (the smoke kernel has none) ----
if [ "$mode" != full ]; then
	blk "hipri without poll queues" fail "${ours[@]}" --filename="$NS512" "${verify[@]}" \
		--bs=4k --hipri=1 &&
		expect_text "hipri without poll queues: clear error" 'poll_queues'
	t_end
	exit
fi

# ---- trim, write zeroes, flush, FUA ----
dev=$NS512
blkdev=$(blk_of 1)
zero_check() {
	# $1 bytes from offset 0 of the block device read back as zeroes
	dd if="$blkdev" bs=64k count=$(($1 / 65536)) iflag=direct status=none |
		cmp -s -n "$1" - /dev/zero
}
if blk "fill for trim" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=1m \
	--buffer_pattern=0x5a &&
	! zero_check 1048576 &&
	blk "trim" ok "${ours[@]}" --filename="$dev" --rw=trim --bs=64k --size=1m &&
	grep -q 'trim:' <<<"$out"; then
	if zero_check 1048576 &&
		blk "trim read-back" ok "${ours[@]}" --filename="$dev" --rw=read --bs=64k \
			--size=1m --verify=pattern --verify_pattern=0x00; then
		t_pass "trim (DSM deallocate) reads back zeroes"
	else
		t_fail "trim reads back zeroes" "$out" "first bytes of $blkdev:" \
			"$(dd if="$blkdev" bs=64k count=16 iflag=direct status=none | od -A d -t x1 | head -5)"
	fi
fi
# Every block is trimmed once: wrong ranges would leave some unzeroed.
if blk "fill for trim mixed" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=2m \
	--buffer_pattern=0x5a &&
	blk "trim mixed" ok "${ours[@]}" --filename="$dev" --rw=randtrim --bs=4k --size=2m \
		--num_range=4; then
	if zero_check 2097152; then
		t_pass "randtrim with num_range=4 reads back zeroes"
	else
		t_fail "randtrim with num_range=4 reads back zeroes" "$out"
	fi
fi

for deac in 0 1; do
	if blk "fill for write zeroes" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k \
		--size=1m --buffer_pattern=0xa5 &&
		blk "write zeroes" ok "${ours[@]}" --filename="$dev" --rw=write --bs=64k --size=1m \
			--write_mode=zeroes --deac=$deac &&
		blk "write zeroes read-back" ok "${ours[@]}" --filename="$dev" --rw=read --bs=64k \
			--size=1m --verify=pattern --verify_pattern=0x00 &&
		zero_check 1048576; then
		t_pass "write zeroes (deac=$deac) reads back zeroes"
	fi
done
blk "write zeroes + verify" fail "${ours[@]}" --filename="$dev" --rw=write --bs=64k \
	--size=1m --write_mode=zeroes --verify=crc32c &&
	expect_text "write_mode=zeroes with verify refused" 'write_mode=zeroes'

check_ok "flush (fsync=4)" "${ours[@]}" --filename="$dev" "${verify[@]}" --bs=4k --fsync=4
grep -q 'sync' <<<"$out" || t_fail "flush visible in stats" "$out"
check_ok "fdatasync=8 + end_fsync" "${ours[@]}" --filename="$dev" "${verify[@]}" --bs=4k \
	--fdatasync=8 --end_fsync=1
check_ok "readfua + writefua" "${ours[@]}" --filename="$NS4K" "${verify[@]}" --bs=4k \
	--readfua=1 --writefua=1
# QEMU 7.2 leaves Verify and Write Uncorrectable out of ONCS: then the job
# must be refused at start-up, not fail command by command.
for wm in verify uncor; do
	run_fio out --name=t "${common[@]}" "${ours[@]}" --filename="$dev" --rw=randwrite \
		--bs=4k --size=2m --write_mode=$wm
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q 'err= *[1-9]' <<<"$out"; then
		t_pass "write_mode=$wm"
	elif [ $rc -ne 0 ] && grep -q "write_mode=$wm: the controller does not support" <<<"$out" &&
		! grep -q 'io_u error' <<<"$out"; then
		t_pass "write_mode=$wm refused at start-up (not in ONCS)"
	else
		t_fail "write_mode=$wm" "exit status $rc" "$out"
	fi
done

# ---- transfers above MDTS (QEMU: 512 KiB) ----
check_ok "bs=1m split into MDTS-sized commands" "${ours[@]}" --filename="$NS4K" --rw=write \
	--bs=1m --size=8m --verify=crc32c
check_ok "bs=1m split, vectored + fixedbufs off" "${ours[@]}" --filename="$NS512" \
	--rw=randwrite --bs=1m --size=8m --verify=crc32c --nonvectored=0
check_ok "bs=1m split on extended LBA" "${ours[@]}" --filename="$NSEXT" --rw=write \
	--bs=$((4160 * 256)) --size=$((4160 * 2048)) --verify=crc32c
blk "blk_oversize=refuse" fail "${ours[@]}" --filename="$NS4K" --rw=write --bs=1m \
	--size=8m --blk_oversize=refuse &&
	expect_text "blk_oversize=refuse names bs and the limit" 'bs=1048576.*maximum transfer'
run_fio out --name=t "${common[@]}" "${builtin[@]}" --filename="$NS4K" --rw=write --bs=1m --size=2m
if [ $? -ne 0 ] || grep -q 'err= *[1-9]' <<<"$out"; then
	t_pass "io_uring_cmd fails bs=1m where we split (contrast)"
else
	t_skip "io_uring_cmd bs=1m contrast" "the builtin engine did not fail"
fi

# ---- several namespaces, each its own format, in one job ----
check_ok "three namespaces in one job" "${ours[@]}" --filename="$NS512:$NS4K:$NSPI" \
	--rw=randwrite --bssplit=4k/60:16k/40 --size=12m --verify=crc32c
check_ok "PI + extended in one job" "${ours[@]}" --filename="$NSPI:$NS4K" \
	--rw=randrw --bs=8k --size=4m --verify=crc32c --pi_act=0 --md_per_io_size=128

# ---- protection information checks are real ----
if blk "PI write apptag" ok "${ours[@]}" --filename="$NSPI" --rw=write --bs=4k --size=1m \
	--pi_act=0 --md_per_io_size=64 --apptag=0x1234; then
	blk "PI wrong apptag" fail "${ours[@]}" --filename="$NSPI" --rw=read --bs=4k --size=1m \
		--pi_act=0 --md_per_io_size=64 --apptag=0x4321 --pi_chk=APPTAG --continue_on_error=none &&
		expect_text "PI apptag mismatch reported as NVMe status" '0x283|Application Tag'
fi

# ---- formats and inputs the engine must refuse ----
blk "metadata format without md buffer" fail "${ours[@]}" --filename="$NSPI" --rw=write \
	--bs=4k --size=1m --pi_act=0 &&
	expect_text "missing md_per_io_size named" 'md_per_io_size=64'
blk "block device" fail "${ours[@]}" --filename="$(blk_of 1)" --rw=read --bs=4k --size=1m &&
	expect_text "block device: names the char device" "use filename=$NS512"
blk "misaligned bs" fail "${ours[@]}" --filename="$NS4K" --rw=read --bs=2k --size=1m &&
	expect_text "misaligned bs named" 'bs \(read\)=2048.*4096-byte block'
blk "bs not multiple of extended block" fail "${ours[@]}" --filename="$NSEXT" --rw=write \
	--bs=4k --size=1m && expect_text "extended LBA block size named" '4160-byte block'
blk "misaligned offset" fail "${ours[@]}" --filename="$NS4K" --rw=read --bs=4k --size=1m \
	--offset=512 && expect_text "misaligned offset named" 'offset=512'
blk "offset past the end" fail "${ours[@]}" --filename="$NS4K" --rw=read --bs=4k --size=1m \
	--offset=1g && expect_text "offset past the end named" 'offset=1073741824.*past the end'
blk "unknown option value" fail "${ours[@]}" --filename="$NS4K" --rw=read --bs=4k --size=1m \
	--write_mode=sideways && expect_text "unknown write_mode named" 'sideways'
blk "no such device" fail "${ours[@]}" --filename=/dev/ng9n9 --rw=read --bs=4k --size=1m &&
	expect_text "missing device named" '/dev/ng9n9'

# ---- device errors come back as NVMe statuses ----
blk "write to read-only namespace" fail "${ours[@]}" --filename="$NSRO" --rw=write --bs=4k \
	--size=64k &&
	expect_text "Write Fault 0x280 reported" '0x280' &&
	expect_text "per-status summary" 'failed with NVMe status 0x280'
if blk "fill blkdebug namespace" ok "${ours[@]}" --filename="$NSBAD" --rw=write --bs=64k \
	--size=256k; then
	blk "read error" fail "${ours[@]}" --filename="$NSBAD" --rw=read --bs=4k --size=64k &&
		expect_text "Unrecovered Read Error 0x281 reported" '0x281'
fi

t_end
