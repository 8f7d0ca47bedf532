# shellcheck shell=bash
# One apt at a time among blkengine's own scripts. scripts/test runs suites
# side by side, and on a fresh machine several of them reach apt at once
# (the test kernel and QEMU from bookworm-backports, DPDK's example
# back-end): an "apt-get update" beside another fails on the lists' lock,
# and an install or a query beside an update reads lists being replaced.
# Every apt-get or apt-cache these scripts run against the system's apt
# state goes through apt_locked. Source this file.
#
#   apt_locked CMD [ARGS...]   runs CMD (a command or shell function) in a
#                              subshell holding the lock, a file in the cache
#
# The lock is blkengine's own; apt-get calls that change the system also
# pass "-o DPkg::Lock::Timeout=600" so that they wait for an apt run of the
# system's (unattended upgrades) rather than fail.

apt_lock_file=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/.apt.lock

apt_locked() (
	mkdir -p "$(dirname "$apt_lock_file")" || exit 1
	exec 9>"$apt_lock_file" || exit 1
	flock 9
	"$@"
)
