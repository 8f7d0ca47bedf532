#!/bin/bash
# Builds a fio with its libblkio engine, and blkengine's module against that
# same fio, so that fio's own vhost-user-blk engine and ours run in one fio
# binary on one back-end. Debian 12 packages neither libblkio nor a fio built
# with it: libblkio comes from Debian 13's packages (it needs nothing newer
# than Debian 12's C library), fio's source from Debian unstable. Nothing is
# installed on the system; everything lives in the cache folder.
#
#   scripts/lib/fio-libblkio.sh      prints "FIO_BINARY MODULE" when ready
#
# BLKENGINE_BLKIO_FIO=PATH uses the fio binary at PATH instead, one built
# with the libblkio engine in its own source tree (PATH is that tree's
# ./fio): nothing is downloaded, and the module is built against that tree.
#
# Idempotent: a second run finds the build and only prints the two paths.
# Exits non-zero, saying why on stderr (the last line, "fio-libblkio:
# error: ..."), when a download or build fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/fio-configure.sh"
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/fio-libblkio
prog=fio-libblkio

say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

fio_bin=$cache/fio/fio
if [ -n "${BLKENGINE_BLKIO_FIO:-}" ]; then
	fio_bin=$BLKENGINE_BLKIO_FIO
	[ -f "$fio_bin" ] && [ -x "$fio_bin" ] ||
		die "BLKENGINE_BLKIO_FIO=$fio_bin: no such fio binary; unset it to build one"
	fio_bin=$(cd "$(dirname "$fio_bin")" && pwd)/$(basename "$fio_bin")
	[ -f "$(dirname "$fio_bin")/fio.h" ] ||
		die "BLKENGINE_BLKIO_FIO=$fio_bin: not in a built fio source tree (no fio.h beside it); blkengine's module must be built against that fio's headers"
fi
fio_tree=$(dirname "$fio_bin")

module=$cache/build/.libs/libblkengine.so
# The build folder belongs to one source tree and one fio; another clone
# or another fio starts it anew.
built_from=$(cat "$cache/build/.top" 2>/dev/null || true)
built_for=$(cat "$cache/build/.fio" 2>/dev/null || true)
if [ -x "$fio_bin" ] && [ -f "$module" ] && [ -f "$cache/build/.stamp" ] &&
	[ "$built_from" = "$top" ] && [ "$built_for" = "$fio_tree" ] &&
	[ "$cache/build/.stamp" -nt "$top/configure" ] &&
	! find "$top/engines" "$top/common" -newer "$cache/build/.stamp" -name '*.[ch]' | grep -q .; then
	echo "$fio_bin $module"
	exit 0
fi

