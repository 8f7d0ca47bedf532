#!/bin/bash
# Zoned namespaces under nvme-passthru-uring, inside the VM that
# tests/vm/run-zns.sh boots (namespaces listed there). What the engine did
# is read back outside it: zone states and write pointers with blkzone
# (util-linux; each report is a Zone Management Receive the kernel sends),
# the commands on the wire with the nvme_setup_cmd trace event, data with
# fio's psync engine on the block device.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# With BLK_TEST_BUILDS (the mutants step) the suite runs once per module
# listed there, each narrowed to its case, after a line "== module NAME".
if [ -n "${BLK_TEST_BUILDS:-}" ] && [ -z "${BLK_ZNS_ONE:-}" ]; then
	while IFS=$'\t' read -r name build case; do
		echo "== module $name"
		env -u BLK_TEST_COUNTS BLK_ZNS_ONE=1 BLKENGINE_BUILD="$build" BLK_TEST_ONLY="$case" \
			bash "$0" </dev/null
	done <"$BLK_TEST_BUILDS"
	exit 0
fi

. "$here/../lib.sh"
t_watch_stuck 240
. "$here/guest-nvme.sh"

t_begin zns-vm
if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/vm/run-zns.sh"
	t_end
	exit
fi
t_need_module
for tool in blkzone; do
	if ! command -v $tool >/dev/null; then
		t_fail setup "$tool missing (util-linux)"
		t_end
		exit
	fi
done

NG1=$(ng_of 1); BD1=$(blk_of 1)
NG2=$(ng_of 2); BD2=$(blk_of 2)
NG3=$(ng_of 3)
for d in "$NG1" "$NG2" "$NG3"; do
	if [ ! -c "$d" ]; then
		t_fail setup "no generic char device for every namespace: $(ls /dev/ng* 2>&1)"
		t_end
		exit
	fi
done
MOD="external:$blk_module"

# zone DEV N ZONE_SECTORS: "WPTR COND" of zone N, the write pointer in
# 512-byte sectors from the zone start, the condition as a number (1 empty,
# 2/3 open, 4 closed, 14 full), as the device reports them now.
zone() {
	blkzone report -o $(($2 * $3)) -c 1 "$1" |
		sed -n 's/.*wptr 0x\([0-9a-f]*\).*zcond: *\([0-9]*\).*/\1 \2/p' |
		{ read -r wp c && echo "$((16#$wp)) $c"; }
}
zone_cond() { zone "$@" | cut -d' ' -f2; }
zone_wp() { zone "$@" | cut -d' ' -f1; }
reset_all() { blkzone reset "$1"; }
# open_or_closed DEV: zones open (implicitly or explicitly) or closed.
open_or_closed() {
	blkzone report "$1" | grep -cE 'zcond: *(2|3|4)\('
}

Z1=2048	# sectors per zone, nsid 1 (1 MiB)
Z2=8192	# nsid 2 (4 MiB)

tracefs=/sys/kernel/tracing
mountpoint -q "$tracefs" || mount -t tracefs nodev "$tracefs" 2>/dev/null
echo 8192 >"$tracefs/buffer_size_kb" 2>/dev/null
trace_start() {
	echo 0 >"$tracefs/tracing_on"
	: >"$tracefs/trace"
	echo 1 >"$tracefs/events/nvme/nvme_setup_cmd/enable"
	echo 1 >"$tracefs/tracing_on"
}
trace_stop() {
	echo 0 >"$tracefs/tracing_on"
	echo 0 >"$tracefs/events/nvme/nvme_setup_cmd/enable"
	cat "$tracefs/trace" >/tmp/zns-trace.txt
}
# trace_count OPCODE_NAME DISK: commands of that opcode sent for DISK.
trace_count() {
	grep -F "disk=${2##*/}," /tmp/zns-trace.txt | grep -c "cmd=($1 "
}

common=(--ioengine="$MOD" --thread=1 --verify_fatal=1)

