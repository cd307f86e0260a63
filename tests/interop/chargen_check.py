#!/usr/bin/env python3
"""Check a capture of haze's chargen (RFC 864) stream: FILE must hold
exactly --bytes bytes of the rotating pattern (95 lines of 72 printable
characters, line i starting with chr(32 + i), each followed by CR LF),
starting at the beginning of the pattern. The whole file is compared;
the first mismatch is reported with its offset."""
import argparse
import sys


def pattern():
    out = bytearray()
    for line in range(95):
        out += bytes(0x20 + (line + j) % 95 for j in range(72))
        out += b"\r\n"
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--bytes", type=int, required=True)
    a = ap.parse_args()
    data = open(a.file, "rb").read()
    if len(data) != a.bytes:
        print("chargen_check: %d bytes, want %d" % (len(data), a.bytes))
        return 1
    p = pattern()
    assert len(p) == 7030
    want = (p * (a.bytes // len(p) + 1))[: a.bytes]
    if data != want:
        off = next(i for i in range(a.bytes) if data[i] != want[i])
        print("chargen_check: mismatch at offset %d: %r, want %r"
              % (off, data[off:off + 16], want[off:off + 16]))
        return 1
    # A few offsets spelled out, so a reader of the log sees the shape.
    for off in (0, 72, 74, 7030, a.bytes - 2):
        print("chargen_check: offset %d: %r" % (off, data[off:off + 8]))
    print("chargen_check: %d bytes of the RFC 864 pattern" % a.bytes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
