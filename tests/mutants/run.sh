#!/bin/bash
# Mutants: proves each feature test can fail. Every tests/mutants/*.mutant
# breaks one feature in a scratch copy of the tree; the suite that tests the
# feature runs against that build, narrowed to the named case, and that case
# must FAIL ("mutant NAME caught by SUITE"). A case that still passes, or
# does not run, means the test does not observe its feature ("mutant NAME
# survived").
#
#   tests/mutants/run.sh            every mutant
#   tests/mutants/run.sh NAME...    these (tests/mutants/NAME.mutant)
#
# A mutant file is shell, with exactly these variables:
#   # One line: what feature this breaks.
#   file=engines/virtio_blk.c     the file, relative to the top of the tree
#   find='...'                    a fixed string occurring exactly once in it
#   replace='...'                 what it becomes
#   suite=vhost-user              a suite name of scripts/test (tests/suites.sh)
#   case='writefua'               ERE: a "FAIL <suite>: <case>" line matching it
#                                 must appear; passed on as BLK_TEST_ONLY
#
# The copy holds the tracked files and the untracked ones git does not
# ignore; it is configured once with the main build's fio tree
# (build/.fio-src) and rebuilt after each mutation. The suite runs from the
# copy with BLKENGINE_BUILD set to the copy's build (the VM harness passes
# BLKENGINE_BUILD and BLK_TEST_ONLY on to the guest).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../suites.sh"

t_begin mutants

# The runner's own selection is by mutant name, not by case.
unset BLK_TEST_ONLY

mutants=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		mutants+=("$here/$n.mutant")
	done
