#!/bin/bash
# Inside the NVMe suite's 6.12 VM (tests/vm/run.sh): the NVMe suite, then
# the io_uring options and newer commands (guest-nvmeopts.sh) in the same
# boot. Exits non-zero when either did.
here=$(cd "$(dirname "$0")" && pwd)
rc=0
start=$(date +%s)
bash "$here/run-nvme.sh" "$@" </dev/null || rc=1
echo "-- run-nvme.sh took $(($(date +%s) - start))s"
start=$(date +%s)
bash "$here/guest-nvmeopts.sh" </dev/null || rc=1
echo "-- guest-nvmeopts.sh took $(($(date +%s) - start))s"
exit $rc
