# qemu-storage-daemon helpers for the host suites. Source after tests/lib.sh.
#
# qsd_start NAME ARGS...   starts a daemon whose vhost-user-blk socket is
#                          $qsd_dir/NAME.sock; ARGS are its --blockdev and
#                          --export options, where @SOCK@ stands for the socket.
# qsd_stop NAME            stops it (SIGTERM, then SIGKILL) by its PID.
# qsd_kill NAME            SIGKILLs it (the back-end dies).
# qsd_stop_all             stops every daemon started (for an EXIT trap).
# qsd_scratch NAME         makes $qsd_dir (a fresh folder, the current
#                          directory from then on, where fio leaves its verify
#                          state files) and, on exit, stops every daemon and
#                          the fake back-end $fake_pid and removes the folder.

qsd_bin=${QSD:-qemu-storage-daemon}
declare -A qsd_pids=()

qsd_sock() {
	echo "$qsd_dir/$1.sock"
}

qsd_start() {
	local name=$1 sock i args=()
	shift
	sock=$(qsd_sock "$name")
	rm -f "$sock"
	for a in "$@"; do
		args+=("${a//@SOCK@/$sock}")
	done
	"$qsd_bin" "${args[@]}" >"$qsd_dir/$name.log" 2>&1 &
	qsd_pids[$name]=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		if ! kill -0 "${qsd_pids[$name]}" 2>/dev/null; then
			echo "qemu-storage-daemon $name exited:" >&2
			cat "$qsd_dir/$name.log" >&2
			unset "qsd_pids[$name]"
			return 1
		fi
		sleep 0.05
	done
	echo "qemu-storage-daemon $name: no socket after 5 s" >&2
	return 1
}

qsd_stop() {
	local name=$1 pid=${qsd_pids[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "qsd_pids[$name]"
	return 0
}

qsd_kill() {
	local name=$1 pid=${qsd_pids[$1]:-}
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "qsd_pids[$name]"
}

qsd_stop_all() {
	local name
	for name in "${!qsd_pids[@]}"; do
		qsd_stop "$name"
	done
}

qsd_scratch_cleanup() {
	local name
	for name in "${!qsd_tracers[@]}"; do
		qsd_trace_stop "$name"
	done
	qsd_stop_all
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	rm -rf "$qsd_dir"
}

qsd_scratch() {
	qsd_dir=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-$1.XXXXXX") || exit 1
	fake_pid=
	trap qsd_scratch_cleanup EXIT
	cd "$qsd_dir" || exit 1
}

# qsd_file_export NAME IMAGE LBS NUM_QUEUES WRITABLE: a file-backed export
# whose discards punch holes (read back as zeroes).
qsd_file_export() {
	qsd_start "$1" \
		--blockdev "driver=file,node-name=$1,filename=$2,discard=unmap" \
		--export "type=vhost-user-blk,id=e-$1,node-name=$1,addr.type=unix,addr.path=@SOCK@,writable=$5,logical-block-size=$3,num-queues=$4"
}

# qsd_null_export NAME SIZE LBS NUM_QUEUES WRITABLE: no storage behind it.
qsd_null_export() {
	qsd_start "$1" \
		--blockdev "driver=null-co,node-name=$1,size=$2,read-zeroes=on" \
		--export "type=vhost-user-blk,id=e-$1,node-name=$1,addr.type=unix,addr.path=@SOCK@,writable=$5,logical-block-size=$3,num-queues=$4"
}

# Back-end side counts: what the daemon really did, seen in its system
# calls (strace attached to it and every thread it starts). A file export
# with the default aio=threads writes with pwrite64/pwritev and makes each
# flush that follows a write an fdatasync of the image; a flush with no
# write since the previous one never reaches the file.
#
# qsd_trace_start NAME FILE SYSCALLS   starts counting SYSCALLS (strace's
#                                      -e trace= list) into FILE; returns once
#                                      every thread of the daemon is traced
# qsd_trace_stop NAME                  stops counting; FILE is complete
# strace_calls FILE SYSCALL...         the calls of these in FILE (strace -c)
# (qsd_trace_start must run in the suite's shell, not in $(...), for
# qsd_trace_stop to find the tracer.)
declare -A qsd_tracers=()

qsd_trace_start() {
	local name=$1 file=$2 calls=$3 pid=${qsd_pids[$1]:-}
	[ -n "$pid" ] || { echo "qsd_trace_start: no daemon $name" >&2; return 1; }
	strace_attach "$pid" "$file" "$calls" || return 1
	qsd_tracers[$name]=$strace_pid
}

qsd_trace_stop() {
	[ -n "${qsd_tracers[$1]:-}" ] || return 0
	strace_detach "${qsd_tracers[$1]}"
	unset "qsd_tracers[$1]"
}

strace_calls() {
	local file=$1
	shift
	# Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
	awk -v want=" $* " 'NF >= 5 && $4 ~ /^[0-9]+$/ && index(want, " " $NF " ") {n += $4}
		END {print n + 0}' "$file"
}
