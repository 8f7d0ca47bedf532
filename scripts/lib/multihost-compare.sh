#!/bin/bash
# The comparison workloads (4k random read at QD1 and QD32, 4k random write
# at QD32, 128k sequential read at QD8, a 70/30 random mix at QD16) through
# blkengine on every host of a lab at once, over fio's client/server mode
# (scripts/lab), with the results of all hosts merged into one table.
#
#   multihost-compare.sh HOSTFILE OUTDIR [--quick] [OPTIONS]
#   multihost-compare.sh --hosts HOSTFILE [--out OUTDIR] [--quick] [OPTIONS]
#       (the second form is what `scripts/demo --hosts FILE ...` passes on)
#
# HOSTFILE: one host per line, "HOST[,PORT] TARGET", TARGET the NVMe
# generic char device (/dev/ngXnY) or vhost-user-blk socket on that host;
# every host runs `fio --server`. The write workloads write to every TARGET.
#
# Options:
#   --quick          one repetition of 1 s per workload
#   --reps N         repetitions (default 3), --runtime S seconds (default 5)
#   --no-writes      leave out the workloads that write
#   --module PATH    where libblkengine.so is on the servers (default:
#                    $BLK_LAB_MODULE, else this tree's build when it has one,
#                    which servers sharing this file system can load, else
#                    /usr/local/lib/fio/libblkengine.so)
# Options of scripts/demo that do not apply to hosts (--no-vm, --vm-reps,
# --vm-runtime, --allow-writes) are accepted and ignored.
#
# OUTDIR gets WORKLOAD__rREP.json (fio's merged JSON per run, with
# scripts/lab's per-host verdicts), results.json, results.csv and
# summary.txt (also printed). Exit status 1 when a run failed on a host.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
prog=multihost-compare
die() { echo "$prog: error: $*" >&2; exit 2; }
usage() {
	sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//'
	exit "${1:-0}"
}
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (see $prog --help)"; }
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

hosts=
out=
quick=
reps=3
runtime=5
no_writes=
module=${BLK_LAB_MODULE:-}
positional=()
while [ $# -gt 0 ]; do
	case $1 in
	--hosts) need_arg "$@"; hosts=$2; shift 2 ;;
	--out) need_arg "$@"; out=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--reps) need_arg "$@"; is_count "$2" || die "--reps $2: give a whole number of at least 1"
		reps=$2; shift 2 ;;
	--runtime) need_arg "$@"; is_count "$2" || die "--runtime $2: give whole seconds, at least 1"
		runtime=$2; shift 2 ;;
	--no-writes) no_writes=1; shift ;;
	--module) need_arg "$@"; module=$2; shift 2 ;;
	--no-vm|--allow-writes) shift ;;
	--vm-reps|--vm-runtime) need_arg "$@"; shift 2 ;;
	--nvme|--vhost-user|--vdpa)
		die "$1 names a target on this machine; with --hosts every target is in the host list (HOST[,PORT] TARGET)" ;;
	-h|--help) usage 0 ;;
	-*) die "unknown option '$1' (see $prog --help)" ;;
	*) positional+=("$1"); shift ;;
	esac
