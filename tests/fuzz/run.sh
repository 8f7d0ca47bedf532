#!/bin/bash
# Builds the libFuzzer harnesses of tests/fuzz with ASan + UBSan (clang) and
# runs each from its committed seed corpus for a fixed time.
#
#   tests/fuzz/run.sh                  every harness, 12 s each
#   tests/fuzz/run.sh --long SECONDS   every harness, SECONDS each
#   tests/fuzz/run.sh NAME...          only these (e.g. virtqueue vhost_user)
#
# New inputs the fuzzer finds go to a scratch corpus, not to the committed
# one; a crash leaves its input in $BLK_FUZZ_OUT (default build/fuzz/) and
# fails the harness. A crash that is fixed gets its input committed to
# tests/fuzz/corpus/NAME/ so every later run replays it first.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

here=$blk_top/tests/fuzz
out=${BLK_FUZZ_OUT:-$blk_build/fuzz}
secs=12
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--long)
		secs=${2:?--long needs a number of seconds}
		shift 2
		;;
	-h|--help)
		sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		names+=("$1")
		shift
		;;
	esac
done

t_begin fuzz

# Each harness: its sources beyond the harness file, and whether it needs
# fio's headers (the virtio-blk request path is written against them).
declare -A srcs=(
	[nvme_status]="common/nvme_status.c"
	[nvme_ns]="common/nvme_ns.c common/nvme_status.c common/io_geom.c common/msg.c"
	[virtqueue]="engines/virtqueue.c engines/virtqueue_packed.c"
	[virtqueue_packed]="engines/virtqueue.c engines/virtqueue_packed.c"
	[virtio_blk]="engines/virtio_blk.c engines/vblk_job.c engines/vblk_req.c engines/vblk_wait.c engines/vblk_reconnect.c engines/job_check.c engines/virtio_dev.c engines/virtqueue.c engines/virtqueue_packed.c common/iomem.c common/req_pool.c common/io_geom.c tests/unit/fio_stubs.c"
	[vhost_user]="engines/vhost_user.c engines/virtio_dev.c common/iomem.c tests/unit/fio_stubs.c tests/fuzz/virtio_blk_stubs.c"
)
declare -A needs_fio=([virtio_blk]=1 [vhost_user]=1)
all=(nvme_status nvme_ns virtqueue virtqueue_packed virtio_blk vhost_user)
# Largest input: two Identify images and their parameters for nvme_ns.
declare -A max_len=([nvme_ns]=8204)
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")

cc=${BLK_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
	t_skip "all harnesses" "no $cc; install clang and libclang-rt-14-dev"
	t_end
	exit $?
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
	t_fail "libFuzzer runtime" "$cc cannot link -fsanitize=fuzzer: install libclang-rt-14-dev" \
		"$(cat "$probe/err")"
	t_end
	exit 1
fi

fio_src=$(cat "$blk_build/.fio-src" 2>/dev/null)
fio_flags=()
if [ -n "$fio_src" ] && [ -f "$fio_src/config-host.h" ]; then
	fio_flags=(-isystem "$fio_src" -include "$fio_src/config-host.h"
		   -D_GNU_SOURCE -D_LARGEFILE_SOURCE -D_FILE_OFFSET_BITS=64)
fi
# shellcheck disable=SC2207
nvme_flags=($(pkg-config --cflags libnvme 2>/dev/null))

mkdir -p "$out"
cflags=(-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
	-I"$blk_top/common" -I"$blk_top/engines" -I"$here")

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for name in "${names[@]}"; do
	if [ -z "${srcs[$name]+x}" ]; then
		t_fail "$name" "no such harness; known: ${all[*]}"
		continue
	fi
	extra=()
	if [ -n "${needs_fio[$name]:-}" ]; then
		if [ ${#fio_flags[@]} -eq 0 ]; then
			t_skip "$name" "fio's configured source tree is unknown; run scripts/bootstrap"
			continue
		fi
		extra=("${fio_flags[@]}")
	fi
	bin=$out/fuzz_$name
	src=("$here/fuzz_$name.c")
	for s in ${srcs[$name]}; do
		src+=("$blk_top/$s")
	done
	if ! err=$("$cc" "${cflags[@]}" "${extra[@]}" "${nvme_flags[@]}" "${src[@]}" \
			-o "$bin" -lnvme -lpthread 2>&1); then
		t_fail "$name: build" "$err"
		continue
	fi

	seeds=$here/corpus/$name
	scratch=$out/corpus-$name
	mkdir -p "$scratch" "$out/crash-$name"
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	log=$out/fuzz_$name.log
	# The committed seeds (regression inputs among them) run first: -runs=0
	# replays every file once, so a regression fails fast and by name.
	if ! "$bin" -runs=0 "${dict[@]}" "$seeds" >"$log" 2>&1; then
		t_fail "$name: replaying the committed corpus" "$(grep -E 'ERROR|SUMMARY|Test unit|abort' "$log" | head -20)"
		continue
	fi
	start=$(date +%s)
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len="${max_len[$name]:-4096}" \
		-print_final_stats=1 -artifact_prefix="$out/crash-$name/" "${dict[@]}" \
		"$scratch" "$seeds" >>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		t_pass "$name: ${execs:-?} runs in $(( $(date +%s) - start )) s, ${cov:-cov: ?}, no crash"
	else
		t_fail "$name: crash or leak (input in $out/crash-$name/)" \
			"$(grep -E 'ERROR|SUMMARY|runtime error|Test unit written|#[0-9]+ 0x.* (/common/|/engines/|/tests/)' "$log" | head -30)"
	fi
done
t_end
