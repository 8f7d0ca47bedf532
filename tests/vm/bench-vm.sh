#!/bin/bash
# Side-by-side throughput and instruction counts of blkengine's engines and
# their peers on one emulated device, all in one VM boot so the figures
# compare (absolute numbers are the emulator's, not a device's).
#
#   tests/vm/bench-vm.sh [OPTIONS]      boots the 6.12 VM and runs itself there
#
#   --target T         nvme (default): one 256 MiB NVMe namespace with
#                      4096-byte blocks, nvme poll_queues=1;
#                      vfio: the q35 machine of tests/vm/vfio-machine.sh, one
#                      virtio-blk PCI function handed to vfio-pci, a second
#                      one left to the kernel's virtio-blk driver;
#                      vdpa: a VDUSE device in the guest, qemu-storage-daemon's
#                      vduse-blk export of a 256 MiB file on the guest's tmpfs
#                      (one queue of 256 entries), bound to vhost_vdpa
#   --runtime SECS     seconds each measured run lasts (default 5)
#   --reps N           repetitions of every comparison (default 3)
#   --workloads LIST   comma list of rr1 rr32 rw32 rrw16 sr8 (default all)
#   --optsets LIST     comma list of plain fixedbufs hipri regfiles0 default
#                      eventfd (default plain,fixedbufs,hipri for nvme,
#                      default for vfio)
#   --cg-optsets LIST  the option sets of the callgrind counts (default: those
#                      of --optsets)
#   --engines LIST     nvme: comma list of ours cmd uring prev (default
#                      ours,cmd,uring); vfio: of split packed blkio vuring prev
#                      (default split,packed,blkio,vuring); vdpa: of ours
#                      blkio prev (default ours,blkio)
#   --prev MODULE      another build of libblkengine.so, run as engine "prev"
#                      (e.g. the module before a change), outside /tmp
#   --fio PATH --module PATH
#                      the fio binary and the module built against it (vfio:
#                      a fio with the libblkio engine, scripts/lib/fio-libblkio.sh)
#   --callgrind N      instead of timed runs, count fio's user-space
#                      instructions per I/O with valgrind's callgrind: each
#                      comparison runs N and 3N I/Os, the difference over 2N
#                      leaves start-up out (a count, not a time); fio's null
#                      engine runs beside them, so each engine's own share
#                      (fio + engine - fio + null) and the share ratios of
#                      the first engine to the others are printed too
#   --passes P         callgrind: count everything P times (default 2) and
#                      say whether the counts repeated exactly
#   --and-iops         with --callgrind: the timed runs too, in the same boot
#   --keep-callgrind DIR
#                      with --callgrind: keep the last pass's dump of every
#                      job's thread in DIR on the host, named after the job
#                      (W.O.E.K.cg, K = 1 or 3), for scripts/cg-per-io
#
# NVMe option sets, the same options for every engine (fio 3.33's
# io_uring_cmd takes all of them): plain = registerfiles=1, fixedbufs =
# registerfiles=1 fixedbufs=1, hipri = registerfiles=1 hipri=1 (polled
# completions), regfiles0 = registerfiles=0; default = no options; eventfd =
# sleep on the device's eventfd without spinning (blk_wait_mode=eventfd,
# libblkio_wait_mode=eventfd): a spin's length depends on timing, which
# moves the counts more. Both
# NVMe engines send non-vectored commands by default on this kernel (ours
# always; io_uring_cmd after its probe). NVMe engines: ours = this module on
# /dev/ngXnY; cmd = fio's io_uring_cmd on the same device with the same
# options; uring = fio's io_uring on /dev/nvmeXnY with direct=1.
# vfio engines, each with its default options: split and packed = this
# module on the vfio-bound function with blk_ring=split or packed; blkio =
# fio's libblkio engine with libblkio_driver=virtio-blk-vfio-pci on the same
# function; vuring = fio's io_uring (direct=1) on the other function through
# the kernel's virtio-blk driver (its figures include the kernel's work,
# which callgrind does not count).
# vdpa engines: ours = this module on /dev/vhost-vdpa-N; blkio = fio's
# libblkio engine with libblkio_driver=virtio-blk-vhost-vdpa on the same
# device. The daemon runs in the guest beside fio.
# Within a repetition every engine runs each workload once, one after the
# other, in an order that rotates from one repetition to the next. Prints
# one line per run, then the median IOPS and the median fio CPU time per I/O
# of each comparison.
# Workloads: rr1 4k randread QD1, rr32 4k randread QD32, rw32 4k randwrite
# QD32, rrw16 4k randrw 70% reads QD16, sr8 128k read QD8.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../../scripts/lib/callgrind.sh"