# ---- 1. verify with zonemode=zbd, two zone sizes
name="zonemode=zbd verify=crc32c, 1 MiB zones (512-byte blocks): 2 zones written full"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio out --name=zv1 "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=write \
		--bs=32k --iodepth=4 --size=2M --verify=crc32c
	rc=$?
	conds=$(for z in 0 1 2; do zone_cond "$BD1" $z $Z1; done | tr '\n' ' ')
	if [ $rc -eq 0 ] && [ "$conds" = "14 14 1 " ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; zone conditions 0-2: $conds (want 14 14 1)" "$out"
	fi
fi

name="zonemode=zbd verify=crc32c, 4 MiB zones of 3 MiB capacity (4096-byte blocks): random zones, write pointers add up"
if t_only "$name"; then
	reset_all "$BD2"
	run_fio out --name=zv2 "${common[@]}" --filename="$NG2" --zonemode=zbd --rw=randwrite \
		--bs=64k --iodepth=8 --size=16M --io_size=3M --max_open_zones=2 --verify=crc32c
	rc=$?
	# A full zone's write pointer reads as its end; it holds its capacity.
	sum=0
	for z in 0 1 2 3; do
		read -r wp c < <(zone "$BD2" $z $Z2)
		[ "$c" = 14 ] && wp=6144
		sum=$((sum + wp))
	done
	if [ $rc -eq 0 ] && [ $sum -eq $((3 * 2048)) ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; write pointers add up to $sum sectors (want $((3 * 2048)))" "$out"
	fi
fi

name="zonemode=zbd starts at the device's write pointer: a zone a quarter written is filled"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio pre --name=quarter "${common[@]}" --filename="$NG1" --rw=write --bs=64k --size=256k
	before=$(zone "$BD1" 0 $Z1)
	# No verify: fio resets zones before a verify job, not before this one.
	run_fio out --name=zwp "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=write \
		--bs=16k --size=1M
	rc=$?
	after=$(zone_cond "$BD1" 0 $Z1)
	if [ "$before" = "512 2" ] && [ $rc -eq 0 ] && [ "$after" = 14 ]; then
		t_pass "$name"
	else
		t_fail "$name" "zone 0 before (wp cond): $before (want 512 2); fio exit $rc; after: $after (want 14)" "$pre" "$out"
	fi
fi

# ---- 2. the device's open/active limits
name="max open/active zones from the device (MOR 3, MAR 4): random writes over 32 zones stay within them"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio out --name=zl "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=randwrite \
		--bs=8k --iodepth=8 --size=32M --io_size=1M --verify=crc32c
	rc=$?
	n=$(open_or_closed "$BD1")
	if [ $rc -eq 0 ] && [ "$n" -le 3 ] && [ "$n" -ge 1 ]; then
		t_pass "$name ($n zones open)"
	else
		t_fail "$name" "fio exit $rc; $n zones open or closed after the run (want 1..3)" "$out"
	fi
fi

name="max_open_zones above the device's limit refused by fio (the engine reports 3)"
if t_only "$name"; then
	run_fio out --name=zl2 "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=randwrite \
		--bs=4k --size=32M --io_size=64k --max_open_zones=8
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'max_open_zones (8) is larger than max (3)' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; want fio's refusal with the device's limit 3" "$out"
	fi
fi

# ---- 3. Zone Append
# zone_append_case NAME IODEPTH SIZE APPENDS CONDS: a sequential 16 KiB
# write_mode=zone_append job with verify must send APPENDS Zone Appends and
# no writes, and leave zones 0, 1, ... in the conditions CONDS (14 full,
# 1 empty).
zone_append_case() {
	local name=$1 depth=$2 size=$3 want=$4 want_conds=$5 n=0 conds=
	t_only "$name" || return 0
	reset_all "$BD1"
	trace_start
	run_fio out --name=za "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=write \
		--write_mode=zone_append --bs=16k --iodepth="$depth" --size="$size" --verify=crc32c
	rc=$?
	trace_stop
	appends=$(trace_count nvme_cmd_zone_append "$BD1")
	writes=$(trace_count nvme_cmd_write "$BD1")
	for _ in $want_conds; do
		conds+="$(zone_cond "$BD1" $n $Z1) "
		n=$((n + 1))
	done
	if [ $rc -eq 0 ] && [ "$appends" -eq "$want" ] && [ "$writes" -eq 0 ] && [ "$conds" = "$want_conds " ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; $appends zone appends (want $want), $writes writes (want 0); zones 0-$((n - 1)): $conds(want $want_conds)" "$out"
	fi
}
zone_append_case "write_mode=zone_append at QD 32 with verify: Zone Append commands on the wire, no writes" \
	32 4M 256 "14 14 14 14"
# At iodepth=1 each append completes inside queue(): where the drive put
# the data must still reach fio before it accounts the zone and verifies.
zone_append_case "write_mode=zone_append at QD 1 with verify: Zone Append commands on the wire, zones full" \
	1 2M 128 "14 14 1"

name="write_mode=zone_append: bs above ZASL (128 KiB) refused"
if t_only "$name"; then
	run_fio out --name=za2 "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=write \
		--write_mode=zone_append --bs=256k --size=1M
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'bs=262144 is more than one Zone Append carries (131072 bytes: ZASL 131072' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc" "$out"
	fi
fi

# ---- 4. reset and finish, seen on the device
name="reset: zones written full beforehand are reset by fio through the engine"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio pre --name=fill "${common[@]}" --filename="$NG1" --rw=write --bs=64k --size=4M
	before=$(for z in 0 1 2 3; do zone_cond "$BD1" $z $Z1; done | tr '\n' ' ')
	trace_start
	run_fio out --name=zr "${common[@]}" --filename="$NG1" --zonemode=zbd --rw=write \
		--bs=16k --size=4M --io_size=512k --verify=crc32c
	rc=$?
	trace_stop
	after=$(for z in 0 1 2 3; do zone "$BD1" $z $Z1; done | tr '\n' ' ')
	sends=$(trace_count nvme_cmd_zone_mgmt_send "$BD1")
	if [ "$before" = "14 14 14 14 " ] && [ $rc -eq 0 ] &&
		[ "$after" = "1024 2 0 1 0 1 0 1 " ] && [ "$sends" -ge 1 ]; then
		t_pass "$name"
	else
		t_fail "$name" "before: $before (want 14 14 14 14); fio exit $rc; after (wp cond): $after (want 1024 2 0 1 0 1 0 1); $sends Zone Management Send" "$pre" "$out"
	fi
fi

name="finish (fio 3.41's finish_zone): a zone whose remainder is below bs is finished"
if t_only "$name"; then
	if [ -z "${BLK_ZNS_FINISH_DIR:-}" ]; then
		t_fail "$name" "${BLK_ZNS_FINISH_WHY:-no module for fio 3.41}"
	else
		reset_all "$BD1"
		# 21 writes of 48 KiB fill 1008 KiB of each 1 MiB zone; fio finishes it.
		blk_fio=$BLK_ZNS_FINISH_DIR/fio run_fio out --name=zf \
			--ioengine="external:$BLK_ZNS_FINISH_DIR/.libs/libblkengine.so" --thread=1 \
			--filename="$NG1" --zonemode=zbd --rw=write --bs=48k --size=2M
		rc=$?
		after=$(for z in 0 1 2; do zone "$BD1" $z $Z1; done | tr '\n' ' ')
		if [ $rc -eq 0 ] && [[ $after =~ ^[0-9]+\ 14\ [0-9]+\ 14\ 0\ 1\ $ ]]; then
			t_pass "$name"
		else
			t_fail "$name" "fio exit $rc; zones 0-2 (wp cond): $after (want zones 0 and 1 full, 2 empty)" "$out"
		fi
	fi
fi

# ---- 5. a zone error, decoded by name
name="write into a full zone (zonemode=none): Zone Is Full decoded"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio pre --name=fill "${common[@]}" --filename="$NG1" --rw=write --bs=64k --size=1M
	c=$(zone_cond "$BD1" 0 $Z1)
	run_fio out --name=zfull "${common[@]}" --filename="$NG1" --rw=write --bs=4k --size=4k
	rc=$?
	if [ "$c" = 14 ] && [ $rc -ne 0 ] && grep -q 'Zone Is Full (SCT 0x1 Command Specific Status, SC 0xb9' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "zone 0 condition $c (want 14); fio exit $rc" "$out"
	fi
fi

name="write past the write pointer (zonemode=none): Zone Invalid Write decoded"
if t_only "$name"; then
	reset_all "$BD1"
	run_fio out --name=zinv "${common[@]}" --filename="$NG1" --rw=write --bs=4k --size=4k --offset=64k
	rc=$?
	wp=$(zone_wp "$BD1" 0 $Z1)
	if [ "$wp" = 0 ] && [ $rc -ne 0 ] && grep -q 'Zone Invalid Write (SCT 0x1 Command Specific Status, SC 0xbc' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "zone 0 write pointer $wp (want 0); fio exit $rc" "$out"
	fi
fi

name="zonemode=zbd on a namespace that is not zoned: refused"
if t_only "$name"; then
	run_fio out --name=znz "${common[@]}" --filename="$NG3" --zonemode=zbd --rw=write --bs=4k --size=1M
	rc=$?
	if [ $rc -ne 0 ] && grep -q "blkengine: $NG3: zonemode=zbd needs a zoned namespace" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc" "$out"
	fi
fi

# ---- the examples, on nsid 1; zone states read back. zns-verify fills 8
# zones, zns-append 4.
declare -A ex_zones=([zns-verify]=8 [zns-append]=4)
for ex in zns-verify zns-append; do
	name="examples/$ex.fio"
	t_only "$name" || continue
	reset_all "$BD1"
	run_fio out --ioengine="$MOD" "$blk_top/examples/$ex.fio" --filename="$NG1"
	rc=$?
	sum=0
	for z in $(seq 0 16); do
		read -r wp c < <(zone "$BD1" $z $Z1)
		sum=$((sum + wp))
	done
	want=$((ex_zones[$ex] * Z1))
	if [ $rc -eq 0 ] && [ $sum -eq $want ]; then
		t_pass "$name"
	else
		t_fail "$name" "written in zones 0-16: $sum sectors (want $want); fio exit $rc" \
			"$(tail -n 30 <<<"$out")"
	fi
done

# ---- 6. cross-check with fio's own psync engine on the block device
name="data written by the engine (zonemode=zbd) verifies with fio's psync engine on $BD2"
if t_only "$name"; then
	reset_all "$BD2"
	run_fio out --name=x "${common[@]}" --filename="$NG2" --zonemode=zbd --rw=write \
		--bs=32k --iodepth=8 --size=8M --verify=crc32c --do_verify=0
	rc=$?
	run_fio out2 --name=x --ioengine=psync --direct=1 --filename="$BD2" --zonemode=zbd \
		--rw=read --bs=32k --size=8M --verify=crc32c --verify_fatal=1
	rc2=$?
	# 2 zones of 3 MiB capacity: 6 MiB written and read back
	if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && grep -qE 'READ: bw=.*io=6144KiB' <<<"$out2"; then
		t_pass "$name"
	else
		t_fail "$name" "engine fio exit $rc, psync fio exit $rc2" "$out" "$out2"
	fi
fi
t_end
