# DPDK's vhost_blk example as a vhost-user-blk back-end that offers packed
# virtqueues (qemu-storage-daemon's libvhost-user does not). Source after
# tests/lib.sh and tests/host/qsd.sh (for $qsd_dir).
#
# dpdk_blk_build            installs Debian's dpdk-doc (the example's source)
#                           and libdpdk-dev if missing, builds the example once
#                           into the cache, and sets $dpdk_blk_bin; returns 1
#                           with the reason on stderr when it cannot
# dpdk_blk_start NAME       starts a back-end in $qsd_dir/NAME/ (its socket:
#                           $(dpdk_blk_sock NAME)); its log is NAME/backend.log
# dpdk_blk_stop NAME        stops it by its PID (dpdk_blk_kill: SIGKILL)
# dpdk_blk_features NAME    the virtio features it negotiated (hex), from its log
#
# What the example is, read from its source (DPDK 22.11):
# - It serves a 128 MiB in-memory disk on "vhost.socket" in its working
#   directory (no option for the path), one queue, 512-byte sectors as seen
#   by the driver (it offers no BLK_SIZE), no flush, no discard.
# - It offers VERSION_1, RING_PACKED and NOTIFY_ON_EMPTY: no indirect
#   descriptors, no EVENT_IDX, no multi-queue.
# - Its worker thread pins itself to CPU 0 and busy-polls the ring, with
#   notifications disabled; completions are signalled on the call eventfd.
# - Its split path keeps a request's ring index in 8 bits: rings over 256
#   entries break it.
# - Its packed path keeps its own wrap counters, which start at 0 and are
#   not reset when a driver reconnects: a ring must start in lap 0 (which
#   the engine's vhost-user rings do), and each connection needs a fresh
#   back-end, since the previous one may have ended in an odd lap.
# - EAL runs without hugepages (--no-huge, with --no-shconf: --in-memory
#   is refused next to --no-huge) and without PCI.

dpdk_blk_cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}
# apt_locked: tests/vm/kernel.sh may be at apt beside this suite's --prepare.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/apt-lock.sh"
declare -A dpdk_blk_pids=()

dpdk_blk_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

dpdk_blk_build() {
	local lock
	mkdir -p "$dpdk_blk_cache"
	# One builder at a time: scripts/test may run --prepare beside the suite.
	exec {lock}>"$dpdk_blk_cache/dpdk-vhost-blk.lock"
	flock "$lock"
	dpdk_blk_build_locked
	local rc=$?
	exec {lock}>&-
	return $rc
}

dpdk_blk_install() {
	apt_locked dpdk_blk_as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

dpdk_blk_build_locked() {
	local src=/usr/share/dpdk/examples/vhost_blk missing=() p ver dir
	for p in dpdk-doc libdpdk-dev build-essential pkg-config; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing ${missing[*]} (DPDK's vhost_blk example back-end)" >&2
		# scripts/bootstrap has just read the package lists: install from
		# them, and read them again only if that fails.
		if ! dpdk_blk_install "${missing[@]}"; then
			apt_locked dpdk_blk_as_root apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1
			if ! dpdk_blk_install "${missing[@]}"; then
				echo "apt-get install ${missing[*]} failed" >&2
				return 1
			fi
		fi
	fi
	[ -f "$src/vhost_blk.c" ] || { echo "$src/vhost_blk.c missing (dpdk-doc)" >&2; return 1; }
	ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	dir=$dpdk_blk_cache/dpdk-vhost-blk-$ver
	dpdk_blk_bin=$dir/build/vhost-blk-shared
	[ -x "$dpdk_blk_bin" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$src"/. "$dir"/
	if ! make -s -C "$dir" >"$dir/build.log" 2>&1; then
		echo "building DPDK's vhost_blk example failed:" >&2
		tail -20 "$dir/build.log" >&2
		return 1
	fi
	[ -x "$dpdk_blk_bin" ]
}

dpdk_blk_sock() {
	echo "$qsd_dir/$1/vhost.socket"
}

dpdk_blk_start() {
	local name=$1 dir=$qsd_dir/$1 i
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && exec "$dpdk_blk_bin" --no-pci --no-huge --no-shconf -m 256 -l 0 \
		--log-level=lib.vhost.config:debug >"$dir/backend.log" 2>&1) &
	dpdk_blk_pids[$name]=$!
	for i in $(seq 100); do
		[ -S "$dir/vhost.socket" ] && return 0
		if ! kill -0 "${dpdk_blk_pids[$name]}" 2>/dev/null; then
			echo "DPDK vhost_blk $name exited:" >&2
			cat "$dir/backend.log" >&2
			unset "dpdk_blk_pids[$name]"
			return 1
		fi
		sleep 0.05
	done
	echo "DPDK vhost_blk $name: no socket after 5 s" >&2
	return 1
}

dpdk_blk_kill() {
	local pid=${dpdk_blk_pids[$1]:-}
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "dpdk_blk_pids[$1]"
}

dpdk_blk_stop() {
	local pid=${dpdk_blk_pids[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	dpdk_blk_kill "$1"
}

dpdk_blk_stop_all() {
	local name
	for name in "${!dpdk_blk_pids[@]}"; do
		dpdk_blk_stop "$name"
	done
}

# The last feature set the back-end's vhost library logged as negotiated.
dpdk_blk_features() {
	sed -n 's/.*negotiated Virtio features: \(0x[0-9a-fA-F]*\).*/\1/p' \
		"$qsd_dir/$1/backend.log" | tail -1
}
