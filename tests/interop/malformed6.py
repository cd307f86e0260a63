#!/usr/bin/env python3
"""Send malformed IPv6 packets to haze through an AF_PACKET socket.

Each kind of damage is sent a different number of times, so a packet
counted under the wrong reason shows up as a wrong count:

  bad_payload_len   x1  payload length 400 in a packet with 32 bytes after
                        the fixed header (RFC 8200 3)
  ext_too_many      x2  ten destination options headers in a row before
                        UDP (more than haze's limit of 8, RFC 8504 5.3)
  frag_first_short  x3  a first fragment (offset 0, M set) whose data is a
                        destination options header only: the UDP header
                        is left for a later fragment (RFC 7112)
  routing_type0     x4  a type 0 routing header with segments left 1
                        (deprecated, RFC 5095)

Everything else is valid (Ethernet, version, addresses, lengths, UDP
checksums), so each packet is dropped for exactly its one defect. The
packets are spaced 30 ms apart so haze's ICMPv6 error rate limit (RFC 4443
2.4 f) is never what decides. Prints "expect <reason> <n>" lines.
"""
import argparse
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip6(src, dst, nxt, payload, plen=None, hlim=64):
    plen = len(payload) if plen is None else plen
    return struct.pack(">IHBB16s16s", 6 << 28, plen, nxt, hlim, src, dst) + payload


def udp(src, dst, sport, dport, data):
    n = 8 + len(data)
    pseudo = src + dst + struct.pack(">IxxxB", n, 17)
    c = csum(pseudo + struct.pack(">HHHH", sport, dport, n, 0) + data) or 0xFFFF
    return struct.pack(">HHHH", sport, dport, n, c) + data


def dstopts(nxt):
    # 8 bytes: Next Header, Hdr Ext Len 0, one PadN option of 4 zero bytes.
    return struct.pack(">BBBB4x", nxt, 0, 1, 4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", default="2001:db8:1::1")
    ap.add_argument("--dst", default="2001:db8:1::2")
    args = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.ifname, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(args.dst_mac.replace(":", ""))
    eth = dst_mac + src_mac + struct.pack(">H", 0x86DD)
    src = socket.inet_pton(socket.AF_INET6, args.src)
    dst = socket.inet_pton(socket.AF_INET6, args.dst)

    def send(pkt):
        s.send(eth + pkt)
        time.sleep(0.03)

    body = udp(src, dst, 40000, 7, b"malformed-ipv6-test-pay")
    expect = {}

    # The payload length claims 400 bytes; 32 follow the fixed header.
    send(ip6(src, dst, 17, body, plen=400))
    expect["bad_payload_len"] = 1

    # Ten destination options headers, then the UDP datagram.
    chain = b"".join(dstopts(60) for _ in range(9)) + dstopts(17)
    for _ in range(2):
        send(ip6(src, dst, 60, chain + body))
    expect["ext_too_many"] = 2

    # First fragment: fragment header (Next Header 60, offset 0, M=1), then
    # 8 bytes of destination options whose Next Header is UDP; the UDP
    # header would come in the next fragment, which is never sent.
    for ident in (0x6001, 0x6002, 0x6003):
        frag = struct.pack(">BBHI", 60, 0, 0x0001, ident)
        send(ip6(src, dst, 44, frag + dstopts(17)))
    expect["frag_first_short"] = 3

    # Routing header type 0, one address, segments left 1, then UDP.
    rh0 = struct.pack(">BBBB4x", 17, 2, 0, 1) + socket.inet_pton(socket.AF_INET6, "2001:db8:9::9")
    for _ in range(4):
        send(ip6(src, dst, 43, rh0 + body))
    expect["routing_type0"] = 4

    for reason, n in expect.items():
        print(f"expect {reason} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
