#!/bin/bash
# Drive health and write amplification of nvme-passthru-uring (blk_health),
# inside the test VM that tests/vm/run-health.sh boots: QEMU 10, one
# controller in an FDP subsystem, namespaces
#   1: 64M on the FDP endurance group (fdp.ruhs=0-6)
#   2: 16M qcow2 under blkdebug (reads of written clusters fail; fdp.ruhs=7)
# The engine's health block is checked against what nvme-cli reads from the
# controller before and after each run, and the engine's admin commands are
# observed on the wire: the guest kernel's nvme_setup_cmd trace event shows
# every Get Log Page the driver sends. Data placement (fdp=1, plids=,
# plid_select=, dp_scheme=) is checked in the controller's Reclaim Unit
# Handle Status read by nvme-cli, with fio 3.33 (the engine's options) and
# fio 3.41 (fio's own, beside fio's io_uring_cmd engine).
#
# With BLK_TEST_BUILDS (the mutants step) the suite runs once per module
# listed there, each narrowed to its case, after a line "== module NAME".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${BLK_TEST_BUILDS:-}" ] && [ -z "${BLK_HEALTH_ONE:-}" ]; then
	while IFS=$'\t' read -r name build case; do
		echo "== module $name"
		env -u BLK_TEST_COUNTS BLK_HEALTH_ONE=1 BLKENGINE_BUILD="$build" BLK_TEST_ONLY="$case" \
			bash "$0" </dev/null
	done <"$BLK_TEST_BUILDS"
	exit 0
fi

. "$here/../lib.sh"
. "$here/guest-nvme.sh"

# In an NVMe subsystem the kernel adds a hidden per-path node beside each
# namespace (nvme0c0n1 beside nvme0n1); only the namespace's own node has a
# generic char device (/dev/ng0n1), so the path nodes are passed over.
ng_of() {
	local b
	for b in /sys/block/nvme*n*; do
		[[ ${b##*/} =~ ^nvme[0-9]+c[0-9]+n ]] && continue
		[ "$(cat "$b/nsid" 2>/dev/null)" = "$1" ] || continue
		b=${b##*/}
		echo "/dev/ng${b#nvme}"
		return 0
	done
	return 1
}

t_begin health-vm
if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/vm/run-health.sh"
	t_end
	exit
fi
t_need_module
if ! command -v nvme >/dev/null; then
	t_fail nvme-cli "nvme-cli missing on the host: apt-get install nvme-cli (scripts/bootstrap does)"
	t_end
	exit
fi

NS=$(ng_of 1)
NSBAD=$(ng_of 2)
CTRL=/dev/nvme${NS#/dev/ng}
CTRL=${CTRL%n*}
ENDGID=1

tracefs=/sys/kernel/tracing
trace_out=/tmp/health-trace.txt
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
	cat "$tracefs/trace" >"$trace_out"
}

# get_log_pages: Get Log Page commands in the trace, one log id a line in
# two hex digits: the kernel prints CDW10 as bytes (its low byte is the
# LID), or decodes it as "lid=0x.." where it knows the command.
get_log_pages() {
	local c
	grep -o 'cmd=(nvme_admin_get_log_page[^)]*)' "$trace_out" | while read -r c; do
		if [[ $c =~ lid=0x([0-9a-f]+) ]]; then
			printf '%02x\n' "$((16#${BASH_REMATCH[1]}))"
		elif [[ $c =~ cdw10=([0-9a-f]{2}) ]]; then
			echo "${BASH_REMATCH[1]}"
		else
			echo "??"
		fi
	done
}
# writes_to NSID: write commands the driver sent to namespace NSID.
writes_to() {
	grep -F " nsid=$1, " "$trace_out" | grep -c 'cmd=(nvme_cmd_write '
}

ours=(--ioengine="external:$blk_module" --thread=1 --iodepth=16 --group_reporting=1)

# smart FIELD FILE: a field of nvme-cli's smart-log JSON saved in FILE.
smart() {
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[2]))[sys.argv[1]]))' "$1" "$2"
}
# fdp_stats FILE: "HBMW MBMW" from the FDP statistics log read by nvme-cli.
fdp_stats() {
	nvme get-log "$CTRL" --log-id=0x22 --log-len=64 --lsi=$ENDGID --raw-binary >"$1.bin" 2>/dev/null &&
	python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); print(int.from_bytes(b[0:16],"little"), int.from_bytes(b[16:32],"little"))' "$1.bin" >"$1"
}
# fdp_events: events in the host and controller FDP events logs (nvme-cli).
fdp_events() {
	local lsp n=0 c
	for lsp in 0 1; do
		nvme get-log "$CTRL" --log-id=0x23 --log-len=4096 --lsp=$lsp --lsi=$ENDGID --raw-binary \
			>/tmp/ev.bin 2>/dev/null || return 1
		c=$(python3 -c 'import sys; print(int.from_bytes(open(sys.argv[1],"rb").read()[0:4],"little"))' /tmp/ev.bin)
		n=$((n + c))
	done
	echo $n
}
# block_field REGEX: the first number after REGEX in fio's health block.
block_field() {
	grep -E '^blkengine: ' <<<"$out" | grep -oE "$1 [+]?[0-9.]+" | head -n1 | grep -oE '[0-9.]+$'
}

