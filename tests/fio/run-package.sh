#!/bin/bash
# The Debian package and the option documents.
#
# Documents: blkengine(7), the README's option table and the module's own
# 'fio --enghelp' must agree on every option's name, default and help; the
# README's table must be what 'make readme-options' writes; an option added
# to the table shows up in the man page with no other step, and the stale
# README is caught.
#
# Package: built with dpkg-buildpackage from a copy of the tree, lintian
# clean, the module, man page and examples at Debian's paths, Depends pinned
# to the installed fio, refused by dpkg next to another fio version;
# installed with dpkg -i, the installed module verifies a qemu-storage-daemon
# export (checked again by fio's psync engine on the image), man finds the
# page; dpkg -r and -P leave none of its files. A machine that had the
# package installed before keeps it: the install cases are skipped.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../host/qsd.sh"
# dpkg under apt_locked: suites beside this one may be installing packages.
. "$blk_top/scripts/lib/apt-lock.sh"
t_begin package

pkg=fio-engine-blkengine
tmp=$(mktemp -d "${TMPDIR:-/tmp}/blkengine-package.XXXXXX")
qsd_dir=$tmp/qsd
mkdir -p "$qsd_dir"
installed_by_us=

cleanup() {
	qsd_stop_all
	# Leave the machine as it was: a package this suite installed goes.
	[ -n "$installed_by_us" ] && apt_locked dpkg -P "$pkg" >/dev/null 2>&1
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# fio leaves its verify state files in the current folder.
cd "$tmp" || exit 1

t_need_module
fio_src=$(cat "$blk_build/.fio-src")
fio_pkg_version=$(dpkg-query -W -f='${Version}' fio 2>/dev/null)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
moddir=/usr/lib/$multiarch/fio
optdoc=$blk_build/tools/blk-optdoc

# -------------------------------------------------------------- documents

# compare_docs MODULE MANPAGE README: prints every disagreement between
# fio --enghelp=MODULE, the rendered MANPAGE and README's option table on
# option names, defaults and help texts; fails when there is one.
compare_docs() {
	FIO=$blk_fio python3 - "$@" <<'PY'
import os, re, subprocess, sys

module, manpage, readme = sys.argv[1:4]
fio = os.environ["FIO"]
env = dict(os.environ, MANWIDTH="1000", LC_ALL="C")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout


# fio: "name<spaces>: help" per option, then "default: X" per option.
opts = {"fio": {}, "man": {}, "README": {}}
for line in run(fio, f"--enghelp={module}").splitlines():
    m = re.match(r"^(\S+)\s+: (.*)$", line)
    if m:
        opts["fio"][m[1]] = [m[2], None]
for name, v in opts["fio"].items():
    m = re.search(r"^\s+default: (.*)$", run(fio, f"--enghelp={module},{name}"), re.M)
    # The documents say "unset" where fio says "no default".
    v[1] = "unset" if not m or m[1] == "no default" else m[1]

# The man page as man shows it, unwrapped: under OPTIONS, an option's line
# at 7 columns, its help and "Engines: ... Default: D." lines at 14.
text = run("man", "--no-hyphenation", "--no-justification", "-E", "ascii", "-l", manpage)
lines = text.splitlines()
try:
    start = lines.index("OPTIONS")
except ValueError:
    sys.exit(f"{manpage}: no OPTIONS section")
for i in range(start + 1, len(lines)):
    if re.match(r"^[A-Z]", lines[i]):
        break
    m = re.match(r"^ {7}([A-Za-z0-9_]+)", lines[i])
    body = [l[14:] for l in lines[i + 1:i + 3] if l.startswith(" " * 14)]
    if not m or len(body) < 2:
        continue
    d = re.match(r"^Engines: .+?\. Default: (.*?)\.(?: Range: \S+ to \S+\.)?$", body[1])
    opts["man"][m[1]] = [body[0], d[1] if d else f"(no default in: {body[1]})"]

# README: the rows between the markers; the meaning starts with the help.
block = re.search(r"<!-- blk-optdoc begin.*?-->\n(.*?)<!-- blk-optdoc end -->",
                  open(readme).read(), re.S)
if not block:
    sys.exit(f"{readme}: no blk-optdoc block")
for row in block[1].splitlines():
    if not row.startswith("| `"):
        continue
    cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)[1:-1]]
    name = re.match(r"`([A-Za-z0-9_]+)", cells[0])[1]
    opts["README"][name] = [cells[3], cells[2].strip("`")]

