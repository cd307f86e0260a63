#!/usr/bin/env python3
"""Frames tshark calls malformed must be haze errors, never crashes.

1. Synthetic frames, written here into a temporary pcap: one per way of
   breaking a header haze parses (Ethernet, ARP, IPv4, ICMP, UDP), plus a
   capture of an unknown link type. tshark must mark each malformed
   (or raise an error-level expert item; checked, so the list stays
   honest) and `haze-pcap dissect` must report
   an error on each. The unknown link type must give unsupported_linktype.
2. The captures in the testdata: every frame tshark marks malformed
   (_ws.malformed) in a layer haze parses (the last protocol before the
   malformation, ignoring "data", is eth, ethertype, vlan, arp, ip, icmp
   or udp; malformations inside DNS, OpenFlow, ... are not haze's to see)
   must have a haze error. Frames whose chain passes through anything
   haze does not parse (tcp, openflow, dns, ...) are skipped.
`haze-pcap stats` must also run cleanly on all of them.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

# Malformed (an exception while dissecting) or an expert item of severity
# "error" (e.g. "Bogus IP header length"): tshark's two ways of saying
# that a header breaks its format.
MALFORMED_FILTER = "_ws.malformed || _ws.expert.severity == error"
HAZE_LAYERS = {"eth", "ethertype", "vlan", "arp", "ip", "icmp", "udp", "null", "sll"}


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(payload, proto=17, ihl=5, total=None, src="10.0.0.1", dst="10.0.0.2"):
    def a(x):
        return bytes(int(p) for p in x.split("."))
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tl, 0x1234, 0, 64, proto, 0, a(src), a(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def eth(payload, etype=0x0800):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", etype) + payload


def write_pcap(path, frames, linktype=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)))
            f.write(fr)


SYNTHETIC = [
    ("eth shorter than its header", b"\xff" * 10),
    ("arp cut at 20 bytes", eth(b"\0\x01\x08\0\x06\x04\0\x01" + b"\0" * 12, 0x0806)),
    ("ipv4 ihl 4", eth(ipv4(b"\0" * 8, ihl=4))),
    ("ipv4 total length below header", eth(ipv4(b"\0" * 8, total=12))),
    ("udp length field 4", eth(ipv4(struct.pack("!HHHH", 1000, 7, 4, 0)))),
    ("icmp of 4 bytes", eth(ipv4(b"\x08\0\0\0", proto=1))),
    ("ipv4 of 12 bytes", eth(b"\x45\0\0\x1c" + b"\0" * 8)),
]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def malformed_frames(tshark, path):
    """{frame number: protocols} of the frames tshark marks malformed."""
    _rc, out, _err = run([tshark, "-r", path, "-Y", MALFORMED_FILTER, "-T", "fields",
                          "-e", "frame.number", "-e", "frame.protocols"])
    res = {}
    for line in out.splitlines():
        if "\t" in line:
            n, protos = line.split("\t", 1)
            res[int(n)] = protos
    return res


def haze_errors(hz, path):
    """{frame number: haze.error}, and the exit status."""
    rc, out, err = run([hz, "fields", path, "-e", "frame.number", "-e", "haze.error"])
    res = {}
    for line in out.splitlines():
        n, e = line.split("\t", 1)
        res[int(n)] = e
    return rc, res, err


def testdata_dir():
    env = os.environ.get("HAZE_TESTDATA")
    if env:
        return env
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.path.dirname(repo), "shared", "testdata")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--haze-pcap", required=True)
    ap.add_argument("--tshark", default="tshark")
    args = ap.parse_args()
    hz = args.haze_pcap
    fails = []

    with tempfile.TemporaryDirectory() as tmp:
        syn = os.path.join(tmp, "malformed.pcap")
        write_pcap(syn, [f for _, f in SYNTHETIC])
        mal = malformed_frames(args.tshark, syn)
        rc, errs, err = haze_errors(hz, syn)
        if rc not in (0, 1):
            fails.append("synthetic: haze-pcap fields exited %d: %s" % (rc, err))
        for i, (what, _f) in enumerate(SYNTHETIC, 1):
            if i not in mal:
                fails.append("synthetic %d (%s): tshark does not call it malformed" % (i, what))
            e = errs.get(i, "")
            print("malformed synthetic %d (%s): haze error %s" % (i, what, e or "NONE"))
            if not e:
                fails.append("synthetic %d (%s): no haze error" % (i, what))
        rc, out, err = run([hz, "dissect", syn])
        if rc not in (0, 1) or out.count("ERROR") != len(SYNTHETIC):
            fails.append("synthetic: dissect exited %d with %d ERROR lines" % (rc, out.count("ERROR")))

        # An unknown link type (DLT 147, USER0): every frame an error.
        unk = os.path.join(tmp, "user0.pcap")
        write_pcap(unk, [b"\x01\x02\x03", b"\x04"], linktype=147)
        rc, errs, err = haze_errors(hz, unk)
        if rc not in (0, 1) or [errs.get(1), errs.get(2)] != ["pcap.unsupported_linktype"] * 2:
            fails.append("unknown link type: exit %d, errors %r" % (rc, errs))
        else:
            print("malformed linktype 147: pcap.unsupported_linktype on both frames")

    td = testdata_dir()
    n_checked = 0
    for sub in ("pcap", "openflow", "tls"):
        for root, _d, files in os.walk(os.path.join(td, sub)):
            for name in sorted(files):
                if not name.endswith((".pcap", ".pcapng")):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, td)
                rc, out, err = run([hz, "stats", path])
                if rc not in (0, 1):
                    fails.append("%s: stats exited %d: %s" % (rel, rc, err.strip()))
                mal = malformed_frames(args.tshark, path)
                if not mal:
                    continue
                _rc, errs, _err = haze_errors(hz, path)
                for n, protos in sorted(mal.items()):
                    layers = [p for p in protos.split(":") if p != "data"]
                    # Only chains haze walks end to end: a malformation
                    # nested inside TCP/OpenFlow/DNS is not haze's to see.
                    if not layers or any(p not in HAZE_LAYERS for p in layers):
                        continue
                    n_checked += 1
                    e = errs.get(n, "")
                    print("malformed %s frame %d (%s): haze error %s" % (rel, n, protos, e or "NONE"))
                    if not e:
                        fails.append("%s frame %d: tshark malformed in %s, no haze error"
                                     % (rel, n, layers[-1]))
    print("malformed: %d testdata frames malformed in haze's layers checked" % n_checked)
    for f in fails:
        print("malformed FAIL: " + f)
    print("malformed: %s" % ("FAIL" if fails else "ok"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
