# Shared helpers for the shell test suites. Source it; call t_begin first.
#
# Each case ends in t_pass, t_fail or t_skip (with a reason). t_end prints
# the suite's closing line "N passed, N failed[, N skipped]" and returns
# non-zero when a case failed. Counts also go to $BLK_TEST_COUNTS when set,
# so scripts/test can add the suites up.
#
# CI=true: a skip is a failure ("FAIL suite: case (skipped in CI: why)"),
# so a suite that cannot run (a tool missing, not root) fails the run
# instead of passing it unseen. A suite that ends early must still go
# through t_skip and t_end, and exit with t_end's status.
#
# BLK_TEST_ONLY=ERE: only the cases whose names match run and count
# (tests/mutants/run.sh uses it to run the one case a mutant targets).
# t_pass/t_fail/t_skip ignore other names; suites wrap costly work in
# "if t_only NAME" so that a filtered run is quick.

t_passed=0
t_failed=0
t_skipped=0
t_suite=

t_begin() {
	t_suite=$1
	echo "== $t_suite"
}

# t_only NAME: true when NAME is selected (BLK_TEST_ONLY unset, or NAME
# matches it as an extended regular expression).
t_only() {
	[ -z "${BLK_TEST_ONLY:-}" ] && return 0
	[[ $1 =~ $BLK_TEST_ONLY ]]
}

# BLK_TEST_TIMES=1: each case's line ends with the seconds since the
# previous case ended (where a suite spends its time).
# t_took sets t_took_text (not printed from $(...): the time of the last
# case must stay in the suite's shell).
t_last=$SECONDS
t_took_text=
t_took() {
	t_took_text=
	[ -n "${BLK_TEST_TIMES:-}" ] || return 0
	t_took_text=" [$((SECONDS - t_last))s]"
	t_last=$SECONDS
}

t_pass() {
	t_only "$1" || return 0
	t_passed=$((t_passed + 1))
	t_took
	echo "PASS $t_suite: $1$t_took_text"
}

