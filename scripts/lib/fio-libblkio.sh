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
# Idempotent: a second run finds the build and only prints the two paths.
# Exits non-zero, saying why on stderr, when a download or build fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/fio-libblkio
prog=fio-libblkio

say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

module=$cache/build/.libs/libblkengine.so
# The build folder belongs to one source tree; another clone starts it anew.
built_from=$(cat "$cache/build/.top" 2>/dev/null || true)
if [ -x "$cache/fio/fio" ] && [ -f "$module" ] && [ -f "$cache/build/.stamp" ] &&
	[ "$built_from" = "$top" ] &&
	[ "$cache/build/.stamp" -nt "$top/configure" ] &&
	! find "$top/engines" "$top/common" -newer "$cache/build/.stamp" -name '*.[ch]' | grep -q .; then
	echo "$cache/fio/fio $module"
	exit 0
fi

mkdir -p "$cache/apt/lists/partial" "$cache/apt/archives/partial" "$cache/dl"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$cache/apt/sources.list" <<SRC
deb [signed-by=$keyring] http://deb.debian.org/debian trixie main
deb-src [signed-by=$keyring] http://deb.debian.org/debian sid main
SRC
# A private apt state: the system's sources, lists and packages stay as
# they are.
apt_opts=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache::Archives=$cache/apt/archives"
	-o APT::Sandbox::User=root -o Debug::NoLocking=1)
if [ -z "$(find "$cache/apt/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
	say "reading Debian 13's package and unstable's source indexes"
	apt-get "${apt_opts[@]}" -qq update >/dev/null 2>&1 ||
		die "apt-get update for Debian 13 / unstable failed (network?)"
fi

# fetch_checked URI NAME SIZE SHA256: downloads one file, checks its hash.
fetch_checked() {
	local uri=$1 name=$2 sum=${4#SHA256:}
	if [ -f "$cache/dl/$name" ] && echo "$sum  $cache/dl/$name" | sha256sum -c --quiet - 2>/dev/null; then
		return 0
	fi
	curl -fsSL --retry 3 -o "$cache/dl/$name.part" "$uri" || return 1
	echo "$sum  $cache/dl/$name.part" | sha256sum -c --quiet - || return 1
	mv "$cache/dl/$name.part" "$cache/dl/$name"
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
		./configure --disable-native --extra-cflags="-I$root/usr/include" >configure.log 2>&1 &&
		grep -q '^libblkio engine *yes' configure.log &&
		make -j"$(nproc)" fio >make.log 2>&1) ||
		die "building fio with libblkio failed; see $cache/fio.tmp/configure.log and make.log"
	mv "$cache/fio.tmp" "$cache/fio"
fi
"$cache/fio/fio" --enghelp=libblkio >/dev/null 2>&1 || die "$cache/fio/fio has no working libblkio engine"

# blkengine against that fio (a separate build folder).
if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
fi
[ "$built_from" = "$top" ] || rm -rf "$cache/build"
mkdir -p "$cache/build"
if [ ! -f "$cache/build/Makefile" ] || [ "$top/configure" -nt "$cache/build/config.status" ]; then
	(cd "$cache/build" && "$top/configure" -q --with-fio="$cache/fio" --with-fio-bin="$cache/fio/fio") ||
		die "configuring blkengine against $cache/fio failed; see $cache/build/config.log"
	echo "$top" >"$cache/build/.top"
fi
make -s -C "$cache/build" -j"$(nproc)" >/dev/null 2>&1 || die "building blkengine against $cache/fio failed (make -C $cache/build)"
touch "$cache/build/.stamp"
echo "$cache/fio/fio $module"
