# The comparison's workloads and its fio runner, shared by scripts/demo
# (on the host) and scripts/lib/demo-guest.sh (inside the test VM).
# Source it; set bench_out, bench_reps, bench_runtime first.
#
# One result is one fio run with --output-format=json, stored as
#   $bench_out/TARGET__WORKLOAD__ENGINE__rREP.json
# which scripts/lib/report.py reads.

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_module=${BLKENGINE_BUILD:-$bench_top/build}/.libs/libblkengine.so
bench_fio=${FIO:-fio}
bench_fio_cpu=		# --cpus_allowed for fio; empty: not pinned
bench_during=		# a function run in the background during each bench_run, with
			# the run's result path less .json; stopped (SIGTERM) after fio
bench_done=0
bench_total=0
bench_failed=0
bench_start=$(date +%s)

# Same names and order everywhere: the report lines them up by name.
bench_workloads=(randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd32 seqread-128k-qd8 randrw70-4k-qd16)

bench_workload_args() {
	case $1 in
	randread-4k-qd1)	echo "--rw=randread --bs=4k --iodepth=1" ;;
	randread-4k-qd1-poll)	echo "--rw=randread --bs=4k --iodepth=1 --hipri=1" ;;
	randread-4k-qd32)	echo "--rw=randread --bs=4k --iodepth=32" ;;
	randwrite-4k-qd32)	echo "--rw=randwrite --bs=4k --iodepth=32" ;;
	seqread-128k-qd8)	echo "--rw=read --bs=128k --iodepth=8" ;;
	randrw70-4k-qd16)	echo "--rw=randrw --rwmixread=70 --bs=4k --iodepth=16" ;;
	*) return 1 ;;
	esac
}

# Whether a workload writes (skipped on a user's device without --allow-writes).
bench_workload_writes() {
	case $1 in
	randwrite-*|randrw*) return 0 ;;
	*) return 1 ;;
	esac
}

bench_elapsed() {
	local s=$(($(date +%s) - bench_start))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}

# bench_json_summary FILE: "IOPS, mean latency" of one fio JSON file.
bench_json_summary() {
	python3 - "$1" <<'PY' 2>/dev/null
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.find("{"):])
iops = lat = n = 0
for j in d["jobs"]:
    for k in ("read", "write"):
        s = j[k]
        iops += s["iops"]
        lat += s["lat_ns"]["mean"] * s["total_ios"]
        n += s["total_ios"]
print(f"{iops:,.0f} IOPS, mean {lat / n / 1000 if n else 0:.1f} us")
PY
}

# bench_run TARGET WORKLOAD ENGINE REP FIO_ARGS...: one fio run, with a
# progress line. ENGINE is the name the report shows; FIO_ARGS name the
# engine and the target. Returns fio's status (the run goes on).
bench_run() {
	local target=$1 workload=$2 engine=$3 rep=$4 out err rc wargs during=
	shift 4
	bench_done=$((bench_done + 1))
	out=$bench_out/${target}__${workload}__${engine}__r${rep}.json
	err=$bench_out/${target}__${workload}__${engine}__r${rep}.err
	wargs=$(bench_workload_args "$workload")
	if [ -n "$bench_during" ]; then
		"$bench_during" "${out%.json}" &
		during=$!
	fi
	printf '[%2d/%d %s] %-10s %-18s %-24s rep %d/%d ... ' "$bench_done" "$bench_total" \
		"$(bench_elapsed)" "$target" "$workload" "$engine" "$rep" "$bench_reps"
	# shellcheck disable=SC2086
	# Engine options (hipri) are only known after --ioengine: the
	# engine's arguments come first.
	timeout --kill-after=10 $((bench_runtime + 90)) "$bench_fio" \
		--output-format=json --output="$out" --name="$workload" "$@" $wargs \
		--thread=1 --time_based=1 --runtime="$bench_runtime" \
		--norandommap=1 --randrepeat=0 --lat_percentiles=1 --percentile_list=50:90:99:99.9 \
		${bench_fio_cpu:+--cpus_allowed="$bench_fio_cpu"} >"$err" 2>&1
	rc=$?
	if [ -n "$during" ]; then
		kill -TERM "$during" 2>/dev/null
		wait "$during" 2>/dev/null
	fi
	if [ "$rc" -eq 0 ] && [ -s "$out" ]; then
		echo "$(bench_json_summary "$out")"
		[ -s "$err" ] || rm -f "$err"
	else
		bench_failed=$((bench_failed + 1))
		echo "FAILED (fio exit status $rc)"
		sed 's/^/    | /' "$err" | tail -n 8
		[ -s "$out" ] && mv "$out" "$out.failed"
	fi
	return $rc
}

