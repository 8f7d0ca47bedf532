#!/bin/bash
# scripts/demo --quick on this host: the comparison runs end to end, the
# report folder holds what it promises (every figure recomputed from the
# run's own fio JSON; one plot per target), a run without fio's libblkio
# engine says why and shows no libblkio figure, apt_mirror reads fake apt
# configurations, and bad flags are refused. The VM
# part is left to the VM suites (tests/vm/run.sh, run-vdpa.sh), which boot
# the same VM; here it would double the time.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"

t_begin demo

# scripts/lib/apt-mirror.sh: the mirror comes from the apt configuration
# it is pointed at (fake ones here), never from a name of its own.
. "$blk_top/scripts/lib/apt-mirror.sh"
apt=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-apt.XXXXXX")
mkdir -p "$apt/a/sources.list.d" "$apt/b/sources.list.d" "$apt/c/sources.list.d"
# deb822: a source-only entry, a security one, a disabled one, then the
# mirror (two types, two suites, a trailing slash).
cat >"$apt/a/sources.list.d/debian.sources" <<'SRC'
Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

# the security archive
Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb deb-src
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
SRC
# One-line style: source and security lines first, options in brackets.
cat >"$apt/b/sources.list" <<'SRC'
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://list.example/debian bookworm main contrib
SRC
# Neither: a source entry and an unrelated suite only.
printf 'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n' >"$apt/c/sources.list.d/src.sources"
printf 'deb http://other.example/debian trixie main\n' >"$apt/c/sources.list"

# expect_mirror NAME URL ARGS...: apt_mirror ARGS prints URL and exits 0.
expect_mirror() {
	local name=$1 want=$2 got
	shift 2
	if got=$(apt_mirror "$@" 2>&1) && [ "$got" = "$want" ]; then
		t_pass "$name"
	else
		t_fail "$name" "expected $want, got: $got"
	fi
}
expect_mirror "apt_mirror: the deb822 entry with Types deb and the codename in Suites" \
	http://mirror.example/debian "$apt/a" bookworm
expect_mirror "apt_mirror: the 'deb [options] URL codename' line of sources.list" \
	http://list.example/debian "$apt/b" bookworm
BLKENGINE_APT_DIR=$apt/b expect_mirror "apt_mirror: BLKENGINE_APT_DIR names the apt folder" \
	http://list.example/debian "" bookworm
if got=$(apt_mirror "$apt/c" bookworm 2>&1); then
	t_fail "apt_mirror: no mirror for the codename is an error" "exit 0: $got"
elif grep -qF "$apt/c/sources.list.d/src.sources" <<<"$got" && grep -qF "$apt/c/sources.list" <<<"$got" &&
	grep -q "no Debian mirror for 'bookworm'" <<<"$got"; then
	t_pass "apt_mirror: no mirror: exit 1, naming the codename and the files read"
else
	t_fail "apt_mirror: no mirror: message naming the codename and files" "$got"
fi
rm -rf "$apt"

if ! command -v qemu-storage-daemon >/dev/null; then
	t_skip all "qemu-storage-daemon not found (install qemu-system-common)"
	t_end
	exit
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

