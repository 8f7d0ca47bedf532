#!/bin/bash
# The virtio-blk-vhost-user engine against qemu-storage-daemon on this host:
# data integrity (verify, cross-checked with fio's own psync engine on the
# image), every request type, the wait modes, queue sizing, shared
# connections, and every refusal and fault, asserted on message and exit
# status. Flushes (fsync, writefua) are counted on the daemon's side and
# polling in fio's threads, both with strace. Needs qemu-storage-daemon
# (Debian: qemu-system-common), strace and python3.
#
# BLK_TEST_ONLY=ERE runs only the cases it matches (tests/lib.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/qsd.sh"

t_begin vhost-user

if ! command -v "$qsd_bin" >/dev/null; then
	t_skip all "qemu-storage-daemon not found (install qemu-system-common)"
	t_end
	exit
fi
t_need_module

qsd_scratch vu

export BLK_FIO_TIMEOUT=${BLK_FIO_TIMEOUT:-90}
eng=(--ioengine="external:$blk_module")
MiB=$((1024 * 1024))

# ok NAME FIO-ARGS...: fio must succeed.
ok() {
	local name=$1 out
	shift
	t_only "$name" || return 0
	if run_fio out "${eng[@]}" "$@"; then
		t_pass "$name"
	else
		t_fail "$name" "exit status $?" "$out"
	fi
}

# refused NAME REGEX FIO-ARGS...: fio must fail cleanly, saying REGEX.
refused() {
	local name=$1 re=$2 out rc
	shift 2
	t_only "$name" || return 0
	run_fio out "${eng[@]}" "$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_fail "$name" "fio succeeded; expected a failure saying /$re/" "$out"
	elif [ "$rc" -ge 124 ]; then
		t_fail "$name" "fio hung or crashed (exit status $rc)" "$out"
	elif ! grep -Eq -- "$re" <<<"$out"; then
		t_fail "$name" "fio failed (status $rc) without saying /$re/" "$out"
	else
		t_pass "$name"
	fi
}

# zeroed NAME IMAGE OFFSET LEN: the image holds zeroes there.
zeroed() {
	t_only "$1" || return 0
	if cmp -s -n "$4" -i "$3:0" "$2" /dev/zero; then
		t_pass "$1"
	else
		t_fail "$1" "$(cmp -n "$4" -i "$3:0" "$2" /dev/zero 2>&1 | head -1)"
	fi
}

# ---------------------------------------------------------------- exports
img512=$qsd_dir/f512.img
img4k=$qsd_dir/f4k.img
imgro=$qsd_dir/ro.img
truncate -s 256M "$img512" "$img4k" "$imgro"

qsd_file_export f512 "$img512" 512 4 on || { t_fail start-f512; t_end; exit 1; }
qsd_file_export f4k "$img4k" 4096 4 on || { t_fail start-f4k; t_end; exit 1; }
qsd_null_export n4k $((256 * MiB)) 4096 1 on || { t_fail start-n4k; t_end; exit 1; }
qsd_null_export n512ro $((256 * MiB)) 512 1 off || { t_fail start-n512ro; t_end; exit 1; }
s512=$(qsd_sock f512)
s4k=$(qsd_sock f4k)
sn4k=$(qsd_sock n4k)
sro=$(qsd_sock n512ro)

