#!/usr/bin/env python3
"""checkmaps.py DIR...: for every NAME.execve.maps under DIR, checks that NAME.log was
recorded with the same layout: its first brk(NULL) must return the end of the
executable's last mapping (below the 0x7f... area), and ld.so's first mmap(NULL, ...)
must end exactly at the lowest mapping of the 0x7f... area ([vvar] with ASLR off)."""
import glob, os, re, sys

bad = 0
for d in sys.argv[1:]:
    for maps in sorted(glob.glob(os.path.join(d, '**', '*.execve.maps'), recursive=True)):
        log = maps[:-len('.execve.maps')] + '.log'
        rows = [tuple(int(x, 16) for x in l.split()[0].split('-')) for l in open(maps)]
        exe_end = max(b for a, b in rows if b < 0x7f0000000000)
        low = min(a for a, b in rows if a >= 0x7f0000000000)
        brk = mm = None
        for l in open(log, errors='replace'):
            if brk is None and (m := re.search(r'brk\(NULL\)\s+= (0x[0-9a-f]+)', l)):
                brk = int(m.group(1), 16)
            if mm is None and (m := re.search(r'mmap\(NULL, (\d+), .*\) = (0x[0-9a-f]+)', l)):
                mm = (int(m.group(1)), int(m.group(2), 16))
            if brk is not None and mm is not None:
                break
        ok = brk == exe_end and mm is not None and mm[1] + (mm[0] + 4095) // 4096 * 4096 == low
        bad += not ok
        print(f"{'ok  ' if ok else 'DIFF'} {log}: brk(NULL) {brk:#x}, exe ends {exe_end:#x}; "
              f"first mmap {mm[1]:#x}+{mm[0]}, lowest 0x7f mapping {low:#x}")
sys.exit(1 if bad else 0)
