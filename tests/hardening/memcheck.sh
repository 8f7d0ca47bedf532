#!/bin/bash
# Memory checking of the vhost-user engine in real fio runs on this host:
# valgrind memcheck on fio with the normal module, then fio with the module
# built with ASan + UBSan (configure --enable-sanitizers, in its own build
# directory) and the ASan runtime preloaded. Each runs a clean job (shared
# connection, verify, end_fsync), a job refused at set-up, and back-ends
# that break the used ring or hang up with I/O in flight. Zero errors and
# zero leaks from the module are required; fio's own leaks of its command
# line are allowed by tests/hardening/fio.supp (valgrind) and by a stack
# check below (ASan), never anything allocated by the module.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../host/qsd.sh"

t_begin memcheck

qsd_scratch memcheck

t_need_module
MiB=$((1024 * 1024))
img=$qsd_dir/img
truncate -s $((64 * MiB)) "$img"
qsd_file_export file "$img" 512 2 on || { t_fail "start qemu-storage-daemon"; t_end; exit 1; }
sock=$(qsd_sock file)

start_fake() {
	fake_sock=$qsd_dir/fake-$1.sock
	# A socket left by the last fake would look ready before this one listens.
	rm -f "$fake_sock"
	python3 "$here/../host/fake-vhost-user.py" "$1" "$fake_sock" 2>>"$qsd_dir/fake.log" &
	fake_pid=$!
	for _ in $(seq 50); do [ -S "$fake_sock" ] && break; sleep 0.05; done
}

stop_fake() {
	kill "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
	fake_pid=
}

# The jobs, as "NAME|EXPECT|FIO-ARGS" (EXPECT: ok = fio must succeed,
# fail = fio must fail cleanly). @SOCK@ is the qemu export, @FAKE@ the fake.
jobs=(
	"shared connection, randrw, 2 threads|ok|--filename=@SOCK@ --thread=1 --numjobs=2 --offset_increment=8M --size=4M --rw=randrw --bs=4k --iodepth=8"
	"verify with end_fsync and writefua|ok|--filename=@SOCK@ --size=4M --rw=randwrite --bssplit=4k/50:64k/50 --iodepth=8 --verify=crc32c --verify_fatal=1 --end_fsync=1 --writefua=1"
	"trims and flushes|ok|--filename=@SOCK@ --size=4M --rw=randtrim --bs=16k --iodepth=4 --fsync=8"
	"job refused at set-up (bs not a block multiple)|fail|--filename=@SOCK@ --size=1M --rw=read --bs=1000"
	"back-end returns an unknown head|fail|@FAKE:used-unknown-id@ --size=8M --rw=randread --bs=4k --iodepth=8 --time_based --runtime=10"
	"back-end hangs up with I/O in flight|fail|@FAKE:used-close@ --size=8M --rw=randread --bs=4k --iodepth=8 --time_based --runtime=10"
)

# run_job TOOL LINE: runs one job under TOOL (valgrind or asan); sets
# job_out and returns fio's exit status.
run_job() {
	local tool=$1 line=$2 args a=() mode
	args=${line#*|}
	args=${args#*|}
	fake_pid=
	if [[ $args == *@FAKE:* ]]; then
		mode=${args#*@FAKE:}
		mode=${mode%%@*}
		start_fake "$mode"
		args=${args/@FAKE:$mode@/--filename=$fake_sock}
	fi
	args=${args//@SOCK@/$sock}
	read -ra a <<<"$args"
	rm -f "$qsd_dir"/vg.*
	case $tool in
	valgrind)
		job_out=$(timeout -k 10 200 valgrind --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			--suppressions="$here/fio.supp" --log-file="$qsd_dir/vg.%p" \
			"$blk_fio" --ioengine=external:"$blk_module" --name=mc "${a[@]}" 2>&1)
		;;
	asan)
		job_out=$(LD_PRELOAD=$asan_rt \
			ASAN_OPTIONS=detect_leaks=1:exitcode=98:fast_unwind_on_malloc=0:log_path=$qsd_dir/vg \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$qsd_dir/vg \
			timeout -k 10 120 "$blk_fio" --ioengine=external:"$asan_module" --name=mc "${a[@]}" 2>&1)
		;;
	esac
	local rc=$?
	[ -n "$fake_pid" ] && stop_fake
	return $rc
}

# asan_clean: every report in the logs is a leak of fio's command line
# (allocated under parse_options, no module frame); prints what is not.
asan_clean() {
	cat "$qsd_dir"/vg.* 2>/dev/null | awk '
		/ERROR: AddressSanitizer|runtime error:/ { bad = 1; print }
		/^(Direct|Indirect) leak/ { if (blk != "") check(); blk = $0; next }
		/^SUMMARY/ { if (blk != "") check(); blk = ""; next }
		blk != "" { blk = blk "\n" $0 }
		function check() {
			if (blk ~ /libblkengine/ || blk !~ /parse_options/) { bad = 1; print blk }
			blk = ""
		}
		END { exit bad }'
}

check_tool() {
	local tool=$1 line name expect rc why
	for line in "${jobs[@]}"; do
		name=${line%%|*}
		expect=${line#*|}
		expect=${expect%%|*}
		run_job "$tool" "$line"
		rc=$?
		why=
		if [ $rc -ge 124 ] && [ $rc -ne 98 ] && [ $rc -ne 99 ]; then
			why="fio hung or crashed (exit status $rc)"
		elif [ "$tool" = valgrind ] && { [ $rc -eq 99 ] ||
			grep -q 'ERROR SUMMARY: [1-9]' "$qsd_dir"/vg.*; }; then
			why="valgrind found errors: $(grep -h -A25 -E 'Invalid|uninitialised|definitely lost in' "$qsd_dir"/vg.* | head -60)"
		elif [ "$tool" = asan ] && ! bad=$(asan_clean); then
			why="ASan/UBSan found errors: $bad"
		elif [ "$expect" = ok ] && [ $rc -ne 0 ] && [ $rc -ne 98 ]; then
			why="fio failed (status $rc)"
		elif [ "$expect" = fail ] && [ $rc -eq 0 ]; then
			why="fio succeeded against a broken device or job"
		fi
		if [ -z "$why" ]; then
			t_pass "$tool: $name"
		else
			t_fail "$tool: $name" "$why" "$job_out"
		fi
	done
}

if command -v valgrind >/dev/null; then
	check_tool valgrind
else
	t_skip "valgrind" "valgrind is not installed (Debian: valgrind)"
fi

# The sanitizer build of the module, in its own directory.
asan_build=$blk_build-asan
fio_src=$(cat "$blk_build/.fio-src" 2>/dev/null)
build_lock "$asan_build"
if [ ! -f "$asan_build/Makefile" ]; then
	mkdir -p "$asan_build"
	(cd "$asan_build" && "$blk_top/configure" -q --with-fio="$fio_src" --enable-sanitizers) \
		>"$qsd_dir/configure.log" 2>&1 || t_fail "configure --enable-sanitizers" "$(tail -20 "$qsd_dir/configure.log")"
fi
asan_module=$asan_build/.libs/libblkengine.so
out=$(make -C "$asan_build" -j2 2>&1)
rc=$?
build_unlock
if [ $rc -ne 0 ]; then
	t_fail "build the sanitizer module" "$out"
else
	asan_rt=$(ldd "$asan_module" | awk '/libasan/ { print $3 }')
	if [ -z "$asan_rt" ]; then
		t_fail "the sanitizer module links libasan" "$(ldd "$asan_module")"
	else
		check_tool asan
	fi
fi
t_end