# ------------------------------------------------------- data integrity
for lbs in 512 4k; do
	if [ $lbs = 512 ]; then sock=$s512; img=$img512; split=512/10:4k/40:12k/20:64k/20:1m/10; qs=64
	else sock=$s4k; img=$img4k; split=4k/40:8k/20:64k/20:256k/10:1m/10; qs=1024; fi

	ok "lbs=$lbs randwrite verify=crc32c bssplit blk_queue_size=$qs" \
		--name=mixed --filename="$sock" --rw=randwrite --bssplit=$split \
		--size=64M --iodepth=16 --blk_queue_size=$qs --verify=crc32c --verify_fatal=1

	ok "lbs=$lbs numjobs=4 thread=1 randwrite verify, one queue each" \
		--name=jobs --filename="$sock" --thread=1 --numjobs=4 --size=32M \
		--offset_increment=32M --rw=randwrite --bssplit=$split --iodepth=8 \
		--verify=crc32c --verify_fatal=1

	# Our writes, checked by fio's own engine on the image, and the reverse.
	common=(--name=cross --rw=randwrite --bssplit=$split --size=48M --offset=64M
		--randseed=4242 --verify=crc32c --verify_fatal=1)
	ok "lbs=$lbs cross-check: engine writes" --filename="$sock" "${common[@]}" --iodepth=32 --do_verify=0
	if ! t_only "lbs=$lbs cross-check"; then
		:
	elif run_fio out --ioengine=psync --filename="$img" "${common[@]}" --verify_only=1; then
		t_pass "lbs=$lbs cross-check: psync on the image verifies the engine's writes"
	else
		t_fail "lbs=$lbs cross-check: psync on the image verifies the engine's writes" "$out"
	fi
	common[7]=--randseed=777
	if ! t_only "lbs=$lbs cross-check: engine verifies psync's writes"; then
		:
	elif run_fio out --ioengine=psync --filename="$img" "${common[@]}" --do_verify=0; then
		ok "lbs=$lbs cross-check: engine verifies psync's writes" \
			--filename="$sock" "${common[@]}" --iodepth=8 --verify_only=1
	else
		t_fail "lbs=$lbs cross-check: psync writes" "$out"
	fi

	# Trim: random data, then a 32 MiB trim (two discards of the export's
	# 16 MiB limit, one I/O), read back as zeroes by the engine and on disk.
	ok "lbs=$lbs fill before trim" --name=fill --filename="$sock" --rw=write --bs=1M \
		--offset=128M --size=32M --iodepth=4
	refused "lbs=$lbs zero check sees the data before trim" "verify|bad pattern" \
		--name=chk --filename="$sock" --rw=read --bs=64k --offset=128M --size=32M \
		--verify=pattern --verify_pattern=0x00
	ok "lbs=$lbs trim 32M (split into discards)" --name=trim --filename="$sock" \
		--rw=trim --bs=32M --offset=128M --size=32M
	ok "lbs=$lbs trimmed range reads back as zeroes" --name=chk --filename="$sock" \
		--rw=read --bs=64k --offset=128M --size=32M --iodepth=8 \
		--verify=pattern --verify_pattern=0x00
	zeroed "lbs=$lbs trimmed range is zero in the image" "$img" $((128 * MiB)) $((32 * MiB))

	# Write zeroes (write_mode=zeroes, deac=1 sets the unmap flag) and trims
	# sent as write zeroes.
	ok "lbs=$lbs fill before write zeroes" --name=fill --filename="$sock" --rw=write \
		--bs=1M --offset=160M --size=64M --iodepth=4
	ok "lbs=$lbs write_mode=zeroes deac=1" --name=wz --filename="$sock" --rw=write \
		--bs=32M --offset=160M --size=32M --write_mode=zeroes --deac=1
	ok "lbs=$lbs blk_trim_write_zeroes=1" --name=twz --filename="$sock" --rw=trim \
		--bs=256k --offset=192M --size=32M --iodepth=8 --blk_trim_write_zeroes=1
	ok "lbs=$lbs zeroed ranges read back as zeroes" --name=chk --filename="$sock" \
		--rw=read --bs=128k --offset=160M --size=64M --iodepth=8 \
		--verify=pattern --verify_pattern=0x00
	zeroed "lbs=$lbs zeroed ranges are zero in the image" "$img" $((160 * MiB)) $((64 * MiB))
done

# The export matrix: file and null-co, 512 and 4096-byte blocks, one and
# four queues (one job per queue), ring sizes from 64 to 1024.
qs_list=(64 128 256 512 1024)
m=0
for backing in file null; do
	for lbs in 512 4096; do
		for nq in 1 4; do
			name=m-$backing-$lbs-$nq
			qs=${qs_list[$((m % 5))]}
			m=$((m + 1))
			t_only "matrix $backing lbs=$lbs num-queues=$nq blk_queue_size=$qs" || continue
			if [ $backing = file ]; then
				truncate -s 64M "$qsd_dir/$name.img"
				qsd_file_export $name "$qsd_dir/$name.img" $lbs $nq on
				job=(--rw=randrw --verify=crc32c --verify_fatal=1)
			else
				qsd_null_export $name $((64 * MiB)) $lbs $nq on
				job=(--rw=randread)
			fi
			ok "matrix $backing lbs=$lbs num-queues=$nq blk_queue_size=$qs" \
				--name=m --filename="$(qsd_sock $name)" --thread=1 --numjobs=$nq \
				--size=$((64 / nq))M --offset_increment=$((64 / nq))M \
				--bssplit=4k/60:8k/20:32k/20 --iodepth=16 --blk_queue_size=$qs "${job[@]}"
			qsd_stop $name
			rm -f "$qsd_dir/$name.img"
		done
	done
done

