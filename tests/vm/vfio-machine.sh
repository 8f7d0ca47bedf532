# The QEMU machine for measuring the vfio-pci engine (scripts/bench-vfio and
# the comparison run's vm-vfio target): q35 with a virtual Intel IOMMU and
# two virtio-blk PCI functions of the same kind, each behind its own PCIe
# root port:
#   00:10.0  handed to vfio-pci in the guest (ours and libblkio's driver)
#   00:11.0  left to the kernel's virtio-blk driver (fio's io_uring)
# Each has 8 queues (fio's libblkio engine takes one per job of a fio
# process) and packed=on (our engine can use either layout on it; the
# kernel and libblkio take the split ring), a 256 MiB raw image. Source it.
#
# vfio_machine_args IMAGE_DIR: sets vfio_vm_args, the vm-run options for
# that machine (the images are made in IMAGE_DIR, a tmpfs is best).
vfio_machine_args() {
	local dir=$1 id port=16 blk a
	local q=(-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on,caching-mode=on)
	blk=virtio-blk-pci,disable-legacy=on,iommu_platform=on,num-queues=8,packed=on,queue-size=256
	for id in v k; do
		truncate -s 256M "$dir/$id.img" || return 1
		q+=(-device "pcie-root-port,id=rp_$id,bus=pcie.0,chassis=$port,addr=0x$(printf %x $port)"
			-drive "file=$dir/$id.img,if=none,id=d$id,format=raw,cache=writeback"
			-device "$blk,bus=rp_$id,drive=d$id,id=$id")
		port=$((port + 1))
	done
	vfio_vm_args=()
	for a in "${q[@]}"; do
		vfio_vm_args+=(--qemu-arg "$a")
	done
	# no_timer_check: on a loaded host the emulated timer can miss the
	# boot's IO-APIC check, which panics once interrupts are remapped.
	vfio_vm_args+=(--append "intel_iommu=on no_timer_check")
}