# check_report DIR: every figure in DIR's summary.md and results.csv is
# recomputed from the fio JSON files in DIR (the run's own measurements);
# a row with no JSON behind it, a value that differs, or a table of another
# kind fails. Prints what is wrong; exits 0 when all agree.
check_report() {
	python3 - "$1" <<'PY'
import glob, json, os, re, statistics, sys
d = sys.argv[1]
runs = {}
for path in glob.glob(os.path.join(d, "*__*__*__r*.json")):
    t, w, e, _ = os.path.basename(path)[:-5].split("__")
    text = open(path).read()
    doc = json.loads(text[text.find("{"):])
    iops = bw = lat = n = 0.0
    p99 = None
    for j in doc["jobs"]:
        for k in ("read", "write", "trim"):
            side = j.get(k) or {}
            if not side.get("total_ios"):
                continue
            iops += side["iops"]
            bw += side["bw_bytes"]
            lat += side["lat_ns"]["mean"] * side["total_ios"]
            n += side["total_ios"]
            v = side["lat_ns"]["percentile"]["99.000000"] / 1000
            p99 = v if p99 is None else max(p99, v)
    runs.setdefault((t, w, e), []).append(dict(iops=iops, mbps=bw / 1e6, lat=lat / n / 1000, p99=p99))
med = {k: {m: statistics.median(r[m] for r in v) for m in ("iops", "mbps", "lat", "p99")}
       for k, v in runs.items()}
bad = []
checked = 0

def num(cell):
    return float(cell.replace(",", ""))

def same(cell, want, what):
    global checked
    checked += 1
    got = num(cell)
    # The report rounds: 0 to 2 decimals, thousands to units.
    if abs(got - want) > max(0.006 * abs(want), 0.06):
        bad.append(f"{what}: report {cell}, fio JSON {want:.3f}")

def ratios(cell, t, w, e, what):
    for r, base in re.findall(r"([0-9.]+)x vs ([\w-]+)", cell):
        if (t, w, base) not in med:
            bad.append(f"{what}: a ratio against {base}, which has no fio JSON")
            continue
        same(r, med[(t, w, e)]["iops"] / med[(t, w, base)]["iops"], f"{what} ratio vs {base}")

MAIN = ["workload", "engine", "IOPS (median)", "min-max", "MB/s", "mean lat us", "p99 lat us",
        "CPU us/IO", "ours/builtin"]
PCT = ["workload", "engine", "p50", "p90", "p99", "p99.9"]
# --restart-every: the restarts the demo made, the engine's outage records.
OUT = ["workload", "engine", "IOPS (median)", "restarts", "reconnects", "outages",
       "no completion s: median", "max", "resubmitted"]
# Instructions per I/O from callgrind (check_instructions).
INSTR = ["workload", "engine", "instr/IO", "share", "ours/builtin total", "ours/builtin share"]
outs = {}
for path in glob.glob(os.path.join(d, "*__*__*__r*.outages")):
    base = path[:-len(".outages")]
    t, w, e, _ = os.path.basename(base).split("__")
    recs = [json.loads(l) for l in open(path) if l.strip()]
    o = outs.setdefault((t, w, e), dict(restarts=0, reconnects=0, dark=[], resub=0))
    o["restarts"] += int(open(base + ".restarts").read())
    o["reconnects"] += max(r["reconnects"] for r in recs)
    o["dark"] += [x["no_completion_s"] for r in recs for x in r["outages"]]
    o["resub"] += sum(x["resubmitted"] for r in recs for x in r["outages"])
section = header = None
rows = set()
for line in open(os.path.join(d, "summary.md")):
    line = line.rstrip("\n")
    if line.startswith("## "):
        section, header = line[3:], None
        continue
    if not line.startswith("|"):
        header = None
        continue
    cells = [c.strip() for c in line.strip("|").split("|")]
    if header is None:
        header = cells
        if header not in (MAIN, PCT, OUT, INSTR):
            bad.append(f"summary.md: a table not made from this run's fio JSON: {line}")
        continue
    if set(line) <= set("|-") or header == INSTR:
        continue  # instruction counts: check_instructions recomputes them
    key = (section, cells[0], cells[1])
    what = "summary.md " + " ".join(key)
    if key not in med:
        bad.append(f"{what}: no fio JSON for this row")
        continue
    m = med[key]
    if header == MAIN:
        rows.add(key)
        lo, hi = cells[3].split("-")
        same(cells[2], m["iops"], what + " IOPS")
        same(lo, min(r["iops"] for r in runs[key]), what + " min IOPS")
        same(hi, max(r["iops"] for r in runs[key]), what + " max IOPS")
        same(cells[4], m["mbps"], what + " MB/s")
        same(cells[5], m["lat"], what + " mean latency")
        same(cells[6], m["p99"], what + " p99")
        ratios(cells[8], *key, what)
    elif header == PCT:
        same(cells[4], m["p99"], what + " p99")
    elif header == OUT:
        o = outs.get(key)
        if not o:
            bad.append(f"{what}: an outage row with no outage records")
            continue
        same(cells[2], m["iops"], what + " IOPS")
        for i, k in ((3, "restarts"), (4, "reconnects"), (8, "resub")):
            if int(cells[i]) != o[k]:
                bad.append(f"{what} {k}: report {cells[i]}, records {o[k]}")
        if int(cells[5]) != len(o["dark"]):
            bad.append(f"{what} outages: report {cells[5]}, records {len(o['dark'])}")
        if o["dark"]:
            same(cells[6], statistics.median(o["dark"]), what + " median outage")
            same(cells[7], max(o["dark"]), what + " longest outage")
if rows != set(med):
    bad.append(f"summary.md rows {sorted(rows)} differ from the runs {sorted(med)}")
lines = open(os.path.join(d, "results.csv")).read().splitlines()
cols = lines[0].split(",")
for line in lines[1:]:
    c = dict(zip(cols, line.split(",")))
    key = (c["target"], c["workload"], c["engine"])
    if key not in med:
        bad.append(f"results.csv {' '.join(key)}: no fio JSON for this row")
        continue
    same(c["IOPS (median)"], med[key]["iops"], f"results.csv {' '.join(key)} IOPS")
    ratios(c["ours/builtin"], *key, "results.csv " + " ".join(key))
if not med:
    bad.append("no fio JSON in " + d)
print("\n".join(bad) if bad else f"{checked} values agree with the fio JSON")
sys.exit(1 if bad else 0)
PY
}

