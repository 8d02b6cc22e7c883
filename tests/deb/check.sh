#!/usr/bin/env bash
# Checks of the Debian package that `make deb` built (run by `make
# deb-check`, from .ci/run): lintian reports no error, and the package
# holds what the issue asks for — binaries, templates, man pages, the
# unit (enabled, not started), /etc/podium/podium.ini as a conffile, the
# user podium made in postinst, /var/lib/podium removed on purge only.
set -euo pipefail

DEB=${1:?usage: check.sh PACKAGE.deb}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/podium-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
checks=0
failures=0

check() {
	local name=$1
	shift
	checks=$((checks + 1))
	if "$@" >"$tmp/why" 2>&1; then
		printf 'ok - %s\n' "$name"
	else
		failures=$((failures + 1))
		printf 'not ok - %s: %s\n' "$name" "$(head -c 400 "$tmp/why")"
	fi
}
has() { grep -qE -- "$2" "$1" || { echo "no /$2/ in $(basename "$1")"; return 1; }; }
lacks() { ! grep -qE -- "$2" "$1" || { echo "/$2/ in $(basename "$1")"; return 1; }; }

# lintian: errors fail, warnings and infos are shown for the record.
lintian --display-info --pedantic "$DEB" >"$tmp/lintian" 2>&1 || true
sed 's/^/# lintian: /' "$tmp/lintian"
check "lintian reports no error" lacks "$tmp/lintian" '^E: '
check "lintian ran" lacks "$tmp/lintian" 'not a (valid|Debian)'

dpkg-deb --contents "$DEB" | awk '{ print $6 }' | sed 's,^\./,/,' >"$tmp/files"
for f in /usr/bin/podium /usr/sbin/podiumd \
	/usr/share/man/man1/podium.1.gz /usr/share/man/man5/podium.ini.5.gz \
	/usr/share/man/man8/podiumd.8.gz /lib/systemd/system/podiumd.service \
	/etc/podium/podium.ini /usr/share/podium/templates/de/invitation.txt \
	/usr/share/podium/templates/pages/de/answer.html \
	/usr/share/podium/calendars/smartcity-gera-2021.ics \
	/usr/share/doc/podium/copyright; do
	check "the package holds $f" has "$tmp/files" "^$f\$"
done
# Every template of the source tree, including folders added later.
src=$(cd "$(dirname "$0")/../.." && pwd)
missing=$(cd "$src" && find templates -type f | while read -r f; do
	grep -qxF "/usr/share/podium/$f" "$tmp/files" || echo "$f"; done)
check "every file of templates/ is in the package" test -z "$missing"
check "nothing under /usr/local" lacks "$tmp/files" '^/usr/local'
check "no state in the package" lacks "$tmp/files" '^/var/lib/podium/.'

dpkg-deb -e "$DEB" "$tmp/ctl"
for script in preinst postinst prerm postrm; do
	[ -f "$tmp/ctl/$script" ] && check "$script is valid sh" sh -n "$tmp/ctl/$script"
done
dpkg-deb --field "$DEB" Depends >"$tmp/depends"
check "Depends comes from the shared libraries" has "$tmp/depends" 'libical3.*libsqlite3-0|libsqlite3-0.*libical3'
check "Depends has adduser" has "$tmp/depends" 'adduser'
check "/etc/podium/podium.ini is a conffile" has "$tmp/ctl/conffiles" '^/etc/podium/podium.ini$'
check "postinst makes the system user podium" has "$tmp/ctl/postinst" \
	'adduser --system --group .*--home /var/lib/podium'
check "postinst enables the unit" has "$tmp/ctl/postinst" \
	"deb-systemd-helper enable 'podiumd.service'"
check "postinst does not start it on install" lacks "$tmp/ctl/postinst" \
	'deb-systemd-invoke (start|restart)'
check "postrm removes /var/lib/podium" has "$tmp/ctl/postrm" 'rm -rf /var/lib/podium'
# The rm sits in the purge branch, and nowhere else.
check "... on purge only" awk '
	/^if \[ "\$1" = purge \]; then$/ { p = 1 }
	/rm -rf \/var\/lib\/podium/ { if (!p) bad = 1; seen = 1 }
	/^fi$/ { p = 0 }
	END { exit !(seen && !bad) }' "$tmp/ctl/postrm"

dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./lib/systemd/system/podiumd.service \
	>"$tmp/unit"
for want in '^User=podium$' '^StateDirectory=podium$' '^ConfigurationDirectory=podium$' \
	'^ExecStart=/usr/sbin/podiumd --config /etc/podium/podium.ini$' \
	'^ExecReload=/bin/kill -HUP \$MAINPID$' '^ProtectSystem=strict$' \
	'^NoNewPrivileges=yes$' '^WantedBy=multi-user.target$'; do
	check "the unit has $want" has "$tmp/unit" "$want"
done
dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./etc/podium/podium.ini >"$tmp/ini"
check "the config keeps the state in /var/lib/podium" has "$tmp/ini" \
	'^path = /var/lib/podium/podium.db$'

printf '# %d checks, %d failed\n' "$checks" "$failures"
[ "$failures" -eq 0 ]
