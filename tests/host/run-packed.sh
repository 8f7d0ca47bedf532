#!/bin/bash
# Packed virtqueues (blk_ring=packed) over vhost-user against a real
# back-end that offers them: DPDK's vhost_blk example (tests/host/dpdk-blk.sh
# builds it), with verify=crc32c workloads in both layouts. The layout is
# observed on the back-end's side: the virtio features its vhost library
# logs as negotiated must hold VIRTIO_F_RING_PACKED (bit 34) for
# blk_ring=packed and lack it for blk_ring=split. Also: blk_ring=packed
# refused by qemu-storage-daemon (which does not offer it), and the
# back-end killed mid-run.
#
# BLK_TEST_ONLY=ERE runs only the cases it matches (tests/lib.sh).
#
#   tests/host/run-packed.sh --prepare   installs and builds the back-end only
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/qsd.sh"
. "$here/dpdk-blk.sh"

if [ "${1:-}" = --prepare ]; then
	# Downloads, unpacking and one small build: scripts/test runs it
	# beside the suites before this one.
	dpdk_blk_build >/dev/null 2>&1
	exit 0
fi

t_begin packed
t_need_module

qsd_scratch packed
trap 'dpdk_blk_stop_all; qsd_scratch_cleanup' EXIT

export BLK_FIO_TIMEOUT=${BLK_FIO_TIMEOUT:-90}
MiB=$((1024 * 1024))
PACKED_BIT=34

if ! dpdk_blk_build 2>"$qsd_dir/build.err"; then
	t_skip "DPDK vhost_blk back-end" "cannot build DPDK's vhost_blk example: $(cat "$qsd_dir/build.err")"
	t_end
	exit $?
fi

# The back-end busy-polls on CPU 0 (it pins itself there): fio runs on CPU 1.
# Its split path keeps ring indexes in 8 bits, so the ring stays at 128
# entries (at most 256 would do); QD32 of 3-descriptor chains fills 96 of
# them and goes round the ring many times. A request it has not completed
# within 5 s is lost: the job fails then rather than after 30 s.
common=(--ioengine="external:$blk_module" --thread=1 --cpus_allowed=1
	--blk_queue_size=128 --size=32M --verify=crc32c --do_verify=1 --blk_stall_timeout=5)

# workload NAME RING FIO-ARGS...: a fresh back-end, a verifying fio job,
# then the layout it negotiated, read from the back-end's log.
workload() {
	local name=$1 ring=$2 out rc feat bit want
	shift 2
	t_only "$name" || return 0
	if ! dpdk_blk_start wl 2>"$qsd_dir/start.err"; then
		t_fail "$name" "the back-end did not start" "$(cat "$qsd_dir/start.err")"
		return
	fi
	run_fio out "${common[@]}" --name=wl --filename="$(dpdk_blk_sock wl)" --blk_ring="$ring" "$@"
	rc=$?
	dpdk_blk_stop wl
	feat=$(dpdk_blk_features wl)
	want=$([ "$ring" = packed ] && echo 1 || echo 0)
	if [ -z "$feat" ]; then
		t_fail "$name" "the back-end logged no negotiated features" \
			"$(tail -20 "$qsd_dir/wl/backend.log")"
		return
	fi
	bit=$(( (feat >> PACKED_BIT) & 1 ))
	if [ "$rc" -ne 0 ]; then
		t_fail "$name" "fio exit status $rc" "$out"
	elif [ "$bit" -ne "$want" ]; then
		t_fail "$name" "back-end negotiated $feat: RING_PACKED is $bit, expected $want"
	else
		t_pass "$name (back-end features $feat)"
	fi
}

for ring in packed split; do
	workload "$ring: randwrite 4k QD1" $ring --rw=randwrite --bs=4k --iodepth=1
	workload "$ring: randwrite 4k QD32" $ring --rw=randwrite --bs=4k --iodepth=32
	workload "$ring: randrw 4k-128k QD1" $ring --rw=randrw --bsrange=4k-128k --iodepth=1
	workload "$ring: randrw 4k-128k QD32" $ring --rw=randrw --bsrange=4k-128k --iodepth=32
	workload "$ring: randrw 128k QD32" $ring --rw=randrw --bs=128k --iodepth=32
	# Polling instead of the call eventfd: the driver's event area says DISABLE.
	workload "$ring: randrw 4k QD8 hipri" $ring --rw=randrw --bs=4k --iodepth=8 --hipri=1
done

