#!/bin/bash
# blk_reconnect against real qemu-storage-daemon restarts: the daemon is
# killed (SIGKILL) or stopped (SIGTERM) and started again on the same socket
# while fio writes with verify=crc32c, several times a run. Each case checks
#   - fio succeeds and its own verify passes,
#   - psync, reading the image file outside the engine, verifies every
#     block fio wrote (verify_only with the same seed),
#   - the outage records (blk_reconnect_json) match the restarts this
#     script made: one reconnect of the connection and one outage per
#     queue per restart,
#   - requests really were in flight and resubmitted: the export is
#     throttled, so at QD32 the daemon always holds requests it has not
#     completed when it dies.
# And the bad cases: no blk_reconnect, no back-end in time, a smaller disk,
# other features, a back-end that dies again during the handshake, a plain
# file or a socket that is no vhost-user back-end on the path.
#
# BLK_TEST_ONLY=ERE runs only the cases it matches (tests/lib.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/qsd.sh"

t_begin reconnect

if ! command -v "$qsd_bin" >/dev/null; then
	t_skip all "qemu-storage-daemon not found (install qemu-system-common)"
	t_end
	exit
fi
t_need_module

qsd_scratch rc

export BLK_FIO_TIMEOUT=${BLK_FIO_TIMEOUT:-60}
eng=(--ioengine="external:$blk_module")
img=$qsd_dir/disk.img
sock=$(qsd_sock d)
json=$qsd_dir/outages.json

# export [IMAGE [WRITABLE [IOPS]]]: the daemon "d" on $sock, a file export
# (cache.direct=on) throttled to IOPS so requests wait in the daemon.
export_disk() {
	local image=${1:-$img} writable=${2:-on} iops=${3:-1500}
	qsd_start d \
		--object "throttle-group,id=tg,x-iops-total=$iops" \
		--blockdev "driver=file,node-name=f,filename=$image,cache.direct=on" \
		--blockdev "driver=throttle,node-name=t,throttle-group=tg,file=f" \
		--export "type=vhost-user-blk,id=e,node-name=t,addr.type=unix,addr.path=@SOCK@,writable=$writable,num-queues=2"
}

# The job every restart case runs; the psync check repeats its layout.
job=(--name=rc --rw=randwrite --bs=4k --size=8M --randseed=31337
	--verify=crc32c --verify_fatal=1)
# A request lost for good ends the run in seconds, not 30.
eng+=(--blk_stall_timeout=5)

fio_pid=
# start_fio OUT ARGS...: fio in the background, output to file OUT.
start_fio() {
	local out=$1
	shift
	timeout --kill-after=10 "$BLK_FIO_TIMEOUT" "$blk_fio" "${eng[@]}" "$@" >"$out" 2>&1 &
	fio_pid=$!
}

# connections: how many connections the daemon holds on $sock (the
# accepted ends list the socket's path as their own address).
connections() {
	ss -xH state established 2>/dev/null | awk -v p="$sock" '$4 == p' | wc -l
}

# restarts N HOW: once fio is connected (one connection carries all of a
# job's queues), N times, 0.4 s apart, stops the daemon (kill: SIGKILL,
# term: SIGTERM) and starts it again 0.2 s later. Sets $restarted to the
# restarts made while fio was still running. (A restart before fio has
# connected at all would test its start-up, not reconnection: on a loaded
# machine fio's start can take longer than the first 0.4 s.)
restarts() {
	local n=$1 how=$2 i
	restarted=0
	for ((i = 0; i < 300; i++)); do
		[ "$(connections)" -ge 1 ] && break
		kill -0 "$fio_pid" 2>/dev/null || break
		sleep 0.1
	done
	for i in $(seq "$n"); do
		sleep 0.4
		kill -0 "$fio_pid" 2>/dev/null || break
		if [ "$how" = kill ]; then qsd_kill d; else qsd_stop d; fi
		restarted=$((restarted + 1))
		sleep 0.2
		export_disk || return 1
	done
}

# check_records NAME JOBS: every one of JOBS job lines in $json says the
# connection was made again $restarted times, with one outage each time;
# prints the requests resubmitted in all.
check_records() {
	python3 - "$json" "$2" "$restarted" <<'EOF'
import json, sys
path, jobs, restarts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [json.loads(l) for l in open(path) if l.strip()]
if len(lines) != jobs:
    sys.exit(f"{len(lines)} job records in {path}, expected {jobs}")
resub = 0
for r in lines:
    if r["reconnects"] != restarts:
        sys.exit(f"queue {r['queue']}: {r['reconnects']} reconnects, the test restarted the daemon {restarts} times")
    if len(r["outages"]) != restarts or r["total"]["outages"] != restarts:
        sys.exit(f"queue {r['queue']}: {len(r['outages'])} outages recorded, {restarts} restarts")
    for o in r["outages"]:
        if not (0 < o["no_completion_s"] < 30) or o["at_s"] < 0:
            sys.exit(f"queue {r['queue']}: implausible outage {o}")
    resub += r["total"]["resubmitted"]
print(resub)
EOF
}

