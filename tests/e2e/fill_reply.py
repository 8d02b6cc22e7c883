#!/usr/bin/python3
"""Fills a fixture of tests/data/replies/ (see its README) and writes the
message with CRLF line ends to stdout.

    fill_reply.py FIXTURE --to ADDR --me ADDR --uid UID [--seq N]
"""
import argparse
import base64
import sys

ap = argparse.ArgumentParser()
ap.add_argument("fixture")
ap.add_argument("--to", required=True)
ap.add_argument("--me", required=True)
ap.add_argument("--uid", required=True)
ap.add_argument("--seq", default="0")
a = ap.parse_args()
with open(a.fixture, encoding="utf-8") as f:
    text = f.read()
for k, v in (("@TO@", a.to), ("@ME@", a.me), ("@UID@", a.uid),
             ("@SEQ@", a.seq)):
    text = text.replace(k, v)
out, block = [], None
for line in text.split("\n"):
    if line == "@@BEGIN-BASE64@@":
        block = []
    elif line == "@@END-BASE64@@":
        data = base64.b64encode("\r\n".join(block).encode() + b"\r\n")
        out.extend(data[i:i + 76].decode() for i in range(0, len(data), 76))
        block = None
    elif block is not None:
        block.append(line)
    else:
        out.append(line)
sys.stdout.buffer.write("\r\n".join(out).encode("utf-8"))
