#!/bin/bash
# The module against every fio version a lab runs: Debian 12's fio 3.33,
# Debian 13's 3.39 and unstable's 3.41, each the fio built from Debian's
# source of it (Debian's own package for the machine's version, the fio the
# comparison run builds for unstable's, else scripts/lib/fio-version.sh),
# the module built against each in a folder of its own (gcc, and clang).
# Per version: configure's probes of fio's headers come out as expected,
# the module loads and lists its options, selects and refuses as
# tests/fio/run-load.sh asserts, runs verify, trim, flush and two-job
# workloads against qemu-storage-daemon, refuses the newer fio options it
# does not implement, and a module built for one version is refused by the
# others. Then, in one VM boot, an NVMe verify job per version
# (tests/vm/guest-matrix.sh), and the build with Debian 13's gcc 14 in a
# trixie tree made with debootstrap (root only).
#
# A version whose source Debian's archive lists but does not serve (fio
# 3.39's .orig tarball, on the mirrors seen so far) is reported as "NOT
# TESTED" with the reason; placing fio's upstream tarball in the cache
# (see scripts/lib/fio-version.sh) tests it too.
#
# BLK_MATRIX_VERSIONS="3.33 3.39 3.41" picks the versions; BLK_TEST_ONLY
# selects cases (tests/lib.sh); the VM and gcc 14 parts run only when a
# case of theirs is selected. Needs network the first time (Debian's
# source indexes, fio's tarballs, the trixie packages); everything is
# cached under ${BLKENGINE_CACHE:-~/.cache/blkengine}.
#   tests/fio/run-matrix.sh --prepare   makes the trixie tree only (no test)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$blk_top/tests/host/qsd.sh"
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}

