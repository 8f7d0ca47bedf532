# shellcheck shell=bash
# bookworm-backports (newer kernels and QEMU) from the machine's own mirror.
# Sourced by tests/vm/kernel.sh and tests/vm/qemu.sh, which define say, die
# and as_root. Their apt queries and downloads run under apt_locked
# (scripts/lib/apt-lock.sh, sourced here): suites beside them use apt too.
#
#   ensure_backports   adds the apt source entry and reads the lists once,
#                      unless apt knows bookworm-backports already

bpo_file=/etc/apt/sources.list.d/blkengine-backports.sources
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/apt-lock.sh"

ensure_backports() {
	apt_locked ensure_backports_locked
}

ensure_backports_locked() {
	if apt-cache policy 2>/dev/null | grep -q 'bookworm-backports'; then
		return
	fi
	local mirror
	. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/apt-mirror.sh"
	mirror=$(apt_mirror) || die "no mirror for bookworm-backports (see above)"
	say "adding bookworm-backports from $mirror in $bpo_file"
	as_root tee "$bpo_file" >/dev/null <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	# Once more after a failure: a mirror can refuse one request.
	as_root apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null ||
		as_root apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null ||
		die "apt-get update with bookworm-backports failed (network? mirror $mirror)"
}