out=

# ---- one job: the block against nvme-cli, the JSON file, the wire ----
name="block matches nvme smart-log"
if t_only "$name|JSON|FDP|Get Log Page"; then
	nvme smart-log "$CTRL" -o json >/tmp/smart0.json
	fdp_stats /tmp/fdp0
	ev0=$(fdp_events)
	trace_start
	run_fio out --name=w "${ours[@]}" --filename="$NS" --rw=write --bs=4k --size=4m \
		--blk_health_json=/tmp/health.json
	rc=$?
	trace_stop
	nvme smart-log "$CTRL" -o json >/tmp/smart1.json
	fdp_stats /tmp/fdp1
	ev1=$(fdp_events)
	wire_writes=$(writes_to 1)
	one_job_logs=$(get_log_pages | wc -l)
	if [ $rc -ne 0 ]; then
		t_fail "$name" "fio failed ($rc)" "$out"
	else
		duw=$(( $(smart data_units_written /tmp/smart1.json) - $(smart data_units_written /tmp/smart0.json) ))
		hwc=$(( $(smart host_write_commands /tmp/smart1.json) - $(smart host_write_commands /tmp/smart0.json) ))
		dur=$(( $(smart data_units_read /tmp/smart1.json) - $(smart data_units_read /tmp/smart0.json) ))
		b_duw=$(block_field 'written')
		b_hwc=$(block_field 'host write commands')
		b_dur=$(block_field 'data units read')
		why=
		[ "${b_duw:-x}" = "$duw" ] || why+="data units written: block ${b_duw:-none}, nvme-cli +$duw; "
		[ "${b_hwc:-x}" = "$hwc" ] || why+="host write commands: block ${b_hwc:-none}, nvme-cli +$hwc; "
		[ "${b_dur:-x}" = "$dur" ] || why+="data units read: block ${b_dur:-none}, nvme-cli +$dur; "
		# 4 MiB = 8192 units of 512 bytes; the log counts thousands of them, rounded up at each reading.
		[ $((duw * 1000 - 8192)) -gt -1000 ] && [ $((duw * 1000 - 8192)) -lt 1000 ] ||
			why+="data units written +$duw is not 4 MiB (8.192 units) within the log's rounding; "
		[ "$hwc" = "$wire_writes" ] ||
			why+="host write commands +$hwc, but the driver sent $wire_writes writes; "
		[ "$wire_writes" -eq 1024 ] || why+="expected 1024 4k writes on the wire, saw $wire_writes; "
		if [ -z "$why" ]; then
			t_pass "$name (data units written +$duw, host write commands +$hwc = writes on the wire)"
			# the block itself, for the log
			grep '^blkengine: ' <<<"$out" | sed 's/^/-- /'
		else
			t_fail "$name" "$why" "$out"
		fi
	fi

	jname="JSON file matches the block"
	if python3 - /tmp/health.json "${b_duw:-}" "${b_hwc:-}" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, f"{len(lines)} lines, expected one object for one namespace"