target=nvme
runtime=5
reps=3
workloads=rr1,rr32,rw32,rrw16,sr8
optsets=
cg_optsets=
engines=
prev=
kdir=
callgrind=
passes=2
and_iops=
keep_cg=
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--target) target=$2; shift 2 ;;
	--fio) blk_fio=$(realpath "$2"); shift 2 ;;
	--module) blk_module=$(realpath "$2"); shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--runtime) runtime=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--workloads) workloads=$2; shift 2 ;;
	--optsets) optsets=$2; shift 2 ;;
	--cg-optsets) cg_optsets=$2; shift 2 ;;
	--engines) engines=$2; shift 2 ;;
	--prev) prev=$(realpath "$2"); shift 2 ;;
	--callgrind) callgrind=$2; shift 2 ;;
	--passes) passes=$2; shift 2 ;;
	--and-iops) and_iops=1; shift ;;
	--keep-callgrind) keep_cg=$2; shift 2 ;;
	*) echo "bench-vm: unknown option '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
	esac
done

case $target in
nvme) optsets=${optsets:-plain,fixedbufs,hipri} engines=${engines:-ours,cmd,uring} ;;
vfio) optsets=${optsets:-default} engines=${engines:-split,packed,blkio,vuring} ;;
vdpa) optsets=${optsets:-default} engines=${engines:-ours,blkio} ;;
*) echo "bench-vm: --target $target: give nvme, vfio or vdpa" >&2; exit 2 ;;
esac
if [ -n "$callgrind" ] && ! [[ $callgrind =~ ^[1-9][0-9]*$ ]]; then
	echo "bench-vm: --callgrind $callgrind: give a number of I/Os" >&2
	exit 2
fi
if ! [[ $passes =~ ^[1-9][0-9]*$ ]]; then
	echo "bench-vm: --passes $passes: give a number of passes (1 or more)" >&2
	exit 2
fi
if [ -n "$keep_cg" ]; then
	# The guest writes them where vm-run collects them ($BLK_VM_KEEP).
	if [ -n "${BLK_IN_VM:-}" ]; then
		keep_cg=/run/blkvm/keep
	else
		keep_cg=$(realpath -m "$keep_cg")
		export BLK_VM_KEEP=$keep_cg
	fi
fi
if [ -n "$keep_cg" ] && [ -z "$callgrind" ]; then
	echo "bench-vm: --keep-callgrind goes with --callgrind N" >&2
	exit 2
fi
if [ -n "$and_iops" ] && [ -z "$callgrind" ]; then
	echo "bench-vm: --and-iops goes with --callgrind N (timed runs alone need no option)" >&2
	exit 2
