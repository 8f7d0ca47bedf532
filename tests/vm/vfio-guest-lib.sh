# Guest-side helpers for the PCI functions a vfio test VM has (run-vfio.sh,
# bench-vfio.sh, scripts/lib/demo-guest-vfio.sh): finding a function by
# the root port it sits behind, and handing it between virtio-pci and
# vfio-pci. Source it.

# pci_behind_port SLOT: the function behind the root port at 00:SLOT.0.
pci_behind_port() {
	local d
	d=$(ls -d /sys/bus/pci/devices/0000:00:"$1".0/0000:??:??.? 2>/dev/null | head -n1)
	basename "$d"
}

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }

# to_vfio BDF: from its driver to vfio-pci, as the engine's message says.
to_vfio() {
	local d=/sys/bus/pci/devices/$1 i
	[ -e "$d/driver" ] && echo "$1" >"$d/driver/unbind"
	echo vfio-pci >"$d/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	for i in $(seq 50); do
		[ "$(driver_of "$1")" = vfio-pci ] && [ -e "/dev/vfio/$(basename "$(readlink "$d/iommu_group")")" ] && return 0
		sleep 0.1
	done
	return 1
}

# to_kernel BDF: back to virtio-pci; prints the /dev/vdX the kernel made of it.
to_kernel() {
	local d=/sys/bus/pci/devices/$1 i b
	[ -e "$d/driver" ] && echo "$1" >"$d/driver/unbind"
	echo >"$d/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	for i in $(seq 100); do
		b=$(ls -d "$d"/virtio*/block/vd* 2>/dev/null | head -n1)
		if [ -n "$b" ] && [ -b "/dev/${b##*/}" ]; then
			echo "/dev/${b##*/}"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# fio's filename= splits at ':': a PCI address is written with escaped colons.
esc() { echo "${1//:/\\:}"; }
