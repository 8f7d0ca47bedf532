# Instructions per I/O with valgrind's callgrind. Source it.
#
# Every run binds symbols at load (LD_BIND_NOW=1): lazily bound, a module's
# calls into fio and its libraries are resolved by the first job that makes
# them, in that job's thread, so with several jobs in one process the
# first job of an external engine counted thousands of instructions the
# others did not, and a difference of two such jobs came out lower than
# the I/O costs (about 17 instructions per I/O at 1,000 I/Os).
#
# callgrind_totals N DIR FIO-COMMAND...: runs the fio command (one job,
# thread=1, without --number_ios) under callgrind for N and for 3N I/Os and
# prints the user-space instructions of the job's thread in each ("T1 T3"):
# (T3 - T1) / 2N is one I/O, start-up and tear-down left out. Only the
# job's thread counts: fio's main thread wakes up on a timer while the job
# runs, so its count follows how long the run took, not the I/O (runs of
# the same job differed by hundreds of instructions per I/O with it). The
# thread's count is dumped as fio closes the engine (DIR/cg.K.PART-THREAD,
# K = 1 or 3, for callgrind_annotate). On failure it prints the run's last
# lines to stderr and returns 1.
callgrind_totals() {
	local n=$1 dir=$2 k f t totals=()
	shift 2
	for k in 1 3; do
		rm -f "$dir/cg.$k" "$dir/cg.$k".*
		if ! LD_BIND_NOW=1 valgrind --tool=callgrind --separate-threads=yes --dump-after=close_ioengine \
			--callgrind-out-file="$dir/cg.$k" "$@" --number_ios=$((k * n)) >"$dir/log" 2>&1; then
			tail -n 5 "$dir/log" | sed 's/^/    | /' >&2
			return 1
		fi
		t=
		for f in "$dir/cg.$k".*-*; do
			[ -e "$f" ] || continue
			t=$((${t:-0} + $(awk '/^(summary|totals):/ { print $2; exit }' "$f")))
		done
		if [ -z "$t" ]; then
			echo "    | callgrind wrote no dump of the job's thread (is the job thread=1?)" >&2
			return 1
		fi
		totals+=("$t")
	done
	echo "${totals[0]} ${totals[1]}"
}

# callgrind_per_io N KEEP FIO-COMMAND...: the instructions of one I/O from
# callgrind_totals. KEEP, unless empty, is where the 3N run's dump of the
# job's thread is kept for callgrind_annotate.
callgrind_per_io() {
	local n=$1 keep=$2 dir t1 t3 parts
	shift 2
	dir=$(mktemp -d)
	if ! read -r t1 t3 < <(callgrind_totals "$n" "$dir" "$@"); then
		rm -rf "$dir"
		return 1
	fi
	parts=("$dir"/cg.3.*-*)
	[ -n "$keep" ] && mv "${parts[0]}" "$keep"
	rm -rf "$dir"
	echo $(((t3 - t1) / (2 * n)))
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
	LD_BIND_NOW=1 valgrind --tool=callgrind --separate-threads=yes --dump-after=close_ioengine \
		--callgrind-out-file="$dir/cg.out" "$@" >"$dir/log" 2>&1 || return 1
	for f in "$dir"/cg.out.*-*; do
		[ -e "$f" ] || continue
		printf '%s %s\n' "$(awk -F'[.-]' '{ print $(NF - 1) }' <<<"${f##*/}")" \
			"$(awk '/^(summary|totals):/ { print $2; exit }' "$f")"
	done | sort -n | awk '{ print $2 }'
}