if res=$(check_report "$out"); then
	t_pass "every figure of summary.md and results.csv is recomputed from the run's fio JSON ($res)"
else
	t_fail "the report's figures come from the run's fio JSON" "$res"
fi

# check_instructions DIR ENGINES: instructions.csv has a row for each of
# ENGINES (space-separated) at QD1 and QD32 on host-null, each total is
# what callgrind's dump of the job's thread in DIR/callgrind says, and
# summary.md's instructions table shows (T3 - T1) / 2N for each.
check_instructions() {
	python3 - "$1" "$2" <<'PY'
import glob, os, re, sys
d, engines = sys.argv[1], sys.argv[2].split()
bad, seen = [], set()

def dump_total(pattern):
    files = glob.glob(pattern)
    if not files:
        return None
    t = 0
    for f in files:
        m = re.search(r"^(?:summary|totals): (\d+)", open(f).read(), re.M)
        t += int(m.group(1))
    return t

summary = open(os.path.join(d, "summary.md")).read()
lines = open(os.path.join(d, "instructions.csv")).read().splitlines()
for line in lines[1:]:
    target, workload, engine, n, t1, t3 = line.split(",")
    seen.add((workload, engine))
    cg = os.path.join(d, "callgrind", f"{target}.{engine}.{workload.rsplit('-', 1)[1]}")
    for k, t in (("1", t1), ("3", t3)):
        got = dump_total(os.path.join(cg, f"cg.{k}.*-*"))
        if got != int(t):
            bad.append(f"{engine} {workload}: instructions.csv says {t}, callgrind's dump {got}")
    per = (int(t3) - int(t1)) / (2 * int(n))
    if not 300 < per < 100000:
        bad.append(f"{engine} {workload}: {per:.0f} instructions per I/O is not a plausible count")
    row = f"| {workload} | {engine} | {per:.0f} |"
    if row not in summary:
        bad.append(f"summary.md lacks '{row}'")
for engine in engines:
    for qd in ("qd1", "qd32"):
        if (f"randread-4k-{qd}", engine) not in seen:
            bad.append(f"no count for {engine} at {qd}")
for workload, engine in seen:
    if engine not in engines:
        bad.append(f"a count for {engine}, which did not run")
print("\n".join(bad) if bad else f"{len(lines) - 1} counts agree with callgrind's dumps")
sys.exit(1 if bad else 0)
PY
}

if res=$(check_instructions "$out" "virtio-blk-vhost-user libblkio null"); then
	t_pass "instructions per I/O of ours, libblkio and fio's null engine at QD1 and QD32, from callgrind's dumps into summary.md ($res)"
else
	t_fail "instructions per I/O in the report" "$res" "$(cat "$out/instructions.csv" 2>/dev/null)"
fi

# check_plots DIR: an IOPS and a bandwidth PNG for each target of the
# report, each of a readable size (the header's width and height).
check_plots() {
	python3 - "$1" <<'PY'
import os, struct, sys
d = sys.argv[1]
targets = sorted({l.split(",")[0] for l in open(os.path.join(d, "results.csv")).read().splitlines()[1:]})
bad = []
for t in targets:
    for kind in ("iops", "bandwidth"):
        p = os.path.join(d, "plots", f"{kind}-{t}.png")
        try:
            head = open(p, "rb").read(24)
        except OSError:
            bad.append(f"{p}: missing")
            continue
        if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
            bad.append(f"{p}: not a PNG")
            continue
        w, h = struct.unpack(">II", head[16:24])
        if not (900 <= w <= 1200 and 300 <= h <= 900):
            bad.append(f"{p}: {w}x{h} pixels, not 900-1200 wide and 300-900 high")
        if f"(plots/{kind}-{t}.png)" not in open(os.path.join(d, "summary.md")).read():
            bad.append(f"summary.md does not show plots/{kind}-{t}.png")
print("\n".join(bad) if bad else f"targets {', '.join(targets)}")
sys.exit(1 if bad or not targets else 0)
PY
}
if command -v gnuplot >/dev/null; then
	if res=$(check_plots "$out"); then
		t_pass "IOPS and bandwidth plots: one PNG per target, 900-1200 pixels wide ($res)"
	else
		t_fail "IOPS and bandwidth plots, one PNG per target of a readable size" "$res" "$(ls -l "$out/plots")"
	fi
	bad=
	for p in latency-host-file latency-p99-host-null percentiles-host-file percentiles-host-null; do
		head -c 8 "$out/plots/$p.png" 2>/dev/null | grep -q PNG || bad="$bad $p"
	done
	if [ -z "$bad" ]; then
		t_pass "latency and percentile PNG plots drawn"
	else
		t_fail "latency and percentile PNG plots drawn" "missing or not PNG:$bad"
	fi
