#!/bin/bash
# NVMe verify jobs with every fio version of the matrix, in one VM boot;
# runs inside the test VM (tests/fio/run-matrix.sh boots it with
# tests/vm/vm-run: nsid 1 with 512-byte blocks, nsid 2 with 4096-byte).
#
# BLK_MATRIX_RUNS="VERSION:FIO_BIN:MODULE ..." names each version's fio
# binary and the module built against its source. Per version and per
# namespace: a random-write verify job (crc32c, read back from the
# namespace) plain and with fixedbufs, on /dev/ngXnY. With fio 3.39 and
# later, io_uring_cmd's verify_mode=compare: the verify phase must put
# Compare commands, and no Read, on the wire (the guest kernel's
# nvme:nvme_setup_cmd trace event).
set -uo pipefail

. "$(dirname "$0")/../lib.sh"
t_begin matrix-vm

if [ -z "${BLK_IN_VM:-}" ]; then
	t_skip all "runs inside the test VM: use tests/fio/run-matrix.sh"
	t_end
	exit
fi
if [ -z "${BLK_MATRIX_RUNS:-}" ]; then
	t_fail setup "BLK_MATRIX_RUNS is empty: tests/fio/run-matrix.sh sets it"
	t_end
	exit
fi

. "$(dirname "$0")/guest-nvme.sh"

tracefs=/sys/kernel/tracing
trace_out=/tmp/matrix-trace.txt
mountpoint -q "$tracefs" || mount -t tracefs nodev "$tracefs" 2>/dev/null
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

nss=()
for nsid in 1 2; do
	if ng=$(ng_of $nsid) && [ -c "$ng" ]; then
		nss+=("$ng")
	else
		t_fail "namespace $nsid" "no /dev/ngXnY for nsid $nsid: $(ls /dev/ng* 2>&1)"
	fi
done

for run in $BLK_MATRIX_RUNS; do
	IFS=: read -r v fio module <<<"$run"
	for ng in "${nss[@]}"; do
		for opt in plain fixedbufs; do
			name="fio-$v: NVMe randwrite verify=crc32c on $ng ($opt)"
			t_only "$name" || continue
			extra=()
			[ $opt = fixedbufs ] && extra=(--fixedbufs=1)
			start=$SECONDS
			blk_fio=$fio run_fio out --name=v --ioengine="external:$module" \
				--filename="$ng" --thread=1 --rw=randwrite --bs=4k --size=8m \
				--iodepth=16 --verify=crc32c --verify_fatal=1 "${extra[@]}"
			rc=$?
			if [ $rc -eq 0 ]; then
				t_pass "$name ($((SECONDS - start)) s)"
			else
				t_fail "$name" "exit status $rc" "$out"
			fi
		done
	done

	name="fio-$v: verify_mode=compare sends NVMe Compare and no Read"
	# verify_mode came with fio 3.39.
	[ "$(printf '%s\n' 3.39 "$v" | sort -V | head -n1)" = 3.39 ] || continue
	t_only "$name" || continue
	ng=${nss[0]}
	pat=(--name=c --ioengine="external:$module" --filename="$ng" --thread=1 --bs=4k
		--size=256k --iodepth=8 --verify=pattern --verify_pattern=0x5aa5c33c)
	blk_fio=$fio run_fio out "${pat[@]}" --rw=write --do_verify=0
	rc=$?
	trace_start
	blk_fio=$fio run_fio out2 "${pat[@]}" --rw=write --verify_only=1 --verify_mode=compare
	rc2=$?
	trace_stop
	nsid=$(cat "/sys/block/nvme${ng#/dev/ng}/nsid")
	compares=$(grep -F " nsid=$nsid, " "$trace_out" | grep -c 'cmd=(nvme_cmd_compare ')
	reads=$(grep -F " nsid=$nsid, " "$trace_out" | grep -c 'cmd=(nvme_cmd_read ')
	if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then
		t_fail "$name" "fio exit status $rc (write), $rc2 (verify)" "$out" "$out2"
	elif [ "$compares" -eq 64 ] && [ "$reads" -eq 0 ]; then
		t_pass "$name (64 Compare commands)"
	else
		t_fail "$name" "expected 64 Compare and no Read commands; saw $compares and $reads" "$out2"
	fi
done
t_end