fi
if [ -z "${BLK_IN_VM:-}" ]; then
	if [ -n "$callgrind" ] && ! command -v valgrind >/dev/null; then
		echo "bench-vm: valgrind is missing (apt-get install valgrind)" >&2
		exit 1
	fi
	if [ ! -f "$blk_module" ]; then
		echo "bench-vm: $blk_module missing; build first (scripts/bootstrap)" >&2
		exit 1
	fi
	echo "host load: $(uptime)"
	read -r kdir _ < <("$here/kernel.sh" 6.12) || { echo "bench-vm: no 6.12 kernel (tests/vm/kernel.sh 6.12)" >&2; exit 1; }
	args+=(--fio "$(command -v "$blk_fio")" --module "$blk_module" --kdir "$kdir")
	if [ "$target" = vfio ]; then
		. "$here/vfio-machine.sh"
		imgdir=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo /tmp)/blkbench.XXXXXX")
		trap 'rm -rf "$imgdir"' EXIT
		vfio_machine_args "$imgdir" || exit 1
		"$here/vm-run" --kernel 6.12 --timeout "${BLK_VM_TIMEOUT:-3600}" "${vfio_vm_args[@]}" \
			-- "$0" "${args[@]}"
		exit
	fi
	exec "$here/vm-run" --kernel 6.12 --timeout "${BLK_VM_TIMEOUT:-3600}" \
		--nvme-params "poll_queues=1" \
		--ns 256M,logical_block_size=4096,physical_block_size=4096 \
		-- "$0" "${args[@]}"
fi

# The device under test: $dev (printed in the header), and what each engine
# needs in engine_args.
if [ "$target" = vfio ]; then
	. "$here/vfio-guest-lib.sh"
	for m in vfio vfio_iommu_type1 vfio-pci virtio_blk; do
		modprobe -d "$kdir" "$m" || { echo "bench-vm: modprobe -d $kdir $m failed" >&2; exit 1; }
	done
	vfn=$(pci_behind_port 10)
	kfn=$(pci_behind_port 11)
	if [ -z "$vfn" ] || ! to_vfio "$vfn"; then
		echo "bench-vm: the function behind 00:10.0 (${vfn:-none}) could not be handed to vfio-pci" >&2
		exit 1
	fi
	if [ -z "$kfn" ] || ! blkdev=$(to_kernel "$kfn"); then
		echo "bench-vm: the function behind 00:11.0 (${kfn:-none}) has no /dev/vdX" >&2
		exit 1
	fi
	dev="$vfn (vfio-pci), $blkdev ($kfn, virtio-blk)"
elif [ "$target" = vdpa ]; then
	for m in vduse vhost_vdpa; do
		modprobe -d "$kdir" "$m" || { echo "bench-vm: modprobe -d $kdir $m failed" >&2; exit 1; }
	done
	udevadm settle >/dev/null 2>&1
	vdpa_img=/tmp/bench-vdpa.img
	truncate -s 256M "$vdpa_img"
	qemu-storage-daemon --blockdev "driver=file,filename=$vdpa_img,node-name=n0" \
		--export "type=vduse-blk,id=e0,node-name=n0,name=bench,writable=on,num-queues=1,queue-size=256" \
		>/tmp/bench-vdpa-qsd.log 2>&1 &
	vdpa_qsd=$!
	trap 'vdpa dev del bench 2>/dev/null; kill $vdpa_qsd 2>/dev/null' EXIT
	for _ in $(seq 100); do
		[ -e /dev/vduse/bench ] && break
		sleep 0.1
	done
	vdpa dev add name bench mgmtdev vduse >>/tmp/bench-vdpa-qsd.log 2>&1 ||
		{ echo "bench-vm: vdpa dev add failed" >&2; cat /tmp/bench-vdpa-qsd.log >&2; exit 1; }
	# With virtio_vdpa loaded too, the device may land there instead.
	if [ "$(basename "$(readlink /sys/bus/vdpa/devices/bench/driver)")" = virtio_vdpa ]; then
		echo bench >/sys/bus/vdpa/drivers/virtio_vdpa/unbind
		echo bench >/sys/bus/vdpa/drivers/vhost_vdpa/bind
	fi
	vdpa_dev=
	for _ in $(seq 100); do
		node=$(ls -d /sys/bus/vdpa/devices/bench/vhost-vdpa-* 2>/dev/null | head -n1)
		if [ -n "$node" ] && [ -e "/dev/${node##*/}" ]; then
			vdpa_dev=/dev/${node##*/}
			break
		fi
		sleep 0.1
	done
	[ -n "$vdpa_dev" ] || { echo "bench-vm: no /dev/vhost-vdpa-N for the VDUSE device" >&2; exit 1; }
	dev="$vdpa_dev (VDUSE, qemu-storage-daemon vduse-blk, $vdpa_img on tmpfs)"
	blkdev=
else
	ng=
	for b in /sys/block/nvme*n*; do
		[ "$(cat "$b/nsid" 2>/dev/null)" = 1 ] || continue
		b=${b##*/}
		ng=/dev/ng${b#nvme}
	done
	if [ -z "$ng" ] || [ ! -c "$ng" ]; then
		echo "bench-vm: no NVMe namespace 1 in this VM" >&2
		exit 1
	fi
	blkdev=/dev/nvme${ng#/dev/ng}
	dev="$ng ($blkdev)"
fi

workload_args() {
	case $1 in
	rr1) echo --rw=randread --bs=4k --iodepth=1 ;;
	rr32) echo --rw=randread --bs=4k --iodepth=32 ;;
	rw32) echo --rw=randwrite --bs=4k --iodepth=32 ;;
	rrw16) echo --rw=randrw --rwmixread=70 --bs=4k --iodepth=16 ;;
	sr8) echo --rw=read --bs=128k --iodepth=8 ;;
	*) return 1 ;;
	esac
}

