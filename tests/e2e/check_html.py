#!/usr/bin/python3
"""Checks the HTML alternative of mail podium composed, as a mail client
would see it: parsed with html.parser.  Prints nothing and exits 0 when
every message is fine, else one line per problem and exits 1.

    check_html.py --base BASE_URL FILE.eml...

Every message: multipart/alternative with text/plain first and one
text/html part; the HTML parses with balanced tags, has <html lang>, a
<title> equal to the Subject, no image, script, style sheet, frame, form
or any src=/srcset= (nothing loads from anywhere, nothing tracks); every
link is BASE_URL/..., webcal://HOST/... or mailto:.  Speaker requests and
nudges to the speaker: exactly two buttons, accept and decline, with the answer-page
links of the text part.  Invitations, updates, reminders: the date of the
text part, the place, and a link to a feed (.ics).  Nothing of the text
is left as a "{{placeholder}}".
"""

import argparse
import email
import email.policy
import html.parser
import re
import sys

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "param", "source", "track", "wbr"}
BANNED = {"img", "script", "link", "iframe", "frame", "object", "embed",
          "form", "video", "audio", "source", "picture", "svg"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.links, self.text = [], [], [], []
        self.lang, self.title, self._in_title = None, "", False
        self.banned = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in BANNED:
            self.banned.append(tag)
        for k in a:
            if k in ("src", "srcset", "background", "action", "ping"):
                self.banned.append("%s=" % k)
            if k == "style" and "url(" in (a[k] or ""):
                self.banned.append("style url()")
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "title":
            self._in_title = True
        if tag == "a":
            self.links.append([a.get("href"), ""])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unbalanced </%s> (open: %s)" %
                               (tag, "/".join(self.stack)))
            return
        self.stack.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        else:
            self.text.append(data)
            if self.stack and self.stack[-1] == "a" and self.links:
                self.links[-1][1] += data


def check(path, base):
    probs = []
    m = email.message_from_bytes(open(path, "rb").read(),
                                 policy=email.policy.default)
    kind = str(m.get("X-Podium-Kind", ""))
    tag = "%s (%s)" % (path.rsplit("/", 1)[-1], kind)
    if m.get_content_type() != "multipart/alternative":
        return ["%s: top is %s" % (tag, m.get_content_type())]
    parts = list(m.iter_parts())
    types = [p.get_content_type() for p in parts]
    if types[:2] != ["text/plain", "text/html"]:
        probs.append("%s: parts %s" % (tag, types))
        return probs
    text = parts[0].get_content()
    page = Page()
    src = parts[1].get_content()
    page.feed(src)
    page.close()
    body = " ".join(" ".join(page.text).split())
    if page.errors or page.stack:
        probs.append("%s: %s" % (tag, page.errors or
                                 ["unclosed " + "/".join(page.stack)]))
    if page.lang not in ("de", "en"):
        probs.append("%s: <html lang=%r>" % (tag, page.lang))
    if page.title.strip() != str(m["Subject"]):
        probs.append("%s: <title> %r is not the subject %r" %
                     (tag, page.title, str(m["Subject"])))
    if page.banned:
        probs.append("%s: loads or submits: %s" % (tag, page.banned))
    if "{{" in src or "}}" in src:
        probs.append("%s: a placeholder is left" % tag)
    host = re.sub(r"^https?://", "", base)
    for href, _ in page.links:
        if href is None or not (href.startswith(base + "/") or
                                href.startswith("webcal://" + host + "/") or
                                href.startswith("mailto:")):
            probs.append("%s: link %r leaves podium" % (tag, href))
    want = re.findall(r"https?://\S+/respond/\S+", text)
    # A nudge to the intermediary (also "nudge") has no buttons.
    if kind == "speaker-request" or (kind == "nudge" and want):
        got = [h for h, _ in page.links if "/respond/" in (h or "")]
        if sorted(got) != sorted(want) or len(got) != 2:
            probs.append("%s: buttons %s, text links %s" % (tag, got, want))
        if not any(h.endswith("?answer=accept") for h in got) or \
           not any(h.endswith("?answer=decline") for h in got):
            probs.append("%s: no accept and decline button" % tag)
    if kind in ("invitation", "update", "reminder"):
        date = re.search(r"\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2}", text)
        if date is None or date.group(0) not in body:
            probs.append("%s: the date %s is not in the HTML" %
                         (tag, date and date.group(0)))
        feeds = [h for h, _ in page.links if (h or "").endswith(".ics")]
        if not feeds:
            probs.append("%s: no link to a feed" % tag)
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    probs = []
    for f in a.files:
        probs.extend(check(f, a.base.rstrip("/")))
    for p in probs:
        print(p)
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main())
