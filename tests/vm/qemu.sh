#!/bin/bash
# Fetches QEMU 10 from bookworm-backports with apt and unpacks it into the
# cache, beside (not over) the system's QEMU 7.2 and qemu-storage-daemon.
# QEMU 10's NVMe controller has Flexible Data Placement (nvme-subsys fdp=on),
# which 7.2 lacks. Prints "BINARY DATADIR": the qemu-system-x86_64 to run and
# the folder to give it with -L (firmware, option ROMs, keymaps).
#
#   tests/vm/qemu.sh 10
#
# A second run with the tree in place touches nothing. The binary links
# against Debian 12's own libraries (the backport is built for bookworm).
set -euo pipefail

series=${1:-10}
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/vm

say() { echo "qemu.sh: $*" >&2; }
die() { echo "qemu.sh: error: $*" >&2; exit 1; }
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

[ "$series" = 10 ] || die "unknown QEMU series '$series': only 10 (bookworm-backports) is known"

. "$(dirname "${BASH_SOURCE[0]}")/backports.sh"

# The backport's version of a package: the candidate among versions "~bpo12".
bpo_version() {
	apt_locked apt-cache madison "$1" 2>/dev/null | awk -F' *\\| *' '$2 ~ /~bpo12/ { print $2; exit }'
}

ensure_backports
version=$(bpo_version qemu-system-x86)
case $version in
1:"$series".*) ;;
*) die "no qemu-system-x86 $series.x in bookworm-backports (got '${version:-nothing}'); run apt-get update" ;;
esac
dir=$cache/qemu-${version#1:}
bin=$dir/usr/bin/qemu-system-x86_64
data=$dir/usr/share/qemu

mkdir -p "$cache"
exec 8>"$cache/.qemu-$series.lock"
flock 8
if [ -f "$dir/.ready" ]; then
	echo "$bin $data"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
chmod 755 "$tmp"	# apt downloads as the _apt user when it can
trap 'rm -rf "$tmp"' EXIT
# The emulator, its firmware (SeaBIOS: bios-256k.bin) and data (option ROMs
# for -kernel boots). qemu-system-common and -data share the version.
pkgs=("qemu-system-x86=$version" "qemu-system-common=$version" "qemu-system-data=$version")
for p in seabios; do
	v=$(bpo_version "$p")
	pkgs+=("$p${v:+=$v}")
done
say "downloading ${pkgs[*]}"
(cd "$tmp" && apt_locked apt-get download -qq "${pkgs[@]}" >/dev/null) ||
	die "apt-get download ${pkgs[*]} failed"
mkdir -p "$tmp/tree"
for deb in "$tmp"/*.deb; do
	dpkg -x "$deb" "$tmp/tree"
done
[ -x "$tmp/tree/usr/bin/qemu-system-x86_64" ] || die "no usr/bin/qemu-system-x86_64 in the packages"
# SeaBIOS ships its images in its own folder; -L takes one: link them in
# (relative links, so the tree can move).
for f in "$tmp/tree/usr/share/seabios"/*.bin; do
	[ -e "$tmp/tree/usr/share/qemu/${f##*/}" ] || ln -s "../seabios/${f##*/}" "$tmp/tree/usr/share/qemu/${f##*/}"
done
"$tmp/tree/usr/bin/qemu-system-x86_64" --version >/dev/null ||
	die "the unpacked qemu-system-x86_64 does not run (missing libraries?)"
rm -rf "$dir"
mv "$tmp/tree" "$dir"
touch "$dir/.ready"
echo "$bin $data"
