# Helpers for the guest scripts that drive NVMe namespaces. Source it.

# ng_of NSID: the generic char device of namespace NSID (the kernel's node
# numbers need not match the namespace IDs QEMU was given).
ng_of() {
	local b
	for b in /sys/block/nvme*n*; do
		[ "$(cat "$b/nsid" 2>/dev/null)" = "$1" ] || continue
		b=${b##*/}
		echo "/dev/ng${b#nvme}"
		return 0
	done
	return 1
}

# blk_of NSID: the block device of namespace NSID.
blk_of() {
	local ng
	ng=$(ng_of "$1") || return 1
	echo "/dev/nvme${ng#/dev/ng}"
}