# safe_rm DIR: removes a tree that a chroot may have mounted things in:
# unmounts what is under it first, and never crosses into another file
# system (a mount left behind is skipped, not emptied).
safe_rm() {
	local d=$1 m
	[ -e "$d" ] || return 0
	for m in $(findmnt -rn -o TARGET | grep -F "$d/" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$d"
}

gcc14_pkgs=build-essential,autoconf,automake,libtool,pkg-config,liburing-dev,libnvme-dev

# gcc14_tree DIR: the tarball of the trixie tree in DIR, made when missing
# (one maker at a time: scripts/test starts it early with --prepare).
gcc14_tree() (
	set -euo pipefail
	g=$1
	tree=$g/trixie-minbase.tar.gz
	mkdir -p "$g"
	exec 7>"$g/tree.lock"
	flock 7
	[ -f "$tree" ] && [ "$(cat "$g/tree.pkgs" 2>/dev/null)" = "$gcc14_pkgs" ] && exit 0
	. "$blk_top/scripts/lib/apt-mirror.sh"
	mirror=$(apt_mirror 2>&1) || { echo "$mirror"; exit 1; }
	echo "gcc14: debootstrap trixie (minbase, $gcc14_pkgs) from $mirror"
	safe_rm "$g/bootstrap"
	if ! debootstrap --variant=minbase --include="$gcc14_pkgs" trixie "$g/bootstrap" "$mirror" \
		>"$g/debootstrap.log" 2>&1; then
		tail -n 20 "$g/debootstrap.log"
		safe_rm "$g/bootstrap"
		exit 1
	fi
	tar -C "$g/bootstrap" -czf "$tree.tmp" .
	mv "$tree.tmp" "$tree"
	echo "$gcc14_pkgs" >"$g/tree.pkgs"
	safe_rm "$g/bootstrap"
)

gcc14_version=3.41
gcc14_dir=$cache/gcc14
if [ "${1:-}" = --prepare ]; then
	# Only the slow, CPU-light part (downloads and unpacking), so that
	# scripts/test can run it beside other suites.
	if [ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null; then
		gcc14_tree "$gcc14_dir" >/dev/null 2>&1
	fi
	exit 0
fi

t_begin matrix

read -r -a versions <<<"${BLK_MATRIX_VERSIONS:-3.33 3.39 3.41}"
# Module builds live beside the main build: the test VM sees that folder.
mdir=$blk_build/matrix
mkdir -p "$mdir"
export BLK_FIO_TIMEOUT=${BLK_FIO_TIMEOUT:-90}
MiB=$((1024 * 1024))
suite_start=$SECONDS

# Every probe of fio's headers in configure.ac, and what it must give per
# version. A probe configure.ac gains without a row here fails the suite.
probes=(ERRDETAILS_TAKES_TD HAS_NUM_RANGE HAS_FDP HAS_DATAPLACEMENT HAS_PLIDS
	HAS_VERIFY_IN_DEV HAS_MAX_ACTIVE_ZONES HAS_FINISH_ZONE HAS_RO_NEEDS_RW_OPEN)
declare -A expect=(
	[3.33]="no no no no no no no no no"
	[3.39]="yes yes yes yes yes yes yes yes yes"
	[3.41]="yes yes yes yes yes yes yes yes yes"
)

# Options --enghelp must list on every version, as in run-load.sh.
base_opts=(blk_engine cmd_type hipri fixedbufs registerfiles sqthread_poll sqthread_poll_cpu
	nonvectored readfua writefua write_mode deac md_per_io_size pi_act pi_chk apptag
	apptag_mask blk_oversize blk_wait_mode blk_queue_size blk_trim_write_zeroes
	blk_stall_timeout)

declare -A fio_bin=() fio_src=() module=() probe=()

# timed NAME SECONDS: one line of timing per costly step.
timed() {
	echo "   ($1: $2 s)"
}

# build_module VERSION CC: configures (when needed) and builds the module
# against that version's tree in $mdir/VERSION-CC; prints its folder.
build_module() {
	local v=$1 cc=$2 dir=$mdir/$1-$2 out
	if [ ! -f "$dir/Makefile" ] || [ "$blk_top/configure" -nt "$dir/config.status" ] ||
		[ "$(cat "$dir/.fio" 2>/dev/null)" != "${fio_bin[$v]}" ] ||
		[ "${fio_bin[$v]}" -nt "$dir/config.status" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		out=$(cd "$dir" && CC=$cc "$blk_top/configure" --with-fio="${fio_src[$v]}" \
			--with-fio-bin="${fio_bin[$v]}" 2>&1) || {
			echo "$out" | tail -n 30
			return 1
		}
		echo "$out" >"$dir/configure.out"
		echo "${fio_bin[$v]}" >"$dir/.fio"
	fi
	make -s -C "$dir" -j"$(nproc)" 2>&1 || return 1
}

# fio_for VERSION: prints "FIO_BIN FIO_SRC" (last line) for a fio of that
# version built from Debian's source of it. Built once for the whole
# project: Debian's own fio package where the machine has that version
# (its source package is the tree scripts/bootstrap fetched), the fio the
# comparison run builds (scripts/lib/fio-libblkio.sh, from Debian
# unstable's source) where that is the version, else scripts/lib/
# fio-version.sh builds it in the cache.
fio_for() {
	local v=$1 sys_fio tree out bin
	sys_fio=$(command -v fio || true)
	tree=$(cat "$blk_build/.fio-src" 2>/dev/null || true)
	if [ -n "$sys_fio" ] && [ "$("$sys_fio" --version 2>/dev/null)" = "fio-$v" ] &&
		[ -f "$tree/fio.h" ] && [ "$(basename "$tree")" = "fio-$v" ]; then
		echo "Debian's fio package ($sys_fio) and its source package's tree"
		echo "$sys_fio $tree"
		return 0
	fi
	if out=$("$blk_top/scripts/lib/fio-libblkio.sh" 2>/dev/null) && read -r bin _ <<<"$out" &&
		[ "$("$bin" --version 2>/dev/null)" = "fio-$v" ]; then
		echo "the fio the comparison run builds from Debian unstable's source"
		echo "$bin $(dirname "$bin")"
		return 0
	fi
	"$blk_top/scripts/lib/fio-version.sh" "$v"
}

untested=
# ------------------------------------------------------------ fio, builds
for v in "${versions[@]}"; do
	[ -n "${expect[$v]:-}" ] || {
		t_fail "fio-$v: expected probe outcomes" "no row for $v in this suite's expect table"
		continue
	}
	start=$SECONDS
	if ! out=$(fio_for "$v" 2>&1); then
		# Debian's archive may list a source it does not serve (fio
		# 3.39's, on some mirrors): that version is reported as not
		# tested, with the reason and what to do, and the others run.
		if grep -q 'did not serve\|in none of Debian' <<<"$out"; then
			echo "NOT TESTED matrix: fio-$v: $(tail -n1 <<<"$out" | sed 's/^fio-version: error: //')"
			untested="$untested $v"
		else
			t_fail "fio-$v: fio built from its source" "$(tail -n 3 <<<"$out")"
		fi
		continue
	fi
	# Where the fio came from, then the paths.
	sed '$d' <<<"$out" | sed 's/^/   /'
	read -r fio_bin[$v] fio_src[$v] < <(tail -n1 <<<"$out")
	t_pass "fio-$v: fio from its Debian source ($(${fio_bin[$v]} --version))"
	timed "fio $v" $((SECONDS - start))

	start=$SECONDS
	name="fio-$v: module builds with gcc -Werror"
	if out=$(build_module "$v" gcc); then
		module[$v]=$mdir/$v-gcc/.libs/libblkengine.so
		# The VM sees the build folder: the fio binary goes beside the module.
		cp -u "${fio_bin[$v]}" "$mdir/$v-gcc/fio"
		t_pass "$name"
	else
		t_fail "$name" "$out"
		continue
	fi
	timed "module $v gcc" $((SECONDS - start))

	start=$SECONDS
	name="fio-$v: module builds with clang -Werror"
	if t_only "$name"; then
		if ! command -v clang >/dev/null; then
			t_skip "$name" "clang is not installed"
		elif out=$(build_module "$v" clang) && [ -f "$mdir/$v-clang/.libs/libblkengine.so" ]; then
			t_pass "$name"
		else
			t_fail "$name" "$out"
		fi
		timed "module $v clang" $((SECONDS - start))
	fi

	# configure's probes, as config.h records them.
	line=
	for p in "${probes[@]}"; do
		if grep -q "^#define BLK_FIO_$p 1" "$mdir/$v-gcc/config.h"; then
			probe[$v,$p]=yes
		else
			probe[$v,$p]=no
		fi
		line="$line $p=${probe[$v,$p]}"
	done
	echo "   probes fio-$v:$line"
	read -r -a want <<<"${expect[$v]}"
	bad=
	for i in "${!probes[@]}"; do
		[ "${probe[$v,${probes[$i]}]}" = "${want[$i]}" ] ||
			bad="$bad ${probes[$i]}=${probe[$v,${probes[$i]}]} (expected ${want[$i]})"
	done
	unknown=$(sed -n 's/^\(#define\|\/\* #undef\) BLK_FIO_\([A-Z_]*\)\b.*/\2/p' "$mdir/$v-gcc/config.h" |
		grep -vx VERSION | grep -vxF -f <(printf '%s\n' "${probes[@]}") | tr '\n' ' ')
	if [ -n "$bad$unknown" ]; then
		t_fail "fio-$v: configure's probes come out as expected" \
			${bad:+"wrong:$bad"} ${unknown:+"probes this suite has no expected outcome for: $unknown"}
	else
		t_pass "fio-$v: configure's probes come out as expected"
	fi
done

# Every probe must be seen both ways: a probe no version tells apart is
# not tested by the matrix.
name="every probe differs between two of the versions"
if t_only "$name" && [ ${#module[@]} -ge 2 ]; then
	same=
	for p in "${probes[@]}"; do
		seen=
		for v in "${!module[@]}"; do
			seen="$seen ${probe[$v,$p]}"
		done
		[[ $seen == *yes* && $seen == *no* ]] || same="$same $p"
	done
	if [ -z "$same" ]; then
		t_pass "$name"
	else
		t_fail "$name" "the same on every version built (${!module[*]}):$same"
	fi
fi

# -------------------------------------------------------- load, selection
tmp=$(mktemp -d)
dead_sock=$tmp/dead.sock
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$dead_sock"

# run_with VERSION OUTVAR FIO-ARGS...: fio of VERSION with its module.
run_with() {
	local v=$1 var=$2
	shift 2
	blk_fio=${fio_bin[$v]} run_fio "$var" --ioengine="external:${module[$v]}" "$@"
}

# refused_by VERSION NAME PATTERN FIO-ARGS...: the job is refused (fio
# exits non-zero, no crash) saying PATTERN (fixed string).
refused_by() {
	local v=$1 name=$2 pattern=$3 out rc
	shift 3
	t_only "$name" || return 0
	run_with "$v" out --name=job --size=1m "$@"
	rc=$?
	if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then
		t_fail "$name" "fio exit status $rc; expected a refusal saying '$pattern'" "$out"
	elif ! grep -qF -- "$pattern" <<<"$out"; then
		t_fail "$name" "no '$pattern' in fio's output" "$out"
	else
		t_pass "$name"
	fi
}

# The run-load.sh cases that do not depend on the option list (which
# differs by version and is checked below).
load_cases='^(exports only|loading the engine|--enghelp describes|block device named|missing /dev/nvme|a char device of another|a regular file|a missing|one job, two kinds|blk_engine disagreeing|unknown blk_engine|bad pi_chk|apptag over|num_range out of range|mem= cannot|io_submit_mode=offload|a socket selects)'

for v in "${versions[@]}"; do
	[ -n "${module[$v]:-}" ] || continue
	name="fio-$v: --enghelp lists every option with help text"
	if t_only "$name"; then
		opts=("${base_opts[@]}")
		[ "${probe[$v,HAS_NUM_RANGE]}" = no ] && opts+=(num_range)
		[ "${probe[$v,HAS_FDP]}" = no ] && opts+=(fdp dataplacement plid_select plids dp_scheme)
		[ "${probe[$v,HAS_VERIFY_IN_DEV]}" = yes ] && opts+=(verify_mode)
		if out=$("${fio_bin[$v]}" --enghelp="${module[$v]}" 2>&1); then
			missing=
			for opt in "${opts[@]}"; do
				grep -qE "^$opt +: [^ ]" <<<"$out" || missing="$missing $opt"
			done
			if [ -z "$missing" ]; then
				t_pass "$name"
			else
				t_fail "$name" "missing:$missing" "$out"
			fi
		else
			t_fail "$name" "$out"
		fi
	fi

	name="fio-$v: run-load.sh's selection and refusal cases"
	if t_only "$name"; then
		out=$(env -u BLK_TEST_COUNTS BLKENGINE_BUILD="$mdir/$v-gcc" FIO="${fio_bin[$v]}" \
			BLK_TEST_ONLY="$load_cases" "$blk_top/tests/fio/run-load.sh" 2>&1)
		rc=$?
		summary=$(tail -n1 <<<"$out")
		if [ $rc -eq 0 ] && [[ $summary =~ ^load:\ ([0-9]+)\ passed,\ 0\ failed ]] &&
			[ "${BASH_REMATCH[1]}" -ge 15 ]; then
			t_pass "$name (${BASH_REMATCH[1]} cases)"
		else
			t_fail "$name" "$out"
		fi
	fi

	# Options only NVMe serves, refused by name on virtio-blk (a dead
	# socket: the refusal comes before any connection). Zones are the NVMe engine's alone (the zns-vm suite
	# runs them); virtio-blk refuses zonemode=zbd.
	refused_by "$v" "fio-$v: zonemode=zbd refused on virtio-blk" \
		"blkengine: zonemode=zbd: the virtio-blk-vhost-user engine has no zoned devices" \
		--filename="$dead_sock" --zonemode=zbd --rw=write
	# Data placement is NVMe's: fio's options where this fio has them, the
	# engine's on fio 3.33 (the NVMe side is in guest-matrix.sh and the
	# health-vm suite).
	refused_by "$v" "fio-$v: fdp=1 refused on virtio-blk, naming the engine" \
		"blkengine: fdp=1 / dataplacement=: the virtio-blk-vhost-user engine has no data placement" \
		--filename="$dead_sock" --fdp=1 --rw=write
	refused_by "$v" "fio-$v: dataplacement=streams refused on virtio-blk" \
		"blkengine: fdp=1 / dataplacement=: the virtio-blk-vhost-user engine has no data placement" \
		--filename="$dead_sock" --dataplacement=streams --plids=1 --rw=write
	if [ "${probe[$v,HAS_VERIFY_IN_DEV]}" = yes ]; then
		# Compare is NVMe's: a virtio-blk job is refused before it connects
		# (the NVMe side is in guest-matrix.sh).
		refused_by "$v" "fio-$v: verify_mode=compare refused on virtio-blk, naming the engine" \
			"blkengine: verify_mode=compare / blk_verify_compare=1: the virtio-blk-vhost-user engine has no Compare command" \
			--filename="$dead_sock" --blk_engine=virtio-blk-vhost-user --verify_mode=compare \
			--rw=write --verify=pattern --verify_pattern=0x5a
	fi
done

# Version guard: each module loaded into the next version's fio.
if [ ${#module[@]} -ge 2 ]; then
	built=()
	for v in "${versions[@]}"; do
		[ -n "${module[$v]:-}" ] && built+=("$v")
	done
	for i in "${!built[@]}"; do
		a=${built[$i]}
		b=${built[$(((i + 1) % ${#built[@]}))]}
		name="module built for fio-$a refused by fio-$b, naming both"
		t_only "$name" || continue
		blk_fio=${fio_bin[$b]} run_fio out --name=t --ioengine="external:${module[$a]}" \
			--filename="$dead_sock" --size=1m
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -lt 124 ] &&
			grep -qF "built for fio-$a but this fio is fio-$b" <<<"$out"; then
			t_pass "$name"
		else
			t_fail "$name" "exit status $rc" "$out"
		fi
	done
fi

# ------------------------------------------- vhost-user workloads, per fio
if ! command -v "$qsd_bin" >/dev/null; then
	t_skip "vhost-user workloads" "qemu-storage-daemon not found (install qemu-system-common)"
elif [ ${#module[@]} -gt 0 ]; then
	qsd_dir=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-matrix.XXXXXX") || exit 1
	trap 'qsd_stop_all; rm -rf "$qsd_dir" "$tmp"' EXIT
	img=$qsd_dir/disk.img
	truncate -s 64M "$img"
	if ! qsd_file_export disk "$img" 512 2 on; then
		t_fail "vhost-user workloads" "qemu-storage-daemon did not start" "$(cat "$qsd_dir/disk.log")"
	fi
	sock=$(qsd_sock disk)
	for v in "${versions[@]}"; do
		[ -n "${module[$v]:-}" ] && [ -S "$sock" ] || continue
		start=$SECONDS
		cd "$qsd_dir" || exit 1
		common=(--filename="$sock" --thread=1 --iodepth=16 --bs=4k)

		name="fio-$v: vhost-user randrw verify=crc32c"
		if t_only "$name"; then
			vm=()
			[ "${probe[$v,HAS_VERIFY_IN_DEV]}" = yes ] && vm=(--verify_mode=read)
			if run_with "$v" out --name=rv "${common[@]}" --rw=randrw --size=16m \
				--verify=crc32c --verify_fatal=1 "${vm[@]}"; then
				t_pass "$name"
			else
				t_fail "$name" "exit status $?" "$out"
			fi
		fi

		# Trim: data in 4 MiB at 32 MiB, trimmed, must be holes (zeroes)
		# in the image the daemon serves.
		name="fio-$v: vhost-user trim reaches the image as zeroes"
		if t_only "$name"; then
			off=$((32 * MiB)) len=$((4 * MiB))
			if ! run_with "$v" out --name=fill "${common[@]}" --rw=write --bs=1M \
				--offset=$off --size=$len; then
				t_fail "$name" "fill: exit status $?" "$out"
			elif cmp -s -n $len -i "$off:0" "$img" /dev/zero; then
				t_fail "$name" "the image holds zeroes before the trim: the fill did not land"
			elif ! run_with "$v" out --name=trim "${common[@]}" --rw=trim --bs=64k \
				--offset=$off --size=$len; then
				t_fail "$name" "trim: exit status $?" "$out"
			elif ! cmp -s -n $len -i "$off:0" "$img" /dev/zero; then
				t_fail "$name" "$(cmp -n $len -i "$off:0" "$img" /dev/zero 2>&1 | head -1)"
			else
				t_pass "$name"
			fi
		fi

		# Flush: fsync=16 on 256 writes at QD1 makes 16 flushes, counted as
		# the daemon's fdatasync calls on the image.
		name="fio-$v: vhost-user fsync=16 flushes reach the daemon"
		if t_only "$name"; then
			trace=$qsd_dir/trace.$v
			if ! command -v strace >/dev/null; then
				t_skip "$name" "strace is not installed"
			elif ! qsd_trace_start disk "$trace" fdatasync,fsync 2>"$trace.start"; then
				t_fail "$name" "cannot count the daemon's system calls" "$(cat "$trace.start")"
			else
				run_with "$v" out --name=fl --filename="$sock" --thread=1 --iodepth=1 \
					--bs=4k --rw=write --size=1m --fsync=16
				rc=$?
				qsd_trace_stop disk
				flushes=$(strace_calls "$trace" fdatasync fsync)
				if [ $rc -ne 0 ]; then
					t_fail "$name" "exit status $rc" "$out"
				elif [ "$flushes" -ge 14 ] && [ "$flushes" -le 18 ]; then
					t_pass "$name ($flushes flushes)"
				else
					t_fail "$name" "the daemon made $flushes flushes; expected about 16" "$out"
				fi
			fi
		fi

		# Two jobs of one fio on one socket: one connection, a virtqueue each.
		name="fio-$v: vhost-user numjobs=2 thread=1 verify"
		if t_only "$name"; then
			if run_with "$v" out --name=nj "${common[@]}" --numjobs=2 --rw=randwrite \
				--size=8m --offset_increment=8m --verify=crc32c --verify_fatal=1 \
				--group_reporting=1; then
				t_pass "$name"
			else
				t_fail "$name" "exit status $?" "$out"
			fi
		fi
		timed "vhost-user workloads $v" $((SECONDS - start))
	done
	cd "$blk_top" || exit 1
fi

# ------------------------------------------------------------- NVMe, VM
name="NVMe verify per fio version in one VM boot"
if t_only "$name" || t_only "matrix-vm"; then
	runs=
	for v in "${versions[@]}"; do
		[ -n "${module[$v]:-}" ] && runs="$runs $v:$mdir/$v-gcc/fio:${module[$v]}"
	done
	start=$SECONDS
	if [ -z "$runs" ]; then
		t_fail "$name" "no fio version built"
	elif ! command -v qemu-system-x86_64 >/dev/null; then
		t_skip "$name" "qemu-system-x86_64 not found (install qemu-system-x86)"
	else
		BLK_MATRIX_RUNS=${runs# } "$blk_top/tests/vm/vm-run" --kernel 6.12 \
			--timeout "${BLK_VM_TIMEOUT:-1800}" --nvme-params "" \
			--ns 64M,drive.discard=unmap \
			--ns 64M,logical_block_size=4096,physical_block_size=4096 \
			--ns 16M,ms=16,mset=0,pi=1,pif=2 \
			-- "$blk_top/tests/vm/guest-matrix.sh"
		rc=$?
		# The guest's cases are counted as suite matrix-vm; here only the
		# boot and its exit status.
		if [ $rc -eq 0 ]; then
			t_pass "$name"
		else
			t_fail "$name" "vm-run exit status $rc (125: the VM did not finish)"
		fi
	fi
	timed "VM" $((SECONDS - start))
fi

# ----------------------------------------------- gcc 14 (Debian 13 tree)
# The tree: debootstrap of trixie (minbase and the build dependencies)
# from the machine's own mirror, cached as a tarball, unpacked once into
# $cache/gcc14/root. fio's source is configured there (its headers are what
# the module compiles against; fio itself is not built), and each run
# copies this source tree in and builds the module there with -Werror.

# gcc14_build DIR TARBALL VERSION FIO: in a subshell (its own EXIT trap),
# the trixie tree under DIR, fio VERSION's source configured in it from
# TARBALL, and this source tree built there against it. FIO is a fio binary
# of that version built on this machine: configure asks it its version
# (the module must match the fio it is loaded into); it is copied into the
# tree with the libraries of its own it needs, so fio is not built twice.
# Prints what it does ("gcc14: ...").
gcc14_build() (
	set -euo pipefail
	g=$1 tarball=$2 fv=$3 host_fio=$4
	root=$g/root
	tree=$g/trixie-minbase.tar.gz
	in_root() {
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			chroot "$root" /bin/bash -c "$1"
	}
	gcc14_tree "$g"
	if [ ! -f "$root/.blkengine-tree" ] || [ "$tree" -nt "$root/.blkengine-tree" ]; then
		echo "gcc14: unpacking $tree"
		safe_rm "$root"
		mkdir -p "$root"
		tar -C "$root" -xzf "$tree"
		touch "$root/.blkengine-tree"
	fi
	mount -t proc proc "$root/proc"
	trap 'umount -l "$root/proc"' EXIT
	in_root 'gcc --version | head -n1'
	if [ ! -f "$root/build/fio-$fv/config-host.h" ]; then
		echo "gcc14: configuring fio $fv's source in the tree"
		rm -rf "$root/build/fio-$fv"
		mkdir -p "$root/build/fio-$fv"
		tar -xf "$tarball" -C "$root/build/fio-$fv" --strip-components=1
		in_root "cd /build/fio-$fv && ./configure --disable-native >configure.log 2>&1" || {
			tail -n 20 "$root/build/fio-$fv/configure.log"
			exit 1
		}
	fi
	rm -rf "$root/build/fio-bin"
	mkdir -p "$root/build/fio-bin/lib"
	cp "$host_fio" "$root/build/fio-bin/fio"
	# Libraries outside the system's folders (libblkio from the cache).
	ldd "$host_fio" | awk '$3 ~ /^\// && $3 !~ /^\/(usr\/)?lib/ {print $3}' |
		xargs -r cp -t "$root/build/fio-bin/lib"
	in_root 'LD_LIBRARY_PATH=/build/fio-bin/lib /build/fio-bin/fio --version' | sed 's/^/gcc14: fio binary in the tree: /'
	# This source tree as git sees it (tracked and new files, no build
	# output), autotools run anew with the tree's own.
	rm -rf "$root/build/blkengine"
	mkdir -p "$root/build/blkengine"
	(cd "$blk_top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
		tar -C "$root/build/blkengine" -xf -
	in_root "cd /build/blkengine && autoreconf -fi >autoreconf.log 2>&1 && mkdir b && cd b &&
		LD_LIBRARY_PATH=/build/fio-bin/lib ../configure -q --with-fio=/build/fio-$fv \
			--with-fio-bin=/build/fio-bin/fio &&
		grep -q '^WARN_CFLAGS = .*-Werror' Makefile && make -j$(nproc) 2>&1"
	[ -f "$root/build/blkengine/b/.libs/libblkengine.so" ] || { echo "gcc14: no module built"; exit 1; }
	echo "gcc14: built libblkengine.so against fio-$fv with -Werror"
	# The same source without FIO_INTERNAL must stop where fio's header
	# calls le32_to_cpu: the build above passed because of the fix, not
	# because this gcc lets the call through.
	if in_root 'cd /build/blkengine/b && f=$(sed -n "s/^FIO_CPPFLAGS = //p" Makefile) &&
		touch ../engines/nvme_target.c &&
		make FIO_CPPFLAGS="${f/-DFIO_INTERNAL/}" engines/libblkengine_la-nvme_target.lo' \
		>"$g/without-fix.log" 2>&1; then
		echo "gcc14: without -DFIO_INTERNAL nvme_target.c still compiled: the check proves nothing"
		exit 1
	fi
	grep -m1 "implicit declaration of function .le32_to_cpu" "$g/without-fix.log" |
		sed 's/^/gcc14: without -DFIO_INTERNAL: /' | grep . || {
		echo "gcc14: without -DFIO_INTERNAL the build failed for another reason:"
		tail -n 10 "$g/without-fix.log"
		exit 1
	}
)

name="gcc 14 (Debian 13) builds the module against fio $gcc14_version with -Werror"
if t_only "$name"; then
	start=$SECONDS
	tarball=$("$blk_top/scripts/lib/fio-version.sh" --tarball "$gcc14_version" 2>&1 | tail -n1)
	if [ "$(id -u)" -ne 0 ]; then
		t_skip "$name" "needs root (debootstrap, chroot)"
	elif ! command -v debootstrap >/dev/null; then
		t_skip "$name" "debootstrap is not installed (apt-get install debootstrap)"
	elif [ ! -f "$tarball" ]; then
		t_fail "$name" "no fio $gcc14_version tarball: $tarball"
	elif [ -z "${fio_bin[$gcc14_version]:-}" ]; then
		t_fail "$name" "no fio $gcc14_version built (see its case above)"
	else
		gcc14_out=$(gcc14_build "$gcc14_dir" "$tarball" "$gcc14_version" "${fio_bin[$gcc14_version]}" 2>&1)
		rc=$?
		echo "$gcc14_out" | grep -E '^(gcc14:|gcc \(Debian 14)' | sed 's/^/   /'
		if [ $rc -eq 0 ]; then
			t_pass "$name"
		else
			t_fail "$name" "$gcc14_out"
		fi
	fi
	timed "gcc 14 tree" $((SECONDS - start))
fi

[ -n "$untested" ] && echo "   fio versions not tested (their source could not be had):$untested"
timed "matrix suite" $((SECONDS - suite_start))
rm -rf "$tmp"
t_end
