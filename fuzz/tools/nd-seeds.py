#!/usr/bin/env python3
"""Build the ipv6-nd seed corpus (fuzz/corpus/ipv6-nd/).

Seeds are in the harness's input format (fuzz/harness/ipv6-nd.c): a type
selector, a flags byte, then an ICMPv6 message. They come from two
places: every neighbour discovery and MLD message (types 130..137, 143)
found in the captures under --pcap-dir (Ethernet, IPv6, hop-by-hop /
destination options / routing headers walked), and hand-built messages
laid out from RFC 4861 4.1-4.6, RFC 8106 5.1, RFC 2710 3 and RFC 3810
5.1/5.2, valid ones and each kind of malformation the parser refuses.
The harness patches the checksum, so captured messages keep theirs.

usage: nd-seeds.py [--pcap-dir DIR] [--out fuzz/corpus/ipv6-nd] [--max N]
"""
import argparse
import hashlib
import importlib.util
import ipaddress
import os
import struct
import sys

TYPES = [130, 131, 132, 133, 134, 135, 136, 137, 143]
RAW = 15  # selector: use the type byte as it is
PAIR_LL, PAIR_DAD, PAIR_MLD, PAIR_GLOBAL = 0, 2, 4, 6  # flags bits 1..2


def load_reader(here):
    """read_capture from extract-seeds.py (pcap and pcapng, stdlib only)."""
    spec = importlib.util.spec_from_file_location("extract_seeds", os.path.join(here, "extract-seeds.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.read_capture


def a(text):
    return ipaddress.IPv6Address(text).packed


def seed(msg, pair=PAIR_LL, raw=False):
    sel = RAW if raw or msg[0] not in TYPES else TYPES.index(msg[0])
    return bytes([sel, pair]) + msg


def icmp(t, code, rest, body=b""):
    return struct.pack("!BBHI", t, code, 0, rest) + body


def opt6(t, six):
    return bytes([t, 1]) + six


MAC_R = bytes.fromhex("001122334455")
MAC_H = bytes.fromhex("020000000002")


def prefix(plen, flags, valid, pref, p, units=4):
    o = struct.pack("!BBBBIII", 3, units, plen, flags, valid, pref, 0) + a(p)
    return o[:units * 8] + b"\0" * max(0, units * 8 - len(o))


def rdnss(life, addrs, units=None):
    units = units if units is not None else 1 + 2 * len(addrs)
    o = struct.pack("!BBHI", 25, units, 0, life) + b"".join(a(x) for x in addrs)
    return (o + b"\0" * (units * 8))[:units * 8]


def mtu(v):
    return struct.pack("!BBHI", 5, 1, 0, v)


def ra(body_opts, flags=0xc8, hop=64, life=1800, reach=30000, retrans=1000):
    return icmp(134, 0, hop << 24 | flags << 16 | life, struct.pack("!II", reach, retrans) + body_opts)


def query2(mrc, group, sqrv, qqic, srcs=(), extra=b""):
    body = a(group) + struct.pack("!BBH", sqrv, qqic, len(srcs)) + b"".join(a(s) for s in srcs)
    return icmp(130, 0, mrc << 16, body + extra)


def record(t, group, srcs=(), aux=b""):
    return struct.pack("!BBH", t, len(aux) // 4, len(srcs)) + a(group) + b"".join(a(s) for s in srcs) + aux


def hand_built():
    s = []
    full_ra = ra(opt6(1, MAC_R) + mtu(1500) + prefix(64, 0xc0, 2592000, 604800, "2001:db8:1:2::")
                 + rdnss(3600, ["2001:db8::53", "2001:db8::54"]))
    s.append(("ra-full", seed(full_ra)))
    s.append(("ra-prefixes", seed(ra(b"".join(prefix(40 + 10 * i, 0x40 * (i % 3), 100, 50, "2001:db8:ffff:ffff:ffff::")
                                              for i in range(9))))))
    s.append(("ra-rdnss-many", seed(ra(rdnss(600, ["2001:db8::%d" % i for i in range(1, 6)])
                                       + rdnss(600, ["2001:db8::99"]) + rdnss(0, ["2001:db8::98"])))))
    s.append(("ra-bare", seed(ra(b"", flags=0x18, life=0))))
    s.append(("ra-unknown-opts", seed(ra(bytes([31, 2]) + b"\0" * 14 + opt6(2, MAC_H) + bytes([14, 2]) + b"\0" * 14
                                         + opt6(14, b"\x01\x02\x03\x04\x05\x06") + bytes([1, 2]) + b"\0" * 14))))
    s.append(("ra-bad-prefix-len", seed(ra(prefix(64, 0xc0, 1, 1, "2001:db8::", units=3)))))
    s.append(("ra-prefix-129", seed(ra(prefix(129, 0xc0, 1, 1, "2001:db8::")))))
    s.append(("ra-rdnss-even", seed(ra(rdnss(60, ["2001:db8::1"], units=4)))))
    s.append(("ra-rdnss-short", seed(ra(rdnss(60, [], units=2)))))
    s.append(("ra-zero-opt", seed(ra(opt6(1, MAC_R) + bytes([5, 0]) + b"\0" * 6))))
    s.append(("ra-overrun", seed(ra(opt6(1, MAC_R) + bytes([25, 9]) + b"\0" * 22))))
    ns = icmp(135, 0, 0, a("2001:db8::2") + opt6(1, MAC_H) + opt6(14, b"\xde\xad\xbe\xef\x01\x02"))
    s.append(("ns-slla-nonce", seed(ns)))
    s.append(("ns-dad", seed(icmp(135, 0, 0, a("fe80::2") + opt6(14, b"\x11\x22\x33\x44\x55\x66")), PAIR_DAD)))
    s.append(("ns-mcast-target", seed(icmp(135, 0, 0, a("ff02::1")))))
    s.append(("ns-trailing-byte", seed(ns + b"\x01")))
    s.append(("na-rso-tlla", seed(icmp(136, 0, 0xe0000000, a("2001:db8::2") + opt6(2, MAC_H)), PAIR_GLOBAL)))
    s.append(("na-unsolicited", seed(icmp(136, 0, 0x20000000, a("fe80::2") + opt6(2, MAC_H) + opt6(1, MAC_H)))))
    quoted = bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + a("2001:db8::2") + a("2001:db8:9::99") + b"\x30\x39\x00\x35\x00\x08\x00\x00"
    rd = icmp(137, 0, 0, a("fe80::3") + a("2001:db8:9::99") + opt6(2, MAC_R) + bytes([4, 7]) + b"\0" * 6 + quoted)
    s.append(("redirect", seed(rd)))
    s.append(("redirect-onlink", seed(icmp(137, 0, 0, a("2001:db8:9::99") * 2))))
    s.append(("redirect-long", seed(icmp(137, 0, 0, a("fe80::3") + a("2001:db8:9::99") + bytes([4, 160]) + b"\0" * 6
                                         + bytes(range(256)) * 5)[:40 + 1280])))
    s.append(("redirect-bad-target", seed(icmp(137, 0, 0, a("2001:db8::3") + a("2001:db8:9::99")))))
    s.append(("rs-slla", seed(icmp(133, 0, 0, opt6(1, MAC_H)))))
    s.append(("rs-bare", seed(icmp(133, 0, 0))))
    s.append(("mld1-query", seed(icmp(130, 0, 10000 << 16, a("::")))))
    s.append(("mld1-query-group", seed(icmp(130, 0, 1000 << 16, a("ff05::1:3")))))
    s.append(("mld2-general", seed(query2(0x8000, "::", 2, 125))))
    s.append(("mld2-exp", seed(query2(0xa3c2, "ff02::fb", 0x0a, 0x9a))))
    s.append(("mld2-sources", seed(query2(0xffff, "ff3e::8000:1", 7, 0xff, ["2001:db8::1", "2001:db8::2"], b"xyz"))))
    s.append(("mld2-query-27", seed(icmp(130, 0, 0, a("::") + b"\0\0\0"))))
    s.append(("mld2-query-nsrc-overrun", seed(query2(100, "ff02::1", 2, 60, ["2001:db8::1"])[:-1])))
    s.append(("mld1-report", seed(icmp(131, 0, 0, a("ff02::fb")), PAIR_MLD)))
    s.append(("mld1-done", seed(icmp(132, 0, 0, a("ff02::fb")), PAIR_MLD)))
    rep = record(2, "ff02::1:ff00:2") + record(4, "ff05::1:3") + record(3, "ff02::fb")
    s.append(("mld2-report", seed(icmp(143, 0, 3, rep), PAIR_MLD)))
    rep2 = record(5, "ff0e::1234", ["2001:db8::1", "2001:db8::2"], b"\x11" * 8) + record(6, "ff0e::5678", ["2001:db8::3"])
    s.append(("mld2-report-sources", seed(icmp(143, 0, 2, rep2), PAIR_MLD)))
    s.append(("mld2-report-overrun", seed(icmp(143, 0, 3, rep2), PAIR_MLD)))
    s.append(("echo-raw", seed(icmp(128, 0, 0x12340001, b"ping"), raw=True)))
    return s


def nd_messages(frame):
    """ICMPv6 ND/MLD messages in one Ethernet frame (VLAN tags skipped)."""
    off, et = 12, frame[12:14]
    while et == b"\x81\x00" and len(frame) >= off + 6:
        off += 4
        et = frame[off:off + 2]
    if et != b"\x86\xdd":
        return []
    ip = frame[off + 2:]
    if len(ip) < 40 or ip[0] >> 4 != 6:
        return []
    plen = struct.unpack("!H", ip[4:6])[0]
    ip = ip[:40 + plen]
    nh, p = ip[6], 40
    while nh in (0, 43, 60) and p + 8 <= len(ip):
        nh, p = ip[p], p + (ip[p + 1] + 1) * 8
    if nh != 58 or p + 8 > len(ip):
        return []
    m = ip[p:]
    if m[0] in TYPES:
        src_unspec = ip[8:24] == b"\0" * 16
        pair = PAIR_DAD if src_unspec else PAIR_MLD if m[0] in (131, 132, 143) else PAIR_LL
        return [seed(bytes(m), pair)]
    return []


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "pcap"))
    ap.add_argument("--out", default=os.path.join(here, "..", "corpus", "ipv6-nd"))
    ap.add_argument("--max", type=int, default=60)
    args = ap.parse_args()
    read_capture = load_reader(here)
    seen, count = set(), 0
    os.makedirs(args.out, exist_ok=True)

    def add(name, data):
        nonlocal count
        h = hashlib.sha1(data).hexdigest()
        if h in seen or count >= args.max:
            return
        seen.add(h)
        count += 1
        with open(os.path.join(args.out, "%s-%s" % (name, h[:10])), "wb") as f:
            f.write(data)

    for name, data in hand_built():
        add("hand-" + name, data)
    paths = []
    for root, _, files in os.walk(args.pcap_dir):
        paths += [os.path.join(root, f) for f in files if f.endswith((".pcap", ".pcapng"))]
    for p in sorted(paths):
        try:
            frames = read_capture(p)
        except (struct.error, IndexError, ValueError) as e:
            print("skip %s: %s" % (p, e), file=sys.stderr)
            continue
        base = os.path.splitext(os.path.basename(p))[0]
        for _, fr in frames:
            for s in nd_messages(fr):
                add(base, s)
    print("ipv6-nd %3d seeds" % count)


if __name__ == "__main__":
    main()