# optset_args SET [ENGINE]: eventfd is each engine's own name for
# sleeping on the device's eventfd, no spinning.
optset_args() {
	case $1 in
	plain) echo --registerfiles=1 ;;
	fixedbufs) echo --registerfiles=1 --fixedbufs=1 ;;
	hipri) echo --registerfiles=1 --hipri=1 ;;
	regfiles0) echo --registerfiles=0 ;;
	default) ;;
	eventfd)
		case ${2:-} in
		split | packed | prev) echo --blk_wait_mode=eventfd ;;
		ours) [ "$target" = vdpa ] && echo --blk_wait_mode=eventfd ;;
		blkio) echo --libblkio_wait_mode=eventfd ;;
		esac ;;
	*) return 1 ;;
	esac
}

engine_args() {
	case $1 in
	ours) echo "--ioengine=external:$blk_module --filename=${vdpa_dev:-$ng}" ;;
	prev)
		[ -n "$prev" ] || return 1
		if [ "$target" = vfio ]; then
			echo "--ioengine=external:$prev --filename=$(esc "$vfn")"
		else
			echo "--ioengine=external:$prev --filename=${vdpa_dev:-$ng}"
		fi ;;
	cmd) echo "--ioengine=io_uring_cmd --cmd_type=nvme --filename=$ng" ;;
	# The kernel's block device of the target: /dev/nvmeXnY, or the
	# virtio-blk function's /dev/vdX.
	uring | vuring) echo "--ioengine=io_uring --direct=1 --filename=$blk_device" ;;
	split | packed) echo "--ioengine=external:$blk_module --filename=$(esc "$vfn") --blk_ring=$1" ;;
	blkio)
		if [ "$target" = vdpa ]; then
			echo "--ioengine=libblkio --libblkio_driver=virtio-blk-vhost-vdpa --libblkio_path=$vdpa_dev"
		else
			echo "--ioengine=libblkio --libblkio_driver=virtio-blk-vfio-pci --libblkio_path=/sys/bus/pci/devices/$vfn"
		fi ;;
	*) return 1 ;;
	esac
}
blk_device=$blkdev

