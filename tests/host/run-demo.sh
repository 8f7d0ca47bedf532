#!/bin/bash
# scripts/demo --quick on this host: the comparison runs end to end, the
# report folder holds what it promises, and bad flags are refused. The VM
# part is left to the VM suites (tests/vm/run.sh, run-vdpa.sh), which boot
# the same VM; here it would double the time.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

t_begin demo

if ! command -v qemu-storage-daemon >/dev/null; then
	t_skip all "qemu-storage-daemon not found (install qemu-system-common)"
	t_end
	exit 0
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-demo.XXXXXX")
trap 'rm -rf "$out"' EXIT
demo=$blk_top/scripts/demo

# The VM part boots a VM; the VM suites cover it. This suite runs the host part.

start=$(date +%s)
log=$(timeout 600 "$demo" --quick --no-vm --out "$out" 2>&1)
rc=$?
secs=$(($(date +%s) - start))
if [ "$rc" -eq 0 ]; then
	t_pass "scripts/demo --quick --no-vm exits 0 (${secs}s)"
else
	t_fail "scripts/demo --quick --no-vm exits 0" "exit status $rc" "$log"
fi

if grep -Eq '^\[ *[0-9]+/[0-9]+ [0-9]+:[0-9]{2}\] host-file' <<<"$log"; then
	t_pass "progress lines name the run, n of m and the elapsed time"
else
	t_fail "progress lines" "$log"
fi

# Every engine and workload of the host targets has its JSON, and fio's
# JSON says the job ran without error.
missing=()
for w in randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd32 seqread-128k-qd8 randrw70-4k-qd16; do
	for e in virtio-blk-vhost-user libblkio io_uring; do
		f=$out/host-file__${w}__${e}__r1.json
		python3 -c '
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.find("{"):])
j = d["jobs"][0]
assert j["error"] == 0 and j["read"]["total_ios"] + j["write"]["total_ios"] > 0
' "$f" 2>/dev/null || missing+=("$f")
	done
done
for w in randread-4k-qd1 randread-4k-qd1-poll randread-4k-qd32 seqread-128k-qd8; do
	for e in virtio-blk-vhost-user libblkio; do
		f=$out/host-null__${w}__${e}__r1.json
		[ -s "$f" ] || missing+=("$f")
	done
done
if [ ${#missing[@]} -eq 0 ]; then
	t_pass "fio JSON for every host workload and engine, no errors"
else
	t_fail "fio JSON for every host workload and engine" "missing or failed:" "${missing[@]}" "$log"
fi

# The table: one row per engine and workload with a ratio for ours.
if grep -Eq '^host-file +randread-4k-qd32 +virtio-blk-vhost-user +[0-9,]+ .* [0-9.]+x vs io_uring, [0-9.]+x vs libblkio' <<<"$log" &&
	grep -Eq '^host-file +randread-4k-qd32 +io_uring +[0-9,]+' <<<"$log" &&
	grep -Eq '^host-null +randread-4k-qd1-poll +virtio-blk-vhost-user +[0-9,]+ .* [0-9.]+x vs libblkio' <<<"$log"; then
	t_pass "table printed with IOPS and the ours/builtin ratios (io_uring, libblkio)"
else
	t_fail "table printed with IOPS and the ours/builtin ratio" "$log"
fi

if [ -s "$out/summary.md" ] && grep -q '^## host-file' "$out/summary.md" &&
	grep -q 'load average' "$out/summary.md" && grep -q 'p99.9' "$out/summary.md"; then
	t_pass "summary.md: per-target tables, percentiles, load average"
else
	t_fail "summary.md" "$(cat "$out/summary.md" 2>/dev/null)"
fi
rows=$(($(wc -l <"$out/results.csv" 2>/dev/null || echo 0) - 1))
if [ "$rows" -eq 23 ]; then
	t_pass "results.csv: 23 rows"
else
	t_fail "results.csv: 23 rows" "found $rows" "$(cat "$out/results.csv" 2>/dev/null)"
fi
if command -v gnuplot >/dev/null; then
	bad=
	for p in iops latency latency-p99 percentiles-host-file percentiles-host-null; do
		head -c 8 "$out/plots/$p.png" 2>/dev/null | grep -q PNG || bad="$bad $p"
	done
	if [ -z "$bad" ]; then
		t_pass "PNG plots drawn"
	else
		t_fail "PNG plots drawn" "missing or not PNG:$bad"
	fi
else
	t_skip "PNG plots drawn" "gnuplot not installed"
fi
if ! pgrep -f "qemu-storage-daemon.*blkdemo" >/dev/null; then
	t_pass "no daemon left running"
else
	t_fail "no daemon left running" "$(pgrep -af 'qemu-storage-daemon.*blkdemo')"
fi

# Refusals: clear message, non-zero exit, nothing run.
expect_refused() {
	local name=$1 re=$2 out2
	shift 2
	if out2=$(timeout 60 "$demo" "$@" --out "$out/refused" 2>&1); then
		t_fail "$name" "exit status 0" "$out2"
	elif grep -Eq -- "$re" <<<"$out2"; then
		t_pass "$name"
	else
		t_fail "$name" "no message matching '$re'" "$out2"
	fi
}
expect_refused "unknown flag" "unknown option '--frobnicate'" --frobnicate
expect_refused "--reps 0" "--reps 0: give a whole number" --reps 0
expect_refused "--nvme on a block device name" "generic char device /dev/ngXnY" --nvme /dev/nvme0n1
expect_refused "--vhost-user on a missing socket" "not a unix socket" --vhost-user "$out/none.sock"
expect_refused "--vdpa on a wrong path" "not a /dev/vhost-vdpa-N" --vdpa /dev/null
hosts=$out/hosts
echo localhost >"$hosts"
if out2=$(cd "$out" && timeout 120 "$demo" --hosts "$hosts" --quick --out "$out/hosts-report" 2>&1); then
	t_fail "--hosts with a host line lacking its target" "exit 0" "$out2"
elif grep -q "no TARGET is given for localhost" <<<"$out2"; then
	t_pass "--hosts with a host line lacking its target"
else
	t_fail "--hosts with a host line lacking its target" "no message naming the missing target" "$out2"
fi

# The instruction-count profile: both engines counted, our functions named.
prof=$(timeout 300 "$blk_top/scripts/profile-vhost-user" --ios 2000 2>&1)
if grep -Eq '^ours +[0-9]+ +[0-9]+$' <<<"$prof" && grep -Eq '^libblkio +[0-9]+ +[0-9]+$' <<<"$prof" &&
	grep -Eq '^ +[0-9.]+ +virtio_blk_queue$' <<<"$prof"; then
	t_pass "scripts/profile-vhost-user: instructions per I/O of both engines, our functions"
else
	t_fail "scripts/profile-vhost-user" "$prof"
fi

t_end
