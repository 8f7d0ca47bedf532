#!/bin/bash
# blkengine under fio's client/server mode, across several hosts: three
# hosts made on this machine, each a network namespace with its own address,
# hostname, `fio --server` and qemu-storage-daemon vhost-user-blk exports.
# One client drives them all, with plain `fio --client` and with
# scripts/lab: results, I/O errors (with the virtio status decoded by the
# engine), verification failures, a missing module and an unreachable
# server must reach the client and be pinned on the right host.
# Needs root, iproute2, util-linux's unshare, qemu-storage-daemon, python3.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../host/qsd.sh"
. "$here/lab-net.sh"

t_begin multihost

# A suite that cannot run skips (a failure under CI=true: tests/lib.sh)
# and exits with t_end's status.
need() {
	command -v "$1" >/dev/null || { t_skip all "$1 not found ($2)"; t_end; exit; }
}
if [ "$(id -u)" -ne 0 ]; then
	t_skip all "needs root for network namespaces"
	t_end
	exit
fi
need ip "install iproute2"
need unshare "install util-linux"
need "$qsd_bin" "install qemu-system-common"
need python3 "install python3"
t_need_module

mh_dir=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-mh.XXXXXX")
qsd_dir=$mh_dir/sockets
mkdir -p "$qsd_dir" "$mh_dir/client" "$mh_dir/module"
cleanup() {
	labnet_destroy
	qsd_stop_all
	rm -rf "$mh_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# One copy for the whole run: a rebuild meanwhile cannot hand the servers a
# half-written module.
cp "$blk_module" "$mh_dir/module/libblkengine.so" || { t_fail "copy the module"; t_end; exit 1; }
blk_module=$mh_dir/module/libblkengine.so
# The client's working directory has no lib/: a relative module path can
# only resolve on the servers.
cd "$mh_dir/client" || exit 1

lab=$blk_top/scripts/lab
compare=$blk_top/scripts/lib/multihost-compare.sh
nhosts=3

# ------------------------------------------------------------ the lab
# Host I: working directory $mh_dir/hI (hosts 1 and 2 have the module in
# lib/fio/ under it, host 3 has not), an image-backed export hI-data, and
# one faulty export: host 2 fails every write (blkdebug), host 3 loses
# every write (null-co reads zeroes).
for i in $(seq $nhosts); do
	mkdir -p "$mh_dir/h$i"
	truncate -s 128M "$mh_dir/h$i/data.img"
	qsd_file_export "h$i-data" "$mh_dir/h$i/data.img" 512 2 on ||
		{ t_fail "start h$i-data export"; t_end; exit 1; }
done
for i in 1 2; do
	mkdir -p "$mh_dir/h$i/lib/fio"
	cp "$blk_module" "$mh_dir/h$i/lib/fio/libblkengine.so"
done
truncate -s 128M "$mh_dir/h2/eio.img"
qsd_start h2-eio \
	--blockdev "driver=file,node-name=h2-eio-file,filename=$mh_dir/h2/eio.img" \
	--blockdev "driver=blkdebug,node-name=h2-eio-dbg,image=h2-eio-file,inject-error.0.event=write_aio,inject-error.0.errno=5" \
	--blockdev "driver=raw,node-name=h2-eio,file=h2-eio-dbg" \
	--export "type=vhost-user-blk,id=e-h2-eio,node-name=h2-eio,addr.type=unix,addr.path=@SOCK@,writable=on" ||
	{ t_fail "start h2-eio export (blkdebug)"; t_end; exit 1; }
qsd_null_export h3-lossy $((128 * 1024 * 1024)) 512 1 on ||
	{ t_fail "start h3-lossy export"; t_end; exit 1; }
qsd_null_export h1-ro $((128 * 1024 * 1024)) 512 1 off ||
	{ t_fail "start h1-ro export"; t_end; exit 1; }

if ! out=$(labnet_create $nhosts 2>&1); then
	t_fail "namespaces and veths" "$out"
	t_end
	exit 1
fi
port=(- 8765 8790 8765)
spec=(-)
for i in $(seq $nhosts); do
	spec+=("$(labnet_addr "$i")")
	[ "${port[$i]}" = 8765 ] || spec[$i]="${spec[$i]},${port[$i]}"
	if ! labnet_server "$i" "${port[$i]}" "$mh_dir/h$i" "BLK_PROBE=server-h$i"; then
		t_fail "fio --server on host $i"
		t_end
		exit 1
	fi
done
t_pass "$nhosts fio servers listening, one per namespace"

# on_client CMD...: runs CMD in the client's namespace, with a time limit.
on_client() {
	labnet_exec client timeout --kill-after=10 150 "$@"
}

# hostfile NAME LINE...: writes a host list.
hostfile() {
	local f=$mh_dir/client/$1
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

# jobfile NAME SOURCE: a copy of SOURCE naming this build's module.
jobfile() {
	sed "s|external:/usr/local/lib/fio/libblkengine.so|external:$blk_module|" "$2" \
		>"$mh_dir/client/$1"
	echo "$mh_dir/client/$1"
}

# jsoncheck FILE PYTHON: PYTHON asserts on `d`, the document in FILE.
jsoncheck() {
	python3 - "$1" "$2" <<'PY'
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.find("{"):])
exec(sys.argv[2])
PY
}

