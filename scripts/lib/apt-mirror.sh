# shellcheck shell=bash
# The Debian mirror this machine's apt already uses, for the scripts that
# write apt source entries of their own (deb-src, backports, a private apt
# state): they take the machine's mirror rather than naming one, so a
# machine behind a local mirror or proxy keeps using it. Source this file.
#
#   apt_mirror [APT_DIR [CODENAME]]
#
# Prints the mirror's URL (no trailing slash) and returns 0; or prints on
# stderr which files it read and what it looked for, and returns 1.
#   APT_DIR   apt's configuration folder; default $BLKENGINE_APT_DIR or
#             /etc/apt
#   CODENAME  the distribution's codename (bookworm); default
#             VERSION_CODENAME from /etc/os-release
# It takes, in this order:
#   - APT_DIR/sources.list.d/*.sources (deb822): the first URIs: of the
#     first entry whose Types: has "deb" and whose Suites: has CODENAME
#     itself (bookworm-security and bookworm-updates do not count);
#   - APT_DIR/sources.list, then APT_DIR/sources.list.d/*.list: the URL of
#     the first "deb [OPTIONS] URL CODENAME ..." line.
# Entries with "Enabled: no" and security archives are skipped: the
# security archive holds only the security updates.

apt_mirror() {
	local dir=${1:-${BLKENGINE_APT_DIR:-/etc/apt}} codename=${2:-} f url read_files=()

	if [ -z "$codename" ]; then
		codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
		if [ -z "$codename" ]; then
			echo "apt_mirror: no VERSION_CODENAME in /etc/os-release; give the codename" >&2
			return 1
		fi
	fi

	for f in "$dir"/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		read_files+=("$f")
		url=$(awk -v want="$codename" '
			function flush() {
				if (enabled && has(types, "deb") && has(suites, want) &&
				    uri != "" && uri !~ /-security/ && found == "")
					found = uri
				types = suites = uri = field = ""
				enabled = 1
			}
			function has(list, word,   n, i, a) {
				n = split(list, a, /[ \t]+/)
				for (i = 1; i <= n; i++)
					if (a[i] == word)
						return 1
				return 0
			}
			BEGIN { enabled = 1 }
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			# A continuation line belongs to the field above it.
			/^[ \t]/ {
				if (field == "uris" && uri == "") uri = $1
				else if (field == "suites") suites = suites " " $0
				else if (field == "types") types = types " " $0
				next
			}
			{
				i = index($0, ":")
				if (!i) next
				field = tolower(substr($0, 1, i - 1))
				val = substr($0, i + 1)
				sub(/^[ \t]+/, "", val)
				sub(/[ \t]+$/, "", val)
				if (field == "types") types = val
				else if (field == "suites") suites = val
				else if (field == "uris") { split(val, u, /[ \t]+/); uri = u[1] }
				else if (field == "enabled") enabled = (tolower(val) != "no")
			}
			END { flush(); print found }
		' "$f")
		if [ -n "$url" ]; then
			echo "${url%/}"
			return 0
		fi
	done

	for f in "$dir/sources.list" "$dir"/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		read_files+=("$f")
		url=$(awk -v want="$codename" '
			$1 != "deb" { next }
			{
				i = 2
				# Options: "[a=b c=d]", possibly over several words.
				if ($i ~ /^\[/) {
					while (i <= NF && $i !~ /\]$/) i++
					i++
				}
				if ($(i + 1) == want && $i !~ /-security/) { print $i; exit }
			}
		' "$f")
		if [ -n "$url" ]; then
			echo "${url%/}"
			return 0
		fi
	done

	{
		echo "apt_mirror: no Debian mirror for '$codename' in apt's configuration: none of"
		if [ ${#read_files[@]} -gt 0 ]; then
			printf '  %s\n' "${read_files[@]}"
		else
			echo "  $dir/sources.list.d/*.sources, $dir/sources.list (none exist)"
		fi
		echo "has a 'Types: deb' entry with '$codename' in its Suites (deb822 .sources)" \
			"or a 'deb URL $codename main' line (.list); add one (the mirror apt should use)"
	} >&2
	return 1
}
