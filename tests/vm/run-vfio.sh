#!/bin/bash
# Boots one test VM with a virtual IOMMU (q35, intel-iommu) and virtio-blk
# PCI functions, and runs the virtio-blk-vfio-pci suite in it
# (tests/vm/guest-vfio.sh), which hands the functions to vfio-pci.
#
#   tests/vm/run-vfio.sh [--timeout SECS] [SCRIPT]
#
# SCRIPT (default tests/vm/guest-vfio.sh) runs in the guest with the kernel
# tree as its argument.
#
# The functions, each behind its own PCIe root port (so that it can be
# unplugged) at a fixed slot the guest finds it by:
#   00:10.0  A  2 queues, split ring, discard=unmap     64 MiB
#   00:11.0  B  2 queues, packed=on (blk_ring=packed and split on it)
#   00:12.0  C  read-only drive
#   00:13.0  D  no iommu_platform: would bypass the IOMMU, refused
#   00:14.0  H  unplugged by QMP device_del while fio runs
#   00:15.0  a PCIe-to-PCI bridge with E (virtio-blk) and a virtio-rng:
#            one IOMMU group of two functions (viability, not-a-block-device)
# The guest asks for QMP commands (device_del, query-blockstats) through a
# 9p share the host serves while the VM runs; suite counts come back
# through $BLK_TEST_COUNTS.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
timeout=${BLK_VM_TIMEOUT:-2400}
if [ "${1:-}" = --timeout ]; then
	timeout=$2
	shift 2
fi
script=${1:-$here/guest-vfio.sh}

read -r kdir kversion < <("$here/kernel.sh" 6.12) || {
	echo "run-vfio.sh: no 6.12 kernel (tests/vm/kernel.sh 6.12 failed)" >&2
	exit 125
}
[ -n "${kversion:-}" ] || exit 125

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
dir=$(mktemp -d "$base/blkvfio.XXXXXX") || exit 125
helper=
cleanup() {
	[ -n "$helper" ] && kill "$helper" 2>/dev/null && wait "$helper" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -m 777 "$dir/ctl"

for img in a:64M b:16M c:16M d:16M h:64M e:16M; do
	truncate -s "${img#*:}" "$dir/${img%%:*}.img"
done

blk=virtio-blk-pci,disable-legacy=on,iommu_platform=on
drive() {	# drive ID [PROPS]
	echo "file=$dir/$1.img,if=none,id=d$1,format=raw,cache=writeback${2:+,$2}"
}
q=(
	-machine q35,kernel-irqchip=split
	-device intel-iommu,intremap=on,caching-mode=on
	-qmp "unix:$dir/qmp.sock,server=on,wait=off"
	-virtfs "local,path=$dir/ctl,mount_tag=vfioctl,security_model=none"
)
port=16
for id in a b c d h br; do
	q+=(-device "pcie-root-port,id=rp_$id,bus=pcie.0,chassis=$port,addr=0x$(printf %x $port)")
	port=$((port + 1))
done
q+=(
	-drive "$(drive a discard=unmap)" -device "$blk,bus=rp_a,drive=da,id=A,num-queues=2,packed=off"
	-drive "$(drive b)" -device "$blk,bus=rp_b,drive=db,id=B,num-queues=2,packed=on"
	-drive "$(drive c readonly=on)" -device "$blk,bus=rp_c,drive=dc,id=C,num-queues=1"
	-drive "$(drive d)" -device "virtio-blk-pci,disable-legacy=on,bus=rp_d,drive=dd,id=D"
	-drive "$(drive h)" -device "$blk,bus=rp_h,drive=dh,id=H,num-queues=1"
	-device pcie-pci-bridge,id=br,bus=rp_br
	-drive "$(drive e)" -device "$blk,bus=br,addr=1,drive=de,id=E"
	-device "virtio-rng-pci,disable-legacy=on,iommu_platform=on,bus=br,addr=2,id=R"
)
vm_q=()
for a in "${q[@]}"; do
	vm_q+=(--qemu-arg "$a")
done

# Serves the guest's QMP requests: ctl/req-NAME.json -> ctl/resp-NAME.json.
python3 - "$dir/qmp.sock" "$dir/ctl" <<'PY' &
import json, os, socket, sys, time
path, ctl = sys.argv[1], sys.argv[2]

def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise EOFError
        msg = json.loads(line)
        if "return" in msg or "error" in msg:
            return msg

while True:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
    except OSError:
        time.sleep(0.2)
        continue
    f = s.makefile("rw")
    try:
        f.readline()
        f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
        f.flush()
        reply(f)
        while True:
            for name in sorted(os.listdir(ctl)):
                if not (name.startswith("req-") and name.endswith(".json")):
                    continue
                with open(os.path.join(ctl, name)) as r:
                    cmd = r.read()
                os.unlink(os.path.join(ctl, name))
                f.write(cmd.strip() + "\n")
                f.flush()
                out = json.dumps(reply(f))
                tmp = os.path.join(ctl, ".resp.tmp")
                with open(tmp, "w") as w:
                    w.write(out + "\n")
                os.rename(tmp, os.path.join(ctl, "resp-" + name[4:]))
            time.sleep(0.1)
    except (EOFError, OSError, ValueError):
        s.close()
        time.sleep(0.2)
PY
helper=$!

# no_timer_check: on a loaded host the emulated timer can miss the boot's
# IO-APIC check, which panics once interrupts are remapped.
"$here/vm-run" --kernel 6.12 --timeout "$timeout" --append "intel_iommu=on no_timer_check" "${vm_q[@]}" \
	-- "$script" "$kdir"
