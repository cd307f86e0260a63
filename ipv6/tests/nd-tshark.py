#!/usr/bin/env python3
"""Cross-check haze's ND and MLD wire code against tshark.

usage: nd-tshark.py TEST_EXE

TEST_EXE (test-ipv6-nd) run with `--pcap FILE` writes the ND and MLD
messages haze emits, plus hand-built MLDv2 queries, into FILE and prints
one line per frame: `field=value;...` with tshark field names. For the
emitted messages the values are the ones the emitter was given; for the
queries they are what haze's parser decoded. tshark (Wireshark's own
dissectors) must decode every frame to the same values, and find every
checksum good. Exit 0 on agreement, 1 on a difference, 77 (skip) when
tshark is not installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tshark = shutil.which("tshark")
    if not tshark:
        print("tshark not found: skipped")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "nd.pcap")
        out = subprocess.run([sys.argv[1], "--pcap", pcap], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        expect = []
        for line in out.splitlines():
            if line.strip():
                expect.append(dict(kv.split("=", 1) for kv in line.split(";")))
        fields = sorted({f for e in expect for f in e})
        cmd = [tshark, "-r", pcap, "-n", "-T", "fields", "-E", "separator=\t",
               "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields:
            cmd += ["-e", f]
        # no profile: tshark's defaults are the oracle
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=tmp)
        got = subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env).stdout
    rows = [r.split("\t") for r in got.splitlines()]
    if len(rows) != len(expect):
        print("tshark decoded %d frames, expected %d" % (len(rows), len(expect)))
        return 1
    bad = 0
    for i, (e, row) in enumerate(zip(expect, rows), 1):
        dec = dict(zip(fields, row))
        for f, v in e.items():
            if dec.get(f, "") != v:
                print("frame %d: %s: tshark says %r, haze %r" % (i, f, dec.get(f, ""), v))
                bad += 1
    print("%d frames, %d fields compared, %d differences" %
          (len(expect), sum(len(e) for e in expect), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