else
	mutants=("$here"/*.mutant)
fi

if [ ! -f "$blk_build/.fio-src" ]; then
	t_fail "scratch build" "$blk_build/.fio-src is missing: build first (scripts/bootstrap)"
	t_end
	exit
fi
fio_src=$(cat "$blk_build/.fio-src")
if ! git -C "$blk_top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	t_fail "scratch build" "$blk_top is not a git work tree: the copy is of its tracked and untracked files"
	t_end
	exit
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-mutants.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
src=$scratch/src
build=$scratch/build
mkdir -p "$src" "$build"

start=$(date +%s)
# Tracked files still present, and untracked ones not ignored (new tests,
# new mutants); no build folders, which git ignores.
(cd "$blk_top" && git ls-files -z -co --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -C "$src" -xf -
if ! out=$( (cd "$src" && autoreconf -fi) 2>&1 &&
	(cd "$build" && "$src/configure" -q --with-fio="$fio_src") 2>&1 &&
	make -C "$build" -s -j"$(nproc)" 2>&1); then
	t_fail "scratch build of the unmutated tree" "$out"
	t_end
	exit
fi
# As scripts/bootstrap leaves it: the suites read the fio tree from here.
echo "$fio_src" >"$build/.fio-src"
echo "-- scratch tree built in $(( $(date +%s) - start ))s"

# count_of FILE STRING: how often STRING occurs in FILE.
count_of() {
	python3 -c 'import sys; print(open(sys.argv[1]).read().count(sys.argv[2]))' "$1" "$2"
}

# judge NAME SUITE CASE LOG RC TOOK: whether the mutant's case failed in LOG.
judge() {
	local name=$1 suite=$2 case=$3 log=$4 rc=$5 took=$6 hit
	# A skip turned failure by CI=true proves nothing about the feature.
	hit=$(grep -E '^FAIL [^:]+: ' "$log" | grep -v '(skipped in CI: ' | while IFS= read -r l; do
		c=${l#FAIL *: }
		[[ $c =~ $case ]] && { printf '%s\n' "$l"; break; }
	done)
	if [ -n "$hit" ]; then
		caught=$((caught + 1))
		t_pass "mutant $name caught by $suite in ${took}s: ${hit#FAIL }"
		# Why it failed: the first lines of the case's detail.
		grep -A3 -F -x -- "$hit" "$log" | tail -n +2 | grep '^    | ' | head -3
	elif grep -qE '^PASS [^:]+: ' "$log"; then
		t_fail "mutant $name survived: $suite's cases matching /$case/ pass with it" \
			"$(grep -E '^(PASS|FAIL|SKIP) ' "$log")"
	else
		t_fail "mutant $name survived: no case of $suite matching /$case/ ran (exit $rc)" \
			"$(tail -20 "$log")"
	fi
}

# Suites that boot a VM take every mutant's module in one boot
# (BLK_TEST_BUILDS: a list of "NAME BUILD CASE" lines): the modules are
# kept in the copy of the tree, which the VM sees, and judged after.
declare -A batch_list=()
stash=$src/mutant-builds

caught=0
total=0
for m in "${mutants[@]}"; do
	name=$(basename "$m" .mutant)
	total=$((total + 1))
	if [ ! -f "$m" ]; then
		t_fail "mutant $name" "no $m"
		continue
	fi
	# Read in a subshell: the file sets only its own variables.
	mapfile -d '' -t v < <(unset file find replace suite case
		. "$m" >/dev/null 2>&1
		for x in file find replace suite case; do
			if [ -z "${!x+set}" ]; then
				printf 'MISSING %s\0' "$x"
			else
				printf '%s\0' "${!x}"
			fi
		done)
	if [ ${#v[@]} -ne 5 ] || printf '%s\n' "${v[@]}" | grep -q '^MISSING '; then
		t_fail "mutant $name" "$m must set file, find, replace, suite and case" \
			"$(printf '%s\n' "${v[@]}" | grep '^MISSING ')"
		continue
	fi
	file=${v[0]} find=${v[1]} replace=${v[2]} suite=${v[3]} case=${v[4]}
	if [ -z "$file" ] || [ -z "$find" ] || [ -z "$case" ] || [[ $file == /* || $file == *..* ]]; then
		t_fail "mutant $name" "$m: file (a path inside the tree), find and case must not be empty"
		continue
	fi
	if [ -z "${suite_cmd[$suite]:-}" ] || [ "$suite" = mutants ]; then
		t_fail "mutant $name" "$m: suite=$suite is not a suite of scripts/test (scripts/test --list)"
		continue
	fi
	if [ ! -f "$src/$file" ]; then
		t_fail "mutant $name" "$m: file=$file is not in the tree"
		continue
	fi
	n=$(count_of "$src/$file" "$find")
	if [ "$n" != 1 ]; then
		t_fail "mutant $name" "$m: find occurs $n times in $file, must be exactly once: $find"
		continue
	fi

	mstart=$(date +%s)
	python3 -c 'import sys
p, a, b = sys.argv[1:]
s = open(p).read()
open(p, "w").write(s.replace(a, b))' "$src/$file" "$find" "$replace"
	log=$scratch/$name.log
	if ! make -C "$build" -s -j"$(nproc)" >"$log" 2>&1; then
		t_fail "mutant $name" "the mutated tree does not build, so it proves nothing" "$(tail -20 "$log")"
	elif [ -n "${suite_batched[$suite]:-}" ]; then
		mkdir -p "$stash/$name/.libs"
		cp "$build/.libs/libblkengine.so" "$stash/$name/.libs/"
		cp "$build/.fio-src" "$stash/$name/"
		# The helpers a suite preloads into fio belong to the build too.
		mkdir -p "$stash/$name/tests/preload/.libs"
		cp "$build"/tests/preload/.libs/*.so "$stash/$name/tests/preload/.libs/"
		printf '%s\t%s\t%s\n' "$name" "$stash/$name" "$case" >>"$stash/$suite.list"
		batch_list[$suite]=$stash/$suite.list
	else
		# shellcheck disable=SC2086
		(cd "$src" && env -u BLK_TEST_COUNTS BLKENGINE_BUILD="$build" BLK_TEST_ONLY="$case" \
			timeout --kill-after=10 1200 "$src"/${suite_cmd[$suite]}) >"$log" 2>&1
		judge "$name" "$suite" "$case" "$log" $? $(( $(date +%s) - mstart ))
	fi
	# The original back, newer than its objects: the next build recompiles it.
	cp "$blk_top/$file" "$src/$file"
done

for suite in "${!batch_list[@]}"; do
	list=${batch_list[$suite]}
	mstart=$(date +%s)
	log=$scratch/$suite-batch.log
	for attempt in 1 2; do
		# shellcheck disable=SC2086
		(cd "$src" && env -u BLK_TEST_COUNTS BLK_TEST_BUILDS="$list" \
			timeout --kill-after=10 2400 "$src"/${suite_cmd[$suite]}) >"$log" 2>&1
		rc=$?
		# 125: the VM did not finish (an emulated guest that crashed or
		# hung): no verdict on any module, so the batch boots once more.
		[ $rc -eq 125 ] && [ $attempt -eq 1 ] || break
		echo "-- $suite: the VM did not finish (exit 125); booting it once more"
		mv "$log" "$scratch/$suite-batch.unfinished.log"
	done
	took=$(( $(date +%s) - mstart ))
	echo "-- $suite ran $(wc -l <"$list") mutant modules in one boot in ${took}s"
	while IFS=$'\t' read -r name dir case; do
		# The guest marks each module's run: "== module NAME".
		awk -v n="== module $name" '$0 == n {on = 1; next} /^== module / {on = 0} on' \
			"$log" >"$scratch/$name.log"
		# No part of its own: the boot itself failed, and its log says why.
		[ -s "$scratch/$name.log" ] || cp "$log" "$scratch/$name.log"
		judge "$name" "$suite" "$case" "$scratch/$name.log" "$rc" "$took"
	done <"$list"
done

echo "$caught of $total mutants caught"
t_end