# fetch_build_fio: fetches libblkio (Debian 13) and fio's source (Debian
# unstable) and builds fio with its libblkio engine in $cache/fio.
fetch_build_fio() {
	mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/dl"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	. "$top/scripts/lib/apt-mirror.sh"
	mirror=$(apt_mirror) || die "no Debian mirror to fetch libblkio and fio's source from (see above)"
	cat >"$cache/apt/sources.list" <<SRC
deb [signed-by=$keyring] $mirror trixie main
deb-src [signed-by=$keyring] $mirror sid main
SRC
	# A private apt state: the system's sources, lists and packages stay as
	# they are (the helpers fio-version.sh shares).
	. "$top/scripts/lib/fio-version.sh"
	fv_apt_opts "$cache/apt"
	apt_opts=("${fv_apt[@]}")
	if [ -z "$(find "$cache/apt/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
		say "reading Debian 13's package and unstable's source indexes"
		apt-get "${apt_opts[@]}" -qq update >/dev/null 2>&1 ||
			die "apt-get update for Debian 13 / unstable failed (network?)"
	fi

	# fetch_checked URI NAME SIZE SHA256: downloads one file into the
	# cache's dl folder, checks its hash.
	fetch_checked() {
		fv_fetch_checked "$1" "$cache/dl/$2" "$3" "$4"
	}

	# libblkio: the library and its headers, unpacked into a private root.
	root=$cache/root
	if [ ! -f "$root/usr/include/blkio.h" ]; then
		say "fetching libblkio (Debian 13)"
		rm -rf "$root"
		mkdir -p "$root"
		while read -r uri name size sum; do
			uri=${uri//\'/}
			fetch_checked "$uri" "$name" "$size" "$sum" || die "downloading $name failed"
			dpkg-deb -x "$cache/dl/$name" "$root"
		done < <(apt-get "${apt_opts[@]}" --print-uris download libblkio1 libblkio-dev 2>/dev/null |
			grep "^'")
		[ -f "$root/usr/include/blkio.h" ] || die "libblkio-dev gave no blkio.h"
	fi
	libdir=$(dirname "$(find "$root" -name 'libblkio.so.1' | head -n1)")
	[ -n "$libdir" ] && [ "$libdir" != . ] || die "no libblkio.so.1 in $root"

	# fio: unstable's upstream tarball (the Debian packaging is not needed).
	if [ ! -x "$cache/fio/fio" ]; then
		say "fetching fio's source (Debian unstable)"
		line=$(apt-get "${apt_opts[@]}" --print-uris source fio 2>/dev/null | grep "^'.*\.orig\.tar\." | head -n1)
		[ -n "$line" ] || die "no fio source in Debian unstable's index"
		read -r uri name size sum <<<"$line"
		uri=${uri//\'/}
		fetch_checked "$uri" "$name" "$size" "$sum" || die "downloading $name failed"
		rm -rf "$cache/fio" "$cache/fio.tmp"
		mkdir -p "$cache/fio.tmp"
		tar -xf "$cache/dl/$name" -C "$cache/fio.tmp" --strip-components=1
		say "building $(sed -n 's/^FIO_VERSION = //p' "$cache/fio.tmp/FIO-VERSION-FILE" 2>/dev/null || echo fio) with the libblkio engine"
		# pkg-config finds libblkio in the private root (it drops the standard
		# folders from its flags, so they are given again); the rpath finds it
		# at run time.
		(cd "$cache/fio.tmp" &&
			PKG_CONFIG_PATH=$libdir/pkgconfig LDFLAGS="-L$libdir -Wl,-rpath,$libdir" \
			./configure --disable-native $(fio_optional_off) --extra-cflags="-I$root/usr/include" >configure.log 2>&1 &&
			grep -q '^libblkio engine *yes' configure.log &&
			make -j"$(nproc)" fio >make.log 2>&1) ||
			die "building fio with libblkio failed; see $cache/fio.tmp/configure.log and make.log"
		mv "$cache/fio.tmp" "$cache/fio"
	fi
}

# In an if body, not after ||: set -e then still stops at a failing step.
if [ -z "${BLKENGINE_BLKIO_FIO:-}" ]; then
	fetch_build_fio
fi
"$fio_bin" --enghelp=libblkio >/dev/null 2>&1 || die "$fio_bin has no working libblkio engine"

# blkengine against that fio (a separate build folder).
if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
fi
[ "$built_from" = "$top" ] && [ "$built_for" = "$fio_tree" ] || rm -rf "$cache/build"
mkdir -p "$cache/build"
if [ ! -f "$cache/build/Makefile" ] || [ "$top/configure" -nt "$cache/build/config.status" ]; then
	(cd "$cache/build" && "$top/configure" -q --with-fio="$fio_tree" --with-fio-bin="$fio_bin") ||
		die "configuring blkengine against $fio_tree failed; see $cache/build/config.log"
	echo "$top" >"$cache/build/.top"
	echo "$fio_tree" >"$cache/build/.fio"
fi
make -s -C "$cache/build" -j"$(nproc)" >/dev/null 2>&1 || die "building blkengine against $fio_tree failed (make -C $cache/build)"
touch "$cache/build/.stamp"
echo "$fio_bin $module"
