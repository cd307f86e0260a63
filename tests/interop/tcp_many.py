#!/usr/bin/env python3
"""Open N concurrent TCP connections to an echo server, send a distinct
payload on each, read every byte back, verify, then close them all.

All N connections are held open at the same time: every connection is
established (and has sent its payload) before any is closed. Exit 0 when
every connection echoed its payload exactly; prints one summary line."""
import argparse
import errno
import hashlib
import selectors
import socket
import sys
import time


def payload(i, size):
    seed = hashlib.sha256(b"haze-%d" % i).digest()
    out = bytearray()
    while len(out) < size:
        out += seed
        seed = hashlib.sha256(seed).digest()
    return bytes(out[:size])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--deadline", type=float, default=120)
    ap.add_argument("--hold", type=float, default=0,
                    help="after every payload is back, print a line and keep all "
                         "connections open this many seconds before closing")
    a = ap.parse_args()

    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.conns + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.conns + 256), hard))

    sel = selectors.DefaultSelector()
    conns = {}
    t0 = time.monotonic()
    for i in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((a.dst, a.port))
        if err not in (0, errno.EINPROGRESS):
            print(f"connect {i}: {errno.errorcode.get(err, err)}", file=sys.stderr)
            return 1
        st = {"i": i, "want": payload(i, a.size), "sent": 0, "got": bytearray(),
              "connected": False}
        conns[s] = st
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ, st)

    established = 0
    done = 0
    failed = 0
    max_open = 0
    deadline = t0 + a.deadline
    while done + failed < a.conns:
        if time.monotonic() > deadline:
            print(f"deadline: {done} done, {failed} failed, {established} established",
                  file=sys.stderr)
            return 1
        for key, ev in sel.select(timeout=1.0):
            s, st = key.fileobj, key.data
            if not st["connected"] and ev & (selectors.EVENT_WRITE | selectors.EVENT_READ):
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    print(f"conn {st['i']}: {errno.errorcode.get(err, err)}", file=sys.stderr)
                    sel.unregister(s)
                    s.close()
                    failed += 1
                    continue
                st["connected"] = True
                established += 1
                max_open = max(max_open, established)
            if ev & selectors.EVENT_WRITE and st["sent"] < a.size:
                try:
                    st["sent"] += s.send(st["want"][st["sent"]:])
                except BlockingIOError:
                    pass
                if st["sent"] == a.size:
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                try:
                    b = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    print(f"conn {st['i']}: {e}", file=sys.stderr)
                    sel.unregister(s)
                    failed += 1
                    continue
                if not b:
                    print(f"conn {st['i']}: EOF after {len(st['got'])} bytes", file=sys.stderr)
                    sel.unregister(s)
                    failed += 1
                    continue
                st["got"] += b
                if len(st["got"]) >= a.size:
                    sel.unregister(s)
                    if bytes(st["got"]) != st["want"]:
                        print(f"conn {st['i']}: echoed bytes differ", file=sys.stderr)
                        failed += 1
                    else:
                        done += 1
    t1 = time.monotonic()
    if a.hold > 0 and done == a.conns:
        print(f"tcp_many: all {a.conns} echoed, holding them open {a.hold:.0f} s", flush=True)
        time.sleep(a.hold)
    # Every connection was open at this point: close them all.
    still_open = sum(1 for s in conns if s.fileno() >= 0)
    for s in conns:
        s.close()
    print(f"tcp_many: {done}/{a.conns} connections echoed {a.size} bytes each "
          f"({still_open} open at once) in {t1 - t0:.2f} s; {failed} failed")
    return 0 if done == a.conns else 1


if __name__ == "__main__":
    sys.exit(main())