bad = []
ref = opts["fio"]
for src in ("man", "README"):
    for name in sorted(set(ref) | set(opts[src])):
        if name not in opts[src]:
            bad.append(f"{name}: in fio --enghelp, missing from {src}")
        elif name not in ref:
            bad.append(f"{name}: in {src}, not an option of the module")
        else:
            help_, default = opts[src][name]
            if default != ref[name][1]:
                bad.append(f"{name}: {src} says default {default!r}, fio {ref[name][1]!r}")
            ok = help_ == ref[name][0] if src == "man" else \
                help_ == ref[name][0] or help_.startswith(ref[name][0] + ". ")
            if not ok:
                bad.append(f"{name}: {src} help {help_!r}, fio {ref[name][0]!r}")
if not ref:
    bad.append("fio --enghelp listed no options")
for b in bad:
    print(b)
print(f"{len(ref)} options from fio, {len(opts['man'])} in the man page, "
      f"{len(opts['README'])} in README; {len(bad)} disagreements")
sys.exit(1 if bad else 0)
PY
}

name="README's option table is what blk-optdoc writes from the option table"
if t_only "$name"; then
	if ! out=$("$optdoc" readme "$blk_top/README.md" 2>&1); then
		t_fail "$name" "$out"
	elif d=$(diff -u "$blk_top/README.md" - <<<"$out"); then
		t_pass "$name"
	else
		t_fail "$name" "README.md is stale: run 'make -C build readme-options' and commit it" "$d"
	fi
fi

name="man page, README and fio --enghelp agree on every option's name, default and help"
if t_only "$name"; then
	if out=$(compare_docs "$blk_module" "$blk_build/doc/blkengine.7" "$blk_top/README.md" 2>&1); then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
fi

name="the man page renders without groff warnings at 80 columns"
if t_only "$name"; then
	out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$blk_build/doc/blkengine.7" 2>&1 >/dev/null)
	if [ -z "$out" ]; then t_pass "$name"; else t_fail "$name" "$out"; fi
fi

# An option added to the table, in a copy of the tree, and nothing else:
# the man page lists it, the stale README is caught, and
# 'make readme-options' brings README level again.
add_man="an option added to the table appears in the man page with no other step"
add_stale="an option added to the table makes the unregenerated README fail the check"
add_regen="after 'make readme-options' the README agrees again"
# copy_tree DIR: the source tree without .git and build folders.
copy_tree() {
	mkdir -p "$1"
	(cd "$blk_top" && for f in * .[!.]*; do
		[ -e "$f" ] && [ "$f" != .git ] && [ ! -f "$f/config.status" ] && printf '%s\0' "$f"
	done) | tar -C "$blk_top" --null -T - -cf - | tar -C "$1" -xf -
}
if t_only "$add_man" || t_only "$add_stale" || t_only "$add_regen"; then
	asrc=$tmp/add-src abuild=$tmp/add-build
	copy_tree "$asrc"
	python3 - "$asrc/common/options.c" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
