#!/bin/bash
# Inside the test VM (tests/vm/run.sh with BLK_TEST_BUILDS): the NVMe suites
# (guest-nvme-all.sh) once per module listed in $BLK_TEST_BUILDS
# (tab-separated "NAME BUILD CASE" lines), each run narrowed to its case
# (BLK_TEST_ONLY) and its output
# after a line "== module NAME", which the mutants step reads. The runs'
# counts are not the suite's: they are left out.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${BLK_TEST_BUILDS:?BLK_TEST_BUILDS names the list of modules}

while IFS=$'\t' read -r name build case; do
	echo "== module $name"
	start=$(date +%s)
	env -u BLK_TEST_COUNTS BLKENGINE_BUILD="$build" BLK_TEST_ONLY="$case" \
		bash "$here/guest-nvme-all.sh" </dev/null
	echo "-- module $name took $(($(date +%s) - start))s in the guest"
done <"$list"
