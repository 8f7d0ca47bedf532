#!/bin/bash
# The build system: configure's checks of the fio tree and binary, -Werror
# (a warning injected into a copy of the tree must fail its build), install
# locations, and a full 'make distcheck'.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
t_begin build

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fio_src=$(cat "$blk_build/.fio-src")
fio_version=$("$blk_fio" --version)

# expect_configure_error NAME PATTERN ARGS...
expect_configure_error() {
	local name=$1 pattern=$2 out dir
	shift 2
	t_only "$name" || return 0
	dir=$(mktemp -d -p "$tmp")
	if out=$(cd "$dir" && "$blk_top/configure" -q "$@" 2>&1); then
		t_fail "$name: configure succeeded" "$out"
	elif ! grep -qF -- "$pattern" <<<"$out"; then
		t_fail "$name: no '$pattern' in the output" "$out"
	else
		t_pass "$name"
	fi
}

expect_configure_error "configure without --with-fio says what to pass" \
	"--with-fio=DIR is required"
expect_configure_error "configure refuses a directory that is not a fio tree" \
	"is not a fio source tree" --with-fio="$tmp"

# fake_fio VERSION: a stand-in fio binary at $tmp/fio-VERSION that only
# reports its version, as another package would.
fake_fio() {
	printf '#!/bin/sh\necho fio-%s\n' "$1" >"$tmp/fio-$1"
	chmod +x "$tmp/fio-$1"
}

# A fio binary of another version than the tree.
fake_fio 3.99
expect_configure_error "configure refuses a fio binary of another version, naming both" \
	"the source tree $fio_src is $fio_version but $tmp/fio-3.99 is fio-3.99" \
	--with-fio="$fio_src" --with-fio-bin="$tmp/fio-3.99"

# And a tree of another version than the binary; built against it (with a
# binary that agrees), the module must be refused by the real fio with a
# message, not read fio's structures.
tree_name="configure refuses a fio tree of another version, naming both"
name="a module built for another fio version is refused at load, naming both versions"
if t_only "$tree_name" || t_only "$name"; then
	mkdir -p "$tmp/fio-tree"
	cp -a "$fio_src"/. "$tmp/fio-tree/"
	rm -f "$tmp/fio-tree/FIO-VERSION-FILE" "$tmp/fio-tree/version"
	sed -i 's/^DEF_VER=.*/DEF_VER=fio-3.21/' "$tmp/fio-tree/FIO-VERSION-GEN"
	expect_configure_error "$tree_name" "is fio-3.21 but" --with-fio="$tmp/fio-tree"
fi
if t_only "$name"; then
	fake_fio 3.21
	mkdir -p "$tmp/build-3.21"
	if ! out=$(cd "$tmp/build-3.21" && "$blk_top/configure" -q --with-fio="$tmp/fio-tree" \
		--with-fio-bin="$tmp/fio-3.21" 2>&1 && make -s libblkengine.la 2>&1); then
		t_fail "$name: build" "$out"
	else
		run_fio out --name=t --ioengine="external:$tmp/build-3.21/.libs/libblkengine.so" \
			--filename=/dev/null --size=1m
		rc=$?
		if [ $rc -ne 0 ] && grep -qF "built for fio-3.21 but this fio is $fio_version" <<<"$out"; then
			t_pass "$name"
		else
			t_fail "$name" "exit status $rc" "$out"
		fi
	fi
fi

# -Werror, observed: a copy of the tree (configure and all, no build
# folders) builds in a folder of its own; then one of its sources gets an
# unused variable, and the rebuild must stop on it as an error.
clean_name="a copy of the tree builds with the configured warnings"
werror_name="-Werror: an unused variable in engines/blkengine.c fails the build"
if t_only "$clean_name" || t_only "$werror_name"; then
	wsrc=$tmp/werror-src wbuild=$tmp/werror-build
	mkdir -p "$wsrc" "$wbuild"
	# Build folders are the ones configure ran in (they hold config.status).
	(cd "$blk_top" && for f in * .[!.]*; do
		[ -e "$f" ] && [ "$f" != .git ] && [ ! -f "$f/config.status" ] && printf '%s\0' "$f"
	done) | tar -C "$blk_top" --null -T - -cf - | tar -C "$wsrc" -xf -
	if ! out=$(cd "$wbuild" && "$wsrc/configure" -q --with-fio="$fio_src" 2>&1 &&
		make -s -j"$(nproc)" libblkengine.la 2>&1); then
		t_fail "$clean_name" "$out"
		t_fail "$werror_name" "the clean copy did not build, so nothing was tested"
	else
		t_pass "$clean_name"
		# Appended, so that it holds however the file changes.
		cat >>"$wsrc/engines/blkengine.c" <<'WARN'

int blk_werror_probe(void);
int blk_werror_probe(void)
{
	int werror_probe_unused;

	return 0;
}
WARN
		if out=$(make -C "$wbuild" -s libblkengine.la 2>&1); then
			t_fail "$werror_name" "the build succeeded despite the warning" "$out"
		elif ! grep -q "werror_probe_unused" <<<"$out" ||
			! grep -q -- "-Werror=unused-variable" <<<"$out"; then
			t_fail "$werror_name" "the build failed, but not on the injected warning as an error" "$out"
		else
			t_pass "$werror_name"
		fi
	fi
fi

if ! t_only "make install"; then
	:
elif out=$(make -C "$blk_build" install DESTDIR="$tmp/root" 2>&1); then
	libdir=$(sed -n 's/^libdir = //p' "$blk_build/Makefile" | sed "s|\${exec_prefix}|/usr/local|")
	if ls "$tmp"/root/usr/local/lib*/fio/libblkengine.so >/dev/null 2>&1 &&
		ls "$tmp"/root/usr/local/share/doc/blkengine/examples/*.fio >/dev/null 2>&1; then
		t_pass "make install puts the module in \$(libdir)/fio and examples in \$(docdir)"
	else
		t_fail "make install locations" "$(cd "$tmp/root" && find . -type f)"
	fi
else
	t_fail "make install" "$out"
fi

if ! t_only "make distcheck"; then
	:
elif [ "${BLK_SKIP_DISTCHECK:-0}" = 1 ]; then
	t_skip "make distcheck" "BLK_SKIP_DISTCHECK=1 was set"
elif out=$(make -C "$blk_build" distcheck 2>&1); then
	t_pass "make distcheck"
else
	t_fail "make distcheck" "$out"
fi

t_end