end = "\t{\n\t\t.name\t= NULL,\n\t},\n};"
assert s.count(end) == 1, "end of blk_fio_options[] not found"
s = s.replace(end, """\t{
\t\t.name\t= "blk_doc_probe",
\t\t.lname\t= "documentation probe",
\t\t.type\t= FIO_OPT_INT,
\t\t.off1\t= offsetof(struct blk_options, queue_size),
\t\t.def\t= "7",
\t\t.help\t= "An option added to the table and nowhere else",
\t\tENGINE_OPT,
\t},
""" + end)
open(p, "w").write(s)
PY
	mkdir -p "$abuild"
	if ! out=$(cd "$abuild" && "$asrc/configure" -q --with-fio="$fio_src" 2>&1 &&
		make -s -j"$(nproc)" libblkengine.la doc/blkengine.7 2>&1); then
		t_fail "$add_man" "the copy did not build" "$out"
	else
		man_out=$(MANWIDTH=1000 man -E ascii -l "$abuild/doc/blkengine.7" 2>&1)
		if grep -qx '       blk_doc_probe=N' <<<"$man_out" &&
			grep -qx '              An option added to the table and nowhere else' <<<"$man_out" &&
			grep -qx '              Engines: all. Default: 7.' <<<"$man_out"; then
			t_pass "$add_man"
		else
			t_fail "$add_man" "$(sed -n '/^OPTIONS/,/^RESTRICTIONS/p' <<<"$man_out" | tail -n 12)"
		fi
		if out=$(compare_docs "$abuild/.libs/libblkengine.so" "$abuild/doc/blkengine.7" \
			"$asrc/README.md" 2>&1); then
			t_fail "$add_stale" "the check passed a README without blk_doc_probe" "$out"
		elif grep -q "blk_doc_probe: in fio --enghelp, missing from README" <<<"$out"; then
			t_pass "$add_stale"
		else
			t_fail "$add_stale" "the check failed, but not on the missing option" "$out"
		fi
		if out=$(make -s -C "$abuild" readme-options 2>&1 &&
			compare_docs "$abuild/.libs/libblkengine.so" "$abuild/doc/blkengine.7" \
				"$asrc/README.md" 2>&1); then
			t_pass "$add_regen"
		else
			t_fail "$add_regen" "$out"
		fi
	fi
fi

# ---------------------------------------------------------------- package

name="debian/rules refuses a fio source of another Debian version, naming both"
if t_only "$name"; then
	fake=$tmp/fake-fio
	mkdir -p "$fake/debian"
	touch "$fake/fio.h"
	printf 'fio (3.0-1) unstable; urgency=medium\n\n  * x\n\n -- x <x@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n' \
		>"$fake/debian/changelog"
	if out=$(cd "$blk_top" && debian/rules check-fio-source BLKENGINE_FIO_SRC="$fake" 2>&1); then
		t_fail "$name" "debian/rules accepted it" "$out"
	elif grep -qF "is the source of fio 3.0-1 but the installed fio is $fio_pkg_version" <<<"$out"; then
		t_pass "$name"
	else
		t_fail "$name" "$out"
	fi
fi

pkg_cases=("dpkg-buildpackage -b builds $pkg from a copy of the tree"
	"lintian: no errors or warnings"
	"the package holds the module in \$(libdir)/fio, blkengine(7) and the examples"
	"Depends pins the installed fio version"
	"dpkg refuses the package next to another fio version"
	"dpkg -i installs it"
	"the installed module verifies a qemu-storage-daemon export, checked by psync on the image"
	"man finds the installed blkengine(7), which agrees with the installed module"
	"dpkg -r removes the module and the man page"
	"dpkg -P leaves nothing of the package")
want_pkg=
for c in "${pkg_cases[@]}"; do t_only "$c" && want_pkg=1; done