# Flush: fio's fsync becomes VIRTIO_BLK_T_FLUSH; writefua adds a flush
# after each write. Counted where they land: the daemon's fdatasync calls
# on the image (its pwrite calls are the writes). At iodepth=1 nothing
# overlaps, so no flush can be merged with the next (QEMU skips a flush
# that follows no write).
#
# backend_io NAME FIO-ARGS...: runs fio on f512 while the daemon is
# traced; sets be_flushes, be_writes and fio_writes (fio's count).
backend_io() {
	local name=$1 trace=$qsd_dir/backend.trace
	shift
	be_flushes= be_writes= fio_writes=
	# Not in a subshell: the tracer is the daemon's for qsd_trace_stop.
	if ! qsd_trace_start f512 "$trace" fdatasync,fsync,pwrite64,pwritev,pwritev2 \
		2>"$trace.start"; then
		t_fail "$name" "cannot count the daemon's system calls" "$(cat "$trace.start")"
		return 1
	fi
	run_fio out "${eng[@]}" --name=be --filename="$s512" --output-format=json "$@"
	local rc=$?
	qsd_trace_stop f512
	if [ $rc -ne 0 ]; then
		t_fail "$name" "fio exit status $rc" "$out"
		return 1
	fi
	be_flushes=$(strace_calls "$trace" fdatasync fsync)
	be_writes=$(strace_calls "$trace" pwrite64 pwritev pwritev2)
	fio_writes=$(python3 -c 'import json,sys; t=sys.stdin.read()
print(json.JSONDecoder().raw_decode(t[t.index("{"):])[0]["jobs"][0]["write"]["total_ios"])' <<<"$out" 2>/dev/null)
	if [ -z "$fio_writes" ] || [ "$be_writes" -lt "$fio_writes" ]; then
		t_fail "$name" "the daemon wrote $be_writes times for fio's ${fio_writes:-unknown} writes" \
			"$(cat "$trace")" "$out"
		return 1
	fi
}
if ! command -v strace >/dev/null; then
	for c in "writefua=1: a flush reaches the back-end after every write" \
		"writefua=0: the same writes reach the back-end without flushes" \
		"fsync=16: a flush reaches the back-end every 16 writes"; do
		t_skip "$c" "strace is not installed (Debian: strace)"
	done
else
	bejob=(--rw=randwrite --bs=4k --size=4M --iodepth=1)
	name="writefua=1: a flush reaches the back-end after every write"
	if t_only "$name" && backend_io "$name" "${bejob[@]}" --writefua=1; then
		if [ "$be_flushes" -ge "$be_writes" ]; then
			t_pass "$name ($be_flushes flushes, $be_writes writes)"
		else
			t_fail "$name" "the daemon made $be_flushes flushes for $be_writes writes"
		fi
	fi
	name="writefua=0: the same writes reach the back-end without flushes"
	if t_only "$name" && backend_io "$name" "${bejob[@]}"; then
		if [ "$be_flushes" -le 2 ]; then
			t_pass "$name ($be_flushes flushes, $be_writes writes)"
		else
			t_fail "$name" "the daemon made $be_flushes flushes for $be_writes writes"
		fi
	fi
	# fio syncs after every 16th write: 2048 writes, 128 flushes (at a
	# higher depth fio 3.33 sends several syncs in a row, which QEMU merges).
	name="fsync=16: a flush reaches the back-end every 16 writes"
	if t_only "$name" && backend_io "$name" --rw=randwrite --bs=4k --size=8M --iodepth=1 --fsync=16; then
		want=$((fio_writes / 16))
		if [ "$want" -gt 0 ] && [ "$be_flushes" -ge $((want * 9 / 10)) ] &&
			[ "$be_flushes" -le $((want + 2)) ]; then
			t_pass "$name ($be_flushes flushes, $be_writes writes)"
		else
			t_fail "$name" "the daemon made $be_flushes flushes for $fio_writes writes (expected about $want)"
		fi
	fi
fi
ok "writefua=1 randwrite verify QD8" --name=fua --filename="$s4k" \
	--rw=randwrite --bs=16k --size=16M --iodepth=8 --writefua=1 --verify=crc32c

# Wait modes and queue sizes.
ok "hipri polling randrw verify" --name=hipri --filename="$s4k" --rw=randrw --bs=4k \
	--size=16M --iodepth=4 --hipri=1 --verify=crc32c
ok "blk_wait_mode=poll numjobs=2 thread=1" --name=poll --filename="$s512" --thread=1 \
	--numjobs=2 --rw=randread --bs=4k --size=16M --iodepth=16 --blk_wait_mode=poll
ok "blk_wait_mode=eventfd hipri=1 QD1" --name=evt --filename="$sn4k" --rw=randread \
	--bs=4k --size=8M --iodepth=1 --hipri=1 --blk_wait_mode=eventfd
ok "blk_wait_mode=eventfd randrw verify QD8" --name=evtv --filename="$s512" --rw=randrw \
	--bs=4k --size=16M --iodepth=8 --blk_wait_mode=eventfd --verify=crc32c --verify_fatal=1
ok "blk_wait_mode=auto randrw verify QD1 (adaptive spin on a file)" --name=autov \
	--filename="$s4k" --rw=randrw --bs=4k --size=8M --iodepth=1 --verify=crc32c --verify_fatal=1

# At iodepth=1 each I/O is published, kicked, waited for and completed in
# queue(): fio's own trace of the engine hooks it calls (--debug=io) shows
# no getevents() round, where the queued path has one per I/O. fio's
# latencies must still add up (slat + clat = lat).
name="QD1: each I/O completes in queue(), no getevents round, slat + clat = lat"
if t_only "$name"; then
	run_fio out "${eng[@]}" --name=qd1 --filename="$s4k" --rw=randwrite --bs=4k --size=4M \
		--iodepth=1 --verify=crc32c --verify_fatal=1 --debug=io --output-format=json \
		--output="$qsd_dir/qd1.json"
	rc=$?
	# --output takes the debug lines too, before the JSON
	rounds=$(grep -c 'getevents: ' "$qsd_dir/qd1.json")
	why=$(python3 "$blk_top/tests/fio_latencies.py" "$qsd_dir/qd1.json" --ios 1024)
	if [ $rc -eq 0 ] && [ "$rounds" -le 8 ] && [ -z "$why" ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit $rc; fio called getevents() $rounds times for 2048 I/Os (at most 8 expected)${why:+; $why}" \
			"$out" "$(grep -v '^io ' "$qsd_dir/qd1.json" | head -20)"
	fi
fi
for wm in eventfd poll; do
	ok "QD1 verify, blk_wait_mode=$wm" --name=qd1$wm --filename="$s512" --rw=randrw \
		--bssplit=4k/50:16k/30:64k/20 --size=8M --iodepth=1 --blk_wait_mode=$wm \
		--verify=crc32c --verify_fatal=1
done
# A failed I/O at iodepth=1 leaves queue() as queued and comes back from
# getevents(): fio counts its error once. A qcow2 image on blkdebug fails
# every read of written data with EIO.
name="QD1: read errors reported once each, the job goes on with continue_on_error=io"
if t_only "$name"; then
	qemu-img create -q -f qcow2 "$qsd_dir/eio.qcow2" 16M
	if qsd_start eio \
		--blockdev "driver=file,node-name=eio-file,filename=$qsd_dir/eio.qcow2" \
		--blockdev "driver=blkdebug,node-name=eio-dbg,image=eio-file,inject-error.0.event=read_aio,inject-error.0.errno=5" \
		--blockdev "driver=qcow2,node-name=eio,file=eio-dbg" \
		--export "type=vhost-user-blk,id=e-eio,node-name=eio,addr.type=unix,addr.path=@SOCK@,writable=on,logical-block-size=4096,num-queues=1" &&
		run_fio fill "${eng[@]}" --name=fill --filename="$(qsd_sock eio)" --rw=write --bs=64k --size=1M; then
		run_fio out "${eng[@]}" --name=eio --filename="$(qsd_sock eio)" --rw=read --bs=4k \
			--size=64k --iodepth=1 --continue_on_error=io
		if grep -q 'errors *: total=16,' <<<"$out"; then
			t_pass "$name"
		else
			t_fail "$name" "fio should count 16 read errors" "$out"
		fi
	else
		t_fail "$name" "blkdebug export or its fill failed" "${fill:-}" "$(cat "$qsd_dir/eio.log" 2>/dev/null)"
	fi
	qsd_stop eio
fi

# The adaptive wait catches a fast back-end's answers by spinning, so fio
# sleeps far less often than with the plain eventfd wait (fio's own count
# of context switches, per I/O).
ctx_per_io() {
	python3 -c 'import json,sys; t=sys.stdin.read(); j=json.loads(t[t.index("{"):])["jobs"][0]; print("%.3f" % (j["ctx"] / max(1, j["read"]["total_ios"])))'
}
# A burst of load elsewhere slows the daemon past the spin budget, so a
# miss is measured once more before it counts.
spins_less() {
	ctx_auto= ctx_evt=
	run_fio out "${eng[@]}" --name=spin --filename="$sn4k" --rw=randread --bs=4k --iodepth=1 \
		--time_based --runtime=2 --cpus_allowed=0 --output-format=json &&
		ctx_auto=$(ctx_per_io <<<"$out")
	run_fio out "${eng[@]}" --name=sleep --filename="$sn4k" --rw=randread --bs=4k --iodepth=1 \
		--time_based --runtime=2 --cpus_allowed=0 --blk_wait_mode=eventfd --output-format=json &&
		ctx_evt=$(ctx_per_io <<<"$out")
	[ -n "$ctx_auto" ] && [ -n "$ctx_evt" ] &&
		python3 -c "import sys; sys.exit(not ($ctx_auto * 2 < $ctx_evt))"
}
# fio on CPU 0, the daemon on CPU 1: neither waits for the other's CPU.
[ "$(nproc)" -ge 2 ] && taskset -a -cp 1 "${qsd_pids[n4k]}" >/dev/null 2>&1
if ! t_only "adaptive wait sleeps less than eventfd wait"; then
	:
elif [ "$(nproc)" -ge 2 ]; then
	if spins_less || spins_less; then
		t_pass "adaptive wait sleeps less than eventfd wait (context switches per I/O $ctx_auto vs $ctx_evt)"
	else
		t_fail "adaptive wait sleeps less than eventfd wait" \
			"context switches per I/O: auto ${ctx_auto:-failed}, eventfd ${ctx_evt:-failed}" "$out"
	fi
else
	t_skip "adaptive wait sleeps less than eventfd wait" "needs 2 CPUs (fio and the daemon each on one)"
fi
# Polling (hipri=1, blk_wait_mode=poll): the wait spins on the used ring
# instead of sleeping in poll() on the call eventfd. Observed as the poll()
# calls fio's threads make per I/O at QD1 on the null export, against the
# eventfd wait on the same job: a polling wait makes a small fraction of
# them (the set-up's, and a sleep now and then when the daemon was late).
# The eventfd wait sleeps whenever the answer is not already there.
# polls_per_io ARGS...: sets ppi (poll calls per I/O) or fails.
polls_per_io() {
	local trace=$qsd_dir/polls.trace polls ios
	ppi=
	out=$(timeout --kill-after=10 60 strace -f --seccomp-bpf -qq -c -o "$trace" \
		-e trace=poll,ppoll "$blk_fio" "${eng[@]}" --name=wait --filename="${poll_sock:-$sn4k}" \
		--rw=randread --bs=4k --size=32M --iodepth=1 --cpus_allowed=0 \
		--output-format=json "$@" 2>&1) || return 1
	polls=$(strace_calls "$trace" poll ppoll)
	ios=$(python3 -c 'import json,sys; t=sys.stdin.read()
print(json.JSONDecoder().raw_decode(t[t.index("{"):])[0]["jobs"][0]["read"]["total_ios"])' <<<"$out" 2>/dev/null)
	[ -n "$ios" ] && [ "$ios" -gt 0 ] || return 1
	ppi=$(python3 -c "print('%.3f' % ($polls / $ios))")
}
# polls_less NAME ARGS...: ARGS' wait polls at most a quarter as often as
# the eventfd wait, which sleeps on at least one I/O in ten. A miss is
# measured once more (a burst of load elsewhere delays the daemon).
polls_less() {
	local name=$1 try
	shift
	t_only "$name" || return 0
	if ! command -v strace >/dev/null; then
		t_skip "$name" "strace is not installed (Debian: strace)"
		return
	fi
	for try in 1 2; do
		ppi_evt= ppi_poll=
		polls_per_io --blk_wait_mode=eventfd && ppi_evt=$ppi &&
			polls_per_io "$@" && ppi_poll=$ppi || continue
		if python3 -c "import sys; sys.exit(not ($ppi_evt >= 0.1 and $ppi_poll * 4 <= $ppi_evt))"; then
			t_pass "$name (poll calls per I/O: $ppi_poll, eventfd wait $ppi_evt)"
			return
		fi
	done
	if [ -n "$ppi_poll" ]; then
		t_fail "$name" "poll calls per I/O: $ppi_poll, eventfd wait $ppi_evt" \
			"$(cat "$qsd_dir/polls.trace" 2>/dev/null)"
	else
		t_fail "$name" "poll calls per I/O: failed, eventfd wait ${ppi_evt:-failed}" "$out"
	fi
}
polls_less "hipri=1 polls: far fewer poll() calls per I/O than the eventfd wait" --hipri=1
polls_less "blk_wait_mode=poll polls: far fewer poll() calls per I/O than the eventfd wait" \
	--blk_wait_mode=poll
# A back-end slower than polling's first budget (100 us): null-co with
# latency-ns=500000 (qemu-storage-daemon 7.2 answers after about 1 ms, its
# timer's resolution). The budget follows the waits that outlast it, so
# after the first few I/Os the answers are polled through instead of slept
# on, as they are on the fast export above.
name="hipri=1 on a back-end that answers in about 1 ms: polled through, far fewer poll() calls per I/O than the eventfd wait"
if t_only "$name"; then
	if qsd_start slow --blockdev "driver=null-co,node-name=slow,size=$((64 * MiB)),read-zeroes=on,latency-ns=500000" \
		--export "type=vhost-user-blk,id=e-slow,node-name=slow,addr.type=unix,addr.path=@SOCK@,writable=off,logical-block-size=4096"; then
		poll_sock=$(qsd_sock slow) polls_less "$name" --hipri=1 --size=8M
		qsd_stop slow
	else
		t_fail "$name" "qemu-storage-daemon did not start a null-co export with latency-ns"
	fi
fi

for qs in 128 256 512; do
	ok "blk_queue_size=$qs iodepth=$qs null-co" --name=qs --filename="$sn4k" \
		--rw=randread --bs=4k --size=32M --iodepth=$qs --blk_queue_size=$qs
done
ok "1m reads at QD32" --name=big --filename="$sn4k" --rw=read --bs=1m --size=128M --iodepth=32
refused "blk_queue_size too small for iodepth" "blk_queue_size=64 is too small for iodepth=128" \
	--name=small --filename="$sn4k" --rw=randread --size=4M --iodepth=128 --blk_queue_size=64
refused "blk_queue_size not a power of two" "blk_queue_size=100: .*power of two" \
	--name=odd --filename="$sn4k" --rw=randread --size=4M --blk_queue_size=100
if ! t_only "iodepth=2048 capped"; then
	:
elif run_fio out "${eng[@]}" --name=deep --filename="$sn4k" --rw=randread --bs=4k \
	--size=32M --iodepth=2048; then
	if grep -q "at most 1024 I/Os will be in flight" <<<"$out"; then
		t_pass "iodepth=2048 capped at the 1024-entry ring, with a message"
	else
		t_fail "iodepth=2048 capped at the 1024-entry ring, with a message" "$out"
	fi
else
	t_fail "iodepth=2048 capped at the 1024-entry ring, with a message" "$out"
fi

# Connections: set-up probes and disconnects, the back-end takes the next
# client; jobs set up in their threads (create_serialize=0) share it too.
ok "second run right after the first" --name=again --filename="$s512" --rw=read --size=1M
ok "create_serialize=0 numjobs=2 thread=1" --name=cs --filename="$s512" --thread=1 \
	--numjobs=2 --create_serialize=0 --rw=randread --size=8M --iodepth=4

# Jobs that finish while others still run withdraw their queue and memory
# (GET_VRING_BASE, REM_MEM_REG) without disturbing the rest.
ok "short job leaves while a longer one runs (thread=1)" --thread=1 --filename="$s4k" \
	--rw=randwrite --bs=4k --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--name=short --size=4M --offset=0 \
	--name=long --size=64M --offset=64M --iodepth=16
# Each job removes its regions (REM_MEM_REG) before their memory is
# unmapped, the last one on the connection too: a job can take the
# connection over while another leaves it, and memory unmapped while still
# registered can come back at the same addresses for the newcomer, whose
# overlapping region the back-end refuses by dropping the connection. Seen
# in the process's own system calls (strace), replayed by vu_regions.py.
name="every job removes its memory regions before unmapping them, the last one too"
if t_only "$name"; then
	trace=$qsd_dir/regions.strace
	out=$(timeout --kill-after=10 "$BLK_FIO_TIMEOUT" strace -f -qq -xx -s 256 \
		-e trace=munmap,sendmsg,close -o "$trace" "$blk_fio" "${eng[@]}" --thread=1 \
		--filename="$s4k" --rw=randwrite --bs=4k --iodepth=8 --verify=crc32c \
		--name=a --size=1M --name=b --size=4M --offset=8M \
		--name=c --size=16M --offset=16M 2>&1)
	rc=$?
	why=$(python3 "$here/vu_regions.py" "$trace")
	wrc=$?
	if [ $rc -eq 0 ] && [ $wrc -eq 0 ]; then
		t_pass "$name"
	else
		t_fail "$name" "fio exit status $rc; vu_regions.py (exit $wrc):" "$why" "$out"
	fi
fi
# A job that joins the connection after another left it: the leaver's
# stopped ring was moved to the connection's parking region before its
# memory went, so the back-end (libvhost-user maps every ring again on each
# new region) does not find a ring in unregistered memory and drop the
# connection. The long job keeps the connection up throughout.
ok "a job joins the connection after another left it (stopped ring parked)" --thread=1 \
	--filename="$s4k" --rw=randwrite --bs=4k --iodepth=8 --verify=crc32c --verify_fatal=1 \
	--name=long --offset=64M --size=32M --time_based=1 --runtime=3 \
	--name=leaves --offset=0 --size=1M \
	--name=joins --offset=8M --size=4M --startdelay=1
# Processes one after the other each get the back-end in turn.
ok "thread=0 jobs in sequence (stonewall)" --filename="$s512" --rw=randread --size=4M \
	--name=p1 --name=p2 --stonewall --name=p3 --stonewall
# The shipped example, on a smaller device.
sed -e "s|^filename=.*|filename=$s512|" -e 's/^size=256m/size=32m/' \
	-e 's/^offset_increment=256m/offset_increment=32m/' \
	"$blk_top/examples/vhost-user-verify.fio" >"$qsd_dir/example.fio"
ok "examples/vhost-user-verify.fio" "$qsd_dir/example.fio"

# ----------------------------------------------------- read-only export
ok "read-only export: randread" --name=ro --filename="$sro" --rw=randread --bs=4k \
	--size=16M --iodepth=8
refused "read-only export: write refused" "read-only \(VIRTIO_BLK_F_RO" \
	--name=ro --filename="$sro" --rw=randwrite --size=1M
refused "read-only export: trim refused" "read-only" \
	--name=ro --filename="$sro" --rw=trim --size=1M
# psync fills an image, a read-only export of it serves the engine's verify.
rocommon=(--name=rox --rw=randwrite --bs=8k --size=32M --randseed=99 --verify=crc32c)
if ! t_only "read-only file export verifies psync's writes"; then
	:
elif run_fio out --ioengine=psync --filename="$imgro" "${rocommon[@]}" --do_verify=0 &&
	qsd_file_export fro "$imgro" 4096 4 off; then
	ok "read-only file export verifies psync's writes" --filename="$(qsd_sock fro)" \
		"${rocommon[@]}" --verify_only=1 --iodepth=8
	qsd_stop fro
else
	t_fail "read-only file export verifies psync's writes" "$out"
fi

# ------------------------------------------------------------ bad input
refused "bs not a multiple of the block size" "bs=512 is not a multiple of the device's logical block size \(4096" \
	--name=bad --filename="$s4k" --rw=read --bs=512 --size=1M
refused "offset not a multiple of the block size" "offset=512 is not a multiple" \
	--name=bad --filename="$s4k" --rw=read --bs=4k --offset=512 --size=1M
refused "bssplit entry not a multiple of the block size" "bssplit=6144 is not a multiple" \
	--name=bad --filename="$s4k" --rw=read --bssplit=4k/50:6k/50 --size=1M
refused "more jobs than the export's queues (4)" "has 4 virtqueues .*num-queues=5" \
	--name=many --filename="$s512" --thread=1 --numjobs=5 --rw=read --size=1M
refused "more jobs than the export's queues (1)" "has 1 virtqueue .*num-queues=2" \
	--name=many --filename="$sn4k" --thread=1 --numjobs=2 --rw=read --size=1M
refused "thread=0 numjobs=2" "numjobs=2 with processes \(thread=0\).*thread=1" \
	--name=procs --filename="$s512" --numjobs=2 --rw=read --size=1M
refused "socket missing" "does not exist.*qemu-storage-daemon" \
	--name=none --filename="$qsd_dir/missing.sock" --rw=read --size=1M
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$qsd_dir/stale.sock"
refused "socket nobody listens on" "cannot connect to .*stale.sock.*nothing listens" \
	--name=stale --filename="$qsd_dir/stale.sock" --rw=read --size=1M
refused "a regular file given as the socket" "cannot connect to .*ro.img.*nothing listens" \
	--name=file --filename="$imgro" --blk_engine=virtio-blk-vhost-user --rw=read --size=1M
refused "write_mode=uncor is NVMe only" "write_mode=uncor is an NVMe command" \
	--name=uncor --filename="$s512" --rw=write --size=1M --write_mode=uncor

# A second client waits in the daemon's backlog: a clear timeout, not a hang.
if t_only "second client while one is connected"; then
	(run_fio out "${eng[@]}" --name=first --filename="$sn4k" --rw=randread --size=16M \
		--time_based --runtime=8 >/dev/null) &
	first=$!
	sleep 1.5
	refused "second client while one is connected" "no reply to VHOST_USER_GET_FEATURES .*one client at a time" \
		--name=second --filename="$sn4k" --rw=randread --size=1M
	wait $first
fi

# ------------------------------------------------------- broken back-ends
for mode in short badtype noreply truncated hangup huge noconfig badblk; do
	case $mode in
	short) re="malformed reply to VHOST_USER_GET_FEATURES: 4 payload bytes, expected 8" ;;
	badtype) re="malformed reply to VHOST_USER_GET_FEATURES: request 2" ;;
	noreply) re="malformed reply to VHOST_USER_GET_FEATURES: .*flags 0x1" ;;
	truncated | hangup) re="closed the connection during VHOST_USER_GET_FEATURES" ;;
	huge) re="malformed reply to VHOST_USER_GET_FEATURES: 4294967295 payload bytes" ;;
	noconfig) re="malformed reply to VHOST_USER_GET_CONFIG: 0 payload bytes" ;;
	badblk) re="block size of 1000 bytes" ;;
	esac
	t_only "back-end reply '$mode' refused" || continue
	sock=$qsd_dir/fake-$mode.sock
	python3 "$here/fake-vhost-user.py" $mode "$sock" &
	fake_pid=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
	refused "back-end reply '$mode' refused" "$re" \
		--name=fake --filename="$sock" --rw=read --size=1M
	kill $fake_pid 2>/dev/null
	wait $fake_pid 2>/dev/null
	fake_pid=
