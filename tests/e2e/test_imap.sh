#!/usr/bin/env bash
# End-to-end test of podiumd's IMAP poller against a real IMAP server:
# Debian's dovecot, started here on 127.0.0.1 with a private config, base
# dir and passwd-file user in the test's folder, and always stopped.
# Replies are delivered into the mailbox with IMAP APPEND (curl), then
# `podiumd --once` polls: the attendances change, the messages are \Seen,
# UIDVALIDITY and the last UID are in the database; a second pass
# handles only what is new; a running podiumd polls on its own.
set -euo pipefail

# shellcheck source=../lib/daemon.sh
. "$PODIUM_SRC_DIR/tests/lib/daemon.sh"
daemon_init
# shellcheck source=../lib/replies.sh
. "$PODIUM_SRC_DIR/tests/lib/replies.sh"
D=$DAEMON_DIR
DOVECOT=${DOVECOT:-/usr/sbin/dovecot}

if [ ! -x "$DOVECOT" ]; then
	skip "IMAP poller against dovecot" "$DOVECOT is missing (dovecot-imapd)"
	daemon_finish
fi

# ---- a private dovecot ----
DV=$D/dovecot
mkdir -p "$DV/base" "$DV/state" "$DV/mail"
chmod 755 "$D" "$DV"
printf 'rsvp:{PLAIN}imap-secret\n' >"$DV/passwd"
printf 'imap-secret\n' >"$D/imap.pw"
chmod 600 "$D/imap.pw"
# dovecot refuses to run its login process or a mail user as root; as
# root, the Debian package's users do it and mail belongs to nobody.
if [ "$(id -u)" = 0 ]; then
	LOGIN_USER=dovenull INTERNAL_USER=dovecot INTERNAL_GROUP=dovecot
	MAIL_UID=65534 MAIL_GID=65534
	chown "$MAIL_UID:$MAIL_GID" "$DV/mail"
else
	LOGIN_USER=$(id -un) INTERNAL_USER=$(id -un) INTERNAL_GROUP=$(id -gn)
	MAIL_UID=$(id -u) MAIL_GID=$(id -g)
fi
IMAP_PORT=$(_daemon_free_port)
IMAPS_PORT=$(_daemon_free_port)
# imaps:// with a certificate of our own, trusted through [mail] ca_file.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$DV/key.pem" \
	-out "$DV/cert.pem" 2>/dev/null
cat >"$DV/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $DV/base
state_dir = $DV/state
instance_name = podium-test-$$
default_internal_user = $INTERNAL_USER
default_internal_group = $INTERNAL_GROUP
default_login_user = $LOGIN_USER
first_valid_uid = 1
ssl = yes
ssl_cert = <$DV/cert.pem
ssl_key = <$DV/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = $DV/dovecot.log
mail_location = maildir:$DV/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN $DV/passwd
}
userdb {
  driver = static
  args = uid=$MAIL_UID gid=$MAIL_GID home=$DV/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}
service anvil {
  chroot =
}
EOF
DOVECOT_PID=
daemon_before_cleanup() {
	if [ -n "$DOVECOT_PID" ]; then
		kill -TERM "$DOVECOT_PID" 2>/dev/null || true
		wait "$DOVECOT_PID" 2>/dev/null || true
	fi
}
"$DOVECOT" -F -c "$DV/dovecot.conf" </dev/null >>"$DV/dovecot.out" 2>&1 &
DOVECOT_PID=$!
IMAP=imap://127.0.0.1:$IMAP_PORT
imapc() { curl -sS --max-time 20 -u rsvp:imap-secret "$@"; }
if ! wait_for 20 imapc "$IMAP/" -X NOOP; then
	check "dovecot starts" false
	cat "$DV/dovecot.log" "$DV/dovecot.out" >&2 2>/dev/null || true
	daemon_finish
fi

# deliver FILE: APPENDs a message and clears the \Seen that curl's
# APPEND sets, as if an MTA had delivered it.
deliver() {
	local next
	next=$(imapc "$IMAP/" -X 'STATUS INBOX (UIDNEXT)' |
		sed -n 's/.*UIDNEXT \([0-9]*\).*/\1/p')
	imapc "$IMAP/INBOX" -T "$1" >/dev/null
	imapc "$IMAP/INBOX" -X "UID STORE $next -FLAGS (\\Seen)" >/dev/null
}
unseen() {
	imapc "$IMAP/INBOX" -X 'UID SEARCH UNSEEN' | tr -d '\r' |
		sed -n 's/^\* SEARCH *//p'
}
db() { sqlite3 "$PODIUM_DB" "$1"; }