IFS=, read -r -a wl_list <<<"$workloads"
IFS=, read -r -a os_list <<<"$optsets"
IFS=, read -r -a cg_os_list <<<"${cg_optsets:-$optsets}"
IFS=, read -r -a en_list <<<"$engines"
for w in "${wl_list[@]}"; do workload_args "$w" >/dev/null || { echo "bench-vm: unknown workload $w" >&2; exit 2; }; done
for o in "${os_list[@]}" "${cg_os_list[@]}"; do optset_args "$o" >/dev/null || { echo "bench-vm: unknown option set $o" >&2; exit 2; }; done
for e in "${en_list[@]}"; do engine_args "$e" >/dev/null || { echo "bench-vm: unknown engine $e" >&2; exit 2; }; done

# Lay the namespace down once so reads find written blocks everywhere.
if [ -n "$blkdev" ]; then
	"$blk_fio" --name=fill --ioengine=io_uring --direct=1 --filename="$blkdev" \
		--rw=write --bs=1m --iodepth=4 >/dev/null 2>&1 ||
		echo "bench-vm: filling $blkdev failed; reads may see unwritten blocks"
fi
if [ "$target" = vdpa ]; then
	"$blk_fio" --name=fill --thread=1 --ioengine="external:$blk_module" --filename="$vdpa_dev" \
		--rw=write --bs=1m --iodepth=4 --size=256m >/dev/null 2>&1 ||
		echo "bench-vm: filling $vdpa_dev failed; reads may see unwritten blocks"
fi
if [ "$target" = vfio ]; then
	"$blk_fio" --name=fill --thread=1 --ioengine="external:$blk_module" --filename="$(esc "$vfn")" \
		--rw=write --bs=1m --iodepth=4 --size=256m >/dev/null 2>&1 ||
		echo "bench-vm: filling $vfn failed; reads may see unwritten blocks"
fi

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# table TITLE WIDTH CELL PREFIX ENGINE...: a row per workload and option
# set, a column per ENGINE headed PREFIX ENGINE; `CELL W O ENGINE` prints
# each cell.
table() {
	local title=$1 width=$2 cell=$3 prefix=$4 w o e
	shift 4
	echo
	echo "$title"
	printf '%-6s %-10s' workload options
	for e in "$@"; do printf " %${width}s" "$prefix$e"; done
	echo
	for w in "${wl_list[@]}"; do
		for o in "${os_list[@]}"; do
			printf '%-6s %-10s' "$w" "$o"
			for e in "$@"; do
				# shellcheck disable=SC2086
				printf " %${width}s" "$($cell "$w" "$o" "$e")"
			done
			echo
		done
	done
}

# median_of COLUMN W O E: the median of one column of the results.
median_of() {
	awk -v c="$1" -v w="$2" -v o="$3" -v e="$4" \
		'$1 == w && $2 == o && $3 == e && $c != "err" { print $c }' "$results" | median
}

# ratio_to_first W O E: IOPS of the first engine / E within each
# repetition, as "median (min-max)".
ratio_to_first() {
	awk -v w="$1" -v o="$2" -v a="${en_list[0]}" -v b="$3" '
		$1 == w && $2 == o && $4 != "err" { v[$3 " " $6] = $4; r[$6] = 1 }
		END { for (k in r) if ((a " " k) in v && (b " " k) in v) print v[a " " k] / v[b " " k] }' \
		"$results" | sort -g | awk '{ x[NR] = $1 } END {
			if (!NR) { print "-"; exit }
			m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
			printf "%.3f (%.2f-%.2f)", m, x[1], x[NR] }'
}

results=$(mktemp)

