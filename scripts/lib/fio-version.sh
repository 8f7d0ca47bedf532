#!/bin/bash
# A fio of a given upstream version, built from Debian's own source tarball
# (the .orig tarball of the source package: fio's upstream release), in the
# cache folder. Nothing is installed on the system, and the system's apt
# state is not touched: a private apt state reads Debian's source indexes
# from the mirror the machine's apt already uses.
#
#   scripts/lib/fio-version.sh VERSION    prints "FIO_BIN FIO_SRC" when ready
#   scripts/lib/fio-version.sh --tarball VERSION
#                                         prints the path of the source
#                                         tarball (fetched, not built)
#
# VERSION is an upstream version one of Debian 12 (bookworm), 13 (trixie) or
# unstable (sid) packages, e.g. 3.33, 3.39, 3.41. FIO_SRC is the configured
# source tree (fio's ./configure --disable-native, as Debian builds it),
# FIO_BIN its fio binary: blkengine's module builds against FIO_SRC
# (configure --with-fio=FIO_SRC --with-fio-bin=FIO_BIN).
#
# Sourced, it only defines the helpers that scripts/lib/fio-libblkio.sh
# shares: fv_fetch_checked and fv_apt_opts.
#
# Idempotent: a second run finds the build and only prints the paths.
# Exits non-zero, saying why on stderr ("fio-version: error: ..."), when
# the version is in none of those suites or a download or build fails.

# fv_apt_opts DIR: sets the array fv_apt to apt options for a private apt
# state in DIR (DIR/sources.list written by the caller): the system's
# sources, lists and packages stay as they are.
fv_apt_opts() {
	local dir=$1
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	fv_apt=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
		-o "Dir::State::status=/dev/null"
		-o APT::Sandbox::User=root -o Debug::NoLocking=1)
}

# fv_fetch_checked URI DEST SIZE SHA256:HEX: downloads one file to DEST
# unless a file with that hash is there already; checks the hash.
fv_fetch_checked() {
	local uri=$1 dest=$2 sum=${4#SHA256:}
	if [ -f "$dest" ] && echo "$sum  $dest" | sha256sum -c --quiet - 2>/dev/null; then
		return 0
	fi
	curl -fsSL --retry 3 -o "$dest.part" "$uri" || return 1
	echo "$sum  $dest.part" | sha256sum -c --quiet - || return 1
	mv "$dest.part" "$dest"
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

set -euo pipefail

prog=fio-version
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

mode=build
if [ "${1:-}" = --tarball ]; then
	mode=tarball
	shift
fi
[ $# -eq 1 ] || die "usage: $0 [--tarball] VERSION (an upstream fio version such as 3.39)"
version=$1
[[ $version =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
	die "'$version' is not an upstream fio version (e.g. 3.39)"

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/fio-versions
src=$cache/fio-$version
mkdir -p "$cache/dl"

# One build at a time per version: two suites may ask at once.
exec 9>"$cache/fio-$version.lock"
flock 9

if [ $mode = build ] && [ -x "$src/fio" ] && [ -f "$src/config-host.h" ] &&
	[ "$("$src/fio" --version 2>/dev/null)" = "fio-$version" ]; then
	echo "$src/fio $src"
	exit 0
fi

. "$top/scripts/lib/apt-mirror.sh"
. "$top/scripts/lib/fio-configure.sh"
fv_apt_opts "$cache/apt"
if [ ! -f "$cache/apt/sources.list" ]; then
	mirror=$(apt_mirror) || die "no Debian mirror to fetch fio's source from (see above)"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	{
		for suite in bookworm trixie sid; do
			echo "deb-src [signed-by=$keyring] $mirror $suite main"
		done
	} >"$cache/apt/sources.list"
fi
if [ -z "$(find "$cache/apt/lists" -maxdepth 1 -name '*Sources*' -mmin -1440 2>/dev/null)" ]; then
	say "reading the source indexes of Debian 12, 13 and unstable"
	apt-get "${fv_apt[@]}" -qq update >/dev/null 2>&1 ||
		die "apt-get update of the source indexes failed (network? mirror in $cache/apt/sources.list)"
fi

# The Debian version whose upstream part is $version (epoch and Debian
# revision stripped); the highest when several suites have it.
debver=$(apt-cache "${fv_apt[@]}" showsrc fio 2>/dev/null | sed -n 's/^Version: //p' |
	awk -v want="$version" '{ u = $0; sub(/^[0-9]+:/, "", u); sub(/-[^-]*$/, "", u) } u == want' |
	sort -V | tail -n1)
tarball=
why=
if [ -z "$debver" ]; then
	have=$(apt-cache "${fv_apt[@]}" showsrc fio 2>/dev/null | sed -n 's/^Version: //p' | sort -uV | tr '\n' ' ')
	why="fio $version is in none of Debian 12, 13, unstable (they have: ${have:-nothing})"
else
	line=$(apt-get "${fv_apt[@]}" --print-uris source "fio=$debver" 2>/dev/null |
		grep "^'.*\.orig\.tar\." | head -n1)
	if [ -z "$line" ]; then
		why="no .orig tarball for fio $debver in the source index"
	else
		read -r uri name size sum <<<"$line"
		uri=${uri//\'/}
		say "fetching fio $debver's upstream tarball"
		if fv_fetch_checked "$uri" "$cache/dl/$name" "$size" "$sum"; then
			tarball=$cache/dl/$name
		else
			why="the mirror did not serve $name (fio $debver's source)"
		fi
	fi
fi
# A mirror that serves binary packages only (or lags) has no source to
# give: upstream's release tarball, placed by hand, stands in for it (the
# .orig tarball is that same upstream release).
if [ -z "$tarball" ]; then
	local_dir=${BLKENGINE_FIO_TARBALLS:-$cache/upstream}
	tarball=$(ls "$local_dir/fio-$version".tar.* 2>/dev/null | head -n1 || true)
	[ -n "$tarball" ] ||
		die "$why; place fio's upstream release tarball fio-$version.tar.gz (e.g. 'git archive --prefix=fio-$version/ -o fio-$version.tar.gz fio-$version' in fio's repository) in $local_dir (BLKENGINE_FIO_TARBALLS=DIR names another folder)"
	say "$why: using $tarball"
fi
if [ $mode = tarball ]; then
	echo "$tarball"
	exit 0
fi

rm -rf "$src" "$src.tmp"
mkdir -p "$src.tmp"
tar -xf "$tarball" -C "$src.tmp" --strip-components=1
say "building fio $version"
(cd "$src.tmp" && ./configure --disable-native $(fio_optional_off) >configure.log 2>&1 &&
	make -j"$(nproc)" fio >make.log 2>&1) ||
	die "building fio $version failed; see $src.tmp/configure.log and make.log"
got=$("$src.tmp/fio" --version 2>/dev/null || true)
[ "$got" = "fio-$version" ] || die "the fio built from $tarball says '$got', not fio-$version"
mv "$src.tmp" "$src"
echo "$src/fio $src"
