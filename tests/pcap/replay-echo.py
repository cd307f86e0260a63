#!/usr/bin/env python3
"""Replay regression test: haze-pcap replay against a recorded session.

data/echo-session.pcap holds the frames the Linux kernel sent to haze-echo
over a tap (recorded by record-echo-session.sh: ARP, 3 pings, 4 UDP echoes
to port 7, the last one fragmented); data/echo-expected.pcap holds the
frames haze-echo sent back. This test replays the input through

    haze-pcap replay echo-session.pcap --ip 10.0.0.2/24 --gw 10.0.0.1
        --mac 02:00:00:00:00:02 --start <first expected timestamp>

(replay runs haze-echo's application: UDP port 7 echoes) and checks:

1. the output equals the expected capture frame by frame, in order, byte
   for byte, except for these fields, which legitimately differ:
   - IPv4 identification, and so the IPv4 header checksum: haze draws the
     first IP ID from the shim's randomness (getrandom under haze-echo, the
     fixed-seed PRNG under replay). Only these two fields are masked, and
     frames that share an ID in the expected output (the fragments of one
     datagram) must share one in the output too.
   Timestamps are not compared byte for byte (the replay's are virtual); the
   gap between each frame and the input frame that caused it is reported.
   ARP timing needs no masking: --start brings the stack up at the time
   haze-echo started (its first announcement), so the announcements fall
   before the session in both.
2. two replays produce byte-identical files (deterministic shim).
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, want Ethernet" % (path, linktype))
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        frames.append((us, data[off:off + incl]))
        off += incl
    return frames


def mask(frame):
    """The frame with IPv4 ID and header checksum zeroed; and the ID."""
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
        ident = frame[18:20]
        return frame[:18] + b"\0\0" + frame[20:24] + b"\0\0" + frame[26:], ident
    return frame, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--haze-pcap", required=True)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
    args = ap.parse_args()
    session = os.path.join(args.data, "echo-session.pcap")
    expected_path = os.path.join(args.data, "echo-expected.pcap")
    if not (os.path.exists(session) and os.path.exists(expected_path)):
        print("replay-echo: no recorded session in %s (run record-echo-session.sh)" % args.data)
        return 77
    expected = read_pcap(expected_path)
    inputs = read_pcap(session)
    start = expected[0][0]
    if inputs and inputs[0][0] < start:
        start = inputs[0][0]

    fails = []
    outs = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in (1, 2):
            out = os.path.join(tmp, "out%d.pcap" % run)
            cmd = [args.haze_pcap, "replay", session, "--ip", "10.0.0.2/24", "--gw", "10.0.0.1",
                   "--mac", "02:00:00:00:00:02", "--start", "%d.%06d" % divmod(start, 1000000),
                   "--out", out]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            sys.stdout.write(p.stderr.decode("utf-8", "replace"))
            if p.returncode != 0:
                fails.append("replay %d exited %d" % (run, p.returncode))
                break
            with open(out, "rb") as f:
                outs.append(f.read())
        if len(outs) == 2:
            if outs[0] != outs[1]:
                fails.append("two replays differ: not deterministic")
            else:
                print("replay-echo: two replays byte-identical (%d bytes)" % len(outs[0]))
            got = read_pcap(os.path.join(tmp, "out1.pcap"))
            print("replay-echo: %d input frames, %d expected, %d replayed"
                  % (len(inputs), len(expected), len(got)))
            idmap = {}
            for i in range(max(len(got), len(expected))):
                if i >= len(got) or i >= len(expected):
                    fails.append("frame %d: only in %s" % (i + 1, "expected" if i >= len(got) else "replay"))
                    continue
                g, gid = mask(got[i][1])
                x, xid = mask(expected[i][1])
                if g != x:
                    first = next(k for k in range(min(len(g), len(x)) + 1)
                                 if k >= len(g) or k >= len(x) or g[k] != x[k])
                    fails.append("frame %d: bytes differ from offset %d (replay %d bytes, expected %d)"
                                 % (i + 1, first, len(g), len(x)))
                elif xid is not None:
                    if idmap.setdefault(xid, gid) != gid:
                        fails.append("frame %d: IP ID grouping differs from the recording" % (i + 1))
                    print("replay-echo frame %d: equal (IP ID %s, recorded %s; virtual time %+.6f s vs recorded)"
                          % (i + 1, gid.hex(), xid.hex(), (got[i][0] - expected[i][0]) / 1e6))
                else:
                    print("replay-echo frame %d: equal (virtual time %+.6f s vs recorded)"
                          % (i + 1, (got[i][0] - expected[i][0]) / 1e6))
    for f in fails:
        print("replay-echo FAIL: " + f)
    print("replay-echo: %s" % ("FAIL" if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