done
if [ ${#positional[@]} -gt 0 ]; then
	[ -z "$hosts" ] || die "give the host list once (HOSTFILE or --hosts)"
	hosts=${positional[0]}
	[ ${#positional[@]} -ge 2 ] && out=${positional[1]}
	[ ${#positional[@]} -le 2 ] || die "too many arguments: ${positional[*]:2} (see $prog --help)"
fi
[ -n "$hosts" ] || usage 2
[ -r "$hosts" ] || die "$hosts: cannot read the host list"
out=${out:-$top/report-hosts}
if [ -n "$quick" ]; then
	reps=1
	runtime=1
fi
if [ -z "$module" ]; then
	module=$top/build/.libs/libblkengine.so
	[ -f "$module" ] || module=/usr/local/lib/fio/libblkengine.so
fi
mkdir -p "$out" || die "$out: cannot create the output folder"
out=$(cd "$out" && pwd)
rm -f "$out"/*__r*.json "$out"/results.json "$out"/results.csv "$out"/summary.txt

# The workload names and parameters are the single-host comparison's.
bench_out=$out
bench_reps=$reps
bench_runtime=$runtime
. "$top/scripts/lib/bench.sh"
workloads=()
for w in "${bench_workloads[@]}"; do
	[ -n "$no_writes" ] && bench_workload_writes "$w" && continue
	workloads+=("$w")
done

work=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-mhc.XXXXXX") || die "cannot create a scratch folder"
trap 'rm -rf "$work"' EXIT

# jobfile WORKLOAD: the job, with ${BLK_TARGET} left for scripts/lab.
jobfile() {
	local f=$work/$1.fio a
	{
		echo "[global]"
		echo "ioengine=external:$module"
		echo 'filename=${BLK_TARGET}'
		echo "thread=1"
		echo "time_based=1"
		echo "runtime=$runtime"
		echo "norandommap=1"
		echo "randrepeat=0"
		echo "percentile_list=50:90:99:99.9"
		for a in $(bench_workload_args "$1"); do
			a=${a#--}
			echo "$a"
		done
		echo "[$1]"
	} >"$f"
	echo "$f"
}

echo "$prog: ${#workloads[@]} workloads x $reps repetition(s) of ${runtime}s on every host of $hosts"
echo "$prog: module on the servers: $module (--module or BLK_LAB_MODULE to change)"
failed_runs=()
for rep in $(seq "$reps"); do
	for w in "${workloads[@]}"; do
		job=$(jobfile "$w")
		res=$out/${w}__r$rep.json
		printf '%s: %-18s rep %d/%d ... ' "$prog" "$w" "$rep" "$reps"
		log=$work/$w.$rep.log
		if timeout --kill-after=10 $((runtime + 150)) "$top/scripts/lab" --hosts "$hosts" \
			--timeout $((runtime + 120)) --json "$res" "$job" >"$log" 2>&1; then
			echo ok
		else
			echo FAILED
			failed_runs+=("$w/r$rep")
			grep -E '^lab: ' "$log" | grep -v ': ok' | sed 's/^/    | /' | head -n 20
		fi
	done
done

python3 - "$out" "${workloads[@]}" <<'PY'
import csv, json, os, statistics, sys

out, workloads = sys.argv[1], sys.argv[2:]
rows, hosts = [], []


def p99_us(side):
    pct = (side.get("clat_ns") or {}).get("percentile") or {}
    v = pct.get("99.000000")
    return v / 1000.0 if v is not None else None


for name in sorted(os.listdir(out)):
    if "__r" not in name or not name.endswith(".json"):
        continue
    workload, rep = name[:-5].rsplit("__r", 1)
    with open(os.path.join(out, name)) as f:
        doc = json.load(f)
    lab = doc.get("lab", {}).get("hosts", [])
    for h in lab:
        if h["host"] not in hosts:
            hosts.append(h["host"])
        entries = [e for e in doc.get("client_stats", [])
                   if e.get("hostname") == h["hostname"] and e.get("jobname") != "All clients"]
        row = {"host": h["host"], "server": h.get("server"), "workload": workload,
               "rep": int(rep), "status": h["status"]}
        if h["status"] == "ok" and entries:
            iops = bw = lat_sum = n = 0
            p99 = []
            for e in entries:
                for k in ("read", "write"):
                    s = e[k]
                    iops += s["iops"]
                    bw += s["bw_bytes"]
                    lat_sum += s["lat_ns"]["mean"] * s["total_ios"]
                    n += s["total_ios"]
                    if s["total_ios"] and p99_us(s) is not None:
                        p99.append(p99_us(s))
            row.update(iops=iops, bw_mib=bw / 2**20, lat_mean_us=lat_sum / n / 1000 if n else None,
                       lat_p99_us=max(p99) if p99 else None)
        else:
            row["problems"] = h.get("problems", [])
        rows.append(row)

with open(os.path.join(out, "results.json"), "w") as f:
    json.dump({"hosts": hosts, "workloads": workloads, "results": rows}, f, indent=2)
with open(os.path.join(out, "results.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["host", "server", "workload", "rep", "status", "iops", "bw_mib", "lat_mean_us", "lat_p99_us"])
    for r in rows:
        w.writerow([r["host"], r["server"], r["workload"], r["rep"], r["status"], r.get("iops"),
                    r.get("bw_mib"), r.get("lat_mean_us"), r.get("lat_p99_us")])


def cell(host, workload):
    rs = [r for r in rows if r["host"] == host and r["workload"] == workload]
    ok = [r for r in rs if r["status"] == "ok"]
    if not rs:
        return "-"
    if len(ok) < len(rs):
        return "FAILED"
    iops = statistics.median(r["iops"] for r in ok)
    lat = statistics.median(r["lat_mean_us"] for r in ok if r["lat_mean_us"] is not None)
    return f"{iops:,.0f} IOPS {lat:.1f}us"


lines = ["median IOPS and mean latency per host (blkengine, fio client/server)", ""]
width = max([len(w) for w in workloads] + [8])
cols = [max(len(h), 22) for h in hosts]
lines.append(f"{'workload':<{width}}  " + "  ".join(f"{h:>{c}}" for h, c in zip(hosts, cols)))
for wl in workloads:
    lines.append(f"{wl:<{width}}  " + "  ".join(f"{cell(h, wl):>{c}}" for h, c in zip(hosts, cols)))
servers = {r["host"]: r["server"] for r in rows if r.get("server")}
lines.append("")
lines += [f"{h}: server {servers.get(h, '?')}" for h in hosts]
text = "\n".join(lines) + "\n"
with open(os.path.join(out, "summary.txt"), "w") as f:
    f.write(text)
print(text, end="")
PY
py_rc=$?
echo "$prog: results in $out (summary.txt, results.csv, results.json, one JSON per run)"
if [ ${#failed_runs[@]} -gt 0 ]; then
	echo "$prog: failed runs: ${failed_runs[*]} (see the hosts named above)" >&2
	exit 1
fi
exit $py_rc
