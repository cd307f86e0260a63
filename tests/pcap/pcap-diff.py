#!/usr/bin/env python3
"""Differential test: haze-pcap fields against tshark, field by field.

For every capture under TESTDATA/pcap/** plus the pcaps under
TESTDATA/openflow/ and TESTDATA/tls/, run

    haze-pcap fields FILE -e F1 -e F2 ...
    tshark -r FILE -T fields -e F1 -e F2 ... <normalisations>

and compare frame by frame. Prints one line per field,

    pcap-diff FIELD: N agree, M differ

then the first few mismatches, and exits 1 if any field differs. Both runs
happen twice: with tshark's defaults, and with IP header checksum
validation on (-o ip.check_checksum:TRUE on both sides), so
ip.checksum.status also checks haze's checksum verdict.

Deliberate normalisations (tshark options, documented here and nowhere
else):
  -o ipv6.defragment:FALSE    haze's ipv6 library is the wire level only
                              (no reassembler yet), so haze-pcap does not
                              reassemble IPv6 fragments: it dissects a
                              first fragment's upper-layer header on its
                              own and shows only the IPv6 header of later
                              fragments, which is what tshark does with
                              this option. (IPv4 reassembly is compared
                              with tshark's default, on.)
  --disable-protocol gre,geneve,vxlan
                              tunnels haze does not decapsulate: tshark
                              would add the inner Ethernet/IP headers as
                              second values of eth.* and ip.*.
  --disable-protocol openflow and openflow_v1/v4/v5/v6
                              OpenFlow PACKET_IN/OUT carry whole Ethernet
                              frames inside TCP, which tshark dissects
                              as nested eth/ip fields; haze has no TCP
                              or OpenFlow parser in this path.
Nothing else is normalised: tshark's IPv4 reassembly (on by default) is
mirrored by haze-pcap with haze's reassembler.

Testdata: $HAZE_TESTDATA, else ../shared/testdata beside the repository
root (this file is tests/pcap/pcap-diff.py).
"""
import argparse
import os
import subprocess
import sys

FIELDS = [
    "frame.number", "eth.src", "eth.dst", "eth.type", "vlan.id",
    "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
    "ip.src", "ip.dst", "ip.proto", "ip.ttl", "ip.len", "ip.id",
    "ip.flags.mf", "ip.frag_offset", "ip.checksum.status",
    "icmp.type", "icmp.code", "udp.srcport", "udp.dstport", "udp.length",
    "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim", "ipv6.plen",
    "icmpv6.type", "icmpv6.code", "icmpv6.nd.ns.target_address",
]

NORMALISE = [
    "-o", "ipv6.defragment:FALSE",
    "--disable-protocol", "gre",
    "--disable-protocol", "geneve",
    "--disable-protocol", "vxlan",
    "--disable-protocol", "openflow",
    "--disable-protocol", "openflow_v1",
    "--disable-protocol", "openflow_v4",
    "--disable-protocol", "openflow_v5",
    "--disable-protocol", "openflow_v6",
]

MODES = [
    ("default", []),
    ("checksum", ["-o", "ip.check_checksum:TRUE"]),
]


def testdata_dir():
    env = os.environ.get("HAZE_TESTDATA")
    if env:
        return env
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.path.dirname(repo), "shared", "testdata")


def captures(td):
    out = []
    for sub in ("pcap", "openflow", "tls"):
        for root, _dirs, files in os.walk(os.path.join(td, sub)):
            for f in files:
                if f.endswith((".pcap", ".pcapng")):
                    out.append(os.path.join(root, f))
    return sorted(out)


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def lines(text):
    ls = text.split("\n")
    if ls and ls[-1] == "":
        ls.pop()
    return ls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--haze-pcap", required=True)
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--show", type=int, default=5, help="mismatches shown per field")
    args = ap.parse_args()

    td = testdata_dir()
    files = captures(td)
    if not files:
        print("pcap-diff: no captures under %s (set HAZE_TESTDATA)" % td)
        return 77  # meson: skipped

    agree = {(m, f): 0 for m, _ in MODES for f in FIELDS}
    differ = {(m, f): 0 for m, _ in MODES for f in FIELDS}
    shown = {}
    problems = []
    frames = 0

    ef = []
    for f in FIELDS:
        ef += ["-e", f]
    for mode, extra in MODES:
        for path in files:
            rel = os.path.relpath(path, td)
            rc, hz, err = run([args.haze_pcap, "fields", path] + ef + extra)
            if rc not in (0, 1):
                problems.append("%s [%s]: haze-pcap exited %d: %s" % (rel, mode, rc, err.strip()))
                continue
            _rc, ts, _err = run([args.tshark, "-r", path, "-T", "fields"] + ef + extra + NORMALISE)
            hl, tl = lines(hz), lines(ts)
            if len(hl) != len(tl):
                problems.append("%s [%s]: %d frames from haze-pcap, %d from tshark"
                                % (rel, mode, len(hl), len(tl)))
            if mode == "default":
                frames += len(tl)
            for i in range(min(len(hl), len(tl))):
                hv = hl[i].split("\t")
                tv = tl[i].split("\t")
                for k, f in enumerate(FIELDS):
                    a = hv[k] if k < len(hv) else "<missing>"
                    b = tv[k] if k < len(tv) else "<missing>"
                    if a == b:
                        agree[(mode, f)] += 1
                    else:
                        differ[(mode, f)] += 1
                        s = shown.setdefault((mode, f), [])
                        if len(s) < args.show:
                            s.append("  %s frame %d: haze-pcap %r tshark %r" % (rel, i + 1, a, b))

    print("pcap-diff: %d captures, %d frames, testdata %s" % (len(files), frames, td))
    failed = bool(problems)
    for mode, _ in MODES:
        print("pcap-diff mode %s:" % mode)
        for f in FIELDS:
            print("pcap-diff %s: %d agree, %d differ" % (f, agree[(mode, f)], differ[(mode, f)]))
            if differ[(mode, f)]:
                failed = True
                for s in shown[(mode, f)]:
                    print(s)
    for p in problems:
        print("pcap-diff problem: " + p)
    print("pcap-diff: %s" % ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