done

# A back-end without CONFIGURE_MEM_SLOTS: memory goes by SET_MEM_TABLE,
# resent whole as each job adds its regions and removes them. The fake
# device (a RAM disk) walks the rings on its own, so verify checks our
# ring layout against an independent reading of it. It takes at most 4
# segments of 16 KiB a request: a 1 MiB I/O becomes 16 requests.
for mode in memtable memtable-direct; do
	t_only "$mode back-end" || continue
	sock=$qsd_dir/fake-$mode.sock
	python3 "$here/fake-vhost-user.py" $mode "$sock" 2>"$qsd_dir/fake-$mode.log" &
	fake_pid=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
	ok "$mode back-end: numjobs=2 thread=1 randrw verify, I/Os split by seg_max x size_max" \
		--name=mt --filename="$sock" --thread=1 --numjobs=2 --size=8M --offset_increment=8M \
		--rw=randrw --bssplit=4k/40:24k/20:64k/20:1m/20 --iodepth=8 --verify=crc32c --verify_fatal=1
	refused "$mode back-end: blk_oversize=refuse names the limit" "seg_max 4 x size_max 16384" \
		--name=mt --filename="$sock" --rw=read --bs=128k --size=1M --blk_oversize=refuse
	if [ -s "$qsd_dir/fake-$mode.log" ]; then
		t_fail "$mode back-end saw only well-formed requests" "$(cat "$qsd_dir/fake-$mode.log")"
	else
		t_pass "$mode back-end saw only well-formed requests"
	fi
	kill $fake_pid 2>/dev/null
	wait $fake_pid 2>/dev/null
	fake_pid=