# bench_matrix TARGET ENGINE_FN...: runs every workload of $bench_workloads
# through each engine, reps times, repetition-major so a slow moment hits
# all engines alike. ENGINE_FN TARGET WORKLOAD REP runs one (via
# bench_run). Workloads named in $bench_skip are left out.
bench_matrix() {
	local target=$1 rep w fn
	shift
	for rep in $(seq "$bench_reps"); do
		for w in "${bench_workloads[@]}"; do
			[[ " ${bench_skip:-} " == *" $w "* ]] && continue
			for fn in "$@"; do
				"$fn" "$target" "$w" "$rep"
			done
		done
	done
}

# bench_count N_ENGINES: adds a matrix's runs to the progress total.
bench_count() {
	local n=0 w
	for w in "${bench_workloads[@]}"; do
		[[ " ${bench_skip:-} " == *" $w "* ]] && continue
		n=$((n + 1))
	done
	bench_total=$((bench_total + n * $1 * bench_reps))
}

# bench_group TARGET ENGINE REP FIO_ARGS...: every workload of
# $bench_workloads (less $bench_skip) in one fio process, one job after
# the other (stonewall), split into one JSON file per workload. Where
# starting fio is slow (an emulated VM) this saves most of the time.
bench_group() {
	local target=$1 engine=$2 rep=$3 out err rc w jobs=() names=()
	shift 3
	for w in "${bench_workloads[@]}"; do
		[[ " ${bench_skip:-} " == *" $w "* ]] && continue
		# shellcheck disable=SC2207
		jobs+=(--name="$w" $(bench_workload_args "$w") --stonewall)
		names+=("$w")
	done
	bench_done=$((bench_done + 1))
	out=$bench_out/${target}__group__${engine}__r${rep}.out
	err=$bench_out/${target}__${engine}__r${rep}.err
	printf '[%2d/%d %s] %-10s %-24s rep %d/%d: %d workloads ...\n' "$bench_done" "$bench_total" \
		"$(bench_elapsed)" "$target" "$engine" "$rep" "$bench_reps" "${#names[@]}"
	timeout --kill-after=10 $((${#names[@]} * (bench_runtime + 120))) "$bench_fio" \
		--output-format=json --output="$out" "$@" \
		--thread=1 --time_based=1 --runtime="$bench_runtime" \
		--norandommap=1 --randrepeat=0 --lat_percentiles=1 --percentile_list=50:90:99:99.9 \
		${bench_fio_cpu:+--cpus_allowed="$bench_fio_cpu"} "${jobs[@]}" >"$err" 2>&1
	rc=$?
	# One file per job, named as bench_run names them.
	if ! python3 - "$out" "$bench_out" "$target" "$engine" "$rep" <<'PY'
import json, sys
src, folder, target, engine, rep = sys.argv[1:]
t = open(src).read()
d = json.loads(t[t.find("{"):])
for j in d["jobs"]:
    name = f"{folder}/{target}__{j['jobname']}__{engine}__r{rep}.json"
    json.dump(dict(d, jobs=[j]), open(name, "w"), indent=1)
    iops = lat = n = 0
    for k in ("read", "write"):
        s = j[k]
        iops += s["iops"]
        lat += s["lat_ns"]["mean"] * s["total_ios"]
        n += s["total_ios"]
    err = f", error {j['error']}" if j.get("error") else ""
    print(f"      {target:10s} {j['jobname']:20s} {engine:24s} {iops:,.0f} IOPS, mean {lat / n / 1000 if n else 0:.1f} us{err}")
PY
	then
		[ "$rc" -eq 0 ] && rc=1
	fi
	rm -f "$out"
	if [ "$rc" -ne 0 ]; then
		bench_failed=$((bench_failed + 1))
		echo "      FAILED (fio exit status $rc)"
		sed 's/^/    | /' "$err" | tail -n 8
	else
		[ -s "$err" ] || rm -f "$err"
	fi
	return $rc
}
