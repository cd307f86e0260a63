#!/usr/bin/env python3
"""UDP echo client for the interop tests.

Sends --count datagrams of random length (--min..--max bytes, random
content) to --dst:--port (IPv4 or IPv6) one at a time and checks that each reply is
byte-for-byte the datagram sent. Each datagram starts with an 8-byte
sequence tag (when long enough) so a late reply to an earlier try is
recognised and skipped, not counted as a mismatch. A datagram that gets
no reply is resent up to --retries times. Exits 0 when every datagram came
back intact, 1 otherwise, printing a summary line either way.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--max", type=int, default=8192)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--retries", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    # An IPv4 or IPv6 literal (with %scope for a link-local address).
    family = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
    dst = socket.getaddrinfo(args.dst, args.port, family, socket.SOCK_DGRAM)[0][4]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.settimeout(args.timeout)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.connect(dst)

    ok = mismatches = lost = retries_used = stale = 0
    nbytes = 0
    t0 = time.monotonic()
    for i in range(args.count):
        n = rng.randint(args.min, args.max)
        payload = bytearray(rng.randbytes(n))
        if n >= 8:
            payload[0:8] = struct.pack(">Q", i)
        payload = bytes(payload)
        got = None
        for attempt in range(args.retries + 1):
            if attempt:
                retries_used += 1
            sock.send(payload)
            deadline = time.monotonic() + args.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    break
                except ConnectionRefusedError:
                    print(f"datagram {i}: ICMP port unreachable", file=sys.stderr)
                    break
                if len(data) >= 8 and n >= 8 and data[0:8] != payload[0:8]:
                    stale += 1  # a late answer to an earlier datagram
                    continue
                got = data
                break
            if got is not None:
                break
        if got is None:
            lost += 1
            print(f"datagram {i}: {n} bytes, no reply after {args.retries + 1} tries",
                  file=sys.stderr)
        elif got != payload:
            mismatches += 1
            where = next((k for k in range(min(len(got), n)) if got[k] != payload[k]),
                         min(len(got), n))
            print(f"datagram {i}: sent {n} bytes, got {len(got)}, first difference at byte {where}",
                  file=sys.stderr)
        else:
            ok += 1
            nbytes += n
    dt = time.monotonic() - t0
    print(f"udp-echo: {ok}/{args.count} echoed intact ({nbytes} bytes) in {dt:.2f} s, "
          f"{mismatches} mismatched, {lost} lost, {retries_used} retries, {stale} stale replies, "
          f"seed {seed}")
    return 0 if ok == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