# lab_expect NAME RC REGEX... -- LAB-ARGS: scripts/lab must exit RC and say
# every REGEX (extended, on stdout+stderr); the output is left in $lab_out.
lab_expect() {
	local name=$1 want=$2 rc re missing=()
	shift 2
	local res=()
	while [ "$1" != -- ]; do
		res+=("$1")
		shift
	done
	shift
	lab_out=$(on_client "$lab" "$@" 2>&1)
	rc=$?
	for re in "${res[@]}"; do
		grep -Eq -- "$re" <<<"$lab_out" || missing+=("$re")
	done
	if [ "$rc" -ne "$want" ]; then
		t_fail "$name" "scripts/lab exited $rc, expected $want" "$lab_out"
		return 1
	elif [ ${#missing[@]} -gt 0 ]; then
		t_fail "$name" "missing: ${missing[*]}" "$lab_out"
		return 1
	fi
	t_pass "$name"
}

good_hosts=$(hostfile good.hosts "# HOST[,PORT] TARGET" \
	"${spec[1]} $(qsd_sock h1-data)" \
	"${spec[2]} $(qsd_sock h2-data)" \
	"${spec[3]} $(qsd_sock h3-data)")
verify_job=$(jobfile verify.fio "$blk_top/examples/lab-verify.fio")

# ------------------------------------------- plain fio --client, 3 hosts
# One job file per host, the way scripts/lab writes them.
args=()
for i in $(seq $nhosts); do
	sed "s|\${BLK_TARGET}|$(qsd_sock "h$i-data")|" "$verify_job" >"$mh_dir/client/plain-h$i.fio"
	args+=(--client="${spec[$i]}" "$mh_dir/client/plain-h$i.fio")
done
out=$(on_client "$blk_fio" "${args[@]}" 2>&1)
rc=$?
name="fio --client on 3 servers at once: randwrite verify=crc32c through the module"
if [ $rc -ne 0 ]; then
	t_fail "$name" "fio exited $rc" "$out"
elif [ "$(grep -c 'err= 0' <<<"$out")" -lt $nhosts ] || grep -Eq 'err= *[1-9]' <<<"$out"; then
	t_fail "$name" "not every host reported err= 0" "$out"
else
	silent=
	for i in $(seq $nhosts); do
		grep -q "^<labhost$i> " <<<"$out" || silent+=" labhost$i"
	done
	if [ -n "$silent" ]; then t_fail "$name" "no output from$silent" "$out"; else t_pass "$name"; fi
fi

# -------------------------------------------------- scripts/lab, 3 hosts
for i in $(seq $nhosts); do
	: >"$mh_dir/h$i/data.img"
	truncate -s 128M "$mh_dir/h$i/data.img"
done
lab_expect "scripts/lab: verify job passes on every host" 0 \
	"labhost1.*ok" "labhost2.*ok" "labhost3.*ok" "all 3 host\(s\) passed" -- \
	--hosts "$good_hosts" "$verify_job" --json "$mh_dir/client/verify.json"
if out=$(jsoncheck "$mh_dir/client/verify.json" "
want = {'${spec[1]%,*}', '${spec[2]%,*}', '${spec[3]%,*}'}
got = {}
for e in d['client_stats']:
    if e['jobname'] != 'All clients':
        got.setdefault(e['hostname'], []).append(e)
assert set(got) == want, f'hosts in client_stats: {sorted(got)}'
for h, es in got.items():
    for e in es:
        assert e['error'] == 0, f'{h}: error {e[\"error\"]}'
        assert e['write']['io_bytes'] > 0 and e['read']['io_bytes'] > 0, f'{h}: no writes or no verify reads'
lab = d['lab']['hosts']
assert [h['status'] for h in lab] == ['ok'] * 3, lab
assert [h['server'] for h in lab] == ['labhost1', 'labhost2', 'labhost3'], lab
" 2>&1); then
	t_pass "merged JSON: every host's job, error 0, writes and verify reads, lab status ok"
else
	t_fail "merged JSON: every host's job, error 0, writes and verify reads, lab status ok" "$out"
fi
# Each host wrote its own target: ${BLK_TARGET} was filled in per host.
written=
for i in $(seq $nhosts); do
	cmp -s -n 64M "$mh_dir/h$i/data.img" /dev/zero || written+=" h$i"
done
if [ "$written" = " h1 h2 h3" ]; then
	t_pass "each host's job wrote that host's own export"
else
	t_fail "each host's job wrote that host's own export" "images holding data:${written:- none}"
fi

# ------------------------------------- where fio expands ${VAR}: the client
printf '[global]\nioengine=null\nsize=1m\n[probe]\nfilename=${BLK_PROBE}\n' >"$mh_dir/client/env.fio"
BLK_PROBE=from-client on_client "$blk_fio" --output-format=json \
	--client="${spec[1]}" "$mh_dir/client/env.fio" >"$mh_dir/client/env.json" 2>&1
if out=$(jsoncheck "$mh_dir/client/env.json" "
fn = [e['job options'].get('filename') for e in d['client_stats']]
assert fn == ['from-client'], f'filename on the server: {fn}'
" 2>&1); then
	t_pass "\${VAR} in a job file is expanded by the client from its environment, not the server's"
else
	t_fail "\${VAR} in a job file is expanded by the client from its environment, not the server's" "$out"
fi
# --remote-config: the server reads the file itself and expands from its own.
BLK_PROBE=from-client on_client "$blk_fio" --output-format=json \
	--client="${spec[1]}" --remote-config "$mh_dir/client/env.fio" >"$mh_dir/client/env-remote.json" 2>&1
if out=$(jsoncheck "$mh_dir/client/env-remote.json" "
fn = [e['job options'].get('filename') for e in d['client_stats']]
assert fn == ['server-h1'], f'filename on the server: {fn}'
" 2>&1); then
	t_pass "with --remote-config the server expands \${VAR} from its own environment"
else
	t_fail "with --remote-config the server expands \${VAR} from its own environment" "$out"
fi

# -------------------------------------------------- one host's I/O errors
eio_hosts=$(hostfile eio.hosts \
	"${spec[1]} $(qsd_sock h1-data)" \
	"${spec[2]} $(qsd_sock h2-eio)" \
	"${spec[3]} $(qsd_sock h3-data)")
lab_expect "I/O errors on host 2: non-zero exit naming it, decoded virtio status reaches the client" 1 \
	"lab: ${spec[2]} \(server labhost2\): FAILED: .*error 5 \(Input/output error\)" \
	"VIRTIO_BLK_S_IOERR" "Input/output error: write offset=" \
	"labhost1.*: ok" "labhost3.*: ok" "1 of 3 host\(s\) failed: ${spec[2]}\$" -- \
	--hosts "$eio_hosts" "$verify_job" --json "$mh_dir/client/eio.json"
if out=$(jsoncheck "$mh_dir/client/eio.json" "
err = {e['hostname']: e['error'] for e in d['client_stats'] if e['jobname'] != 'All clients'}
assert err == {'${spec[1]}': 0, '${spec[2]%,*}': 5, '${spec[3]}': 0}, err
st = [h['status'] for h in d['lab']['hosts']]
assert st == ['ok', 'failed', 'ok'], st
assert any('VIRTIO_BLK_S_IOERR' in m for m in d['lab']['hosts'][1]['messages']), d['lab']['hosts'][1]
" 2>&1); then
	t_pass "merged JSON: host 2 error 5 with its messages, hosts 1 and 3 error 0"
else
	t_fail "merged JSON: host 2 error 5 with its messages, hosts 1 and 3 error 0" "$out"
fi

# Jobs as processes (fio's default) report through the server the same way.
eio_one=$(hostfile eio-one.hosts "${spec[2]} $(qsd_sock h2-eio)")
sed 's/^thread=1$/thread=0/' "$verify_job" >"$mh_dir/client/verify-proc.fio"
lab_expect "thread=0 (job in a forked process): the decoded status still reaches the client" 1 \
	"lab: ${spec[2]} \(server labhost2\): FAILED: .*error 5" "VIRTIO_BLK_S_IOERR" -- \
	--hosts "$eio_one" "$mh_dir/client/verify-proc.fio"

# A job refused while starting (the engine's own check) sends empty stats
# and no error in them: the server's exit status and message say it.
ro_hosts=$(hostfile ro.hosts \
	"${spec[1]} $(qsd_sock h1-ro)" \
	"${spec[2]} $(qsd_sock h2-data)")
lab_expect "a write job on host 1's read-only export: refused there, host named, engine's message shown" 1 \
	"lab: ${spec[1]} \(server labhost1\): FAILED: no I/O done: the job did not start" \
	"blkengine: .*h1-ro.sock: the device is read-only" "labhost2.*: ok" \
	"1 of 2 host\(s\) failed: ${spec[1]}\$" -- \
	--hosts "$ro_hosts" "$verify_job"

# ---------------------------------------- one host's verification failure
lossy_hosts=$(hostfile lossy.hosts \
	"${spec[1]} $(qsd_sock h1-data)" \
	"${spec[2]} $(qsd_sock h2-data)" \
	"${spec[3]} $(qsd_sock h3-lossy)")
lab_expect "verification failure on host 3: non-zero exit naming it" 1 \
	"lab: ${spec[3]} \(server labhost3\): FAILED: job lab-verify: verification failed" \
	"verify: bad magic header" "labhost1.*: ok" "labhost2.*: ok" \
	"1 of 3 host\(s\) failed: ${spec[3]}\$" -- \
	--hosts "$lossy_hosts" "$verify_job"

# ------------------------------------------- module paths on the servers
# A relative path resolves against each server's working directory: hosts
# 1 and 2 have lib/fio/libblkengine.so there, host 3 has not.
sed "s|external:$blk_module|external:lib/fio/libblkengine.so|" "$verify_job" >"$mh_dir/client/relative.fio"
lab_expect "relative module path: resolved per server; the host without it is named" 1 \
	"lab: ${spec[3]} \(server labhost3\): FAILED: no results: the server dropped the job" \
	"invalid external ioengine path \"lib/fio/libblkengine.so\"" \
	"install libblkengine.so there" "labhost1.*: ok" "labhost2.*: ok" \
	"1 of 3 host\(s\) failed: ${spec[3]}\$" -- \
	--hosts "$good_hosts" "$mh_dir/client/relative.fio"

# A bare file name passes fio's existence check (relative to the working
# directory) but dlopen() looks it up in the library path.
cp "$blk_module" "$mh_dir/h1/libblkengine.so"
one_host=$(hostfile one.hosts "${spec[1]} $(qsd_sock h1-data)")
sed "s|external:$blk_module|external:libblkengine.so|" "$verify_job" >"$mh_dir/client/bare.fio"
# fio's own dlerror() text travels with the job's status, which a server
# that gives up on the job may not send: the lab's diagnosis is what counts.
lab_expect "module named without a '/': not loadable, with the fix" 1 \
	"lab: ${spec[1]} \(server labhost1\): FAILED" "engine libblkengine.so not loadable" \
	"give ioengine=external: a path with a '/'" -- \
	--hosts "$one_host" "$mh_dir/client/bare.fio"
sed "s|external:$blk_module|external:./libblkengine.so|" "$verify_job" >"$mh_dir/client/dot.fio"
lab_expect "module as ./libblkengine.so: loads from the server's working directory" 0 \
	"labhost1.*: ok" -- --hosts "$one_host" "$mh_dir/client/dot.fio"

# ------------------------------------------------------------ --timeout
# The client is stopped with SIGINT, which makes it stop the servers' jobs.
sed -e 's/^size=64m$/size=64m\ntime_based=1\nruntime=120/' -e '/^verify/d' "$verify_job" >"$mh_dir/client/long.fio"
two_hosts=$(hostfile two.hosts "${spec[1]} $(qsd_sock h1-data)" "${spec[2]} $(qsd_sock h2-data)")
start=$SECONDS
lab_expect "--timeout: the run is stopped and the hosts named" 1 \
	"lab: ${spec[1]} \(server labhost1\): FAILED: .*--timeout 5" \
	"lab: ${spec[2]} \(server labhost2\): FAILED: .*--timeout 5" -- \
	--hosts "$two_hosts" --timeout 5 "$mh_dir/client/long.fio"
left=
for _ in $(seq 100); do
	left=$(labnet_descendants "${labnet_pids[1]}"; labnet_descendants "${labnet_pids[2]}")
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -z "$left" ] && [ $((SECONDS - start)) -lt 60 ]; then
	t_pass "--timeout: the servers' jobs end with the client"
else
	t_fail "--timeout: the servers' jobs end with the client" \
		"after $((SECONDS - start)) s, still running under the servers: $left"
fi

# ------------------------------------------------ an unreachable server
down_hosts=$(hostfile down.hosts \
	"${spec[1]} $(qsd_sock h1-data)" \
	"$(labnet_addr 2),8799 $(qsd_sock h2-data)")
lab_expect "no server on a listed port: named, nothing run" 1 \
	"lab: $(labnet_addr 2),8799: FAILED: cannot reach a fio server" \
	"1 of 2 host\(s\) did not answer; the job was not run: $(labnet_addr 2),8799\$" -- \
	--hosts "$down_hosts" "$verify_job"

# --------------------------------------------------------- bad input
printf '%s\n' "${spec[1]} $(qsd_sock h1-data)" "${spec[2]}" >"$mh_dir/client/notarget.hosts"
lab_expect "a host without TARGET for a job using \${BLK_TARGET}: refused, line named" 2 \
	"uses \\\$\{BLK_TARGET\}, but no TARGET is given for ${spec[2]} \(.*notarget.hosts:2\)" -- \
	--hosts "$mh_dir/client/notarget.hosts" "$verify_job"
printf '%s\n' "${spec[1]},99999 x" >"$mh_dir/client/badport.hosts"
lab_expect "a bad port: refused, line named" 2 "badport.hosts:1: bad port '99999'" -- \
	--hosts "$mh_dir/client/badport.hosts" "$verify_job"
lab_expect "a missing host list: refused" 2 "--hosts .*nonexistent.hosts: cannot read the host list" -- \
	--hosts "$mh_dir/client/nonexistent.hosts" "$verify_job"

# ------------------------------------------------------- the examples
for ex in "$blk_top"/examples/lab-*.fio; do
	name="examples/$(basename "$ex") parses with the module"
	j=$(jobfile "parse-$(basename "$ex")" "$ex")
	sed -i "s|\${BLK_TARGET}|$(qsd_sock h1-data)|" "$j"
	if run_fio out --parse-only "$j"; then t_pass "$name"; else t_fail "$name" "$out"; fi
done

# ------------------------------------------------ the demo's comparison
if [ ! -x "$compare" ]; then
	t_fail "multihost-compare.sh" "$compare is missing"
else
	out=$(BLK_LAB_MODULE=$blk_module on_client "$compare" "$good_hosts" "$mh_dir/client/compare" --quick 2>&1)
	rc=$?
	name="multihost-compare.sh --quick: the five workloads on every host, merged"
	if [ $rc -ne 0 ]; then
		t_fail "$name" "exit status $rc" "$out"
	elif ! jsoncheck "$mh_dir/client/compare/results.json" "
rows = d['results']
want = {(h, w) for h in ('${spec[1]}', '${spec[2]}', '${spec[3]}')
        for w in ('randread-4k-qd1', 'randread-4k-qd32', 'randwrite-4k-qd32', 'seqread-128k-qd8', 'randrw70-4k-qd16')}
got = {(r['host'], r['workload']) for r in rows}
assert got == want, sorted(want ^ got)
assert all(r['iops'] > 0 for r in rows), rows
" 2>&1; then
		t_fail "$name" "results.json incomplete" "$out"
	elif ! grep -qF "${spec[1]}" "$mh_dir/client/compare/summary.txt" ||
		! grep -qF "${spec[2]}" "$mh_dir/client/compare/summary.txt" ||
		! grep -qF "${spec[3]}" "$mh_dir/client/compare/summary.txt" ||
		[ "$(grep -Ec '^(randread|randwrite|seqread|randrw70)-.* IOPS .* IOPS .* IOPS' \
			"$mh_dir/client/compare/summary.txt")" -ne 5 ]; then
		t_fail "$name" "summary.txt lacks a host or a workload" "$(cat "$mh_dir/client/compare/summary.txt")"
	else
		t_pass "$name"
	fi
fi

t_end