DAEMON_EXTRA_INI="[mail]
reply_to = rsvp@podium.example.org
imap_url = $IMAP/INBOX
imap_username = rsvp
imap_password_file = $D/imap.pw
imap_interval = 2m"
replies_setup
check "the invitations carry tagged ORGANIZERs" \
	matches "$(tag_of anna@example.org)" '^rsvp\+'

fill thunderbird-accept.eml anna@example.org >"$D/1.eml"
fill outlook-decline.eml bert@example.org >"$D/2.eml"
printf 'From: a@example.org\r\nTo: rsvp@podium.example.org\r\nSubject: Danke\r\nMessage-ID: <thanks@example.org>\r\n\r\nDanke!\r\n' >"$D/3.eml"
deliver "$D/1.eml"
deliver "$D/2.eml"
deliver "$D/3.eml"
check "three unseen messages wait in the mailbox" eq "$(unseen)" "1 2 3"

RC=0
"$PODIUMD" --config "$DAEMON_CONFIG" --once >/dev/null \
	2>>"$DAEMON_STDERR" || RC=$?
check "podiumd --once with the poller exits 0" eq "$RC" 0
check "the poll is logged" contains "$DAEMON_STDERR" \
	"imap: 3 replies: 2 applied, 1 ignored, 0 listed"
check "Thunderbird's reply applied over IMAP" eq "$(status_of anna@example.org)" accepted
check "Outlook's reply applied over IMAP" eq "$(status_of bert@example.org)" declined
check "every handled message is seen" eq "$(unseen)" ""
check "UIDVALIDITY and the last UID are stored" \
	eq "$(db "SELECT uidvalidity > 0, last_uid FROM imap_state")" "1|3"
check "the replies are recorded by Message-ID" \
	eq "$(db "SELECT count(*) FROM reply")" 3

# A second pass handles only what is new; one put back to unseen that
# was handled already is only marked again, not applied twice.
fill lowercase-method.eml dora@example.org >"$D/4.eml"
deliver "$D/4.eml"
imapc "$IMAP/INBOX" -X 'UID STORE 1 -FLAGS (\Seen)' >/dev/null
check "a new message and an old one are unseen" eq "$(unseen)" "1 4"
"$PODIUMD" --config "$DAEMON_CONFIG" --once >/dev/null 2>>"$DAEMON_STDERR" || true
check "the second pass applies the new reply" eq "$(status_of dora@example.org)" tentative
check "the second pass fetched one message" contains "$DAEMON_STDERR" \
	"imap: 1 replies: 1 applied"
check "nothing is left unseen" eq "$(unseen)" ""
check "the last UID moved on" eq "$(db "SELECT last_uid FROM imap_state")" 4
check "no reply was recorded twice" eq "$(db "SELECT count(*) FROM reply")" 4

# A wrong password: the pass fails with a warning, nothing changes.
printf 'wrong\n' >"$D/imap.pw"
"$PODIUMD" --config "$DAEMON_CONFIG" --once >/dev/null 2>>"$DAEMON_STDERR" || true
check "a refused login is logged" contains "$DAEMON_STDERR" "warn podiumd: imap:"
printf 'imap-secret\n' >"$D/imap.pw"

# imaps://, the server's certificate trusted through [mail] ca_file; a
# certificate nobody vouches for is refused.
fill gmail-decline.eml carl@example.org >"$D/6.eml"
deliver "$D/6.eml"
IMAPS_INI="$D/imaps.ini"
sed "s|^imap_url = .*|imap_url = imaps://127.0.0.1:$IMAPS_PORT/INBOX|" \
	"$DAEMON_CONFIG" >"$IMAPS_INI"
"$PODIUMD" --config "$IMAPS_INI" --once >/dev/null 2>"$D/untrusted.err" || true
check "imaps:// with an untrusted certificate is refused" \
	contains "$D/untrusted.err" "SSL certificate problem"
check "and nothing is applied" eq "$(talk_status)" confirmed
printf '[mail]\nca_file = %s\n' "$DV/cert.pem" >>"$IMAPS_INI"
"$PODIUMD" --config "$IMAPS_INI" --once >/dev/null 2>>"$DAEMON_STDERR" || true
check "imaps:// with ca_file: the reply is applied" eq "$(talk_status)" declined
check "imaps:// with ca_file: the message is seen" eq "$(unseen)" ""

# The running daemon polls on its own (its first pass right at start).
fill several-attendees.eml eva@example.org >"$D/5.eml"
deliver "$D/5.eml"
daemon_start
eva_accepted() { [ "$(status_of eva@example.org)" = accepted ]; }
check "a running podiumd picks up a reply" wait_for 30 eva_accepted
check "and marks it seen" eq "$(unseen)" ""
daemon_stop
check "podiumd stops cleanly" eq "$DAEMON_STATUS" 0
daemon_finish