# psync_verifies NAME ARGS...: fio's psync engine on the image verifies
# every block the job wrote (ARGS: the job's layout).
psync_verifies() {
	local name=$1 out
	shift
	if run_fio out --ioengine=psync --filename="$img" "$@" --verify_only=1; then
		return 0
	fi
	t_fail "$name" "psync on the image does not verify what fio wrote" "$out"
	return 1
}

# restart_case NAME N HOW JOBARGS...: the job with blk_reconnect while the
# daemon is restarted N times.
restart_case() {
	local name=$1 n=$2 how=$3 out=$qsd_dir/fio.out rc resub jobs=1 a
	shift 3
	t_only "$name" || return 0
	for a in "$@"; do
		[ "$a" = --numjobs=2 ] && jobs=2
	done
	qsd_stop d
	rm -f "$json"
	truncate -s 0 "$img"
	truncate -s 64M "$img"
	export_disk || { t_fail "$name" "daemon did not start"; return; }
	start_fio "$out" --filename="$sock" "${job[@]}" --blk_reconnect=10 \
		--blk_reconnect_json="$json" "$@"
	restarts "$n" "$how" || { t_fail "$name" "daemon did not restart" "$(cat "$qsd_dir/d.log")"; return; }
	wait "$fio_pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		t_fail "$name" "fio exit status $rc after $restarted restarts" "$(cat "$out")"
		return
	fi
	if [ "$restarted" -lt "$n" ]; then
		t_fail "$name" "fio ended after $restarted of $n restarts: the job is too short to test anything" "$(cat "$out")"
		return
	fi
	if ! resub=$(check_records "$name" "$jobs" 2>&1); then
		t_fail "$name" "outage records: $resub" "$(cat "$json" "$out")"
		return
	fi
	# At QD32 on a throttled export the daemon always held requests.
	case " $* " in
	*" --iodepth=32 "*)
		if [ "$resub" -lt 1 ]; then
			t_fail "$name" "no request was resubmitted over $restarted restarts at QD32" "$(cat "$json")"
			return
		fi ;;
	esac
	if [ "$(grep -c 'outage [0-9]* at' "$out")" -ne $((restarted * jobs)) ]; then
		t_fail "$name" "fio printed $(grep -c 'outage [0-9]* at' "$out") outage lines for $restarted restarts and $jobs queues" "$(cat "$out")"
		return
	fi
	qsd_stop d
	if [ $jobs = 2 ]; then
		psync_verifies "$name" "${job[@]}" --size=8M --offset_increment=8M --numjobs=2 || return
	else
		psync_verifies "$name" "${job[@]}" || return
	fi
	t_pass "$name ($restarted restarts, $resub resubmitted)"
}

restart_case "SIGKILL x3 QD1" 3 kill --iodepth=1
restart_case "SIGKILL x3 QD32, in-flight region" 3 kill --iodepth=32
restart_case "SIGKILL x3 QD32, engine records" 3 kill --iodepth=32 --blk_reconnect_inflight=0
restart_case "SIGKILL x2 two queues, one reconnect each time" 2 kill --iodepth=16 \
	--thread=1 --numjobs=2 --size=8M --offset_increment=8M
restart_case "SIGTERM x2 QD32" 2 term --iodepth=32
restart_case "SIGTERM x2 QD32, engine records" 2 term --iodepth=32 --blk_reconnect_inflight=0

# The example job, shrunk to this export, through one SIGKILL restart.
if t_only "examples/vhost-user-reconnect.fio"; then
	name="examples/vhost-user-reconnect.fio"
	qsd_stop d
	truncate -s 0 "$img"
	truncate -s 64M "$img"
	rm -f "$json"
	sed -e "s|^filename=.*|filename=$sock|" -e 's|^size=.*|size=4m|' \
		-e 's|^offset_increment=.*|offset_increment=4m|' \
		-e "s|^blk_reconnect_json=.*|blk_reconnect_json=$json|" \
		"$blk_top/examples/vhost-user-reconnect.fio" >"$qsd_dir/example.fio"
	export_disk
	start_fio "$qsd_dir/fio.out" "$qsd_dir/example.fio"
	restarts 1 kill
	wait "$fio_pid"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		t_fail "$name" "fio exit status $rc" "$(cat "$qsd_dir/fio.out")"
	elif [ "$restarted" -ne 1 ]; then
		t_fail "$name" "fio ended before the restart" "$(cat "$qsd_dir/fio.out")"
	elif ! res=$(check_records "$name" 2 2>&1); then
		t_fail "$name" "outage records: $res" "$(cat "$json" "$qsd_dir/fio.out")"
	else
		t_pass "$name"
	fi
