#!/bin/bash
# NVMe verify jobs with every fio version of the matrix, in one VM boot;
# runs inside the test VM (tests/fio/run-matrix.sh boots it with
# tests/vm/vm-run: nsid 1 with 512-byte blocks, nsid 2 with 4096-byte).
#
# BLK_MATRIX_RUNS="VERSION:FIO_BIN:MODULE ..." names each version's fio
# binary and the module built against its source. Per version and per
# namespace: a random-write verify job (crc32c, read back from the
# namespace) plain and with fixedbufs, on /dev/ngXnY.
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
done
t_end