# t_fail NAME [DETAIL...]: DETAIL is printed indented (e.g. fio's output).
t_fail() {
	local name=$1
	shift
	if ! t_only "$name"; then
		# Not selected, not counted; shown because it may explain why the
		# selected case did not run (a daemon that did not start).
		echo "(not selected) FAIL $t_suite: $name"
		return 0
	fi
	t_failed=$((t_failed + 1))
	t_took
	echo "FAIL $t_suite: $name$t_took_text"
	# The reason first, whole; then the end of the details.
	if [ $# -gt 0 ]; then
		printf '%s\n' "$1" | sed 's/^/    | /' | head -n 10
		shift
	fi
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | sed 's/^/    | /' | tail -n 40
	fi
}

# t_skip NAME REASON: a skip must say why.
t_skip() {
	t_only "$1" || return 0
	if [ "${CI:-}" = true ]; then
		t_failed=$((t_failed + 1))
		echo "FAIL $t_suite: $1 (skipped in CI: $2)"
	else
		t_skipped=$((t_skipped + 1))
		echo "SKIP $t_suite: $1 ($2)"
	fi
}

# t_check NAME CMD...: passes when CMD exits 0.
t_check() {
	local name=$1 out
	shift
	t_only "$name" || return 0
	if out=$("$@" 2>&1); then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
}

t_end() {
	local line="$t_passed passed, $t_failed failed"
	[ "$t_skipped" -gt 0 ] && line="$line, $t_skipped skipped"
	[ -n "${BLK_TEST_ONLY:-}" ] && line="$line (only cases matching /$BLK_TEST_ONLY/)"
	echo "$t_suite: $line"
	if [ -n "${BLK_TEST_COUNTS:-}" ]; then
		echo "$t_suite $t_passed $t_failed $t_skipped" >>"$BLK_TEST_COUNTS"
	fi
	[ "$t_failed" -eq 0 ]
}

# t_watch_stuck SECS: in the test VM, a background watcher that writes to
# the serial console (which vm-run shows when a guest does not finish, and
# which does not depend on the 9p shares) every process that has run for
# more than SECS seconds, with its state, wait channel and kernel stack:
# what a hung case was waiting for. Stops with the suite's shell.
t_watch_stuck() {
	local limit=$1 parent=$$
	[ -n "${BLK_IN_VM:-}" ] && [ -w /dev/console ] || return 0
	(
		while kill -0 "$parent" 2>/dev/null; do
			sleep 60
			ps -eo pid=,etimes=,stat=,wchan:32=,args= 2>/dev/null |
				awk -v l="$limit" -v me="$parent" '$2 > l && $1 != me && $5 !~ /^\[/ &&
					$5 !~ /(^|\/)(sh|bash|busybox|ps|awk|sleep|udevd|systemd-udevd)$/' |
				while read -r pid secs stat wchan cmd; do
					echo "t_watch_stuck: pid $pid ($stat, $wchan) running ${secs}s: ${cmd:0:160}"
					sed 's/^/t_watch_stuck:   /' "/proc/$pid/stack" 2>/dev/null | head -n 12
				done >/dev/console
		done
	) </dev/null >/dev/null 2>&1 &
}

# Paths every suite needs.
blk_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
blk_build=${BLKENGINE_BUILD:-$blk_top/build}
blk_module=$blk_build/.libs/libblkengine.so
blk_fio=${FIO:-fio}

# t_need_module: ends the suite with a failure when the module is not built.
t_need_module() {
	[ -f "$blk_module" ] && return 0
	t_fail build "no module at $blk_module; build first (scripts/bootstrap)"
	t_end
	exit 1
}

# build_lock DIR / build_unlock: one configure and make at a time in a
# build folder that suites in both lanes of scripts/test build (the
# sanitizer build: unit-asan, memcheck, hardening-vm).
build_lock() {
	mkdir -p "$1"
	exec 6>"$1/.build.lock"
	flock 6
}
build_unlock() {
	exec 6>&-
}

# strace_attach PID FILE SYSCALLS: counts the SYSCALLS (strace's -e trace=
# list) every thread of process PID makes into FILE (strace -c); sets
# strace_pid and returns 0 once every thread is traced, else returns 1
# with why on stderr. Call it in the suite's shell, not in $(...), so that
# strace_detach finds the tracer.
strace_pid=
strace_attach() {
	local pid=$1 file=$2 calls=$3 i t all
	strace_pid=
	command -v strace >/dev/null || { echo "strace is not installed (scripts/bootstrap installs it)" >&2; return 1; }
	strace -f -qq -c -o "$file" -e trace="$calls" -p "$pid" >/dev/null 2>"$file.err" &
	strace_pid=$!
	for i in $(seq 100); do
		all=1
		for t in /proc/"$pid"/task/*/status; do
			awk '/^TracerPid:/ {exit $2 == 0}' "$t" 2>/dev/null || all=0
		done
		[ $all = 1 ] && return 0
		if ! kill -0 "$strace_pid" 2>/dev/null; then
			echo "strace could not attach to process $pid: $(cat "$file.err")" >&2
			strace_pid=
			return 1
		fi
		sleep 0.05
	done
	echo "strace: not attached to every thread of process $pid after 5 s" >&2
	strace_detach "$strace_pid"
	return 1
}

# strace_detach [TRACER]: stops counting (the last strace_attach's tracer
# by default); the file is complete when it returns.
strace_detach() {
	local tracer=${1:-$strace_pid}
	[ -n "$tracer" ] || return 0
	kill -INT "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	[ "$tracer" = "$strace_pid" ] && strace_pid=
	return 0
}

# run_fio OUTVAR ARGS...: runs fio with a timeout, output (stdout+stderr)
# into the variable named OUTVAR; returns fio's exit status.
run_fio() {
	local __var=$1 __out __rc
	shift
	__out=$(run_bounded "${BLK_FIO_TIMEOUT:-120}" "$blk_fio" "$@" 2>&1)
	__rc=$?
	printf -v "$__var" '%s' "$__out"
	return $__rc
}

# run_bounded SECS COMMAND...: COMMAND under timeout(1), SIGTERM after SECS
# and SIGKILL 10 s later (exit status 124 or 137), its standard input
# /dev/null. A second before the SIGTERM, what every thread of a command
# still running is doing goes to stdout (t_where_stuck): a case that hangs
# says where.
run_bounded() {
	local secs=$1 tpid spid done rc
	shift
	timeout --kill-after=10 "$secs" "$@" </dev/null &
	tpid=$!
	sleep $((secs > 2 ? secs - 1 : 1)) &
	spid=$!
	wait -n -p done "$tpid" "$spid"
	rc=$?
	if [ "$done" = "$spid" ]; then
		t_where_stuck "$tpid"
		wait "$tpid"
		return
	fi
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return $rc
}

# t_where_stuck PID: every process under PID (fio, and the processes of
# its jobs when they are not threads), each thread's state, wait channel,
# system call and kernel stack, and the user-space stacks when gdb is
# installed.
t_where_stuck() {
	local pid t
	for pid in $(pgrep -P "$1"); do
		echo "t_where_stuck: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
		for t in /proc/"$pid"/task/*; do
			echo "t_where_stuck:   thread ${t##*/} ($(cat "$t/comm" 2>/dev/null)):" \
				"$(awk '{ print $3 }' "$t/stat" 2>/dev/null), wchan $(cat "$t/wchan" 2>/dev/null)," \
				"syscall $(cat "$t/syscall" 2>/dev/null | cut -d' ' -f1-4)"
			sed 's/^/t_where_stuck:     /' "$t/stack" 2>/dev/null | head -n 8
		done
		if command -v gdb >/dev/null; then
			timeout 30 gdb -q -batch -p "$pid" -ex 'thread apply all bt 12' 2>/dev/null |
				grep -E '^(Thread|#)' | sed 's/^/t_where_stuck:   /' | head -n 80
		fi
		t_where_stuck "$pid"
	done
}
