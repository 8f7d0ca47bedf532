# The test suites by name: the command of each (relative to the top of the
# tree) and the order scripts/test runs them in. Sourced by scripts/test
# and tests/mutants/run.sh, which runs a suite against a mutated tree.

declare -A suite_cmd=(
	[unit]="tests/run-unit.sh"
	[unit-asan]="tests/run-unit.sh --sanitizers"
	[build]="tests/fio/run-build.sh"
	[load]="tests/fio/run-load.sh"
	[package]="tests/fio/run-package.sh"
	[matrix]="tests/fio/run-matrix.sh"
	[vhost-user]="tests/host/run-vhost-user.sh"
	[nvme-vm]="tests/vm/run.sh"
	[vdpa-vm]="tests/vm/run-vdpa.sh"
	[vfio-vm]="tests/vm/run-vfio.sh"
	[multihost]="tests/multihost/run.sh"
	[demo]="tests/host/run-demo.sh"
	[fuzz]="tests/fuzz/run.sh"
	[hardening]="tests/hardening/run.sh"
	[mutants]="tests/mutants/run.sh"
	[memcheck]="tests/hardening/memcheck.sh"
	[hardening-vm]="tests/hardening/run-vm.sh"
)
# matrix (fio 3.33/3.39/3.41, gcc 14) runs by name only for now: built cold it
# adds a quarter of an hour to the run, and Debian's archive lists fio 3.39's
# source without serving its tarball.
suite_order=(unit unit-asan build package load vhost-user multihost demo fuzz hardening mutants memcheck
	nvme-vm vdpa-vm vfio-vm hardening-vm)

# Suites that take several builds in one run (BLK_TEST_BUILDS, a file of
# "NAME BUILD CASE" lines, tab-separated): the mutants step gives them all
# its modules at once instead of booting a VM per mutant.
declare -A suite_batched=([nvme-vm]=1 [vfio-vm]=1)
