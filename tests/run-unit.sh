#!/bin/bash
# Unit tests of the common core through 'make check'; with --sanitizers in a
# separate ASan + UBSan build. Each test program prints its own closing
# line; this suite adds them up.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

build=$blk_build
name=unit
flags=
if [ "${1:-}" = --sanitizers ]; then
	build=$blk_build-asan
	name=unit-asan
	flags=--enable-sanitizers
fi
t_begin "$name"

fio_src=$(cat "$blk_build/.fio-src" 2>/dev/null)
build_lock "$build"
if [ ! -f "$build/Makefile" ]; then
	mkdir -p "$build"
	if ! out=$(cd "$build" && "$blk_top/configure" -q --with-fio="$fio_src" $flags 2>&1); then
		t_fail "configure $flags" "$out"
		t_end
		exit 1
	fi
fi

# ASan's leak checker needs ptrace-free /proc access; report, do not abort on UB.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

out=$(make -C "$build" -j2 check 2>&1)
rc=$?
build_unlock
logs=$(ls "$build"/tests/unit/*.log 2>/dev/null | grep -v test-suite.log)
if [ -z "$logs" ]; then
	t_fail "make check" "$out"
	t_end
	exit 1
fi
for log in $logs; do
	prog=$(basename "$log" .log)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	result=$(sed -n 's/^:test-result: //p' "${log%.log}.trs" 2>/dev/null)
	if [ -z "$line" ]; then
		t_fail "$prog printed no closing line ($result)" "$(tail -n 20 "$log")"
		continue
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	t_passed=$((t_passed + p))
	t_failed=$((t_failed + f))
	echo "$prog: $line"
	if [ "$result" != PASS ] && [ "$f" -eq 0 ]; then
		t_fail "$prog exited $result" "$(tail -n 20 "$log")"
	fi
	[ "$f" -gt 0 ] && grep -E '^FAIL' "$log" | head -n 20
done
[ "$rc" -ne 0 ] && [ "$t_failed" -eq 0 ] && t_fail "make check" "$out"
t_end