# blk_ring=packed where the back-end does not offer packed rings.
if t_only "blk_ring=packed refused by qemu-storage-daemon"; then
	if ! command -v "$qsd_bin" >/dev/null; then
		t_skip "blk_ring=packed refused by qemu-storage-daemon" \
			"qemu-storage-daemon not found (install qemu-system-common)"
	elif ! qsd_null_export nopacked $((64 * MiB)) 512 1 on; then
		t_fail "blk_ring=packed refused by qemu-storage-daemon" "qemu-storage-daemon did not start"
	else
		run_fio out --ioengine="external:$blk_module" --thread=1 --name=np \
			--filename="$(qsd_sock nopacked)" --rw=randread --size=8M --blk_ring=packed
		rc=$?
		re='blk_ring=packed: the device does not offer packed virtqueues \(VIRTIO_F_RING_PACKED\); use blk_ring=split'
		if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && grep -Eq "$re" <<<"$out"; then
			t_pass "blk_ring=packed refused by qemu-storage-daemon"
		else
			t_fail "blk_ring=packed refused by qemu-storage-daemon" "exit status $rc" "$out"
		fi
		# The same export serves blk_ring=auto (split there).
		if run_fio out --ioengine="external:$blk_module" --thread=1 --name=np \
			--filename="$(qsd_sock nopacked)" --rw=randread --size=8M --blk_ring=auto; then
			t_pass "blk_ring=auto on qemu-storage-daemon"
		else
			t_fail "blk_ring=auto on qemu-storage-daemon" "exit status $?" "$out"
		fi
		qsd_stop nopacked
	fi
fi

# The back-end SIGKILLed with packed-ring I/O in flight: fio fails fast.
if t_only "packed: back-end SIGKILLed mid-run"; then
	if dpdk_blk_start victim 2>"$qsd_dir/start.err"; then
		(run_fio out "${common[@]}" --verify=0 --do_verify=0 --name=victim \
			--filename="$(dpdk_blk_sock victim)" --blk_ring=packed --rw=randread --bs=4k \
			--iodepth=32 --time_based --runtime=60
		 echo "rc=$?" >"$qsd_dir/victim.rc"; printf '%s\n' "$out" >"$qsd_dir/victim.out") &
		victim=$!
		sleep 2
		killed=$(date +%s%N)
		dpdk_blk_kill victim
		wait $victim
		took=$(( ($(date +%s%N) - killed) / 1000000 ))
		rc=$(sed -n 's/^rc=//p' "$qsd_dir/victim.rc")
		feat=$(dpdk_blk_features victim)
		if [ "${rc:-0}" -ne 0 ] && [ "$rc" -lt 124 ] && [ $took -lt 10000 ] &&
			[ $(( (${feat:-0} >> PACKED_BIT) & 1 )) = 1 ] &&
			grep -q "closed the connection; failing the I/Os in flight" "$qsd_dir/victim.out"; then
			t_pass "packed: back-end SIGKILLed mid-run: fio exits $rc after ${took} ms"
		else
			t_fail "packed: back-end SIGKILLed mid-run" "rc=$rc after ${took} ms, features ${feat:-none}" \
				"$(cat "$qsd_dir/victim.out")"
		fi
	else
		t_fail "packed: back-end SIGKILLed mid-run" "the back-end did not start" \
			"$(cat "$qsd_dir/start.err")"
	fi
fi

# The back-end SIGKILLed and started again under blk_reconnect: the packed
# ring is set up afresh (lap 0, position 0) with the requests in flight
# resubmitted, and I/O goes on. The example's disk lives in its memory, so
# this reads (no verify): what is observed is the new back-end negotiating
# packed rings again, the engine's outage record and fio's exit status.
if t_only "packed: back-end restarted mid-run, blk_reconnect"; then
	if dpdk_blk_start phoenix 2>"$qsd_dir/start.err"; then
		json=$qsd_dir/phoenix.json
		(run_fio out "${common[@]}" --verify=0 --do_verify=0 --name=phoenix \
			--filename="$(dpdk_blk_sock phoenix)" --blk_ring=packed --rw=randread --bs=4k \
			--iodepth=32 --time_based --runtime=8 --blk_reconnect=10 \
			--blk_reconnect_json="$json"
		 echo "rc=$?" >"$qsd_dir/phoenix.rc"; printf '%s\n' "$out" >"$qsd_dir/phoenix.out") &
		victim=$!
		sleep 2
		dpdk_blk_kill phoenix
		sleep 0.5
		dpdk_blk_start phoenix 2>"$qsd_dir/start.err"
		wait $victim
		rc=$(sed -n 's/^rc=//p' "$qsd_dir/phoenix.rc")
		feat=$(dpdk_blk_features phoenix)
		summary=$(python3 -c '
import json, sys
d = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
print(d["reconnects"], sum(o["resubmitted"] for o in d["outages"]))' "$json" 2>/dev/null)
		read -r reconnects resubmitted <<<"${summary:-0 0}"
		if [ "${rc:-1}" -eq 0 ] && [ "$reconnects" -ge 1 ] && [ "$resubmitted" -ge 1 ] &&
			[ $(( (${feat:-0} >> PACKED_BIT) & 1 )) = 1 ]; then
			t_pass "packed: back-end restarted mid-run, blk_reconnect: $reconnects reconnect, $resubmitted resubmitted, packed again on the new back-end"
		else
			t_fail "packed: back-end restarted mid-run, blk_reconnect" \
				"rc=${rc:-none}, reconnects=$reconnects, resubmitted=$resubmitted, new back-end features ${feat:-none}" \
				"$(cat "$qsd_dir/phoenix.out" "$json" 2>/dev/null)"
		fi
		dpdk_blk_stop phoenix
	else
		t_fail "packed: back-end restarted mid-run, blk_reconnect" "the back-end did not start" \
			"$(cat "$qsd_dir/start.err")"
	fi
fi

t_end
