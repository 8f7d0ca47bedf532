# shellcheck shell=bash
# fio_optional_off: the ./configure options (run in a fio source tree) that
# keep optional libraries out of a fio build, among those this fio's
# configure offers. fio links whatever it finds; on a machine where other
# packages brought ISA-L, libnuma or the RDMA libraries (DPDK's do), a build
# would depend on them, and one such build crashed in the test VM while the
# same fio built without them ran. Source this file.
#
# fio's configure writes config-host.h even for --help: it runs in a scratch
# folder, or it would spoil the header of a tree already built.
fio_optional_off() {
	local help opt out=() src=$PWD scratch

	scratch=$(mktemp -d) || return 1
	help=$(cd "$scratch" && sh "$src/configure" --help 2>&1)
	rm -rf "$scratch"
	for opt in isal isal64 numa rdma rados rbd http gfapi libnfs pmem xnvme libzbc tcmalloc dfs; do
		grep -q -- "--disable-$opt " <<<"$help" && out+=("--disable-$opt")
	done
	echo "${out[@]}"
}
