#!/bin/bash
# The module under the real fio binary: it loads, lists its options, picks
# the engine kind from the files, and refuses bad selections with a message
# that names the file and a non-zero exit.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_begin load

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_error NAME PATTERN FIO-ARGS...: fio must fail and print PATTERN.
expect_error() {
	local name=$1 pattern=$2 out
	shift 2
	if run_fio out --name=job --ioengine=external:"$blk_module" --size=1m "$@"; then
		t_fail "$name: fio exited 0" "$out"
	elif ! grep -qF -- "$pattern" <<<"$out"; then
		t_fail "$name: no '$pattern' in the output" "$out"
	else
		t_pass "$name"
	fi
}

if [ ! -f "$blk_module" ]; then
	t_fail "module built" "$blk_module missing"
	t_end
	exit 1
fi

exported=$(nm -D --defined-only "$blk_module" | awk '$2 ~ /[BDT]/ {print $3}' | grep -v '^_' | sort | tr '\n' ' ')
if [ "$exported" = "ioengine " ]; then
	t_pass "exports only the ioengine symbol"
else
	t_fail "exports only the ioengine symbol" "exported: $exported"
fi

if out=$("$blk_fio" --enghelp="$blk_module" 2>&1); then
	missing=
	for opt in blk_engine cmd_type hipri fixedbufs registerfiles sqthread_poll sqthread_poll_cpu \
		nonvectored readfua writefua write_mode deac num_range md_per_io_size pi_act pi_chk \
		apptag apptag_mask blk_oversize blk_wait_mode blk_queue_size blk_trim_write_zeroes; do
		grep -qE "^$opt +: [^ ]" <<<"$out" || missing="$missing $opt"
	done
	if [ -z "$missing" ]; then
		t_pass "--enghelp lists every option with help text"
	else
		t_fail "--enghelp lists every option with help text" "missing:$missing" "$out"
	fi
else
	t_fail "--enghelp runs" "$out"
fi

# fio checks each engine option's definition when a job loads the engine;
# anything it says then lands in front of --output-format=json.
out=$("$blk_fio" --name=x --ioengine="external:$blk_module" --filename=/nonexistent.sock \
	--size=1m 2>&1)
if grep -q '^Option ' <<<"$out"; then
	t_fail "loading the engine prints no option warnings" "$(grep '^Option ' <<<"$out")"
else
	t_pass "loading the engine prints no option warnings"
fi

if out=$("$blk_fio" --enghelp="$blk_module",blk_engine 2>&1) && grep -q 'virtio-blk-vhost-vdpa' <<<"$out"; then
	t_pass "--enghelp describes the blk_engine values"
else
	t_fail "--enghelp describes the blk_engine values" "$out"
fi

# Nodes standing in for device files: only their type and name matter to
# the selection, and no I/O reaches them.
# A case that needs a node checks that it is one: a failed mknod (not
# root, a nodev mount) would otherwise leave a path the engine refuses for
# being missing, with the same advice in its message.
nodes_out=$( { mknod "$tmp/nvme0n1" b 7 0 && mknod "$tmp/ng0n1" c 1 3 &&
	mknod "$tmp/ng0n2" c 1 3 && mknod "$tmp/vhost-vdpa-7" c 1 3; } 2>&1)
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/vhost.sock"
truncate -s 1M "$tmp/image.raw"

name="block device named nvmeXnY points at ngXnY"
if [ ! -b "$tmp/nvme0n1" ]; then
	t_fail "$name" "mknod of a block device node failed (needs root and a mount without nodev)" \
		"$nodes_out"
else
	# The whole advice: a missing nvmeXnY gets the same "use filename=".
	expect_error "$name" \
		"is an NVMe block device; the passthrough engine needs its generic char device: use filename=/dev/ng0n1" \
		--filename="$tmp/nvme0n1"
fi
expect_error "missing /dev/nvmeXnY points at ngXnY" \
	"use filename=/dev/ng3n1" --filename=/dev/nvme3n1
expect_error "a char device of another kind is named" \
	"/dev/null is a char device of no kind blkengine knows" --filename=/dev/null
expect_error "a regular file is refused with the way to export it" \
	"$tmp/image.raw is a regular file" --filename="$tmp/image.raw"
expect_error "a missing socket says how to start a backend" \
	"qemu-storage-daemon" --filename="$tmp/nothing.sock"
expect_error "a missing vhost-vdpa device says how to create one" \
	"vdpa dev add" --filename=/dev/vhost-vdpa-99
if [ -c "$tmp/ng0n1" ]; then
	expect_error "one job, two kinds of file" \
		"one job drives one kind" --filename="$tmp/ng0n1:$tmp/vhost.sock"
else
	t_fail "one job, two kinds of file" "mknod of a char device node failed" "$nodes_out"
fi
expect_error "blk_engine disagreeing with the file" \
	"but blk_engine=nvme-passthru-uring" --blk_engine=nvme-passthru-uring --filename="$tmp/vhost.sock"
expect_error "unknown blk_engine value" \
	"blk_engine" --blk_engine=scsi --filename="$tmp/vhost.sock"
expect_error "bad pi_chk" \
	"pi_chk=CRC" --pi_chk=CRC --filename="$tmp/vhost.sock"
expect_error "apptag over 16 bits" \
	"16-bit" --apptag=0x12345 --filename="$tmp/vhost.sock"
expect_error "num_range out of range" \
	"num_range" --num_range=300 --filename="$tmp/vhost.sock"
expect_error "mem= cannot be shared" \
	"remove the mem= option" --mem=malloc --filename="$tmp/vhost.sock"
expect_error "io_submit_mode=offload is refused" \
	"io_submit_mode=offload cannot be used" --io_submit_mode=offload --filename="$tmp/vhost.sock"

# Selection by file: a dead socket reaches the vhost-user engine, which
# then names the socket.
if run_fio out --name=job --ioengine=external:"$blk_module" --size=1m \
	--filename="$tmp/vhost.sock"; then
	t_fail "a socket selects vhost-user" "$out"
elif grep -q "$tmp/vhost.sock" <<<"$out" && ! grep -q "no kind blkengine knows" <<<"$out"; then
	t_pass "a socket selects vhost-user"
else
	t_fail "a socket selects vhost-user" "$out"
fi

t_end
