#!/bin/bash
# Hardening of the vhost-user engine on this host: back-ends that break the
# used ring, never complete or hang up; I/O errors injected by qemu's
# blkdebug at chosen offsets; the back-end killed and restarted; and a
# bounded soak of mixed reads, writes, trims and flushes under verify,
# checked again outside the engine on the image file.
#
#   tests/hardening/run.sh                  soak of 60 s
#   tests/hardening/run.sh --long MINUTES   soak of MINUTES
#
# Needs qemu-storage-daemon and qemu-img (Debian: qemu-system-common,
# qemu-utils) and python3. tests/host/run-vhost-user.sh covers the
# set-up refusals, malformed replies and a SIGKILL mid-run; this suite
# does not repeat them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../host/qsd.sh"

soak_secs=60
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

t_begin hardening

qsd_scratch hardening

t_need_module
MiB=$((1024 * 1024))
eng=(--ioengine=external:"$blk_module")

# ms_since START_NS: milliseconds since START_NS.
ms_since() {
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# fails_within NAME MAX_MS REGEX FIO-ARGS...: fio must exit non-zero (not
# by the timeout) within MAX_MS, saying REGEX.
fails_within() {
	local name=$1 max=$2 re=$3 out rc start took
	shift 3
	start=$(date +%s%N)
	BLK_FIO_TIMEOUT=$(( max / 1000 + 30 )) run_fio out "${eng[@]}" "$@"
	rc=$?
	took=$(ms_since "$start")
	if [ $rc -eq 0 ]; then
		t_fail "$name" "fio succeeded; expected a failure saying /$re/" "$out"
	elif [ $rc -ge 124 ]; then
		t_fail "$name" "fio hung or crashed (exit status $rc after $took ms)" "$out"
	elif [ "$took" -gt "$max" ]; then
		t_fail "$name" "fio took $took ms to fail, more than $max" "$out"
	elif ! grep -qE -- "$re" <<<"$out"; then
		t_fail "$name" "fio failed (status $rc) without saying /$re/" "$out"
	else
		t_pass "$name (exit $rc after $took ms)"
	fi
}

start_fake() {
	fake_sock=$qsd_dir/fake-$1.sock
	# A socket left by the last fake would look ready before this one listens.
	rm -f "$fake_sock"
	python3 "$here/../host/fake-vhost-user.py" "$1" "$fake_sock" 2>"$qsd_dir/fake-$1.log" &
	fake_pid=$!
	for _ in $(seq 50); do [ -S "$fake_sock" ] && break; sleep 0.05; done
}

stop_fake() {
	kill "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
	fake_pid=
}

# ------------------------------------------------ used-ring faults
# The fake RAM disk serves 200 requests well, then breaks the protocol.
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "back-end used-unknown-id used-duplicate used-runahead used-close: fio fails in seconds / back-end claims overlong used lengths / back-end never completes: fio ends with a timeout / back-end signals without completing / SIGTERM while the back-end is stuck"; then
viol="not in flight \(protocol violation\)"
for c in "used-unknown-id|$viol" "used-duplicate|$viol" "used-runahead|$viol" \
	 "used-close|closed the connection"; do
	mode=${c%%|*}
	re=${c#*|}
	for wait_opt in --hipri=0 --hipri=1; do
		start_fake "$mode"
		fails_within "back-end $mode ($wait_opt): fio fails in seconds" 10000 "$re" \
			--name=f --filename="$fake_sock" --rw=randrw --bs=4k --size=8M --iodepth=16 \
			--time_based --runtime=30 $wait_opt
		stop_fake
	done
done

# A used length past the buffer is not trusted (the spec lets a driver
# ignore it): data still verifies, nothing is read or written beyond it.
start_fake used-overlong
if run_fio out "${eng[@]}" --name=f --filename="$fake_sock" --rw=randrw --bs=4k --size=8M \
	--iodepth=16 --verify=crc32c --verify_fatal=1; then
	t_pass "back-end claims overlong used lengths: verify passes, lengths ignored"
else
	t_fail "back-end claims overlong used lengths" "$out"
fi
stop_fake

# A back-end that stops completing but keeps the connection: the engine
# gives up after 30 s without a completion, fio exits with ETIMEDOUT.
start_fake used-never
fails_within "back-end never completes: fio ends with a timeout" 45000 \
	"completed nothing for 30 s.*Connection timed out|Connection timed out" \
	--name=f --filename="$fake_sock" --rw=randread --bs=4k --size=8M --iodepth=8 \
	--time_based --runtime=5
stop_fake

# One that keeps signalling as if it completed, with nothing in the used
# ring: the wakeups are no sign of life, the stall is timed all the same.
start_fake used-noisy
fails_within "back-end signals without completing: fio ends with a timeout" 15000 \
	"completed nothing for 3 s" \
	--name=f --filename="$fake_sock" --rw=randread --bs=4k --size=8M --iodepth=8 \
	--time_based --runtime=5 --blk_stall_timeout=3 --thread=1
stop_fake

# The same, stopped by the user (SIGTERM to fio): over within seconds.
start_fake used-never
start=$(date +%s%N)
timeout -k 20 60 "$blk_fio" "${eng[@]}" --name=f --filename="$fake_sock" --rw=randread --bs=4k \
	--size=8M --iodepth=8 --time_based --runtime=60 >"$qsd_dir/term.out" 2>&1 &
fio_pid=$!
sleep 3
kill -TERM $fio_pid
wait $fio_pid
rc=$?
took=$(ms_since "$start")
# The job process must be gone too, not left behind in a wait.
left=$(pgrep -f -- "--filename=$fake_sock" || true)
# fio exits 128 + 1 after a signal; 124 and 137 would be the timeout's.
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ] && [ "$took" -lt 15000 ] && [ -z "$left" ]; then
	t_pass "SIGTERM while the back-end is stuck: fio exits $rc after $took ms"
else
	t_fail "SIGTERM while the back-end is stuck" "$(tail -n 20 "$qsd_dir/term.out")" \
		"rc=$rc after $took ms, left: ${left:-none}"
	[ -n "$left" ] && kill -KILL $left 2>/dev/null
fi
stop_fake
fi

# ------------------------------------------------ one queue stalls
# Two jobs share the device, one queue each; the back-end never completes
# on queue 1. That job fails with ETIMEDOUT after blk_stall_timeout; the
# job on queue 0 runs its whole runtime without an error.
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "one stalled queue of two: its job fails with ETIMEDOUT, the other runs on"; then
start_fake stall-q1
run_fio out "${eng[@]}" --thread=1 --numjobs=2 --name=s --filename="$fake_sock" --rw=randread \
	--bs=4k --size=8M --iodepth=4 --time_based --runtime=6 --blk_stall_timeout=2 \
	--output-format=json
rc=$?
verdict=$(python3 -c '
import json, sys
t = sys.stdin.read()
d = json.loads(t[t.index("{"):])
errs = sorted(j["error"] for j in d["jobs"])
ok = [j for j in d["jobs"] if j["error"] == 0]
print("errors=%s ok_runtime_ms=%s ok_ios=%s" % (",".join(map(str, errs)),
      ok[0]["job_runtime"] if ok else 0, ok[0]["read"]["total_ios"] if ok else 0))
' <<<"$out" 2>/dev/null)
if [ $rc -ne 0 ] && [ $rc -lt 124 ] && [[ "$verdict" =~ ^errors=0,110\ ok_runtime_ms=([0-9]+)\ ok_ios=([0-9]+)$ ]] &&
	[ "${BASH_REMATCH[1]}" -ge 5000 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
	grep -q "completed nothing for 2 s.*virtqueue 1" <<<"$out" &&
	! grep -q "closed the connection" <<<"$out"; then
	t_pass "one stalled queue of two: its job fails with ETIMEDOUT, the other runs on ($verdict)"
else
	t_fail "one stalled queue of two: its job fails with ETIMEDOUT, the other runs on" \
		"exit $rc, ${verdict:-no JSON}" "$out"
fi
stop_fake
fi

# ------------------------------------------------ a run past its bound says where it waits
# Every fio run of the suites is bounded (run_fio); a second before the
# bound ends one, each thread of fio and of its job processes is listed
# with its state, what it waits on and its kernel stack, so a hang in CI
# says where without a rerun. Here the back-end never completes and the
# engine's own stall limit lies past the bound.
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "a fio run past its bound is ended and shows where each of its processes waits"; then
start_fake used-never
BLK_FIO_TIMEOUT=5 run_fio out "${eng[@]}" --name=h --filename="$fake_sock" --rw=randread \
	--bs=4k --size=8M --iodepth=8 --time_based --runtime=60 --blk_stall_timeout=60
rc=$?
# No --thread: the job is a process of fio's, and must be listed as well.
procs=$(grep -cE '^t_where_stuck: [^ ]*fio ' <<<"$out")
waits=$(grep -cE '^t_where_stuck:   thread [0-9]+ \(.*\): [SD], wchan [a-z_]+' <<<"$out")
stacks=$(grep -cE '^t_where_stuck:     \[<' <<<"$out")
if [ "$rc" -eq 124 ] && [ "$procs" -ge 2 ] && [ "$waits" -ge 2 ] && [ "$stacks" -ge 2 ]; then
	t_pass "a fio run past its bound is ended and shows where each of its processes waits ($procs processes, $waits waiting threads)"
else
	t_fail "a fio run past its bound is ended and shows where each of its processes waits" \
		"exit $rc (124 expected), $procs fio processes, $waits waiting threads, $stacks kernel stack lines" "$out"
fi
stop_fake
fi

# ------------------------------------------------ config values at limits
# seg_max 0 reads as one segment a request (the fake drops a client that
# sends more); seg_max 65535 with 512-byte segments stays within 1024
# descriptors a request (QEMU's limit) for 1 MiB I/Os.
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "seg_max 0: one segment a request, verify passes / seg_max 65535, size_max 512: 1 MiB I/Os split within 1024 descriptors / size_max 1: refused at start-up, naming size_max / capacity of 2^64 - 512 bytes"; then
# verifies_against MODE NAME FIO-ARGS...: the fake back-end in MODE, a
# verify job against it must pass.
verifies_against() {
	local mode=$1 name=$2
	shift 2
	start_fake "$mode"
	if run_fio out "${eng[@]}" --name=l --filename="$fake_sock" --size=8M --verify=crc32c \
		--verify_fatal=1 "$@"; then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
	stop_fake
}
verifies_against limits-segmax0 "seg_max 0: one segment a request, verify passes" \
	--rw=randrw --bsrange=4k-64k --iodepth=8
verifies_against limits-segmax65535 \
	"seg_max 65535, size_max 512: 1 MiB I/Os split within 1024 descriptors, verify passes" \
	--rw=randwrite --bs=1m --iodepth=4
start_fake limits-sizemax1
fails_within "size_max 1: refused at start-up, naming size_max" 10000 "size_max=1" \
	--name=l --filename="$fake_sock" --rw=randread --bs=4k --size=8M
stop_fake
verifies_against limits-hugecap "capacity of 2^64 - 512 bytes: I/O in the first 8 MiB verifies" \
	--rw=randrw --bs=4k --iodepth=8
fi

# --------------------------------------------- blkdebug fault injection
# A preallocated qcow2 maps guest offsets to file offsets in order, so a
# blkdebug rule on a file sector hits one known guest offset; qcow2 raises
# read_aio / write_aio on data I/O.
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "blkdebug read error / blkdebug write error / start the blkdebug export / continue_on_error=io: exactly one of 2048 reads failed / the failed read reports VIRTIO_BLK_S_IOERR"; then
if ! command -v qemu-img >/dev/null; then
	t_skip "blkdebug fault injection" "qemu-img is not installed (Debian: qemu-utils)"
else
	qimg=$qsd_dir/faulty.qcow2
	qemu-img create -q -f qcow2 -o preallocation=metadata "$qimg" 64M
	read -r rsec wsec < <(qemu-img map --output=json "$qimg" | python3 -c '
import json, sys
m = json.load(sys.stdin)
def host(g):
    for e in m:
        if e["start"] <= g < e["start"] + e["length"] and "offset" in e:
            return e["offset"] + g - e["start"]
print(host(3 << 20) // 512, host(5 << 20) // 512)')
	cat >"$qsd_dir/blkdebug.conf" <<-EOF
	[inject-error]
	event = "read_aio"
	errno = "5"
	sector = "$rsec"
	once = "off"

	[inject-error]
	event = "write_aio"
	errno = "5"
	sector = "$wsec"
	once = "off"
	EOF
	qsd_start faulty \
		--blockdev "driver=file,node-name=ff,filename=$qimg" \
		--blockdev "driver=blkdebug,node-name=fd,config=$qsd_dir/blkdebug.conf,image=ff" \
		--blockdev "driver=qcow2,node-name=fq,file=fd" \
		--export "type=vhost-user-blk,id=e-faulty,node-name=fq,addr.type=unix,addr.path=@SOCK@,writable=on" ||
		t_fail "start the blkdebug export"
	fsock=$(qsd_sock faulty)
	fails_within "blkdebug read error at 3 MiB: the failing read is named, status decoded" 10000 \
		"read offset=3145728, buflen=4096.*|VIRTIO_BLK_S_IOERR" \
		--name=r --filename="$fsock" --rw=read --bs=4k --size=8M --iodepth=8
	fails_within "blkdebug write error at 5 MiB: the failing write is named, status decoded" 10000 \
		"write offset=5242880, buflen=4096" \
		--name=w --filename="$fsock" --rw=write --bs=4k --size=8M --iodepth=8
	# Every error is counted on its own I/O; the rest succeed.
	run_fio out "${eng[@]}" --name=c --filename="$fsock" --rw=read --bs=4k --size=8M \
		--iodepth=8 --continue_on_error=io --output-format=json
	rc=$?
	if [ $rc -ge 124 ]; then
		t_fail "continue_on_error=io: exactly one of 2048 reads failed" "fio hung or crashed ($rc)" "$out"
	else
		errs=$(python3 -c '
import json, sys
t = sys.stdin.read()
d = json.loads(t[t.index("{"):])
j = d["jobs"][0]
print(j["total_err"], j["read"]["total_ios"])' <<<"$out" 2>/dev/null)
		if [ "$errs" = "1 2048" ]; then
			t_pass "continue_on_error=io: exactly one of 2048 reads failed"
		else
			t_fail "continue_on_error=io: exactly one of 2048 reads failed" "errors, I/Os: ${errs:-?}" "$out"
		fi
	fi
	if grep -q "VIRTIO_BLK_S_IOERR" <<<"$(BLK_FIO_TIMEOUT=30 run_fio o "${eng[@]}" --name=r \
		--filename="$fsock" --rw=read --bs=4k --offset=3M --size=4k; echo "$o")"; then
		t_pass "the failed read reports VIRTIO_BLK_S_IOERR"
	else
		t_fail "the failed read reports VIRTIO_BLK_S_IOERR"
	fi
	qsd_stop faulty
fi
fi

# ------------------------------------------------ killed and restarted
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "writer's back-end SIGKILLed / back-end restarted on the same socket: a new verify run works / start the file export / restart the file export"; then
img=$qsd_dir/img
truncate -s $((256 * MiB)) "$img"
qsd_file_export victim "$img" 512 1 on || t_fail "start the file export"
vsock=$(qsd_sock victim)
(run_fio out "${eng[@]}" --name=k --filename="$vsock" --rw=randwrite --bs=16k --size=64M \
	--iodepth=32 --time_based --runtime=60; echo "rc=$?" >"$qsd_dir/kill.rc";
 printf '%s\n' "$out" >"$qsd_dir/kill.out") &
victim=$!
sleep 2
killed=$(date +%s%N)
qsd_kill victim
wait $victim
took=$(ms_since "$killed")
rc=$(sed -n 's/^rc=//p' "$qsd_dir/kill.rc")
if [ "${rc:-0}" -ne 0 ] && [ "$rc" -lt 124 ] && [ "$took" -lt 10000 ]; then
	t_pass "writer's back-end SIGKILLed: fio exits $rc after $took ms"
else
	t_fail "writer's back-end SIGKILLed" "rc=$rc after $took ms" "$(cat "$qsd_dir/kill.out")"
fi
qsd_file_export victim "$img" 512 1 on || t_fail "restart the file export"
if run_fio out "${eng[@]}" --name=again --filename="$vsock" --rw=randwrite --bs=4k --size=16M \
	--iodepth=16 --verify=crc32c --verify_fatal=1; then
	t_pass "back-end restarted on the same socket: a new verify run works"
else
	t_fail "back-end restarted on the same socket: a new verify run works" "$out"
fi
qsd_stop victim
fi

# ----------------------------------------------------------------- soak
# Three threads share one connection, one region each: random reads and
# writes of mixed sizes with flushes and writefua, verified as they go
# (verify_backlog); trims followed by writes (randtrimwrite), verified as
# they go (at offset 0 and iodepth 1: fio 3.33 adds a non-zero offset twice
# to the write of a trim/write pair, and at a higher depth sends the write
# without waiting for its trim); random trims over a region filled before, which must read back
# as zeroes outside the engine afterwards (the export punches holes). Then
# one write pass over everything, verified outside the engine by fio's
# psync engine on the image file. (fio 3.33's trim_percentage asserts in
# every engine, its own psync included, so trims are checked this way.)
# A filtered run (BLK_TEST_ONLY) skips sections whose cases it does not name.
if t_only "soak: every job / soak: zero verify mismatches / soak: every trimmed block / soak: the image / soak: final write pass / soak: fill the trim region / start the soak export"; then
simg=$qsd_dir/soak
truncate -s $((96 * MiB)) "$simg"
qsd_file_export soak "$simg" 512 3 on || t_fail "start the soak export"
ssock=$(qsd_sock soak)
start=$(date +%s)
run_fio out "${eng[@]}" --name=fill --filename="$ssock" --rw=write --bs=1M --offset=64M \
	--size=32M --iodepth=4 --buffer_pattern=0x5a || t_fail "soak: fill the trim region" "$out"
BLK_FIO_TIMEOUT=$((soak_secs + 120)) run_fio out "${eng[@]}" --thread=1 \
	--filename="$ssock" --time_based --runtime="$soak_secs" --output-format=json \
	--name=rw --offset=32M --size=32M --rw=randrw --bssplit=4k/40:8k/20:64k/30:256k/10 \
	--iodepth=16 --fsync=64 --writefua=1 --verify=crc32c --verify_fatal=1 \
	--verify_backlog=256 \
	--name=trimwrite --offset=0 --size=32M --rw=randtrimwrite --bs=32k --iodepth=1 \
	--verify=crc32c --verify_fatal=1 --verify_backlog=64 \
	--name=trim --offset=64M --size=32M --rw=randtrim --bs=64k --iodepth=8
soak_rc=$?
if [ $soak_rc -eq 0 ]; then
	t_pass "soak ${soak_secs} s: randrw + flushes + writefua, randtrimwrite, randtrim; verified as they go"
else
	t_fail "soak ${soak_secs} s" "fio exit status $soak_rc" "$out"
fi
# fio's JSON report, one line a job: name, reads, writes, trims, error.
# Nothing when fio crashed or was killed before it reported.
issued=$(python3 -c 'import json,sys
t = sys.stdin.read()
i = t.find("\n{")
d = json.JSONDecoder().raw_decode(t[i + 1:])[0] if i >= 0 or t.startswith("{") else None
for j in d["jobs"]:
	print(j["jobname"], j["read"]["total_ios"], j["write"]["total_ios"], j["trim"]["total_ios"], j["error"])
' <<<"$out" 2>&1)
if awk '$1 == "rw" && $2 > 0 && $3 > 0 {rw=1} $1 == "trimwrite" && $3 > 0 && $4 > 0 {tw=1}
	$1 == "trim" && $4 > 0 {t=1} END {exit !(rw && tw && t)}' <<<"$issued"; then
	t_pass "soak: every job issued its reads, writes and trims"
else
	t_fail "soak: every job issued its reads, writes and trims" "$issued"
fi
# No mismatch means: fio finished on its own (a mismatch ends it with an
# error under verify_fatal, a crash or the timeout with a signal), every
# job reported no error, both verifying jobs read back what they wrote,
# and fio printed no verify complaint.
why=
if [ $soak_rc -ne 0 ]; then
	why="fio exit status $soak_rc"
elif ! awk 'NF == 5 {n++} END {exit n != 3}' <<<"$issued"; then
	why="no JSON report of the three jobs"
elif ! awk '$5 != 0 {exit 1}' <<<"$issued"; then
	why="a job reported an error"
elif ! awk '($1 == "rw" || $1 == "trimwrite") && $2 > 0 {n++} END {exit n != 2}' <<<"$issued"; then
	why="a verifying job read nothing back"
elif grep -qiE "verify: bad|mismatch|bad magic|bad header" <<<"$out"; then
	why="fio reported: $(grep -iE 'verify: bad|mismatch|bad magic|bad header' <<<"$out" | head -5)"
fi
if [ -z "$why" ]; then
	t_pass "soak: zero verify mismatches"
else
	t_fail "soak: zero verify mismatches" "$why" "$issued" "$(grep -v '^ ' <<<"$out" | head -20)"
fi
if cmp -s -n $((32 * MiB)) -i $((64 * MiB)):0 "$simg" /dev/zero; then
	t_pass "soak: every trimmed block reads as zeroes in the image"
else
	t_fail "soak: every trimmed block reads as zeroes in the image" \
		"$(cmp -n $((32 * MiB)) -i $((64 * MiB)):0 "$simg" /dev/zero 2>&1 | head -1)"
fi
if run_fio out "${eng[@]}" --name=final --filename="$ssock" --rw=write --bs=64k --size=96M \
	--iodepth=16 --verify=crc32c --do_verify=0 --randseed=4242 --end_fsync=1; then
	qsd_stop soak
	if run_fio out --name=final --ioengine=psync --filename="$simg" --rw=write --bs=64k \
		--size=96M --verify=crc32c --verify_only=1 --randseed=4242 --verify_fatal=1; then
		t_pass "soak: the image, read with psync outside the engine, verifies the final pass"
	else
		t_fail "soak: the image, read with psync outside the engine, verifies the final pass" "$out"
	fi
else
	t_fail "soak: final write pass" "$out"
fi
echo "-- soak took $(( $(date +%s) - start )) s"
fi

t_end
