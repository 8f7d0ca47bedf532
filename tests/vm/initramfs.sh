#!/bin/bash
# Builds the test VM's initramfs for an unpacked kernel tree (kernel.sh):
# busybox-static, the modules that mount the host's root over 9p, and an
# init that chroots into that root and runs the job the host left in the
# writable "out" share. Prints the initramfs path; cached per kernel and
# per version of this script.
#
#   tests/vm/initramfs.sh KERNEL_DIR VERSION
set -euo pipefail

kdir=$1
version=$2
cache=${BLKENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blkengine}/vm

die() { echo "initramfs.sh: error: $*" >&2; exit 1; }

# The initramfs has no libc: busybox must be the static build.
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is missing or dynamically linked: apt-get install busybox-static"
fi
moddir=$kdir/lib/modules/$version
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing; run tests/vm/kernel.sh"

stamp=$(sha1sum "$0" | cut -c1-12)
out=$cache/initrd-$version-$stamp.cpio.gz
# Suites that run side by side may ask at once: one builds, the others wait.
mkdir -p "$cache"
exec 8>"$out.lock"
flock 8
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$root/bin/busybox"

# Modules in load order: dependencies first, built-ins and duplicates skipped.
loaded=" "
add_module() {
	local name=$1 path deps dep
	path=$(sed -n "s#^\(\([^:]*/\)\?$name\.ko\(\.[a-z]*\)\?\):.*#\1#p" "$moddir/modules.dep" | head -n1)
	if [ -z "$path" ]; then
		grep -q "/$name\.ko" "$moddir/modules.builtin" ||
			die "module $name is neither built in nor in $moddir"
		return 0
	fi
	case $loaded in *" $path "*) return 0 ;; esac
	deps=$(sed -n "s#^$path: *##p" "$moddir/modules.dep")
	for dep in $deps; do
		dep=${dep##*/}
		add_module "${dep%%.ko*}"
	done
	case $path in
	*.ko.xz) xz -dc "$moddir/$path" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" ;;
	*.ko.gz) gzip -dc "$moddir/$path" ;;
	*) cat "$moddir/$path" ;;
	esac >"$root/lib/modules/$name.ko"
	echo "$name" >>"$root/lib/modules/order"
	loaded="$loaded$path "
}
: >"$root/lib/modules/order"
for m in virtio_pci 9pnet_virtio 9p; do
	add_module "$m"
done

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# Mounts the host's root (9p, read-only) and the host's result folder (9p,
# writable), chroots and runs /run/blkvm/job; then powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko || echo "blkvm: insmod $m failed"
done
opts=trans=virtio,version=9p2000.L,msize=262144
if mount -t 9p -o $opts,ro,cache=loose host /newroot; then
	r=/newroot
	# The guest mounts its own /tmp, /run and /dev/shm over the host's;
	# keep the host's reachable for the paths the job names there.
	for d in tmp run dev/shm; do
		mkdir -p /host/$d
		mount -o bind $r/$d /host/$d
	done
	mount -t proc proc $r/proc
	mount -t sysfs sys $r/sys
	mount -t devtmpfs dev $r/dev
	mkdir -p $r/dev/pts $r/dev/shm
	# what udev would add: bash's process substitution needs /dev/fd
	ln -sf /proc/self/fd $r/dev/fd
	ln -sf /proc/self/fd/0 $r/dev/stdin
	ln -sf /proc/self/fd/1 $r/dev/stdout
	ln -sf /proc/self/fd/2 $r/dev/stderr
	mount -t tmpfs tmpfs $r/dev/shm
	mount -t tmpfs tmpfs $r/tmp
	mount -t tmpfs tmpfs $r/run
	mkdir -p $r/run/blkvm
	if mount -t 9p -o $opts out $r/run/blkvm; then
		# e.g. a source tree under the host's /tmp: same path in the guest
		if [ -f $r/run/blkvm/binds ]; then
			while read -r p; do
				case $p in
				/tmp/*|/run/*|/dev/shm/*) ;;
				*) continue ;;
				esac
				mkdir -p "$r$p" && mount -o bind "/host$p" "$r$p" ||
					echo "blkvm: cannot show the host's $p in the guest"
			done <$r/run/blkvm/binds
		fi
		chroot $r /bin/sh /run/blkvm/job
		sync
		umount $r/run/blkvm
	else
		echo "blkvm: cannot mount the result share"
	fi
else
	echo "blkvm: cannot mount the host root over 9p"
fi
echo "blkvm: powering off"
poweroff -f
INIT
chmod +x "$root/init"

mkdir -p "$cache"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
