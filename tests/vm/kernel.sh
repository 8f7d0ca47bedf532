#!/bin/bash
# Fetches a Debian kernel package with apt, unpacks it into the cache and
# runs depmod on it. Prints the unpacked tree's path and its version.
#
#   tests/vm/kernel.sh 6.12   # bookworm-backports' newest 6.12
#   tests/vm/kernel.sh 6.1    # Debian 12's own kernel
#
# Output: "DIR VERSION" on stdout, DIR holding boot/vmlinuz-VERSION and
# lib/modules/VERSION. A second run with the tree in place touches nothing.
set -euo pipefail

series=${1:-6.12}
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/vm

say() { echo "kernel.sh: $*" >&2; }
die() { echo "kernel.sh: error: $*" >&2; exit 1; }
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

. "$(dirname "${BASH_SOURCE[0]}")/backports.sh"

# The concrete image package the distribution's meta package points at.
image_package() {
	apt_locked apt-cache depends "$@" linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

case $series in
6.12)
	ensure_backports
	pkg=$(image_package -t bookworm-backports)
	;;
6.1)
	pkg=$(image_package)
	;;
*)
	die "unknown kernel series '$series': use 6.12 (bookworm-backports) or 6.1 (Debian 12)"
	;;
esac
case $pkg in
"linux-image-$series".*) ;;
*) die "no linux-image-$series.*-amd64 package found through apt (got '${pkg:-nothing}'); run apt-get update" ;;
esac

version=${pkg#linux-image-}
dir=$cache/linux-$version
# Suites that run side by side may ask at once: one fetches, the others wait.
mkdir -p "$cache"
exec 8>"$cache/.kernel-$series.lock"
flock 8
if [ -f "$dir/.ready" ]; then
	echo "$dir $version"
	exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
chmod 755 "$tmp"	# apt downloads as the _apt user when it can
trap 'rm -rf "$tmp"' EXIT
say "downloading $pkg"
(cd "$tmp" && apt_locked apt-get download -qq "$pkg" >/dev/null) ||
	die "apt-get download $pkg failed"
deb=$(ls "$tmp"/*.deb)
mkdir -p "$tmp/tree"
dpkg -x "$deb" "$tmp/tree"
[ -f "$tmp/tree/boot/vmlinuz-$version" ] || die "$deb holds no boot/vmlinuz-$version"
depmod -b "$tmp/tree" "$version"
rm -rf "$dir"
mv "$tmp/tree" "$dir"
touch "$dir/.ready"
echo "$dir $version"