# skip_pkg FIRST-INDEX REASON: skips the package cases from FIRST-INDEX on.
skip_pkg() {
	local i
	for ((i = $1; i < ${#pkg_cases[@]}; i++)); do
		t_skip "${pkg_cases[$i]}" "$2"
	done
}

missing_tools=
for tool in dpkg-buildpackage dh lintian man qemu-storage-daemon; do
	command -v "$tool" >/dev/null || missing_tools="$missing_tools $tool"
done
if [ -z "$want_pkg" ]; then
	:
elif [ -n "$missing_tools" ]; then
	skip_pkg 0 "not installed:$missing_tools (scripts/bootstrap installs them)"
else
	src=$tmp/pkg/blkengine
	copy_tree "$src"
	# A build from the tree builds the man page and the README check
	# builds blk-optdoc, so neither can be stale in the package.
	if out=$(cd "$src" && BLKENGINE_FIO_SRC="$fio_src" dpkg-buildpackage -b -us -uc 2>&1); then
		t_pass "${pkg_cases[0]}"
		echo "$out" | tail -n 3 | sed 's/^/    /'
	else
		t_fail "${pkg_cases[0]}" "$out"
	fi
	deb=$(ls "$tmp"/pkg/${pkg}_*.deb 2>/dev/null | head -n1)
	changes=$(ls "$tmp"/pkg/*.changes 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		skip_pkg 1 "no package was built"
	else
		# lintian as a Debian upload would be checked, info tags shown.
		lintian -I --fail-on error,warning "$changes" >"$tmp/lintian.out" 2>&1
		rc=$?
		out=$(grep -v '^running with root privileges' "$tmp/lintian.out")
		if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' <<<"$out"; then
			t_pass "${pkg_cases[1]}"
			[ -n "$out" ] && echo "$out" | sed 's/^/    lintian: /'
		else
			t_fail "${pkg_cases[1]}" "$out"
		fi

		files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
		doc=/usr/share/doc/$pkg
		missing=
		for f in "$moddir/libblkengine.so" /usr/share/man/man7/blkengine.7.gz "$doc/copyright"; do
			grep -qxF "$f" <<<"$files" || missing="$missing $f"
		done
		for f in "$blk_top"/examples/*.fio; do
			grep -qxF "$doc/examples/${f##*/}" <<<"$files" || missing="$missing $doc/examples/${f##*/}"
		done
		stray=$(grep -E '\.la$|^/usr/local|^/usr/lib/fio/|^/usr/share/doc/blkengine/' <<<"$files")
		if [ -n "$multiarch" ] && [ -z "$missing" ] && [ -z "$stray" ]; then
			t_pass "${pkg_cases[2]}"
		else
			t_fail "${pkg_cases[2]}" "missing:${missing:- none}" "stray: ${stray:-none}" "$files"
		fi

		depends=$(dpkg-deb -f "$deb" Depends)
		if [ -n "$fio_pkg_version" ] && grep -qE "(^|, )fio \(= ${fio_pkg_version//./\\.}\)(,|$)" <<<"$depends"; then
			t_pass "${pkg_cases[3]}"
		else
			t_fail "${pkg_cases[3]}" "installed fio: ${fio_pkg_version:-none}" "Depends: $depends"
		fi

		# dpkg -i into a root folder of its own whose package database holds
		# the packages the package depends on, as this machine has them: once
		# as they are, and once with fio at another version. The same
		# package must install there, then be left unconfigured, dpkg naming
		# the pin and the other version.
		# fake_root DIR FIO-VERSION
		fake_root() {
			local names n adm=$1/var/lib/dpkg
			mkdir -p "$adm/info" "$adm/updates" "$adm/triggers"
			touch "$adm/available"
			names=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | awk '{print $1}' | sed 's/:.*//' | sort -u)
			awk -v names=" $(echo $names) " -v v="$2" 'BEGIN {RS = ""; ORS = "\n\n"; FS = "\n"}
				{
					for (i = 1; i <= NF; i++)
						if ($i ~ /^Package: /) p = substr($i, 10)
					if (!index(names, " " p " ")) next
					if (p == "fio") sub(/\nVersion: [^\n]*/, "\nVersion: " v)
					print
				}' /var/lib/dpkg/status >"$adm/status"
			# Their file lists are of no interest here, but dpkg wants them.
			for n in $names; do
				touch "$adm/info/$n.list" "$adm/info/$n:$(dpkg --print-architecture).list"
			done
		}
		if t_only "${pkg_cases[4]}"; then
			other=${fio_pkg_version}+other1
			fake_root "$tmp/root-same" "$fio_pkg_version"
			fake_root "$tmp/root-other" "$other"
			same_out=$(dpkg --root="$tmp/root-same" -i "$deb" 2>&1)
			same_rc=$?
			other_out=$(dpkg --root="$tmp/root-other" -i "$deb" 2>&1)
			other_rc=$?
			other_status=$(dpkg --root="$tmp/root-other" -s "$pkg" 2>&1 | sed -n 's/^Status: //p')
			if [ $same_rc -eq 0 ] && [ $other_rc -ne 0 ] &&
				[ "$other_status" = "install ok unpacked" ] &&
				grep -qF "depends on fio (= $fio_pkg_version)" <<<"$other_out" &&
				grep -qF "Version of fio on system is $other" <<<"$other_out"; then
				t_pass "${pkg_cases[4]}"
				grep -F -e "depends on fio" -e "Version of fio" <<<"$other_out" | sed 's/^/    dpkg: /'
			else
				t_fail "${pkg_cases[4]}" "with fio $fio_pkg_version: status $same_rc" "$same_out" \
					"with fio $other: status $other_rc, package $other_status" "$other_out"
			fi
		fi

		want_install=
		for ((i = 5; i < ${#pkg_cases[@]}; i++)); do
			t_only "${pkg_cases[$i]}" && want_install=1
		done
		prior=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null)
		if [ -z "$want_install" ]; then
			:
		elif [[ $prior == i* ]]; then
			skip_pkg 5 "$pkg ${prior#* } is installed on this machine; the suite keeps it (dpkg -P $pkg to run these)"
		elif [ "$(id -u)" -ne 0 ]; then
			skip_pkg 5 "dpkg -i needs root"
		elif ! out=$(apt_locked dpkg -i "$deb" 2>&1); then
			installed_by_us=1
			t_fail "${pkg_cases[5]}" "$out"
			skip_pkg 6 "dpkg -i failed"
		else
			installed_by_us=1
			echo "$out" | tail -n 2 | sed 's/^/    dpkg -i: /'
			status=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' "$pkg")
			if [ "$status" = "ii $(dpkg-deb -f "$deb" Version)" ] && [ -f "$moddir/libblkengine.so" ]; then
				t_pass "${pkg_cases[5]}"
			else
				t_fail "${pkg_cases[5]}" "status: $status" "$(ls -l "$moddir" 2>&1)"
			fi

			# The installed module, not the build's, on a file export;
			# then fio's own psync engine reads the image it wrote.
			img=$qsd_dir/disk.img
			truncate -s 64M "$img"
			common=(--name=pkg --rw=randwrite --bs=4k --size=32M --iodepth=16
				--randseed=7 --verify=crc32c --verify_fatal=1)
			name=${pkg_cases[6]}
			if ! t_only "$name"; then
				:
			elif ! qsd_file_export disk "$img" 4096 1 on 2>"$tmp/qsd.err"; then
				t_fail "$name" "qemu-storage-daemon did not start" "$(cat "$tmp/qsd.err")"
			else
				run_fio out --ioengine="external:$moddir/libblkengine.so" \
					--filename="$(qsd_sock disk)" --thread=1 "${common[@]}"
				rc=$?
				qsd_stop disk
				if [ $rc -ne 0 ]; then
					t_fail "$name" "fio with the installed module: status $rc" "$out"
				elif ! run_fio out --ioengine=psync --filename="$img" "${common[@]}" \
					--verify_only=1; then
					t_fail "$name" "psync did not verify the image" "$out"
				elif cmp -s -n $((32 * 1024 * 1024)) "$img" /dev/zero; then
					t_fail "$name" "the image holds only zeroes: nothing was written"
				else
					t_pass "$name"
				fi
			fi

			name=${pkg_cases[7]}
			where=$(man -w blkengine 2>&1)
			if [ "$where" != /usr/share/man/man7/blkengine.7.gz ]; then
				t_fail "$name" "man -w blkengine: $where"
			elif ! out=$(compare_docs "$moddir/libblkengine.so" "$where" "$src/README.md" 2>&1); then
				t_fail "$name" "$out"
			else
				t_pass "$name"
			fi

			out=$(apt_locked dpkg -r "$pkg" 2>&1)
			left=$(ls "$moddir/libblkengine.so" /usr/share/man/man7/blkengine.7.gz 2>/dev/null)
			if [ -z "$left" ] && ! man -w blkengine >/dev/null 2>&1 &&
				! run_fio fio_out --name=gone --ioengine="external:$moddir/libblkengine.so" \
					--filename=/dev/null --size=1m; then
				t_pass "${pkg_cases[8]}"
			else
				t_fail "${pkg_cases[8]}" "left: ${left:-nothing}" "$out"
			fi

			out=$(apt_locked dpkg -P "$pkg" 2>&1)
			installed_by_us=
			left=$( (dpkg-query -W -f='${db:Status-Abbrev}\n' "$pkg" 2>/dev/null | grep -v '^un';
				ls -d "$moddir/libblkengine.so" "/usr/share/doc/$pkg" 2>/dev/null) )
			if [ -z "$left" ]; then
				t_pass "${pkg_cases[9]}"
			else
				t_fail "${pkg_cases[9]}" "left: $left" "$out"
			fi
		fi
	fi
fi

t_end