o = json.loads(lines[0])
assert o["nsid"] == 1, o
assert str(o["smart"]["data_units_written"]) == sys.argv[2], (o["smart"], sys.argv[2])
assert str(o["smart"]["host_write_commands"]) == sys.argv[3], (o["smart"], sys.argv[3])
assert o["fdp"] is not None and o["fdp"]["host_bytes_written"] == 4194304, o["fdp"]
PY
	then
		t_pass "$jname"
	else
		t_fail "$jname" "$(cat /tmp/health.json)"
	fi

	fname="FDP write amplification matches nvme get-log 0x22"
	if [ -s /tmp/fdp0 ] && [ -s /tmp/fdp1 ]; then
		read -r h0 m0 </tmp/fdp0
		read -r h1 m1 </tmp/fdp1
		dh=$((h1 - h0))
		dm=$((m1 - m0))
		b_h=$(block_field 'FDP: host bytes written')
		b_m=$(block_field 'media bytes written')
		b_w=$(block_field 'write amplification')
		want_w=$(python3 -c "print('%.3f' % ($dm / $dh))" 2>/dev/null)
		why=
		[ "$dh" -eq 4194304 ] || why+="the statistics log counted $dh host bytes for 4 MiB written; "
		[ "${b_h:-x}" = "$dh" ] || why+="host bytes: block ${b_h:-none}, nvme-cli +$dh; "
		[ "${b_m:-x}" = "$dm" ] || why+="media bytes: block ${b_m:-none}, nvme-cli +$dm; "
		[ "${b_w:-x}" = "${want_w:-y}" ] || why+="WAF: block ${b_w:-none}, nvme-cli $want_w; "
		if [ -z "$why" ]; then
			t_pass "$fname (host +$dh, media +$dm bytes, WAF $b_w)"
		else
			t_fail "$fname" "$why" "$out"
		fi
	else
		t_fail "$fname" "nvme-cli could not read the FDP statistics log of endurance group $ENDGID"
	fi

	ename="FDP reclaim unit events match nvme get-log 0x23"
	b_e=$(block_field 'FDP:')
	if [ -n "$ev0" ] && [ -n "$ev1" ] && [ "${b_e:-x}" = $((ev1 - ev0)) ]; then
		t_pass "$ename (+$b_e)"
	else
		t_fail "$ename" "block: ${b_e:-none}; nvme-cli: ${ev0:-?} before, ${ev1:-?} after" "$out"
	fi

	# SMART, error log, FDP statistics, FDP host and controller events: 5 pages a reading, 2 readings.
	lname="one job: Get Log Page at the start and the end"
	lids=$(get_log_pages | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
	if [ "$one_job_logs" -eq 10 ] && [ "$lids" = "01:2 02:2 22:2 23:4 " ]; then
		t_pass "$lname ($lids)"
	else
		t_fail "$lname" "$one_job_logs Get Log Page commands, by log id: $lids" "$(grep get_log_page "$trace_out" | head)"
	fi
fi

# ---- several jobs on one namespace: one reading at each end ----
for mode in thread process; do
	name="numjobs=3 ($mode): logs read once per namespace"
	t_only "$name" || continue
	thread=1
	[ $mode = process ] && thread=0
	trace_start
	run_fio out --name=w "${ours[@]}" --thread=$thread --numjobs=3 --filename="$NS" \
		--rw=randwrite --bs=4k --size=1m
	rc=$?
	trace_stop
	n=$(get_log_pages | wc -l)
	blocks=$(grep -c '^blkengine: health of ' <<<"$out")
	if [ $rc -eq 0 ] && [ "$n" -eq 10 ] && [ "$blocks" -eq 1 ]; then
		t_pass "$name (10 Get Log Page commands, one block)"
	else
		t_fail "$name" "exit $rc, $n Get Log Page commands (one job sends 10), $blocks health blocks" "$out"
	fi
done

# ---- blk_health=0 ----
name="blk_health=0 sends no Get Log Page"
if t_only "$name"; then
	trace_start
	run_fio out --name=w "${ours[@]}" --filename="$NS" --rw=write --bs=4k --size=256k --blk_health=0
	rc=$?
	trace_stop
	n=$(get_log_pages | wc -l)
	w=$(writes_to 1)
	if [ $rc -eq 0 ] && [ "$n" -eq 0 ] && [ "$w" -eq 64 ] && ! grep -q '^blkengine: health of ' <<<"$out"; then
		t_pass "$name (64 writes traced, no Get Log Page)"
	else
		t_fail "$name" "exit $rc, $n Get Log Page commands, $w writes traced" "$out"
	fi
fi

# ---- an injected media error ----
# QEMU 10 keeps no error log entries (its Error Information log reads as
# zeroes) and counts no media errors: the block must agree with nvme-cli's
# figures, whatever they are, and report the failed run.
name="injected read error: block agrees with nvme-cli"
if t_only "$name"; then
	run_fio out --name=fill "${ours[@]}" --filename="$NSBAD" --rw=write --bs=4k --size=64k --blk_health=0
	nvme smart-log "$CTRL" -o json >/tmp/smart2.json
	run_fio out --name=r "${ours[@]}" --filename="$NSBAD" --rw=read --bs=4k --size=64k
	rc=$?
	nvme smart-log "$CTRL" -o json >/tmp/smart3.json
	nvme error-log "$CTRL" -e 1 -o json >/tmp/errlog.json
	me=$(( $(smart media_errors /tmp/smart3.json) - $(smart media_errors /tmp/smart2.json) ))
	ne=$(( $(smart num_err_log_entries /tmp/smart3.json) - $(smart num_err_log_entries /tmp/smart2.json) ))
	hrc=$(( $(smart host_read_commands /tmp/smart3.json) - $(smart host_read_commands /tmp/smart2.json) ))
	b_me=$(block_field 'media and data integrity errors')
	b_ne=$(block_field 'error log entries')
	b_hrc=$(block_field 'host read commands')
	# entries newer than the start, as nvme-cli decodes them
	cli_new=$(python3 -c 'import json,sys; print(sum(1 for e in json.load(open(sys.argv[1]))["errors"] if e["error_count"] > 0))' /tmp/errlog.json)
	b_new=$(grep -c '^blkengine:   new error log entry ' <<<"$out")
	if [ $rc -ne 0 ] && grep -q 'Unrecovered Read Error\|0x281' <<<"$out" &&
	   [ "${b_me:-x}" = "$me" ] && [ "${b_ne:-x}" = "$ne" ] && [ "${b_hrc:-x}" = "$hrc" ] &&
	   [ "$b_new" = "$cli_new" ]; then
		t_pass "$name (media errors +$me, error log entries +$ne, entries listed $b_new, read commands +$hrc)"
	else
		t_fail "$name" "exit $rc; block: media errors ${b_me:-none}, entries ${b_ne:-none}, listed $b_new, reads ${b_hrc:-none}; nvme-cli: +$me, +$ne, $cli_new, +$hrc" "$out"
	fi
fi

# ---- fio's JSON output stays JSON ----
name="--output-format=json: stdout parses, the block goes to stderr"
if t_only "$name"; then
	timeout 120 "$blk_fio" --name=w "${ours[@]}" --filename="$NS" --rw=write --bs=4k --size=64k \
		--output-format=json >/tmp/fio.json 2>/tmp/fio.err
	rc=$?
	if [ $rc -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' /tmp/fio.json 2>/dev/null &&
	   grep -q '^blkengine:   host read commands +0, host write commands +16$' /tmp/fio.err; then
		t_pass "$name"
	else
		t_fail "$name" "exit $rc" "$(head -c 2000 /tmp/fio.json)" "$(cat /tmp/fio.err)"
	fi
fi

# ---- data placement (FDP): where the writes went, as the controller says ----
# Namespace 1 has placement handles 0-6 (placement IDs 0-6) on 1 MiB
# reclaim units of 2048 blocks. nvme-cli reads the Reclaim Unit Handle
# Status before and after a job; each handle's blocks written are the drop
# of its RUAMW, modulo a reclaim unit (a full unit is replaced by a fresh
# one). Every job here writes under a reclaim unit per handle.
RU_BLOCKS=2048
ruamw() {	# ruamw FILE: "PID RUAMW" per handle of namespace 1, read with nvme-cli
	local n
	# I/O Management Receive (12h), Reclaim Unit Handle Status: the header's
	# count, then exactly that many descriptors (QEMU refuses a longer buffer).
	nvme io-passthru "$NS" --opcode=0x12 --namespace-id=1 --cdw10=1 --cdw11=3 \
		--data-len=16 --read --raw-binary >"$1.hdr" 2>/dev/null || return 1
	n=$(python3 -c 'import sys; print(int.from_bytes(open(sys.argv[1], "rb").read()[14:16], "little"))' "$1.hdr")
	nvme io-passthru "$NS" --opcode=0x12 --namespace-id=1 --cdw10=1 \
		--cdw11=$(((16 + 32 * n) / 4 - 1)) --data-len=$((16 + 32 * n)) --read --raw-binary \
		>"$1.bin" 2>/dev/null &&
	python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
n = int.from_bytes(b[14:16], "little")
for i in range(n):
    d = b[16 + 32 * i:48 + 32 * i]
    print(int.from_bytes(d[0:2], "little"), int.from_bytes(d[8:16], "little"))' "$1.bin" >"$1"
}
# placed BEFORE AFTER: "PID:BLOCKS " for each handle written between the two.
placed() {
	python3 -c 'import sys
a = dict(map(int, l.split()) for l in open(sys.argv[1]))
b = dict(map(int, l.split()) for l in open(sys.argv[2]))
ru = int(sys.argv[3])
print(" ".join("%d:%d" % (p, (a[p] - b[p]) % ru) for p in sorted(a) if (a[p] - b[p]) % ru))' "$1" "$2" $RU_BLOCKS
}
fdp_job=(--filename="$NS" --rw=randwrite --bs=4k --size=256k --randseed=77
	--verify=crc32c --verify_fatal=1)
at16=(--offset=16m)
at20=(--offset=20m)
fdp_ours=("${ours[@]}" "${fdp_job[@]}" "${at16[@]}" --blk_health=0)
# fdp_case NAME WANT [FIO=bin] [ENGINE ARGS...] -- JOB ARGS: runs the job
# between two readings; WANT is placed's line, or "random:A,B" (both
# handles, 512 blocks in all).
fdp_case() {
	local name=$1 want=$2 got why=
	shift 2
	if ! ruamw /tmp/ruh0; then
		t_fail "$name" "nvme-cli could not read the Reclaim Unit Handle Status of namespace 1"
		return
	fi
	run_fio out "$@"
	rc=$?
	if ! ruamw /tmp/ruh1; then
		t_fail "$name" "nvme-cli could not read the Reclaim Unit Handle Status of namespace 1"
		return
	fi
	got=$(placed /tmp/ruh0 /tmp/ruh1)
	if [[ $want == random:* ]]; then
		local a b
		IFS=, read -r a b <<<"${want#random:}"
		[[ $got =~ ^$a:([0-9]+)\ $b:([0-9]+)$ ]] &&
			[ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -eq 512 ] || why="blocks by placement ID: '$got', want both of $a and $b, 512 in all"
	elif [ "$got" != "$want" ]; then
		why="blocks by placement ID: '$got', want '$want'"
	fi
	if [ $rc -ne 0 ]; then
		t_fail "$name" "fio exit $rc" "$out"
	elif [ -n "$why" ]; then
		t_fail "$name" "$why" "$(cat /tmp/ruh0)" "$(cat /tmp/ruh1)" "$out"
	else
		t_pass "$name (blocks by placement ID: $got)"
	fi
}

name="fdp=1 plids=1,3 (fio 3.33, the engine's options): the controller placed the writes in handles 1 and 3"
t_only "$name" && fdp_case "$name" "1:256 3:256" --name=p "${fdp_ours[@]}" \
	--fdp=1 --plids=1,3

name="fdp=1 without plids: every handle in turn"
# 64 writes over 7 handles in turn: 10 to the first, 9 to each of the others.
t_only "$name" && fdp_case "$name" "0:80 1:72 2:72 3:72 4:72 5:72 6:72" --name=p "${fdp_ours[@]}" \
	--fdp=1

name="plid_select=random plids=2,5: both handles, nothing elsewhere"
t_only "$name" && fdp_case "$name" "random:2,5" --name=p "${fdp_ours[@]}" \
	--dataplacement=fdp --plid_select=random --plids=2,5

name="plid_select=scheme: placement by offset from dp_scheme"
if t_only "$name"; then
	printf '%s\n' "$((16 << 20)),$((16 << 20 | 131072)),4" "$((16 << 20 | 131072)),$((16 << 20 | 262144)),6" \
		>/tmp/scheme.txt
	fdp_case "$name" "4:256 6:256" --name=p "${fdp_ours[@]}" --fdp=1 \
		--plid_select=scheme --dp_scheme=/tmp/scheme.txt
fi

name="without placement the writes go to the default handle (placement ID 0)"
t_only "$name" && fdp_case "$name" "0:512" --name=p "${fdp_ours[@]}"

name="plids=7 on a namespace of 7 handles: refused by name, nothing written"
if t_only "$name"; then
	trace_start
	run_fio out --name=p "${fdp_ours[@]}" --fdp=1 --plids=1,7
	rc=$?
	trace_stop
	if [ $rc -ne 0 ] && grep -q 'plids=7: namespace 1 has 7 placement handles' <<<"$out" &&
		[ "$(writes_to 1)" -eq 0 ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc, $(writes_to 1) writes on the wire" "$out"
	fi
fi

name="dp_scheme naming a placement ID the namespace lacks: refused by name"
if t_only "$name"; then
	printf '0,4096,3\n4096,8192,9\n' >/tmp/scheme-bad.txt
	run_fio out --name=p "${fdp_ours[@]}" --fdp=1 --plid_select=scheme \
		--dp_scheme=/tmp/scheme-bad.txt
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'dp_scheme=/tmp/scheme-bad.txt: range 2 names placement ID 9' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc" "$out"
	fi
fi

name="dataplacement=streams: refused, the controller has no Streams"
if t_only "$name"; then
	run_fio out --name=p "${fdp_ours[@]}" --dataplacement=streams --plids=1
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'dataplacement=streams: .*Streams' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc" "$out"
	fi
fi

# fio 3.41: its own options choose each write's placement and ask the
# engine for the handles (fdp_fetch_ruhs); fio's io_uring_cmd engine runs
# the same job, and each engine verifies what the other wrote.
F41=${BLK_FDP_FIO_DIR:-}
uring41=(--ioengine=io_uring_cmd --cmd_type=nvme --thread=1 --iodepth=16)
ours41=(--ioengine="external:$F41/.libs/libblkengine.so" --thread=1 --iodepth=16 --blk_health=0)
name="fio 3.41 fdp=1 plids=2,4 (fio's options, fdp_fetch_ruhs): placed as fio's io_uring_cmd places them"
if t_only "$name|fio 3.41"; then
	if [ -z "$F41" ]; then
		t_fail "$name" "${BLK_FDP_FIO_WHY:-no module for fio 3.41}"
	else
		blk_fio=$F41/fio fdp_case "$name" "2:256 4:256" --name=p "${ours41[@]}" "${fdp_job[@]}" \
			"${at16[@]}" --fdp=1 --plids=2,4
		blk_fio=$F41/fio fdp_case "fio 3.41 io_uring_cmd, the same job: the same placement" "2:256 4:256" \
			--name=p "${uring41[@]}" "${fdp_job[@]}" "${at20[@]}" --fdp=1 --plids=2,4
		# verify_only: the same job reads and checks what is there.
		xname="fio 3.41: each engine verifies the placed data the other wrote"
		blk_fio=$F41/fio run_fio o1 --name=p "${uring41[@]}" "${fdp_job[@]}" "${at16[@]}" --verify_only=1
		r1=$?
		blk_fio=$F41/fio run_fio o2 --name=p "${ours41[@]}" "${fdp_job[@]}" "${at20[@]}" --verify_only=1
		r2=$?
		if [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && grep -q 'io=256KiB' <<<"$o1" && grep -q 'io=256KiB' <<<"$o2"; then
			t_pass "$xname"
		else
			t_fail "$xname" "io_uring_cmd on ours: exit $r1; ours on io_uring_cmd's: exit $r2" "$o1" "$o2"
		fi
		# The engine's set-up (before fio's own index check) refuses it.
		name="fio 3.41 plids=7: refused by name, fio's options checked as the engine's"
		blk_fio=$F41/fio run_fio out --name=p "${ours41[@]}" "${fdp_job[@]}" "${at16[@]}" --fdp=1 --plids=7
		rc=$?
		if [ $rc -ne 0 ] && grep -q 'plids=7: namespace 1 has 7 placement handles' <<<"$out"; then
			t_pass "$name"
		else
			t_fail "$name" "fio exit $rc" "$out"
		fi
	fi
fi

# ---- bad input ----
name="blk_health_json in a missing folder is refused by name"
if t_only "$name"; then
	run_fio out --name=w "${ours[@]}" --filename="$NS" --rw=read --bs=4k --size=64k \
		--blk_health_json=/nonexistent/h.json
	if [ $? -ne 0 ] && grep -q 'blk_health_json=/nonexistent/h.json: cannot write' <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
fi

t_end
