#!/usr/bin/env python3
"""Robustness check for the corpus: rewrite every scenario so that its reservation R
lies in the middle of a larger PROT_NONE reservation QQ and merges with it, the way
R could merge with a foreign PROT_NONE neighbour in a real process (a .NET GC
reservation, a thread-stack guard). A file whose results change under this rewrite
depends on where R's edge remnants end, which the corpus conventions forbid.

    python3 tools/embed-reservation.py OUTDIR *.scn
    python3 /work/shared/tools/scnhost.py OUTDIR/*.scn     # expect 0 mismatches

QQ is R's size + 2048 pages and R sits at QQ+1024p, so a 2 MiB-aligned R stays
2 MiB-aligned (madv-collapse.scn relies on that).
"""
import os
import re
import sys

RESERVATION = re.compile(r"^mmap R (\d+)p none private,anon,noreserve(\s.*)?$")


def embed(text):
    out, done = [], False
    for line in text.split("\n"):
        m = RESERVATION.match(line)
        if m and not done:
            pages = int(m.group(1))
            out.append("mmap QQ %dp none private,anon,noreserve => ok" % (pages + 2048))
            out.append("mmap R %dp none private,anon,noreserve,fixed at=QQ+1024p%s"
                       % (pages, m.group(2) or ""))
            done = True
        else:
            out.append(line)
    return "\n".join(out)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: embed-reservation.py OUTDIR FILE...\n")
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    for path in argv[2:]:
        with open(path) as f:
            text = f.read()
        with open(os.path.join(outdir, os.path.basename(path)), "w") as f:
            f.write(embed(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
