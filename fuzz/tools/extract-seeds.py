#!/usr/bin/env python3
"""Build the fuzz seed corpora (fuzz/corpus/<harness>/) from packet captures.

Reads pcap (microsecond or nanosecond, either byte order) and pcapng with
the standard library only, takes Ethernet (and BSD loopback, wrapped in an
Ethernet header) frames, and writes seeds in each harness's input format
(documented at the top of fuzz/harness/<name>.c):

  ethif       flags + frame
  arp         config + (step, op 0, flags, ARP packet) records
  ipv4        flags + IPv4 packet (as captured, and "repaired to us")
  icmp        flags + source selector + ICMP message
  udp         (op 0, flags, src, dst selector, len, datagram) records
  tcp         config + operations: hand-written exchanges (handshakes both
              ways, data, close, RST, options, timers, ICMP) and captured
              TCP segments offered raw to the harness's listener
  ipv4-reasm  config + raw-mode fragment records, one file per datagram
  stack       config + (len, step, frame) records, addresses rewritten to
              the harness host (02:00:00:00:00:02, 10.0.0.2/24 via 10.0.0.1)
  core        a few hand-written inputs per sub-test

Hand-built sequences complement the captures where a capture cannot reach
(ARP resolution of a queued reply, overlapping fragments, ...). Each
harness keeps at most --max seeds (distinct by content), so the committed
corpus stays small.

usage: extract-seeds.py [--pcap-dir DIR] [--out fuzz/corpus] [--max N] [--only H ...]
"""
import argparse
import hashlib
import os
import struct
import sys

OUR_MAC = bytes.fromhex("020000000002")
GW_MAC = bytes.fromhex("020000000001")
BCAST = b"\xff" * 6
OUR_IP = bytes([10, 0, 0, 2])
GW_IP = bytes([10, 0, 0, 1])

# --------------------------------------------------------------------------
# capture readers


def read_pcap(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    pos, out = 24, []
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + "IIII", data[pos:pos + 16])
        pos += 16
        frame = data[pos:pos + caplen]
        pos += caplen
        usec = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append((usec, linktype, frame))
    return out


