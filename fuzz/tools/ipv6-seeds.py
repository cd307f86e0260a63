#!/usr/bin/env python3
"""Write the hand-built seeds of the ipv6-reasm and ipv6-ext harnesses.

Each seed follows the input format documented at the top of
fuzz/harness/ipv6-reasm.c or fuzz/harness/ipv6-ext.c. Files are named
<what>-<hash> like the other corpora, so rerunning the script is
idempotent.

usage: ipv6-seeds.py [--out fuzz/corpus]
"""
import argparse
import hashlib
import os
import struct

SRC = bytes.fromhex("20010db8000000000000000000000001")
DST = bytes.fromhex("20010db8000000000000000000000002")

NH_HOP, NH_TCP, NH_UDP, NH_RT, NH_FRAG, NH_ICMP, NH_NONE, NH_DST = 0, 6, 17, 43, 44, 58, 59, 60


def write(out, harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:10]
    with open(os.path.join(d, "%s-%s" % (name, h)), "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# ipv6-reasm

def frag(key, off, data, more, nh=NH_UDP, step=0, poll=False, hbh=False, tclass=0, hlim=64):
    """A built-mode record: the harness writes the headers."""
    ctl = (key & 1) | (key & 2) | (0x40 if key & 4 else 0)
    ctl |= (4 if more else 0) | (0x10 if poll else 0) | (0x20 if hbh else 0)
    return (bytes([step, ctl, nh]) + struct.pack("!HH", off, len(data)) + bytes([tclass, hlim])
            + data)


def raw(pkt, step=0, poll=False):
    return bytes([step, 0x08 | (0x10 if poll else 0)]) + struct.pack("!H", len(pkt)) + pkt


def ipv6_frag_packet(ident, off, more, nh, data, unfrag=b"", first_nh=NH_FRAG):
    """An IPv6 packet (RFC 8200 3) with unfrag headers, then a fragment
    header (4.5), then data."""
    fh = bytes([nh, 0]) + struct.pack("!HI", off | (1 if more else 0), ident)
    payload = unfrag + fh + data
    return (struct.pack("!IHBB", 6 << 28, len(payload), first_nh if unfrag else NH_FRAG, 64)
            + SRC + DST + payload)


def reasm_seeds(out):
    d = bytes(range(256)) * 16
    w = lambda name, cfg, recs: write(out, "ipv6-reasm", name, bytes([cfg]) + b"".join(recs))
    w("in-order", 1, [frag(0, 0, d[:512], 1), frag(0, 512, d[512:1024], 1),
                      frag(0, 1024, d[1024:1100], 0)])
    w("reverse", 1, [frag(0, 1024, d[1024:1100], 0), frag(0, 512, d[512:1024], 1),
                     frag(0, 0, d[:512], 1)])
    w("overlap", 1, [frag(0, 0, d[:512], 1), frag(0, 256, d[256:768], 1),
                     frag(0, 768, d[768:800], 0), frag(0, 0, d[:512], 1, step=0xC7, poll=True)])
    w("duplicate", 1, [frag(0, 0, d[:64], 1), frag(0, 0, d[:64], 1), frag(0, 64, d[64:70], 0),
                       frag(0, 64, d[64:70], 0)])
    w("mismatch", 3, [frag(1, 64, d[64:72], 0), frag(1, 72, d[:8], 0), frag(2, 64, d[:8], 0),
                      frag(2, 64, d[:16], 1), frag(3, 32, d[:8], 1), frag(3, 8, d[:8], 0)])
    # RFC 7112: destination options only, UDP in the next fragment
    dopt = bytes([NH_UDP, 0, 1, 4, 0, 0, 0, 0])
    w("first-short", 1, [frag(0, 8, d[:24], 0, nh=NH_DST), frag(0, 0, dopt, 1, nh=NH_DST),
                         frag(0, 8, d[:24], 0, nh=NH_DST), frag(1, 0, d[:16], 1, nh=NH_TCP)])
    # extension headers inside the fragmentable part
    chain = bytes([NH_RT, 1, 1, 12]) + bytes(12) + bytes([NH_UDP, 0, 4, 0, 0, 0, 0, 0])
    body = chain + d[:300]
    w("ext-chain", 1, [frag(0, 200, body[200:], 0, nh=NH_DST, hbh=True),
                       frag(0, 32, body[32:200], 1, nh=NH_DST),
                       frag(0, 0, body[:32], 1, nh=NH_DST, tclass=0xb8, hlim=9)])
    w("timeout", 0x01, [frag(0, 0, d[:64], 1), frag(1, 64, d[:8], 0, step=0x41),
                        frag(0, 128, d[:8], 0, step=0xC5, poll=True),
                        frag(0, 64, d[:8], 1, step=0xC2, poll=True)])
    w("too-many", 0x05, [frag(0, i * 8, d[:8], 1) for i in range(10)] + [frag(0, 80, d[:3], 0)])
    w("too-large", 0x18, [frag(0, 0, d[:128], 1), frag(0, 128, d[:256], 0),
                          frag(1, 0, d[:248], 1)])
    w("no-slot", 0x00, [frag(0, 0, d[:8], 1), frag(1, 0, d[:8], 1), frag(0, 8, d[:8], 0),
                        frag(1, 0, d[:8], 1)])
    w("keys", 0x03, [frag(k, 0, d[:8], 1) for k in (0, 2, 4, 1)]
      + [frag(k, 8, d[:k + 1], 0) for k in (1, 4, 2, 0)])
    w("tiny", 0x01, [frag(0, i * 8, d[i * 8:i * 8 + 8], i != 63) for i in range(63, -1, -1)])
    # raw packets: a hop-by-hop header in front, ICMPv6 inside
    hbh = bytes([NH_FRAG, 0, 1, 4, 0, 0, 0, 0])
    icmp = bytes([128, 0, 0, 0, 0, 1, 0, 1]) + d[:56]
    w("raw", 1, [raw(ipv6_frag_packet(7, 0, True, NH_ICMP, icmp[:32], hbh, NH_HOP)),
                 raw(ipv6_frag_packet(7, 32, False, NH_ICMP, icmp[32:], hbh, NH_HOP), poll=True)])
    # the largest datagram: 65535 bytes in 33 fragments of 2040
    big = bytes(range(251)) * 262
    recs = [frag(0, off, big[off:off + 2040], True) for off in range(0, 32 * 2040, 2040)]
    recs.append(frag(0, 32 * 2040, big[32 * 2040:65535], False))
    w("largest", 0x10, recs)


# --------------------------------------------------------------------------
# ipv6-ext

K_HBH, K_DST, K_RH, K_FRAG, K_UPPER, K_NONE, K_UDP = 0, 1, 2, 3, 4, 5, 7


def opts_hdr(kind, ext_len, opts):
    """opts: list of (type, data) options; type 0 is a Pad1. The harness
    reads options until the header is full, so the rest is padded here
    (a PadN, or a Pad1 for one byte) to end the record."""
    room = (ext_len + 1) * 8 - 2
    b = bytes([kind, ext_len])
    for t, data in opts:
        o = bytes([t]) if t == 0 else bytes([t, len(data)]) + data
        b += o
        room -= len(o)
    assert room >= 0
    if room == 1:
        b += b"\0"
    elif room >= 2:
        b += bytes([1, room - 2]) + bytes(room - 2)
    return b


def rh(ext_len, rtype, segs, data=b""):
    """The harness reads (ext_len + 1) * 8 - 4 type-specific bytes."""
    room = (ext_len + 1) * 8 - 4
    return bytes([K_RH, ext_len, rtype, segs]) + data[:room] + bytes(room - len(data[:room]))


def fh(off, more, ident):
    return bytes([K_FRAG]) + struct.pack("!HI", off | (1 if more else 0), ident)


def upper(nh, data=b""):
    return bytes([K_UPPER, nh, len(data)]) + data


def ext_seeds(out):
    w = lambda name, cfg, recs: write(out, "ipv6-ext", name, bytes([cfg]) + b"".join(recs))
    w("hbh-ra-dst-rh-udp", 0, [opts_hdr(K_HBH, 0, [(5, b"\0\0")]), opts_hdr(K_DST, 1, [(0, b""), (1, b"\0\0\0")]),
                              rh(0, 4, 0), bytes([K_UDP, 8]) + b"\x12\x34\x00\x07\x00\x08\x00\x00"])
    w("deep-limit", 0, [opts_hdr(K_DST, 0, []) for _ in range(8)] + [upper(NH_TCP, bytes(20))])
    w("too-many", 0, [opts_hdr(K_DST, 0, []) for _ in range(9)] + [upper(NH_UDP, bytes(8))])
    w("too-long", 0, [opts_hdr(K_DST, 31, []) for _ in range(3)] + [upper(NH_NONE)])
    w("atomic-icmp", 0, [fh(0, False, 0x11223344), opts_hdr(K_DST, 0, []),
                         upper(NH_ICMP, bytes([128, 0, 0, 0, 0, 1, 0, 1]))])
    w("frag-middle", 0, [opts_hdr(K_HBH, 0, []), fh(1480, True, 7), upper(NH_UDP, bytes(16))])
    w("frag-bad-len", 0, [fh(8, True, 7), upper(NH_UDP, bytes(12))])
    for act, t in enumerate((0x1e, 0x5e, 0x9e, 0xde)):
        w("unknown-opt-%d" % act, 0, [opts_hdr(K_DST, 0, [(t, b"\0\0")]), upper(NH_UDP, bytes(8))])
        w("unknown-opt-%d-mcast" % act, 1, [opts_hdr(K_HBH, 0, [(t, b"\0\0")]), upper(NH_UDP, bytes(8))])
    w("jumbo-opt", 0, [opts_hdr(K_HBH, 0, [(0xc2, b"\0\1\0\0")]), upper(NH_UDP, bytes(8))])
    w("rh0-segs", 0, [rh(2, 0, 1, bytes(20)), upper(NH_UDP)])
    w("rh0-done", 0, [rh(2, 0, 0, bytes(20)), upper(NH_UDP)])
    w("rh-segs", 0, [rh(0, 3, 2), upper(NH_UDP)])
    w("hbh-not-first", 0, [opts_hdr(K_DST, 0, []), opts_hdr(K_HBH, 0, []), upper(NH_UDP)])
    w("none", 0, [opts_hdr(K_DST, 0, []), bytes([K_NONE, 4]) + b"junk"])
    w("limits", 2, [bytes([3]) + struct.pack("!H", 64)] + [opts_hdr(K_DST, 1, []) for _ in range(4)]
      + [upper(NH_UDP)])
    w("damaged", 4 | 8, [bytes([2, 0, 41, 0xff, 0, 48, 0x3c]), bytes([5]),
                         opts_hdr(K_HBH, 0, []), fh(0, True, 1), upper(NH_UDP, bytes(32))])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
    a = ap.parse_args()
    reasm_seeds(a.out)
    ext_seeds(a.out)


if __name__ == "__main__":
    main()
