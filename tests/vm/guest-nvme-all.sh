#!/bin/bash
# Inside the NVMe suite's 6.12 VM (tests/vm/run.sh): the NVMe suite, then
# the io_uring options and newer commands (guest-nvmeopts.sh) in the same
# boot. Exits non-zero when either did.
here=$(cd "$(dirname "$0")" && pwd)
rc=0
bash "$here/run-nvme.sh" "$@" </dev/null || rc=1
bash "$here/guest-nvmeopts.sh" </dev/null || rc=1
exit $rc
