#!/usr/bin/env python3
"""Counts what a strace log holds, for tests/traces/README.md.

stats.py LOG...  prints, per log: bytes, lines, whether the last line is cut,
processes/threads seen, line kinds, calls by name (a call split into
"<unfinished ...>" + "<... resumed>" counts once, at its start) and the
madvise / process_madvise advice counts.  A rough reader for counting only: it is
not the parser of `madv replay`.
"""
import collections, re, sys

# pid column: "1234  ", "1234<comm> " (-Y) or "[pid  1234] " (stderr); time: -ttt, -tt, -t, -r
PFX = re.compile(r'^(?:\[pid\s+(\d+)\]\s|(\d+)(?:<[^>]*>)?\s+)?'
                 r'(?:(?:\d+\.\d+|\d\d:\d\d:\d\d(?:\.\d+)?)\s+)?(?:\(\+\s*\d+\.\d+\)\s+)?(.*)$')

def stats(path):
    data = open(path, 'rb').read()
    text = data.decode('utf-8', 'replace')
    lines = text.split('\n')
    cut = not text.endswith('\n')
    if not cut:
        lines = lines[:-1]
    kinds, calls, madv, pmadv, pids = (collections.Counter() for _ in range(5))
    for l in lines:
        m = PFX.match(l)
        pid, body = m.group(1) or m.group(2), m.group(3)
        if pid:
            pids[pid] += 1
        if body.startswith('<... '):
            kinds['resumed'] += 1
            continue
        if body.startswith('--- '):
            kinds['signal'] += 1; continue
        if body.startswith('+++ '):
            k = 'exited' if 'exited with' in body else 'killed' if 'killed by' in body else 'superseded' if 'superseded' in body else '+++ other'
            kinds[k] += 1; continue
        cm = re.match(r'([a-z_0-9]+)\(', body)
        if not cm:
            kinds['other'] += 1; continue
        name = cm.group(1)
        calls[name] += 1
        if body.endswith('<unfinished ...>'):
            kinds['unfinished'] += 1
        elif body.endswith('<detached ...>'):
            kinds['detached'] += 1
        elif re.search(r'\) += ', body) or body.endswith('= ?'):
            kinds['complete'] += 1
        else:
            kinds['cut/other'] += 1
        if name == 'madvise':
            a = re.match(r'madvise\([^,]*, [^,]*, ([^)<]*?)(?:\)| <|$)', body)
            madv[a.group(1).strip() if a else '?'] += 1
        if name == 'process_madvise':
            a = re.search(r'\], \d+, ([^,]+), ', body)
            pmadv[a.group(1) if a else '?'] += 1
    return dict(bytes=len(data), lines=len(lines) + (1 if cut else 0), cut=cut,
                pids=len(pids), kinds=kinds, calls=calls, madv=madv, pmadv=pmadv)

def fmt(c):
    return ', '.join(f'{k} {v}' for k, v in c.most_common()) or '-'

if __name__ == '__main__':
    for p in sys.argv[1:]:
        s = stats(p)
        print(f"### {p}\n- {s['bytes']:,} bytes, {s['lines']:,} lines{' (last line cut, no newline)' if s['cut'] else ''}, {s['pids']} pids/tids with lines")
        print(f"- line kinds: {fmt(s['kinds'])}")
        print(f"- calls: {fmt(s['calls'])}")
        print(f"- madvise: {fmt(s['madv'])}")
        if s['pmadv']:
            print(f"- process_madvise: {fmt(s['pmadv'])}")
        print()
