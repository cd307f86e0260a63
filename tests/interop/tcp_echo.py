#!/usr/bin/env python3
"""TCP echo client for the interop tests.

Sends --bytes of random data to DST:PORT on one thread while another reads
the echo; after the last byte it half-closes (FIN) and reads until haze's
FIN. Passes when every byte came back (SHA-256 of what was sent equals
SHA-256 of what was received, and the lengths match) and the connection
ended with a clean EOF. Prints the throughput.
"""
import argparse
import hashlib
import os
import socket
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--bytes", type=int, default=64 << 20)
    ap.add_argument("--chunk", type=int, default=64 << 10)
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds without progress before giving up")
    ap.add_argument("--deadline", type=float, default=0.0,
                    help="give up after this many seconds in all (0: none)")
    a = ap.parse_args()

    s = socket.create_connection((a.dst, a.port), timeout=a.timeout)
    s.settimeout(a.timeout)
    sent_hash = hashlib.sha256()
    recv_hash = hashlib.sha256()
    state = {"sent": 0, "recv": 0, "error": None, "eof": False}
    # Fresh random data per chunk, so no period in the stream can hide a
    # misplaced segment.
    start = time.monotonic()

    def sender():
        try:
            left = a.bytes
            while left:
                buf = os.urandom(min(a.chunk, left))
                sent_hash.update(buf)
                s.sendall(buf)
                left -= len(buf)
                state["sent"] += len(buf)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:  # reported by the main thread
            state["error"] = "send: %r" % (e,)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        while True:
            if a.deadline and time.monotonic() - start > a.deadline:
                raise TimeoutError("deadline of %.0f s passed" % a.deadline)
            buf = s.recv(1 << 20)
            if not buf:
                state["eof"] = True
                break
            recv_hash.update(buf)
            state["recv"] += len(buf)
            if state["recv"] > a.bytes:
                break
    except Exception as e:
        state["error"] = state["error"] or "recv: %r" % (e,)
    elapsed = time.monotonic() - start
    t.join(timeout=5)
    s.close()

    mb = state["recv"] / 1e6
    print("tcp_echo: sent %d, received %d bytes in %.2f s: %.1f MB/s each way"
          % (state["sent"], state["recv"], elapsed, mb / elapsed if elapsed else 0.0))
    ok = True
    if state["error"]:
        print("tcp_echo: error: %s" % state["error"])
        ok = False
    if state["sent"] != a.bytes or state["recv"] != a.bytes:
        print("tcp_echo: length mismatch: wanted %d each way" % a.bytes)
        ok = False
    if not state["eof"]:
        print("tcp_echo: no clean EOF from the server")
        ok = False
    if ok and sent_hash.hexdigest() != recv_hash.hexdigest():
        print("tcp_echo: sha256 mismatch: sent %s, received %s"
              % (sent_hash.hexdigest(), recv_hash.hexdigest()))
        ok = False
    if ok:
        print("tcp_echo: sha256 %s matches" % sent_hash.hexdigest())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
