#!/bin/bash
# The module built against another fio, for VM suites that cross-check
# with that fio (its own io_uring_cmd engine, its hooks): fio VERSION from
# scripts/lib/fio-version.sh, the module configured against its source in
# $blk_build/module-VERSION with that fio binary copied beside it (the VM
# sees the build folder). Suites running at the same time share one build.
#
#   tests/vm/module-for-fio.sh VERSION    prints the folder (FOLDER/fio,
#                                         FOLDER/.libs/libblkengine.so)
# Exits 1 with the reason on stderr when fio or the module does not build.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
version=${1:?usage: module-for-fio.sh VERSION}
dir=$blk_build/module-$version

if ! out=$("$blk_top/scripts/lib/fio-version.sh" "$version" 2>&1) ||
	! read -r fbin fsrc < <(tail -n1 <<<"$out") || [ ! -x "$fbin" ]; then
	echo "no fio $version (scripts/lib/fio-version.sh $version): $(tail -n 3 <<<"$out")" >&2
	exit 1
fi
mkdir -p "$blk_build"
exec 9>"$dir.lock"
flock 9
if [ ! -f "$dir/Makefile" ] || [ "$blk_top/configure" -nt "$dir/config.status" ] ||
	[ "$fbin" -nt "$dir/config.status" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! (cd "$dir" && "$blk_top/configure" -q --with-fio="$fsrc" --with-fio-bin="$fbin") \
		>"$dir.configure.log" 2>&1; then
		echo "configure against fio $version failed: $(tail -n 5 "$dir.configure.log")" >&2
		exit 1
	fi
fi
if ! make -s -C "$dir" -j"$(nproc)" >"$dir.make.log" 2>&1; then
	echo "the module did not build against fio $version: $(tail -n 5 "$dir.make.log")" >&2
	exit 1
fi
cp -u "$fbin" "$dir/fio"
echo "$dir"
