#!/usr/bin/env python3
"""A netem stand-in for kernels built without sch_netem.

Relays Ethernet frames between the kernel and haze-echo, impairing the
kernel -> haze direction the way `tc qdisc add dev K root netem loss L%
reorder R% duplicate D% delay Tms` impairs K's egress:

  kernel tap KTAP (this process holds its file descriptor; the kernel's
  10.0.0.1 lives on it)  <->  AF_PACKET socket on HTAP (the tap whose file
  descriptor haze-echo holds; no address, ARP off)

Frames the kernel sends on KTAP are dropped with probability L, otherwise
queued to go out on HTAP after T ms, except that with probability R a frame
goes at once (so it overtakes the delayed ones: netem's reorder); with
probability D a copy is queued as well. Frames haze sends (seen on HTAP)
are written to KTAP unchanged and at once. Runs until killed; prints its
counts on SIGTERM.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    ifr = struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ktap", required=True, help="kernel-side tap (we hold its fd)")
    ap.add_argument("--htap", required=True, help="haze's tap (AF_PACKET on it)")
    ap.add_argument("--loss", type=float, default=5.0)
    ap.add_argument("--reorder", type=float, default=25.0)
    ap.add_argument("--duplicate", type=float, default=2.0)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--ready", help="file to create once both ends are open")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    kfd = open_tap(a.ktap)
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    ps.bind((a.htap, 0))
    ps.setblocking(False)
    ps.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    if a.ready:
        open(a.ready, "w").close()

    n = {"k2h": 0, "lost": 0, "dup": 0, "early": 0, "h2k": 0, "h2k_err": 0, "k2h_err": 0}
    q = []  # (due, seq, frame)
    seq = 0
    delay = a.delay_ms / 1000.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    while not stop:
        now = time.monotonic()
        while q and q[0][0] <= now:
            _, _, f = heapq.heappop(q)
            try:
                ps.send(f)
                n["k2h"] += 1
            except OSError:
                n["k2h_err"] += 1
        timeout = max(0.0, q[0][0] - now) if q else 1.0
        try:
            r, _, _ = select.select([kfd, ps], [], [], timeout)
        except InterruptedError:
            continue
        if kfd in r:
            for _ in range(256):
                try:
                    f = os.read(kfd, 65536)
                except BlockingIOError:
                    break
                if rng.random() * 100 < a.loss:
                    n["lost"] += 1
                    continue
                copies = 1
                if rng.random() * 100 < a.duplicate:
                    copies = 2
                    n["dup"] += 1
                now = time.monotonic()
                for _ in range(copies):
                    if rng.random() * 100 < a.reorder:
                        due = now
                        n["early"] += 1
                    else:
                        due = now + delay
                    seq += 1
                    heapq.heappush(q, (due, seq, f))
        if ps in r:
            for _ in range(256):
                try:
                    f, addr = ps.recvfrom(65536)
                except BlockingIOError:
                    break
                # Only what haze sent (received on HTAP), not our own
                # transmissions looping back as outgoing.
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                try:
                    os.write(kfd, f)
                    n["h2k"] += 1
                except OSError:
                    n["h2k_err"] += 1
    print("impair: " + ", ".join("%s %d" % kv for kv in n.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
