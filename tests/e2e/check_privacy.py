#!/usr/bin/python3
"""Searches files for traces of a person: raw bytes and decoded mail.

    check_privacy.py --needle TEXT [--needle TEXT...] [--db FILE...] PATH...

Each PATH is a file or a folder (searched recursively).  A needle is
looked for
- in the raw bytes, as UTF-8, Latin-1, quoted-printable (upper and lower
  case hex), RFC 2047 Q encoding and base64 (at each of the three
  alignments), case-insensitively for ASCII;
- in the text with iCalendar line folding undone (a name may be cut by a
  fold at 75 octets);
- in every file that parses as a mail message (.eml): every header
  decoded (RFC 2047) and every part decoded (quoted-printable, base64);
- with --db: in every outbox message stored in that SQLite database,
  decoded the same way (read-only; the file may be in use).

Prints one line per hit ("FILE: how: needle") and exits 1 when there was
any, 0 when the files hold no trace.  Uses Debian's python3 (email,
sqlite3 and quopri are in the standard library).
"""

import argparse
import base64
import email
import email.header
import email.policy
import os
import quopri
import re
import sqlite3
import sys


def variants(needle):
    """Byte forms of needle as they may sit in a file."""
    raw = needle.encode("utf-8")
    out = {"utf-8": [raw]}
    try:
        out["latin-1"] = [needle.encode("latin-1")]
    except UnicodeEncodeError:
        pass
    qp = [quopri.encodestring(raw, quotetabs=t).replace(b"=\n", b"")
          for t in (False, True)]
    out["quoted-printable"] = qp + [f.lower() for f in qp]
    q = b"".join(
        b"_" if c == 0x20 else
        bytes([c]) if (0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or
                       0x61 <= c <= 0x7A) else
        b"=%02X" % c for c in raw)
    out["rfc2047-q"] = [q, q.lower()]
    # base64 of the needle at every offset within a 3-byte group: keep
    # only the characters that do not depend on the bytes around it.
    b64 = []
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + raw)
        # Character k holds bits [6k, 6k + 6); the needle's are
        # [8 pad, 8 (pad + len)).
        start = -(-8 * pad // 6)
        end = 8 * (pad + len(raw)) // 6
        if end - start >= 8:
            b64.append(enc[start:end])
    out["base64"] = b64
    return out


def unfold(data):
    """iCalendar and header folding undone."""
    return (data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
            .replace(b"\n ", b"").replace(b"\n\t", b""))


WORD = re.compile(rb"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")


def encoded_words(data):
    """Every RFC 2047 encoded word in data, decoded, one per line."""
    out = []
    for w in WORD.findall(data):
        try:
            for s, c in email.header.decode_header(w.decode("ascii")):
                out.append(s.decode(c or "utf-8", "replace")
                           if isinstance(s, bytes) else s)
        except Exception:
            pass
    # Adjacent words belong together (RFC 2047 ignores the space).
    return "".join(out).lower()


def raw_hits(data, needles):
    hits = []
    words = encoded_words(unfold(data))
    low = data.lower()
    flat = unfold(data)
    flat_low = flat.lower()
    for n in needles:
        for how, forms in variants(n).items():
            for f in forms:
                if not f:
                    continue
                if f in data or f.lower() in low:
                    hits.append((how, n))
                    break
                if f in flat or f.lower() in flat_low:
                    hits.append((how + ", unfolded", n))
                    break
        if n.lower() in words:
            hits.append(("rfc2047 encoded word", n))
    return hits


def message_text(data):
    """Every header decoded and every part's decoded payload, or None
    when data is not a mail message."""
    if b"\n" not in data[:4096] or b":" not in data[:200]:
        return None
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception:
        return None
    if not msg.keys():
        return None
    texts = []
    for part in msg.walk():
        for k, v in part.items():
            try:
                dec = email.header.decode_header(v)
                texts.append("%s: %s" % (k, "".join(
                    s.decode(c or "utf-8", "replace")
                    if isinstance(s, bytes) else s for s, c in dec)))
            except Exception:
                texts.append("%s: %s" % (k, v))
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if payload:
            cs = part.get_content_charset() or "utf-8"
            texts.append(payload.decode(cs, "replace"))
    return unfold("\n".join(texts).encode("utf-8")).decode("utf-8")


def decoded_hits(data, needles):
    text = message_text(data)
    if text is None:
        return []
    low = text.lower()
    return [("decoded mail", n) for n in needles if n.lower() in low]


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for name in sorted(names):
                    yield os.path.join(root, name)
        elif os.path.exists(p):
            yield p


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--needle", action="append", required=True)
    ap.add_argument("--db", action="append", default=[])
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args(argv)
    found = 0
    checked = 0
    for path in files(a.paths):
        with open(path, "rb") as f:
            data = f.read()
        checked += 1
        for how, n in raw_hits(data, a.needle) + decoded_hits(data, a.needle):
            print("%s: %s: %s" % (path, how, n))
            found += 1
    for db in a.db:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            rows = con.execute("SELECT id, message, rcpt, subject, "
                               "coalesce(last_error, ''), key "
                               "FROM outbox").fetchall()
        finally:
            con.close()
        for mid, message, rcpt, subject, error, key in rows:
            checked += 1
            data = bytes(message or b"")
            extra = ("%s\n%s\n%s\n%s" % (rcpt, subject, error, key)).encode()
            for how, n in (raw_hits(data + b"\n" + extra, a.needle) +
                           decoded_hits(data, a.needle)):
                print("%s: outbox message %d: %s: %s" % (db, mid, how, n))
                found += 1
    print("checked %d file(s) and message(s), %d trace(s)" % (checked, found),
          file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
