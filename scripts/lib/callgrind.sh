# Instructions per I/O with valgrind's callgrind. Source it.
#
# callgrind_per_io N KEEP FIO-COMMAND...: runs the fio command (without
# --number_ios) under callgrind for N and for 3N I/Os and prints the
# user-space instructions of one I/O: the difference of the two totals over
# 2N, so start-up and tear-down drop out. KEEP, unless empty, is where the
# 3N run's callgrind output is kept for callgrind_annotate. On failure it
# prints the run's last lines to stderr and returns 1.
callgrind_per_io() {
	local n=$1 keep=$2 dir k totals=()
	shift 2
	dir=$(mktemp -d)
	for k in 1 3; do
		if ! valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$k" "$@" \
			--number_ios=$((k * n)) >"$dir/log" 2>&1; then
			tail -n 5 "$dir/log" | sed 's/^/    | /' >&2
			rm -rf "$dir"
			return 1
		fi
		totals+=("$(awk '/^(summary|totals):/ { print $2; exit }' "$dir/cg.$k")")
	done
	[ -n "$keep" ] && mv "$dir/cg.3" "$keep"
	rm -rf "$dir"
	echo $(((totals[1] - totals[0]) / (2 * n)))
}

# callgrind_jobs DIR FIO-COMMAND...: runs one fio command (thread=1, jobs
# one after the other with stonewall) under callgrind and prints the
# user-space instructions of each job's thread, one line per job in job
# order. Starting fio under valgrind once for many jobs saves minutes in an
# emulated VM. Each job ends in fio's close_ioengine(), after which
# callgrind writes that thread's count and starts from zero (part files
# DIR/cg.out.PART-THREAD); fio's main and helper threads stay out of it.
# fio's log is DIR/log. Returns 1 when fio or valgrind failed.
callgrind_jobs() {
	local dir=$1 f
	shift
	rm -f "$dir"/cg.out*
	valgrind --tool=callgrind --separate-threads=yes --dump-after=close_ioengine \
		--callgrind-out-file="$dir/cg.out" "$@" >"$dir/log" 2>&1 || return 1
	for f in "$dir"/cg.out.*-*; do
		[ -e "$f" ] || continue
		printf '%s %s\n' "$(awk -F'[.-]' '{ print $(NF - 1) }' <<<"${f##*/}")" \
			"$(awk '/^(summary|totals):/ { print $2; exit }' "$f")"
	done | sort -n | awk '{ print $2 }'
}