else
	t_skip "PNG plots drawn" "gnuplot not installed"
fi

# Without fio's libblkio engine (BLKENGINE_BLKIO_FIO names a fio that is
# not there): the run goes on with the other engines, and the report says
# why libblkio is missing and shows no libblkio figure or ratio.
nb=$out/no-blkio
nofio=$out/no-such-fio/fio
# This run also restarts the back-end under our engine (--restart-every).
log=$(BLKENGINE_BLKIO_FIO=$nofio timeout 600 "$demo" --quick --no-vm --restart-every 0.5 --out "$nb" 2>&1)
rc=$?
why="BLKENGINE_BLKIO_FIO=$nofio: no such fio binary"
if [ "$rc" -ne 0 ]; then
	t_fail "scripts/demo without a libblkio fio exits 0" "exit status $rc" "$log"
elif ! grep -qF "libblkio engine was not run" "$nb/summary.md" ||
	! grep -F "libblkio engine was not run" "$nb/summary.md" | grep -qF "$why"; then
	t_fail "without libblkio, summary.md says it was not run and why ($why)" "$(cat "$nb/summary.md")"
elif ! grep -F "libblkio engine was not run" <<<"$log" | grep -qF "$why"; then
	t_fail "without libblkio, the console table says it was not run and why" "$log"
else
	t_pass "without libblkio, summary.md and the console say it was not run and why"
fi
blkio_rows=$(grep -c ',libblkio,' "$nb/results.csv" 2>/dev/null)
blkio_json=$(find "$nb" -name '*__libblkio__*' | wc -l)
blkio_table=$(grep -E '^\|' "$nb/summary.md" | grep -c libblkio)
blkio_console=$(grep -cE '^host-(file|null) .*libblkio' <<<"$log")
if [ -s "$nb/results.csv" ] && [ "$blkio_rows" -eq 0 ] && [ "$blkio_json" -eq 0 ] &&
	[ "$blkio_table" -eq 0 ] && [ "$blkio_console" -eq 0 ] &&
	grep -Eq '^host-null +randread-4k-qd1 +virtio-blk-vhost-user +[0-9,]+ .* -\s*$' <<<"$log"; then
	t_pass "without libblkio: no libblkio row, figure or ratio in summary.md, results.csv or the console"
else
	t_fail "without libblkio: no libblkio figures" "results.csv rows $blkio_rows, JSON $blkio_json, summary.md table lines $blkio_table, console lines $blkio_console" \
		"$(cat "$nb/summary.md" 2>/dev/null)" "$log"
fi
if res=$(check_instructions "$nb" "virtio-blk-vhost-user null"); then
	t_pass "without libblkio: instructions per I/O of ours and fio's null engine alone ($res)"
else
	t_fail "without libblkio: instructions per I/O of ours and null alone" "$res" \
		"$(cat "$nb/instructions.csv" 2>/dev/null)"
fi
if res=$(check_report "$nb"); then
	t_pass "without libblkio, every figure is recomputed from that run's fio JSON ($res)"
else
	t_fail "without libblkio, the report's figures come from its run's fio JSON" "$res"
fi
# --restart-every: each run of the host-restart target saw the demo's
# restarts, and the engine reconnected and recorded an outage for each.
if res=$(python3 - "$nb" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
files = glob.glob(os.path.join(d, "host-restart__*__virtio-blk-vhost-user__r*.outages"))
bad = []
for path in files:
    base = path[:-len(".outages")]
    restarts = int(open(base + ".restarts").read())
    recs = [json.loads(l) for l in open(path) if l.strip()]
    n = sum(len(r["outages"]) for r in recs)
    gen = max(r["reconnects"] for r in recs)
    if not restarts or restarts != n or restarts != gen:
        bad.append(f"{os.path.basename(base)}: {restarts} restarts, {gen} reconnects, {n} outages")
    if not os.path.exists(base + ".json"):
        bad.append(f"{os.path.basename(base)}: no fio result")
if len(files) != 5:
    bad.append(f"{len(files)} host-restart runs with outage records, expected 5")
print("\n".join(bad) if bad else f"{len(files)} runs")
sys.exit(1 if bad else 0)
PY
) && grep -q '^host-restart .*virtio-blk-vhost-user' <<<"$log" && grep -q 'restarts, summed' "$nb/summary.md"; then
	t_pass "--restart-every: every host-restart run reconnected once per restart and the report shows its outages ($res)"
else
	t_fail "--restart-every: outages match the restarts" "$res" "$(cat "$nb/summary.md" 2>/dev/null)"
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
expect_refused "--restart-every 0" "--restart-every 0: give seconds" --restart-every 0
expect_refused "--restart-every with a user's socket" "--restart-every restarts the qemu-storage-daemon the demo starts" \
	--restart-every 2 --vhost-user "$out/none.sock"
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
