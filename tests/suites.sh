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
	[reconnect]="tests/host/run-reconnect.sh"
	[packed]="tests/host/run-packed.sh"
	[nvme-vm]="tests/vm/run.sh"
	[vdpa-vm]="tests/vm/run-vdpa.sh"
	[multihost]="tests/multihost/run.sh"
	[demo]="tests/host/run-demo.sh"
	[fuzz]="tests/fuzz/run.sh"
	[hardening]="tests/hardening/run.sh"
	[mutants]="tests/mutants/run.sh"
	[memcheck]="tests/hardening/memcheck.sh"
	[hardening-vm]="tests/hardening/run-vm.sh"
	[health-vm]="tests/vm/run-health.sh"
	[zns-vm]="tests/vm/run-zns.sh"
	[vfio-vm]="tests/vm/run-vfio.sh"
)
suite_order=(unit unit-asan build package load vhost-user reconnect multihost demo fuzz hardening packed mutants memcheck
	matrix zns-vm nvme-vm vdpa-vm hardening-vm vfio-vm health-vm)

# Suites that boot the test VM: scripts/test runs them one after another
# beside the others (two lanes). health-vm comes last in its lane: it
# fetches QEMU 10 through apt and builds against fio 3.41, and early in the
# run it waited behind the matrix suite's preparation (apt, fio builds).
declare -A suite_lane=([nvme-vm]=vm [vdpa-vm]=vm [hardening-vm]=vm [vfio-vm]=vm [zns-vm]=vm [health-vm]=vm)

# Slow preparation a suite can have done beside the suites before it:
# scripts/test starts it in the background; the suite waits for it.
declare -A suite_prepare=([matrix]="tests/fio/run-matrix.sh --prepare"
	[packed]="tests/host/run-packed.sh --prepare")

# Suites that take several builds in one run (BLK_TEST_BUILDS, a file of
# "NAME BUILD CASE" lines, tab-separated): the mutants step gives them all
# its modules at once instead of booting a VM per mutant.
declare -A suite_batched=([nvme-vm]=1 [health-vm]=1 [vfio-vm]=1 [zns-vm]=1)