done

# Back-end killed mid-run: in-flight I/Os fail, fio exits non-zero quickly.
for wait_opt in --hipri=0 --hipri=1; do
	t_only "back-end SIGKILLed mid-run ($wait_opt)" || continue
	qsd_null_export victim $((256 * MiB)) 512 1 on
	start=$(date +%s%N)
	(run_fio out "${eng[@]}" --name=victim --filename="$(qsd_sock victim)" \
		--rw=randread --size=64M --iodepth=32 --time_based --runtime=60 $wait_opt;
	 echo "rc=$?" >"$qsd_dir/victim.rc"; printf '%s\n' "$out" >"$qsd_dir/victim.out") &
	victim=$!
	sleep 2
	killed=$(date +%s%N)
	qsd_kill victim
	wait $victim
	took=$(( ($(date +%s%N) - killed) / 1000000 ))
	rc=$(sed -n 's/^rc=//p' "$qsd_dir/victim.rc")
	if [ "${rc:-0}" -ne 0 ] && [ "$rc" -lt 124 ] && [ $took -lt 10000 ] &&
		grep -q "closed the connection; failing the I/Os in flight" "$qsd_dir/victim.out"; then
		t_pass "back-end SIGKILLed mid-run ($wait_opt): fio exits $rc after ${took} ms"
	else
		t_fail "back-end SIGKILLed mid-run ($wait_opt)" "rc=$rc after ${took} ms" \
			"$(cat "$qsd_dir/victim.out")"
	fi
done

# Every daemon survived everything above.
alive=1
for name in f512 f4k n4k n512ro; do
	kill -0 "${qsd_pids[$name]}" 2>/dev/null || alive=0
done
if [ $alive = 1 ]; then t_pass "daemons still serving"; else t_fail "daemons still serving"; fi

t_end