def read_pcapng(data):
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        return None
    pos, out, e, links, tsres = 0, [], "<", [], []
    while pos + 12 <= len(data):
        btype = struct.unpack("<I", data[pos:pos + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links, tsres = [], []
        blen = struct.unpack(e + "I", data[pos + 4:pos + 8])[0]
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:  # interface description
            links.append(struct.unpack(e + "H", body[:2])[0])
            tsres.append(1)  # default 10^-6; if_tsresol ignored (rare)
        elif btype == 6:  # enhanced packet
            iface, hi, lo, caplen, _ = struct.unpack(e + "IIIII", body[:20])
            ts = (hi << 32) | lo
            out.append((ts, links[iface] if iface < len(links) else 1, body[20:20 + caplen]))
        elif btype == 3:  # simple packet
            caplen = struct.unpack(e + "I", body[:4])[0]
            out.append((0, links[0] if links else 1, body[4:4 + caplen]))
        pos += blen
    return out


def read_capture(path):
    with open(path, "rb") as f:
        data = f.read()
    pkts = read_pcapng(data)
    if pkts is None:
        pkts = read_pcap(data)
    frames = []
    for ts, link, frame in pkts or []:
        if link == 1:
            frames.append((ts, frame))
        elif link == 0 and len(frame) > 4:  # BSD loopback: AF in host order
            af = struct.unpack("<I", frame[:4])[0]
            if af == 2:
                frames.append((ts, GW_MAC + OUR_MAC + b"\x08\x00" + frame[4:]))
    return frames


# --------------------------------------------------------------------------
# packet helpers


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_fix(pkt):
    """Recompute an IPv4 header checksum."""
    ihl = (pkt[0] & 15) * 4
    h = bytearray(pkt[:ihl])
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", csum(bytes(h)))
    return bytes(h) + pkt[ihl:]


def ipv4(src, dst, proto, payload, ident=1, frag=0, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0, src, dst)
    return ip_fix(h + payload)


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = src + dst + struct.pack("!BBH", 0, 17, len(u))
    c = csum(ph + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def icmp(t, code, rest, data):
    m = struct.pack("!BBHI", t, code, 0, rest) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)


def step_code(delta_us):
    for shift, scale in enumerate((1000, 100000, 1000000, 10000000)):
        v = (delta_us + scale // 2) // scale
        if v <= 63:
            return (shift << 6) | v
    return (3 << 6) | 63


def rewrite_to_us(frame):
    """Point a captured frame at the harness host, fixing checksums."""
    if len(frame) < 14:
        return frame
    dst = frame[:6]
    if not dst[0] & 1:
        dst = OUR_MAC
    etype = struct.unpack("!H", frame[12:14])[0]
    body = frame[14:]
    if etype == 0x0806 and len(body) >= 28:
        body = bytearray(body)
        if struct.unpack("!H", body[6:8])[0] == 1:
            body[24:28] = OUR_IP
        else:
            body[18:24] = OUR_MAC
            body[24:28] = OUR_IP
        body = bytes(body)
    elif etype == 0x0800 and len(body) >= 20 and body[0] >> 4 == 4:
        ihl = (body[0] & 15) * 4
        total = struct.unpack("!H", body[2:4])[0]
        if ihl >= 20 and len(body) >= max(total, ihl):
            b = bytearray(body)
            d = bytes(b[16:20])
            if not (d[0] >= 224 or d == b"\xff\xff\xff\xff"):
                b[16:20] = OUR_IP
            frag = struct.unpack("!H", b[6:8])[0]
            if b[9] == 17 and not frag & 0x3FFF and total >= ihl + 8:
                u = bytes(b[ihl:total])
                if u[6:8] != b"\0\0":
                    ulen = struct.unpack("!H", u[4:6])[0]
                    if 8 <= ulen <= len(u):
                        u = u[:6] + b"\0\0" + u[8:]
                        ph = bytes(b[12:16]) + bytes(b[16:20]) + struct.pack("!BBH", 0, 17, ulen)
                        c = csum(ph + u[:ulen]) or 0xFFFF
                        b[ihl + 6:ihl + 8] = struct.pack("!H", c)
            body = ip_fix(bytes(b))
    return dst + frame[6:12] + frame[12:14] + body


# --------------------------------------------------------------------------


class Corpus:
    def __init__(self, root, maxn, only=None):
        self.root, self.maxn, self.seen, self.only = root, maxn, {}, only

    def add(self, harness, data, name):
        if self.only and harness not in self.only:
            return
        seen = self.seen.setdefault(harness, set())
        h = hashlib.sha1(data).hexdigest()
        if h in seen or len(seen) >= self.maxn or not data:
            return
        seen.add(h)
        d = os.path.join(self.root, harness)
        os.makedirs(d, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        with open(os.path.join(d, "%s-%s" % (safe, h[:10])), "wb") as f:
            f.write(data)


def ip_of(frame):
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00" and frame[14] >> 4 == 4:
        return frame[14:]
    return None


def from_captures(c, frames, name):
    frags = {}
    records = bytearray(b"\x00")
    last_ts = None
    for i, (ts, fr) in enumerate(frames):
        c.add("ethif", b"\x01" + fr, name)
        if fr[12:14] == b"\x08\x06" and len(fr) >= 42:
            bc = 1 if fr[:6] == BCAST else 0
            c.add("arp", b"\x00" + bytes([0, 0, 0x24 | bc]) + fr[14:42], name)
        pkt = ip_of(fr)
        if pkt is not None:
            ihl = (pkt[0] & 15) * 4
            total = struct.unpack("!H", pkt[2:4])[0]
            c.add("ipv4", b"\x00" + pkt, name)
            c.add("ipv4", b"\x03" + pkt, name + "-repaired")
            frag = struct.unpack("!H", pkt[6:8])[0]
            if frag & 0x3FFF:
                key = (pkt[12:20], pkt[4:6], pkt[9])
                frags.setdefault(key, []).append(pkt[:total])
            elif pkt[9] == 1 and total > ihl + 8:
                c.add("icmp", b"\x01\x00" + pkt[ihl:total], name)
            elif pkt[9] == 17 and total >= ihl + 8:
                u = pkt[ihl:total]
                rec = bytes([0, 0x01]) + pkt[12:16] + b"\x00" + struct.pack("!H", len(u)) + u
                c.add("udp", rec, name)
                # the same datagram to the echo and ring ports
                for port in (7, 9):
                    u2 = u[:2] + struct.pack("!H", port) + u[4:]
                    c.add("udp", bytes([0, 0x01]) + pkt[12:16] + b"\x00" + struct.pack("!H", len(u2)) + u2,
                          "%s-port%d" % (name, port))
        fr2 = rewrite_to_us(fr)
        step = 0 if last_ts is None else step_code(max(0, ts - last_ts))
        last_ts = ts
        if len(records) + len(fr2) + 3 < 16384 and i < 64:
            records += struct.pack("!HB", len(fr2), step) + fr2
    if len(records) > 1:
        c.add("stack", bytes(records), name)
    for key, lst in frags.items():
        rec = bytearray(b"\x00")
        for p in lst:
            rec += bytes([0, 0x08]) + struct.pack("!H", len(p)) + p
        c.add("ipv4-reasm", bytes(rec), name)
        # and reversed, so the last fragment arrives first
        rec = bytearray(b"\x00")
        for p in reversed(lst):
            rec += bytes([0, 0x08]) + struct.pack("!H", len(p)) + p
        c.add("ipv4-reasm", bytes(rec), name + "-reversed")


def synthetic(c):
    peer_mac, peer = GW_MAC, GW_IP
    ping = ipv4(peer, OUR_IP, 1, icmp(8, 0, 0x12340001, b"haze ping payload"))
    echo = ipv4(peer, OUR_IP, 17, udp(peer, OUR_IP, 40000, 7, b"hello haze"))
    ring = ipv4(peer, OUR_IP, 17, udp(peer, OUR_IP, 40001, 9, b"to the ring"))
    closed = ipv4(peer, OUR_IP, 17, udp(peer, OUR_IP, 40002, 4444, b"nobody here"))
    who_has = arp(1, peer_mac, peer, b"\0" * 6, OUR_IP)
    is_at = arp(2, peer_mac, peer, OUR_MAC, OUR_IP)
    frames = [
        eth(BCAST, peer_mac, 0x0806, who_has),
        eth(OUR_MAC, peer_mac, 0x0800, ping),
        eth(OUR_MAC, peer_mac, 0x0800, echo),
        eth(OUR_MAC, peer_mac, 0x0800, ring),
        eth(OUR_MAC, peer_mac, 0x0800, closed),
        eth(OUR_MAC, peer_mac, 0x0806, is_at),
    ]
    # stack: a whole conversation, then with time passing between frames
    for steps, name in ((0, "conversation"), (0x81, "conversation-slow"), (0xC3, "conversation-timers")):
        rec = bytearray(b"\x00")
        for fr in frames:
            rec += struct.pack("!HB", len(fr), steps) + fr
        c.add("stack", bytes(rec), name)
    rec = bytearray(b"\x09")  # probing, drain ring
    for fr in [eth(BCAST, peer_mac, 0x0806, arp(1, peer_mac, b"\0" * 4, b"\0" * 6, OUR_IP))] + frames:
        rec += struct.pack("!HB", len(fr), 0x80 | 5) + fr
    c.add("stack", bytes(rec), "probe-conflict")
    # a ping in three fragments, then the ARP reply that releases the answer
    payload = icmp(8, 0, 0x77770001, bytes(range(256)) * 8)
    rec = bytearray(b"\x04")
    for off in range(0, len(payload), 800):
        part = payload[off:off + 800]
        mf = 0x2000 if off + 800 < len(payload) else 0
        p = ipv4(peer, OUR_IP, 1, part, ident=99, frag=mf | (off // 8))
        rec += struct.pack("!HB", 14 + len(p), 1) + eth(OUR_MAC, peer_mac, 0x0800, p)
    fr = eth(OUR_MAC, peer_mac, 0x0806, is_at)
    rec += struct.pack("!HB", len(fr), 1) + fr
    c.add("stack", bytes(rec), "fragmented-ping")
    # ICMP port unreachable quoting our DNS query (reaches the udp socket)
    quoted = ipv4(OUR_IP, peer, 17, udp(OUR_IP, peer, 49153, 53, b"\x12\x34"))[:28]
    unreach = ipv4(peer, OUR_IP, 1, icmp(3, 3, 0, quoted))
    fr = eth(OUR_MAC, peer_mac, 0x0800, unreach)
    c.add("stack", b"\x00" + struct.pack("!HB", len(fr), 0) + fr, "port-unreachable")

    # ethif: tagged, priority-tagged, multicast, bad source
    body = ping
    c.add("ethif", b"\x02" + OUR_MAC + peer_mac + b"\x81\x00\x00\x01\x08\x00" + body, "vlan1")
    c.add("ethif", b"\x00" + OUR_MAC + peer_mac + b"\x81\x00\xa0\x00\x08\x00" + body, "prio-tagged")
    c.add("ethif", b"\x08" + bytes.fromhex("01005e000001") + peer_mac + b"\x08\x00" + body, "all-hosts")
    c.add("ethif", b"\x00" + OUR_MAC + BCAST + b"\x08\x00" + body, "group-source")
    c.add("ethif", b"\x10" + OUR_MAC + peer_mac + b"\x08\x00" + body, "refused")

    # arp: probe mode, resolution of an output, static entries, timers
    a = bytearray(b"\x01")
    a += bytes([0x45, 5])  # poll, jump to deadline (probe)
    a += bytes([0x45, 5]) + bytes([0x45, 5]) + bytes([0x45, 5])
    a += bytes([0, 1, 0, 1]) + struct.pack("!H", 100)  # output to 10.0.0.1
    a += bytes([0, 0, 0x20]) + arp(2, peer_mac, peer, OUR_MAC, OUR_IP)
    a += bytes([0xC6, 5, 0xC6, 5])
    c.add("arp", bytes(a), "probe-resolve")
    a = bytearray(b"\x04")
    for host in (1, 3, 4):
        a += bytes([1, 1, 0, host]) + struct.pack("!H", 64)
    a += bytes([1, 3, 5]) + bytes.fromhex("020000000005") + bytes([1, 1, 0, 5, 0, 64])
    a += bytes([0x41, 5, 0x41, 5, 0x41, 5, 0x41, 5])
    a += bytes([1, 4, 5, 1, 2, 7])
    a += bytes([0, 0, 0x1d]) + arp(1, peer_mac, peer, b"\0" * 6, OUR_IP)  # conflict
    c.add("arp", bytes(a), "queue-and-timeout")

    # icmp: echo, port unreachable about our datagram, frag needed, time exceeded
    c.add("icmp", b"\x01\x00" + icmp(8, 0, 0x00010001, b"abcdefgh" * 4), "echo")
    c.add("icmp", b"\x21\x00" + icmp(3, 3, 0, quoted), "port-unreach")
    c.add("icmp", b"\x21\x00" + icmp(3, 4, 1400, quoted), "frag-needed")
    c.add("icmp", b"\x21\x00" + icmp(11, 0, 0, quoted), "ttl-exceeded")
    c.add("icmp", b"\x11\x00" + icmp(13, 0, 0x00010001, b"\0" * 12), "timestamp")
    c.add("icmp", b"\x43\x00" + icmp(8, 0, 0x00010002, b"bcast"), "echo-bcast")

    # udp engine: echo, ring + recvfrom, icmp error, sends, rebinding
    def dg(port, data, flags=1, src=peer):
        u = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
        return bytes([0, flags]) + src + b"\x00" + struct.pack("!H", len(u)) + u

    u = dg(7, b"echo me") + dg(9, b"ring one") + dg(9, b"ring two") + bytes([2, 0x04, 0x00])
    u += bytes([2, 0, 4]) + bytes([1, 3]) + peer + bytes([8]) + struct.pack("!HHHH", 49153, 53, 10, 0)
    u += bytes([3, 2]) + peer + struct.pack("!HH", 53, 5) + b"query"
    u += bytes([4, 5]) + struct.pack("!H", 0) + b"\x03" + bytes([5, 5]) + peer + struct.pack("!H", 99)
    u += dg(123, b"ntp", flags=0x05)
    c.add("udp", u, "engine-tour")

    # ipv4-reasm: in order, overlapping, duplicate, too many, timeout
    def fr(key, off8, mf, data, step=0, poll=0):
        ctl = key | (4 if mf else 0) | (0x10 if poll else 0)
        return bytes([step, ctl]) + struct.pack("!HH", off8, len(data)) + data

    d = bytes(range(256)) * 4
    c.add("ipv4-reasm", b"\x01" + fr(0, 0, 1, d[:512]) + fr(0, 64, 1, d[512:768]) + fr(0, 96, 0, d[768:]),
          "in-order")
    c.add("ipv4-reasm", b"\x01" + fr(0, 96, 0, d[768:]) + fr(0, 0, 1, d[:512]) + fr(0, 64, 1, d[512:768]),
          "last-first")
    c.add("ipv4-reasm", b"\x01" + fr(0, 0, 1, d[:512]) + fr(0, 32, 1, d[256:768]) + fr(0, 96, 0, d[768:]),
          "overlap")
    c.add("ipv4-reasm", b"\x01" + fr(0, 0, 1, d[:512]) + fr(0, 0, 1, d[:512]) + fr(0, 64, 0, d[512:]),
          "duplicate")
    c.add("ipv4-reasm", b"\x07" + b"".join(fr(i & 3, i, 1, d[:8]) for i in range(12)), "many")
    c.add("ipv4-reasm", b"\x00" + fr(1, 0, 1, d[:64]) + fr(2, 0, 1, d[:64], step=0xC2, poll=1)
          + fr(1, 8, 0, d[:8], step=0xC1, poll=1), "timeout")

    # ipv4 engine: options, source route, broadcast, multicast
    opts = ipv4(peer, OUR_IP, 17, udp(peer, OUR_IP, 1, 2, b"x"))
    rr = bytes([0x46]) + opts[1:20] + bytes([7, 3, 4, 0]) + opts[20:]
    rr = rr[:2] + struct.pack("!H", len(rr)) + rr[4:]
    c.add("ipv4", b"\x03" + ip_fix(rr), "record-route")
    lsrr = bytes([0x46]) + opts[1:20] + bytes([131, 3, 4, 0]) + opts[20:]
    lsrr = lsrr[:2] + struct.pack("!H", len(lsrr)) + lsrr[4:]
    c.add("ipv4", b"\x03" + ip_fix(lsrr), "lsrr")
    c.add("ipv4", b"\x05" + ipv4(peer, b"\xff" * 4, 17, udp(peer, b"\xff" * 4, 1, 2, b"b")), "bcast")
    c.add("ipv4", b"\x19" + ipv4(peer, OUR_IP, 17, udp(peer, OUR_IP, 1, 2, b"refused")), "refused")
    c.add("ipv4", b"\x03" + ipv4(peer, OUR_IP, 99, b"unknown protocol"), "proto-unreach")
    c.add("ipv4", b"\x23" + ipv4(peer, OUR_IP, 1, icmp(8, 0, 1, b"z" * 40), frag=0x2000), "first-frag")

    # core: one per sub-test
    for sub, ops, data in (
        (0, bytes([0, 1, 2, 3, 4 | 5 << 3, 5 | 2 << 3, 6 | 3 << 3, 7]), bytes(range(40))),
        (1, bytes([40, 0, 1, 2, 3, 4, 5, 6]) + b"\x11" * 48, b"writer"),
        (2, b"\x00\x07\x00\x04\xbe\xef\x00\x02\xde\xad\xbe\xef", bytes(range(1, 200))),
        (4, bytes([0, 0x85, 60]) + b"\x80" * 8 + bytes([1 | 2 << 3, 5, 60]) + b"\xff" * 8
         + bytes([5, 10, 60]) + b"\0" * 8 + bytes([6, 0, 10]) + b"A" * 8, b"str"),
        (5, bytes([200, 64, 0, 10, 2, 20, 1, 4, 3, 100, 4, 32]), b""),
    ):
        c.add("core", bytes([sub, len(ops)]) + ops + data, "sub%d" % sub)
    for text in (b"10.0.0.2", b"255.255.255.255", b"::", b"::1", b"2001:db8::1", b"fe80::1:2:3:4",
                 b"::ffff:192.0.2.1", b"1:2:3:4:5:6:7:8", b"10.0.0.0/8", b"2001:db8::/32",
                 b"02:00:00:00:00:02", b"01.2.3.4", b"1::2::3"):
        c.add("core", bytes([3, 0]) + text, "text")


# --------------------------------------------------------------------------
# tcp: the input format of fuzz/harness/tcp.c

M32 = 0xFFFFFFFF
T_FIN, T_SYN, T_RST, T_PSH, T_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
SEQ_RCV_NXT, SEQ_IRS, SEQ_RCV_ADV, SEQ_ABS = 0, 1, 2, 3
ACK_SND_MAX, ACK_SND_UNA, ACK_ISS, ACK_ABS = 0, 1, 2, 3
A_CONNECT, A_LISTEN, A_LCLOSE, A_ACCEPT, A_SEND, A_RECV, A_PEEK = 0, 1, 2, 3, 4, 5, 6
A_SHUTDOWN, A_CLOSE, A_ABORT, A_NODELAY, A_KEEPALIVE, A_BUFFERS = 7, 8, 9, 10, 11, 12
A_OUTRC, A_DRAIN, A_MTU = 13, 14, 15


def t_cfg(c0=0x0F, c1=0, c2=0):
    """c0: ts, sack, ws, cubic, delack0, nodelay, short timers, re-entrant."""
    return bytes([c0, c1, c2])


def t_opts(mss=None, ws=None, sackp=False, ts=None, sack=None, raw=None, eol_first=False, eol_pad=False):
    m, b = 0, b""
    if mss is not None:
        m |= 1
        b += struct.pack("!H", mss)
    if ws is not None:
        m |= 2
        b += bytes([ws])
    if sackp:
        m |= 4
    if ts is not None:
        m |= 8
        b += struct.pack("!II", ts[0] & M32, ts[1] & M32)
    if sack is not None:
        m |= 0x10
        b += bytes([len(sack) - 1]) + b"".join(struct.pack("!HH", l, n) for l, n in sack)
    if raw is not None:
        m |= 0x20
        b += bytes([len(raw)]) + raw
    if eol_first:
        m |= 0x40
    if eol_pad:
        m |= 0x80
    return bytes([m]) + b


def t_seg(tsel, flags, seq=0, ack=0, wnd=0xFFFF, dlen=0, sb=SEQ_RCV_NXT, ab=ACK_SND_MAX, opts=None,
          payload=None, bad=False, urg=None):
    """A built segment: tsel < 0x80 is connection slot tsel (else a template)."""
    mode = sb | ab << 2 | (0x10 if payload is not None else 0) | (0x20 if bad else 0)
    mode |= (0x40 if opts is not None else 0) | (0x80 if urg is not None else 0)
    if payload is not None:
        dlen = len(payload)
    b = bytes([0, tsel, mode, flags]) + struct.pack("!IIHH", seq & M32, ack & M32, wnd, dlen)
    if urg is not None:
        b += struct.pack("!H", urg)
    if opts is not None:
        b += opts
    if payload is not None:
        b += payload
    return b


def t_tmpl(lport=0, peer=0, pport=0, other=False):
    return 0x80 | lport | peer << 2 | pport << 4 | (0x40 if other else 0)


def t_raw(seg, fix=True, src=0, slot=None, fit=False, bcast=False):
    f = (1 if fix else 0) | src << 1 | (0x10 if bcast else 0) | (0x40 if slot is not None else 0)
    f |= 0x80 if fit else 0
    b = bytes([2, f]) + (bytes([slot]) if slot is not None else b"")
    return b + struct.pack("!H", len(seg)) + seg


def t_step(code):
    return bytes([3, code])


def t_wait(us):
    return bytes([4]) + struct.pack("!I", us)


def t_icmp(slot, kind, seq=0, mtu=0, absolute=False, quote=None):
    isel = slot | (0x04 if quote is not None else 0) | (0x10 if absolute else 0)
    b = bytes([5, isel, kind - 1]) + struct.pack("!IH", seq & M32, mtu)
    if quote is not None:
        b += bytes([len(quote)]) + quote
    return b


def t_api(action, slot=0, arg=0, extra=b""):
    return bytes([6, action | slot << 4 | arg << 6]) + extra


def t_u16(v):
    return struct.pack("!H", v)


def tcp_seeds(c):
    JUMP = t_step(0)
    full = t_opts(mss=1460, ws=7, sackp=True, ts=(12345, 0))
    syn_passive = t_seg(t_tmpl(), T_SYN, seq=1000, sb=SEQ_ABS, ab=ACK_ABS, opts=t_opts(mss=1460))
    ack0 = t_seg(0, T_ACK)
    server = syn_passive + ack0 + t_api(A_ACCEPT)
    # server: handshake, data both ways, peer closes first
    s = server + t_seg(0, T_ACK | T_PSH, dlen=100) + t_api(A_RECV, 0, extra=t_u16(4096))
    s += t_api(A_SEND, 0, extra=t_u16(300)) + ack0 + t_seg(0, T_FIN | T_ACK)
    s += t_api(A_RECV, 0, extra=t_u16(4096)) + t_api(A_CLOSE) + ack0 + JUMP
    for c0 in (0x00, 0x0F, 0x8F, 0x37):
        c.add("tcp", t_cfg(c0) + s, "server-exchange-%02x" % c0)
    # server with every option, timestamps echoed
    s = t_seg(t_tmpl(), T_SYN, seq=0xFFFFFF00, sb=SEQ_ABS, ab=ACK_ABS, opts=full)
    s += t_seg(0, T_ACK, opts=t_opts(ts=(1, 0))) + t_api(A_ACCEPT)
    s += t_seg(0, T_ACK | T_PSH, dlen=1400, opts=t_opts(ts=(2, 0)))
    s += t_seg(0, T_ACK | T_PSH, dlen=1400, opts=t_opts(ts=(3, 0)))
    s += t_api(A_PEEK, 0, extra=t_u16(2000)) + t_api(A_SEND, 0, extra=t_u16(5000))
    s += t_seg(0, T_ACK, opts=t_opts(ts=(4, 0))) + t_api(A_SHUTDOWN) + t_seg(0, T_ACK | T_FIN, opts=t_opts(ts=(5, 0)))
    s += JUMP + JUMP
    c.add("tcp", t_cfg(0x0F, 0x0C) + s, "server-all-options-ws")
    c.add("tcp", t_cfg(0x07) + s, "server-all-options-newreno")
    # client: connect, SYN-ACK, data, we close first, TIME-WAIT
    synack = t_seg(0, T_SYN | T_ACK, seq=7000, sb=SEQ_ABS, ab=ACK_SND_MAX, opts=t_opts(mss=1400, ws=2, sackp=True, ts=(99, 0)))
    cl = t_api(A_CONNECT, extra=b"\x00") + synack
    s = cl + t_api(A_SEND, 0, extra=t_u16(3000)) + t_seg(0, T_ACK, opts=t_opts(ts=(1, 0)))
    s += t_seg(0, T_ACK | T_PSH, dlen=500, opts=t_opts(ts=(2, 0))) + t_api(A_RECV, 0, extra=t_u16(500))
    s += t_api(A_CLOSE) + t_seg(0, T_ACK, opts=t_opts(ts=(3, 0))) + t_seg(0, T_FIN | T_ACK, opts=t_opts(ts=(4, 0)))
    s += JUMP + JUMP
    for c0, c1 in ((0x0F, 0), (0x4F, 0), (0x00, 0x05), (0x9F, 0)):
        c.add("tcp", t_cfg(c0, c1) + s, "client-exchange-%02x-%02x" % (c0, c1))
    # client with plain options
    s = t_api(A_CONNECT, extra=b"\x04") + t_seg(0, T_SYN | T_ACK, seq=1, sb=SEQ_ABS, opts=t_opts(mss=536))
    s += t_api(A_NODELAY, 0, 1) + t_api(A_SEND, 0, extra=t_u16(2000)) + ack0 + t_seg(0, T_FIN | T_ACK)
    s += t_api(A_RECV, 0, extra=t_u16(10)) + t_api(A_SHUTDOWN) + ack0 + JUMP
    c.add("tcp", t_cfg(0x00) + s, "client-plain-peer-closes")
    # refused connection, RST in window, RST out of window (challenge ACK)
    c.add("tcp", t_cfg(0x0F) + t_api(A_CONNECT, extra=b"\x00") + t_seg(0, T_RST | T_ACK, ab=ACK_SND_MAX)
          + t_api(A_RECV, 0, extra=t_u16(10)) + t_api(A_CLOSE), "client-refused")
    c.add("tcp", t_cfg(0x00) + server + t_seg(0, T_RST) + t_api(A_RECV, 0, extra=t_u16(10)), "server-reset")
    c.add("tcp", t_cfg(0x00) + server + t_seg(0, T_RST, seq=100) + t_seg(0, T_RST, seq=0x80000000)
          + t_seg(0, T_SYN) + t_seg(0, T_ACK, ack=0x40000000, ab=ACK_SND_UNA), "server-challenge-acks")
    # closed port, listener given an ACK, bad checksum, bad option, broadcast
    c.add("tcp", t_cfg(0x00) + t_seg(t_tmpl(lport=1), T_SYN, seq=5, sb=SEQ_ABS)
          + t_seg(t_tmpl(lport=1), T_ACK, seq=5, ack=9, sb=SEQ_ABS, ab=ACK_ABS)
          + t_seg(t_tmpl(), T_ACK, seq=5, ack=9, sb=SEQ_ABS, ab=ACK_ABS)
          + t_seg(t_tmpl(), T_SYN, bad=True) + t_seg(t_tmpl(), T_SYN, opts=t_opts(raw=b"\x02\x03\x00\x00"))
          + t_raw(bytes(20), fix=True, bcast=True), "closed-port-and-drops")
    # simultaneous open
    c.add("tcp", t_cfg(0x0F) + t_api(A_CONNECT, extra=b"\x00") + t_seg(0, T_SYN, seq=444, sb=SEQ_ABS, opts=full)
          + t_seg(0, T_ACK) + t_api(A_SEND, 0, extra=t_u16(100)) + ack0, "simultaneous-open")
    # out of order data with SACK, then the gap filled; FIN beyond a gap
    s = t_seg(t_tmpl(), T_SYN, seq=1000, sb=SEQ_ABS, ab=ACK_ABS, opts=t_opts(mss=1460, sackp=True)) + ack0 + t_api(A_ACCEPT)
    s += t_seg(0, T_ACK, seq=1000, dlen=500) + t_seg(0, T_ACK, seq=2000, dlen=500) + t_seg(0, T_ACK | T_FIN, seq=3000, dlen=100)
    s += t_seg(0, T_ACK, seq=0, dlen=1000) + t_seg(0, T_ACK, dlen=500) + t_seg(0, T_ACK, dlen=1000)
    s += t_api(A_DRAIN) + t_api(A_CLOSE) + ack0
    c.add("tcp", t_cfg(0x03) + s, "server-out-of-order-sack")
    c.add("tcp", t_cfg(0x03, 0x08) + s, "server-out-of-order-small-ring")
    # retransmission timeouts until the connection gives up
    s = server + t_api(A_SEND, 0, extra=t_u16(4000)) + JUMP * 6
    c.add("tcp", t_cfg(0x4F) + s, "server-rto-give-up")
    # fast retransmit: three duplicate ACKs, partial and full ACKs
    s = server + t_api(A_NODELAY, 0, 1) + t_api(A_SEND, 0, extra=t_u16(8000))
    s += t_seg(0, T_ACK, ack=536, ab=ACK_SND_UNA) + t_seg(0, T_ACK, ab=ACK_SND_UNA) * 4
    s += t_seg(0, T_ACK, ack=1072, ab=ACK_SND_UNA) + ack0
    c.add("tcp", t_cfg(0x00) + s, "server-fast-retransmit-newreno")
    c.add("tcp", t_cfg(0x08) + s, "server-fast-retransmit-cubic")
    # zero window: persist probes, then the window opens
    s = server + t_seg(0, T_ACK, wnd=0) + t_api(A_SEND, 0, extra=t_u16(1000)) + JUMP * 3 + t_seg(0, T_ACK, wnd=4000) + ack0
    c.add("tcp", t_cfg(0x00) + s, "server-zero-window")
    # keepalive probes until the peer is declared dead
    s = server + t_api(A_KEEPALIVE, 0, 1) + JUMP * 5
    c.add("tcp", t_cfg(0x40) + s, "server-keepalive")
    # ICMP: port unreachable while connecting, frag needed with data in flight
    c.add("tcp", t_cfg(0x0F) + t_api(A_CONNECT, extra=b"\x00") + t_icmp(0, 4) + t_api(A_RECV, 0, extra=t_u16(1)),
          "client-icmp-port-unreachable")
    s = server + t_api(A_SEND, 0, extra=t_u16(3000)) + t_icmp(0, 6, mtu=576) + t_icmp(0, 2) + t_icmp(0, 6, seq=0x10000, mtu=300)
    s += ack0 + t_icmp(0, 4, quote=b"\x00\x50")
    c.add("tcp", t_cfg(0x00) + s, "server-icmp-frag-needed")
    # backlog full, listener close, second listener, abort
    s = t_api(A_LISTEN, extra=bytes([0x01 | 1 << 2])) + t_seg(t_tmpl(), T_SYN, seq=1, sb=SEQ_ABS)
    s += t_seg(t_tmpl(pport=1), T_SYN, seq=1, sb=SEQ_ABS) + t_seg(t_tmpl(peer=1), T_SYN, seq=1, sb=SEQ_ABS)
    s += t_seg(t_tmpl(lport=1, peer=2), T_SYN, seq=9, sb=SEQ_ABS) + t_seg(3, T_ACK) + t_api(A_ACCEPT, 1)
    s += t_api(A_ABORT, 2) + t_api(A_LCLOSE, 0) + t_api(A_LCLOSE, 1)
    c.add("tcp", t_cfg(0x00, 0, 0x01) + s, "listeners-backlog")
    # TIME-WAIT: FIN again, then a new SYN on the same tuple
    s = cl + t_api(A_CLOSE) + t_seg(0, T_ACK | T_FIN, opts=t_opts(ts=(1, 0))) + t_seg(0, T_ACK | T_FIN, seq=0xFFFFFFFF, opts=t_opts(ts=(2, 0)))
    s += t_seg(0, T_SYN, seq=100000, opts=t_opts(ts=(3, 0))) + t_step(0x45) + JUMP
    c.add("tcp", t_cfg(0x4F) + s, "client-time-wait")
    # re-entrant callbacks with data both ways
    s = server + t_seg(0, T_ACK | T_PSH, dlen=2000) + ack0 + ack0 + t_seg(0, T_ACK | T_FIN, dlen=10) + ack0 + JUMP
    c.add("tcp", t_cfg(0x80) + s, "server-reentrant")
    # urgent data, input payload, PAWS (old timestamp)
    s = t_seg(t_tmpl(), T_SYN, seq=50, sb=SEQ_ABS, ab=ACK_ABS, opts=t_opts(ts=(1000, 0))) + t_seg(0, T_ACK, opts=t_opts(ts=(1, 0)))
    s += t_api(A_ACCEPT) + t_seg(0, T_ACK | (0x20 | T_PSH), urg=3, payload=b"urgent!", opts=t_opts(ts=(2, 0)))
    s += t_seg(0, T_ACK, dlen=10, opts=t_opts(ts=(0xFFFFFF00, 0))) + t_api(A_DRAIN)
    c.add("tcp", t_cfg(0x01) + s, "server-urgent-paws")
    # own ring memory, tiny MTU, mss_max, ip output failing
    s = t_api(A_CONNECT, extra=b"\x20") + t_seg(0, T_SYN | T_ACK, seq=1, sb=SEQ_ABS, opts=t_opts(mss=9000))
    s += t_api(A_SEND, 0, extra=t_u16(1000)) + t_api(A_OUTRC, 0, 1) + ack0 + t_api(A_OUTRC, 0, 0) + JUMP + ack0
    c.add("tcp", t_cfg(0x00, 0xC0, 0x20) + s, "client-own-buffers-small-mtu")


def tcp_from_captures(c, frames, name):
    """Captured TCP segments, offered raw (checksum fixed for us) to the
    harness's listener on port 80: real option layouts and flag mixes."""
    segs = []
    for _, fr in frames:
        pkt = ip_of(fr)
        if pkt is None or pkt[9] != 6:
            continue
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        if struct.unpack("!H", pkt[6:8])[0] & 0x3FFF or total < ihl + 20:
            continue
        seg = bytearray(pkt[ihl:total])
        seg[2:4] = struct.pack("!H", 80)
        segs.append(bytes(seg[:1200]))
    if not segs:
        return
    rec = bytearray(t_cfg(0x0F))
    for seg in segs[:12]:
        rec += t_raw(seg)
    c.add("tcp", bytes(rec), name)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "pcap"))
    ap.add_argument("--out", default=os.path.join(here, "..", "corpus"))
    ap.add_argument("--max", type=int, default=40, help="seeds per harness (default 40)")
    ap.add_argument("--only", nargs="*", help="write only these harnesses' seeds")
    args = ap.parse_args()
    c = Corpus(args.out, args.max, set(args.only) if args.only else None)
    synthetic(c)  # first, so the cap never squeezes them out
    tcp_seeds(c)
    # captures with the protocols haze speaks first
    prefer = ("arp", "icmp", "frag", "udp", "dns", "dhcp", "ndpi/dns_fragmented", "tcp_handshake")
    paths = []
    for root, _, files in os.walk(args.pcap_dir):
        for f in files:
            if f.endswith((".pcap", ".pcapng")):
                paths.append(os.path.join(root, f))
    paths.sort(key=lambda p: (not any(k in p for k in prefer), p))
    for p in paths:
        try:
            frames = read_capture(p)
        except (struct.error, IndexError, ValueError) as e:
            print("skip %s: %s" % (p, e), file=sys.stderr)
            continue
        from_captures(c, frames, os.path.splitext(os.path.basename(p))[0])
        if "tcp" in p or "http" in p:
            tcp_from_captures(c, frames, os.path.splitext(os.path.basename(p))[0])
    for h in sorted(c.seen):
        print("%-11s %3d seeds" % (h, len(c.seen[h])))


if __name__ == "__main__":
    main()