fi

# ------------------------------------------------------------ bad cases
# bad_case NAME REGEX SETUP RECONNECT: fio with blk_reconnect=RECONNECT
# (0: off), the daemon killed at 0.4 s and SETUP run; fio must fail
# (not hang) saying REGEX.
bad_case() {
	local name=$1 re=$2 setup=$3 secs=$4 out=$qsd_dir/fio.out rc t0 t1
	t_only "$name" || return 0
	qsd_stop d
	truncate -s 0 "$img"
	truncate -s 64M "$img"
	export_disk || { t_fail "$name" "daemon did not start"; return; }
	t0=$(date +%s)
	start_fio "$out" --filename="$sock" "${job[@]}" --iodepth=8 --blk_reconnect="$secs"
	sleep 0.4
	qsd_kill d
	$setup
	wait "$fio_pid"
	rc=$?
	t1=$(date +%s)
	[ -n "$fake_pid" ] && { kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=; }
	qsd_stop d
	if [ "$rc" -eq 0 ]; then
		t_fail "$name" "fio succeeded" "$(cat "$out")"
	elif [ "$rc" -ge 124 ]; then
		t_fail "$name" "fio hung or crashed (exit status $rc)" "$(cat "$out")"
	elif ! grep -Eq -- "$re" "$out"; then
		t_fail "$name" "fio failed (status $rc) without saying /$re/" "$(cat "$out")"
	elif [ $((t1 - t0)) -gt $((secs + 15)) ]; then
		t_fail "$name" "fio took $((t1 - t0)) s to give up with blk_reconnect=$secs" "$(cat "$out")"
	else
		t_pass "$name"
	fi
}

nothing() { :; }
smaller() {
	truncate -s 32M "$qsd_dir/small.img"
	sleep 0.2
	export_disk "$qsd_dir/small.img"
}
readonly_export() {
	sleep 0.2
	export_disk "$img" off
}
plain_file() {
	rm -f "$sock"
	echo "not a socket" >"$sock"
}
not_vhost_user() {
	python3 "$here/fake-vhost-user.py" badtype "$sock" &
	fake_pid=$!
}

bad_case "without blk_reconnect the I/Os fail as before" 'closed the connection' nothing 0
bad_case "back-end not back in time" 'did not come back.*Connection refused' nothing 1
bad_case "back-end returns with a smaller disk" 'came back as another disk: 33554432 bytes.*was 67108864 bytes' smaller 10
bad_case "back-end returns with other features" 'came back with other features: .*now offers VIRTIO_BLK_F_RO' readonly_export 10
bad_case "socket path now a plain file" 'no longer a socket \(now a regular file\)' plain_file 1
bad_case "socket path now not a vhost-user back-end" 'malformed reply to VHOST_USER_GET_FEATURES' not_vhost_user 10

# A back-end that accepts and dies during the handshake, twice, before the
# real one returns: the run goes on, one reconnect.
if t_only "back-end dies again while recovering"; then
	name="back-end dies again while recovering"
	qsd_stop d
	rm -f "$json"
	truncate -s 0 "$img"
	truncate -s 64M "$img"
	export_disk
	start_fio "$qsd_dir/fio.out" --filename="$sock" "${job[@]}" --iodepth=32 \
		--blk_reconnect=10 --blk_reconnect_json="$json"
	sleep 0.4
	qsd_kill d
	# Accepts two connections, reads the first message of each and drops it.
	python3 - "$sock" <<'EOF'
import os, socket, sys
path = sys.argv[1]
os.unlink(path) if os.path.exists(path) else None
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
for _ in range(2):
    c, _ = s.accept()
    c.recv(12)
    c.close()
s.close()
os.unlink(path)
EOF
	export_disk
	wait "$fio_pid"
	rc=$?
	restarted=1
	if [ "$rc" -ne 0 ]; then
		t_fail "$name" "fio exit status $rc" "$(cat "$qsd_dir/fio.out")"
	elif ! resub=$(check_records "$name" 1 2>&1); then
		t_fail "$name" "outage records: $resub" "$(cat "$json" "$qsd_dir/fio.out")"
	else
		qsd_stop d
		psync_verifies "$name" "${job[@]}" && t_pass "$name"
	fi
fi

t_end
