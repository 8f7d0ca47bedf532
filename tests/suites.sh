# The test suites by name: the command of each (relative to the top of the
# tree) and the order scripts/test runs them in. Sourced by scripts/test
# and tests/mutants/run.sh, which runs a suite against a mutated tree.

declare -A suite_cmd=(
	[unit]="tests/run-unit.sh"
	[unit-asan]="tests/run-unit.sh --sanitizers"
	[build]="tests/fio/run-build.sh"
	[load]="tests/fio/run-load.sh"
	[matrix]="tests/fio/run-matrix.sh"
	[vhost-user]="tests/host/run-vhost-user.sh"
	[nvme-vm]="tests/vm/run.sh"
	[vdpa-vm]="tests/vm/run-vdpa.sh"
	[multihost]="tests/multihost/run.sh"
	[demo]="tests/host/run-demo.sh"
	[fuzz]="tests/fuzz/run.sh"
	[hardening]="tests/hardening/run.sh"
	[mutants]="tests/mutants/run.sh"
	[memcheck]="tests/hardening/memcheck.sh"
	[hardening-vm]="tests/hardening/run-vm.sh"
)
suite_order=(unit unit-asan build load matrix vhost-user multihost demo fuzz hardening mutants memcheck
	nvme-vm vdpa-vm hardening-vm)
