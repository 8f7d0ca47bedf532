# shellcheck shell=bash
# A lab of fio servers on this machine, each in a network namespace of its
# own. Source after tests/lib.sh; needs root and iproute2.
#
#   labnet_create N          a client namespace and N host namespaces: the
#                            client owns a bridge at $labnet_prefix.1, host I
#                            is $labnet_prefix.(10+I), reached over a veth
#                            pair; nothing leaves these namespaces
#   labnet_exec NS CMD...    runs CMD in namespace NS (client or hI)
#   labnet_addr I            host I's address
#   labnet_server I PORT DIR [VAR=VALUE...]
#                            starts `fio --server` in host I's namespace,
#                            bound to its address and PORT, with DIR as its
#                            working directory, hostname "labhostI" (its own
#                            UTS namespace) and the given environment
#   labnet_destroy           stops every server by PID (and what it forked),
#                            deletes the veths and namespaces (EXIT trap)
#
# Names carry the suite's PID, so concurrent runs do not clash; the
# addresses live only inside this run's namespaces.

labnet_tag=blkmh$$
labnet_prefix=192.168.213
declare -A labnet_pids=()

labnet_name() {
	echo "$labnet_tag-$1"
}

labnet_addr() {
	echo "$labnet_prefix.$((10 + $1))"
}

labnet_exec() {
	local ns
	ns=$(labnet_name "$1")
	shift
	ip netns exec "$ns" "$@"
}

labnet_create() {
	local n=$1 i c h
	c=$(labnet_name client)
	ip netns add "$c" || return 1
	ip -n "$c" link set lo up &&
		ip -n "$c" link add lab0 type bridge &&
		ip -n "$c" addr add "$labnet_prefix.1/24" dev lab0 &&
		ip -n "$c" link set lab0 up || return 1
	for i in $(seq "$n"); do
		h=$(labnet_name "h$i")
		ip netns add "$h" || return 1
		ip -n "$h" link set lo up &&
			ip -n "$c" link add "to-h$i" type veth peer name eth0 netns "$h" &&
			ip -n "$c" link set "to-h$i" master lab0 &&
			ip -n "$c" link set "to-h$i" up &&
			ip -n "$h" addr add "$(labnet_addr "$i")/24" dev eth0 &&
			ip -n "$h" link set eth0 up || return 1
	done
}

# labnet_listening I PORT: a TCP socket listens on PORT in host I.
labnet_listening() {
	[ -n "$(labnet_exec "h$1" ss -Hltn "sport = :$2")" ]
}

labnet_server() {
	local i=$1 port=$2 dir=$3 log pid _
	shift 3
	log=$dir/fio-server.log
	# exec all the way down: $! is the fio server itself.
	(cd "$dir" && exec env "$@" ip netns exec "$(labnet_name "h$i")" \
		unshare --uts sh -c 'hostname "$1" && exec "$2" --server="ip:$3,$4"' \
		sh "labhost$i" "$blk_fio" "$(labnet_addr "$i")" "$port") >"$log" 2>&1 &
	pid=$!
	labnet_pids[$i]=$pid
	for _ in $(seq 100); do
		labnet_listening "$i" "$port" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "fio --server on host $i exited:" >&2
			cat "$log" >&2
			unset "labnet_pids[$i]"
			return 1
		fi
		sleep 0.05
	done
	echo "fio --server on host $i: not listening after 5 s" >&2
	return 1
}

# labnet_descendants PID: the PIDs PID forked, deepest last.
labnet_descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		labnet_descendants "$c"
	done
}

labnet_stop_server() {
	local i=$1 pid=${labnet_pids[$1]:-} kids _
	[ -n "$pid" ] || return 0
	kids=$(labnet_descendants "$pid")
	kill -TERM "$pid" $kids 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" $kids 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "labnet_pids[$i]"
}

labnet_destroy() {
	local i ns
	for i in "${!labnet_pids[@]}"; do
		labnet_stop_server "$i"
	done
	ns=$(labnet_name client)
	for i in $(ip -n "$ns" -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip -n "$ns" link del "$i" 2>/dev/null
	done
	# By name, not from a list: labnet_create may have run in a subshell.
	for ns in $(ip netns list | awk '{print $1}'); do
		[[ $ns == "$labnet_tag"-* ]] && ip netns del "$ns"
	done
}