# callgrind_pass DIR: one fio process under callgrind runs, one after the
# other, a warm-up job (the first job's thread does one-off work), then
# N and 3N I/Os of every workload, option set and engine, and of fio's null
# engine per workload; prints "W O E PER-IO" lines (PER-IO "err" when a job
# failed). Time stamps stay off (gtod_reduce) and offsets repeat
# (randrepeat=1): what fio spends on them does not depend on the engine,
# and counts that depend on the clock would not repeat.
callgrind_pass() {
	local dir=$1 w o e k i jobs=() keys=() totals=() alone=() t
	local cg_common=(--thread=1 --gtod_reduce=1 --disk_util=0 --norandommap=1 --randrepeat=1 --size=200m)
	local warmup=(--name=warmup --ioengine=null --rw=randread --bs=4k --number_ios=100)
	jobs=("${warmup[@]}")
	for w in "${wl_list[@]}"; do
		for o in "${os_list[@]}"; do
			for e in "${en_list[@]}"; do
				if [ "$e" = blkio ]; then
					alone+=("$w $o $e")
					continue
				fi
				for k in 1 3; do
					# shellcheck disable=SC2207
					jobs+=(--name="$w.$o.$e.$k" --stonewall $(engine_args "$e")
						$(workload_args "$w") $(optset_args "$o" "$e") --number_ios=$((k * callgrind)))
				done
				keys+=("$w $o $e")
			done
		done
		for k in 1 3; do
			# shellcheck disable=SC2207
			jobs+=(--name="$w.null.$k" --stonewall --ioengine=null $(workload_args "$w")
				--number_ios=$((k * callgrind)))
		done
		keys+=("$w - null")
	done
	mapfile -t totals < <(callgrind_jobs "$dir" "$blk_fio" "${cg_common[@]}" "${jobs[@]}")
	[ -n "$keep_cg" ] && keep_dumps "$dir" "${jobs[@]}"
	if [ ${#totals[@]} -ne $((1 + 2 * ${#keys[@]})) ] || grep -qE "error=|fio: pid=|blkengine: .*(refused|cannot)" "$dir/log"; then
		cg_failed "${#totals[@]}" "$dir/log"
		for i in "${!keys[@]}"; do echo "${keys[$i]} err"; done
	else
		for i in "${!keys[@]}"; do
			echo "${keys[$i]} $(((totals[2 + 2 * i] - totals[1 + 2 * i]) / (2 * callgrind)))"
		done
	fi
	# fio's libblkio engine runs one job per process: a second libblkio
	# job in the process reads the options of the first, freed when it
	# ended. Each of its counts is a process of its own, the warm-up
	# job first as above, and the same job thread counted.
	for t in "${alone[@]}"; do
		read -r w o e <<<"$t"
		totals=()
		for k in 1 3; do
			# shellcheck disable=SC2207
			i=$(callgrind_jobs "$dir" "$blk_fio" "${cg_common[@]}" "${warmup[@]}" \
				--name="$w.$o.$e.$k" --stonewall $(engine_args "$e") $(workload_args "$w") \
				$(optset_args "$o" "$e") --number_ios=$((k * callgrind)) | sed -n 2p)
			if [ -z "$i" ] || grep -qE "error=|fio: pid=" "$dir/log"; then
				cg_failed 0 "$dir/log"
				break
			fi
			totals+=("$i")
		done
		if [ ${#totals[@]} -eq 2 ]; then
			echo "$t $(((totals[1] - totals[0]) / (2 * callgrind)))"
		else
			echo "$t err"
		fi
	done
}

# keep_dumps DIR FIO-JOB-ARGS...: copies each job thread's dump of the
# last callgrind_jobs run to $keep_cg under the job's name (the dumps are
# numbered in job order).
keep_dumps() {
	local dir=$1 a names=() i=0 f
	shift
	for a; do
		[[ $a == --name=* ]] && names+=("${a#--name=}")
	done
	mkdir -p "$keep_cg"
	while read -r f; do
		[ $i -lt ${#names[@]} ] && cp "$f" "$keep_cg/${names[$i]}.cg"
		i=$((i + 1))
	done < <(for f in "$dir"/cg.out.*-*; do
		[ -e "$f" ] && printf '%s %s\n' "$(awk -F'[.-]' '{ print $(NF - 1) }' <<<"${f##*/}")" "$f"
	done | sort -n | awk '{ print $2 }')
}

# cg_failed COUNTS LOG: why a callgrind run gave no counts.
cg_failed() {
	echo "bench-vm: fio under callgrind failed or ended a job early ($1 job counts):" >&2
	grep -vE "Command: |\(g=[0-9]+\): rw=|unhandled ioctl|spurious value errors" "$2" |
		grep -A14 -m1 -E "Process terminating|fio: |blkengine: " | sed 's/^/    | /' >&2
}

# cg_cell COLUMN W O E: a value of the last pass.
cg_cell() {
	awk -v w="$2" -v o="$3" -v e="$4" -v c="$1" '$1 == w && ($2 == o || $2 == "-") && $3 == e { v = $c } END { print v == "" ? "-" : v }' "$cgres"
}

# cg_share W O E: fio + E minus fio + null engine, same workload.
cg_share() {
	local t n
	t=$(cg_cell 4 "$1" "$2" "$3")
	n=$(cg_cell 4 "$1" - null)
	[[ $t =~ ^[0-9]+$ && $n =~ ^[0-9]+$ ]] && echo $((t - n)) || echo -
}

# cg_ratio W O E: first engine / E, of the engine shares and of the totals.
cg_ratio() {
	local a b ta tb
	a=$(cg_share "$1" "$2" "${en_list[0]}")
	b=$(cg_share "$1" "$2" "$3")
	ta=$(cg_cell 4 "$1" "$2" "${en_list[0]}")
	tb=$(cg_cell 4 "$1" "$2" "$3")
	if [[ $a =~ ^-?[0-9]+$ && $b =~ ^[0-9]+$ && $b -gt 0 ]]; then
		awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" 'BEGIN { printf "%.3f / %.3f", a / b, ta / tb }'
	else
		echo -
	fi
}

if [ -n "$callgrind" ]; then
	echo "bench-vm: $(uname -r), $dev, $("$blk_fio" --version), callgrind, $passes passes, option sets ${cg_os_list[*]}"
	# The counts are per option set of --cg-optsets; the timed runs below
	# take --optsets again.
	timed_os_list=("${os_list[@]}")
	os_list=("${cg_os_list[@]}")
	cgdir=$(mktemp -d)
	cgres=$cgdir/pass
	for ((p = 1; p <= passes; p++)); do
		callgrind_pass "$cgdir" >"$cgdir/pass.$p"
		echo "callgrind pass $p of $passes done"
	done
	cp "$cgdir/pass.$passes" "$cgres"
	if [ "$passes" -gt 1 ]; then
		if cmp -s "$cgdir/pass.1" "$cgdir/pass.$passes" && ! grep -q err "$cgres"; then
			echo "counts repeated exactly in all $passes passes"
		else
			echo "counts differed between passes (the table shows pass $passes):"
			diff "$cgdir/pass.1" "$cgdir/pass.$passes" | sed 's/^/    /'
		fi
	fi
	table "fio's user-space instructions per I/O ($callgrind and $((3 * callgrind)) I/Os, the difference over $((2 * callgrind))); null: $(for w in "${wl_list[@]}"; do printf '%s %s ' "$w" "$(cg_cell 4 "$w" - null)"; done)" \
		8 "cg_cell 4" "" "${en_list[@]}"
	table "each engine's own share: fio + engine - fio + null engine" 8 cg_share "" "${en_list[@]}"
	if [ ${#en_list[@]} -ge 2 ]; then
		table "${en_list[0]} / each other engine: share ratio / total ratio" 22 cg_ratio "${en_list[0]}/" "${en_list[@]:1}"
	fi
	rm -rf "$cgdir"
	os_list=("${timed_os_list[@]}")
	[ -n "$and_iops" ] || exit 0
	echo
fi

echo "bench-vm: $(uname -r), $dev, ${runtime}s per run, $reps repetitions, $("$blk_fio" --version)"
common=(--thread=1 --time_based=1 --runtime="$runtime" --ramp_time=1
	--norandommap=1 --randrepeat=0 --output-format=json)
errlog=$(mktemp)

# One fio process per option set and repetition runs every workload with
# every engine, one job after the other (stonewall): starting fio in the
# emulated VM costs seconds, a job's set-up does not. On the vfio and
# vdpa targets every job is a fio process of its own: fio's libblkio engine
# cannot run a second job in a process (on vhost-vdpa its second job's
# blkio_start() fails and fio then crashes), and every engine is measured
# the same way.
run_group() {
	local o=$1 rep=$2 w e i iops failed= n=${#en_list[@]} jobs=() job=() one=
	case $target in vfio | vdpa) one=1 ;; esac
	: >"$errlog"
	rm -f "$errlog".*.json
	for w in "${wl_list[@]}"; do
		for ((i = 0; i < n; i++)); do
			e=${en_list[$(((i + rep) % n))]}
			# Engine options are known to fio only after --ioengine.
			# shellcheck disable=SC2207
			job=(--name="$w.$e" $(engine_args "$e") $(workload_args "$w") $(optset_args "$o" "$e") --stonewall)
			if [ -n "$one" ]; then
				timeout --kill-after=10 $((runtime + 120)) "$blk_fio" "${common[@]}" \
					--output="$errlog.$w.$e.json" "${job[@]}" >>"$errlog" 2>&1
			else
				jobs+=("${job[@]}")
			fi
		done
	done
	[ -n "$one" ] || timeout --kill-after=10 $(((runtime + 60) * ${#jobs[@]})) "$blk_fio" "${common[@]}" \
		--output="$errlog.all.json" "${jobs[@]}" >"$errlog" 2>&1
	for w in "${wl_list[@]}"; do
		for ((i = 0; i < n; i++)); do
			e=${en_list[$(((i + rep) % n))]}
			json=$errlog.all.json
			[ -n "$one" ] && json=$errlog.$w.$e.json
			# IOPS, and fio's CPU time (user + system) per I/O in ns
			# (fio may print warnings ahead of the JSON).
			read -r iops cpu < <(jq -r --arg j "$w.$e" '.jobs[] | select(.jobname == $j) |
				if .error != 0 then "err err" else
				"\(.read.iops + .write.iops | floor) \((.usr_cpu + .sys_cpu) * .job_runtime * 10000 /
				([.read.total_ios + .write.total_ios, 1] | max) | floor)" end' \
				<(sed -n '/^{/,$p' "$json" 2>/dev/null) 2>/dev/null)
			[ -n "$iops" ] || iops=err
			[ -n "$cpu" ] || cpu=err
			[ "$iops" = err ] && failed=1
			printf '%-6s %-10s %-6s rep%-2s %8s IOPS %6s ns CPU/IO\n' "$w" "$o" "$e" "$((rep + 1))" "$iops" "$cpu"
			echo "$w $o $e $iops $cpu $rep" >>"$results"
		done
	done
	if [ -n "$failed" ]; then
		grep -E "error|blkengine|fio:" "$errlog" | sort -u | head -n 5 | sed 's/^/    | /'
	fi
}

for o in "${os_list[@]}"; do
	for ((rep = 0; rep < reps; rep++)); do
		run_group "$o" "$rep"
	done
done

table "median IOPS over $reps runs" 8 "median_of 4" "" "${en_list[@]}"
table "median fio CPU time (user + system) per I/O, ns, over $reps runs" 8 "median_of 5" "" "${en_list[@]}"
# Within a repetition the engines ran back to back, so the ratio of their
# IOPS is less exposed to the emulator's drift than the medians are.
if [ ${#en_list[@]} -ge 2 ]; then
	table "IOPS of ${en_list[0]} / each other engine, within a repetition: median (min-max) over $reps" \
		22 ratio_to_first "${en_list[0]}/" "${en_list[@]:1}"
fi
rm -f "$results" "$errlog" "$errlog".*.json
