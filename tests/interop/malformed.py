#!/usr/bin/env python3
"""Send malformed IPv4 frames to haze through an AF_PACKET socket.

Each kind of damage is sent a different number of times, so a frame
counted under the wrong reason shows up as a wrong count:

  truncated       x1  an IP header cut to 10 bytes
  bad_checksum    x2  a valid UDP datagram whose header checksum is wrong
  bad_ihl         x3  IHL 4 (a 16-byte header, below the minimum of 5)
  bad_total_len   x4  total length 400 in a 48-byte packet
  frag_overlap    x2  pairs of fragments whose byte ranges overlap

Everything else about the packets is valid (checksums, addresses), so each
is dropped for exactly its one defect. Prints "expect <reason> <n>" lines
for the caller to check against haze's counters.
"""
import argparse
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_header(src, dst, payload_len, proto=17, ident=0x4242, frag=0, ihl=5, total=None,
              good_csum=True):
    total = 4 * ihl + payload_len if total is None else total
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, 64, proto, 0,
                              socket.inet_aton(src), socket.inet_aton(dst)))
    if ihl > 5:
        h += b"\x01" * (4 * ihl - 20)  # NOP options
    h = h[: 4 * ihl] if ihl < 5 else h
    c = csum(bytes(h))
    if not good_csum:
        c ^= 0x5A5A
    h[10:12] = struct.pack(">H", c)
    return bytes(h)


def udp(src, dst, sport, dport, data):
    n = 8 + len(data)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(">BBH", 0, 17, n)
    hdr = struct.pack(">HHHH", sport, dport, n, 0)
    c = csum(pseudo + hdr + data) or 0xFFFF
    return struct.pack(">HHHH", sport, dport, n, c) + data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", default="10.0.0.1")
    ap.add_argument("--dst", default="10.0.0.2")
    args = ap.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((args.ifname, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(args.dst_mac.replace(":", ""))
    eth = dst_mac + src_mac + struct.pack(">H", 0x0800)

    def send(pkt):
        s.send(eth + pkt)

    body = udp(args.src, args.dst, 40000, 7, b"malformed-test-payload!!")
    good = ip_header(args.src, args.dst, len(body)) + body
    expect = {}

    # A header cut short: 10 of its 20 bytes.
    send(good[:10])
    expect["truncated"] = 1

    for _ in range(2):
        send(ip_header(args.src, args.dst, len(body), good_csum=False) + body)
    expect["bad_checksum"] = 2

    for _ in range(3):
        h = ip_header(args.src, args.dst, len(body), ihl=4, total=20 + len(body))
        send(h + good[16:])  # 16-byte "header", then 4 bytes of addresses, then UDP
    expect["bad_ihl"] = 3

    for _ in range(4):
        send(ip_header(args.src, args.dst, len(body), total=400) + body)
    expect["bad_total_len"] = 4

    # Overlapping fragments: bytes 0..23 (MF), then 16..39 (MF). The second
    # overlaps the first by 8 bytes: the datagram is discarded.
    data = udp(args.src, args.dst, 40001, 7, bytes(range(56)))
    for ident in (0x7001, 0x7002):
        f1 = data[0:24]
        f2 = data[16:40]
        send(ip_header(args.src, args.dst, len(f1), ident=ident, frag=0x2000 | 0) + f1)
        send(ip_header(args.src, args.dst, len(f2), ident=ident, frag=0x2000 | (16 // 8)) + f2)
    expect["frag_overlap"] = 2

    for reason, n in expect.items():
        print(f"expect {reason} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
