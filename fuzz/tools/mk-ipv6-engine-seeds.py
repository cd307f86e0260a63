#!/usr/bin/env python3
"""Seeds for the ipv6-engine harness: records (len u16, step u8, fix u8,
packet) built from the ipv6 corpus and from hand-made ND, echo, UDP and
fragment packets. See fuzz/harness/ipv6-engine.c for the record format
and the meaning of the fix bits (the harness fills in our addresses and
checksums, so the packets here carry placeholders)."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', 'corpus')

FIX_DST_LL, FIX_DST_ALL, FIX_DST_SOL = 0x01, 0x02, 0x04
FIX_HLIM, FIX_PLEN, FIX_SRC_PEER, FIX_CSUM, FIX_SEND = 0x08, 0x10, 0x20, 0x40, 0x80
PEER_LL = bytes([0xfe, 0x80] + [0] * 13 + [1])
ZERO16 = bytes(16)


def ip6(next_hdr, payload, hlim=255, src=PEER_LL, dst=ZERO16):
    return struct.pack('!IHBB', 6 << 28, len(payload), next_hdr, hlim) + src + dst + payload


def icmp(t, code, rest, body=b''):
    return struct.pack('!BBHI', t, code, 0, rest) + body


def opt(t, body):
    assert (len(body) + 2) % 8 == 0
    return bytes([t, (len(body) + 2) // 8]) + body


def record(pkt, step=1, fix=FIX_PLEN | FIX_CSUM):
    return struct.pack('!HBB', len(pkt), step, fix) + pkt


def main():
    out = os.path.join(CORPUS, 'ipv6-engine')
    os.makedirs(out, exist_ok=True)
    seeds = {}
    mac = bytes([2, 0, 0, 0, 0, 1])
    ns = ip6(58, icmp(135, 0, 0, ZERO16 + opt(1, mac)))
    echo = ip6(58, icmp(128, 0, 0x12340001, b'ping' * 8), hlim=64)
    prefix = opt(3, bytes([64, 0xc0]) + struct.pack('!II', 3600, 1800) + bytes(4) +
                 bytes([0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 10))
    rdnss = opt(25, bytes(2) + struct.pack('!I', 600) + bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [0x53]))
    ra = ip6(58, icmp(134, 0, (64 << 24) | (1800), struct.pack('!II', 0, 0) + opt(1, mac) +
                      opt(5, bytes(2) + struct.pack('!I', 1400)) + prefix + rdnss))
    udp = ip6(17, struct.pack('!HHHH', 5000, 7, 16, 0) + b'12345678', hlim=64)
    hbh_udp = ip6(0, bytes([17, 0, 1, 4, 0, 0, 0, 0]) + struct.pack('!HHHH', 5000, 9, 9, 0) + b'x', hlim=64)
    body = struct.pack('!HHHH', 5000, 7, 8 + 2400, 0) + bytes(2400)
    frags = []
    for off in range(0, len(body), 1232):
        piece = body[off:off + 1232]
        more = off + len(piece) < len(body)
        frags.append(ip6(44, bytes([17, 0]) + struct.pack('!HI', off | more, 0xabcd) + piece, hlim=64))
    query = ip6(0, bytes([58, 0, 5, 2, 0, 0, 1, 0]) + icmp(130, 0, 1000 << 16, ZERO16 + bytes(4)), hlim=1)
    seeds['nd-ns-echo'] = (record(ns, 1, FIX_DST_SOL | FIX_HLIM | FIX_PLEN | FIX_CSUM) +
                           record(echo, 1, FIX_DST_LL | FIX_PLEN | FIX_CSUM))
    seeds['nd-ra-slaac'] = (record(ra, 1, FIX_DST_ALL | FIX_PLEN | FIX_CSUM) +
                            record(b'', 0x82, FIX_SEND) + record(b'', 0xc8, 0))
    seeds['udp-closed-port'] = record(udp, 1, FIX_DST_LL | FIX_PLEN | FIX_CSUM | FIX_SEND)
    seeds['udp-hbh'] = record(hbh_udp, 1, FIX_DST_LL | FIX_PLEN)
    seeds['frags'] = b''.join(record(f, 1, FIX_DST_LL | FIX_PLEN) for f in reversed(frags))
    seeds['frag-timeout'] = record(frags[0], 1, FIX_DST_LL | FIX_PLEN) + record(b'', 0xc7, 0)
    seeds['mld-query'] = record(query, 1, FIX_DST_ALL | FIX_PLEN | FIX_CSUM)
    seeds['send-big'] = record(b'', 0x7f, FIX_SEND) + record(b'', 0x42, 0) + record(ns, 1, FIX_DST_SOL | FIX_HLIM | FIX_PLEN | FIX_CSUM)
    # Every ipv6 corpus packet, sent to our link-local address.
    src_dir = os.path.join(CORPUS, 'ipv6')
    for name in sorted(os.listdir(src_dir)):
        with open(os.path.join(src_dir, name), 'rb') as f:
            pkt = f.read()
        seeds['corpus-' + name] = record(pkt, 1, FIX_DST_LL | FIX_CSUM)
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([0]) + data)
    print('wrote %d seeds to %s' % (len(seeds), out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
